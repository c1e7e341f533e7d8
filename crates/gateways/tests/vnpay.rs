//! Our VNPAY client (`motcua_gateways::vnpay`) against golden vectors computed here, by hand,
//! and against the simulated sandbox (`motcua_sim::vnpay`) over real HTTP on 127.0.0.1, with a
//! small merchant IPN endpoint on another port.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use motcua_gateways::vnpay::{
    CallbackError, GatewayError, IpnAnswer, Locale, MAX_ORDER_INFO, PaymentRequest, QueryResult,
    RefundKind, RefundRequest, Vnpay, VnpayConfig, ipn_answer, order_info_text, parse_wire_time,
    wire_time,
};
use motcua_sim::vnpay::VnpaySandbox;
use serde_json::{Value, json};
use sha2::Sha512;

const TMN: &str = "MOTCUA01";
const SECRET: &str = "VNPAYTESTSECRET0123456789ABCDEFG";

/// The reference signature, computed without our code.
fn hmac_hex(secret: &str, data: &str) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn client(pay_url: &str, api_url: &str, tmn: &str, secret: &str) -> Vnpay {
    provider();
    Vnpay::new(VnpayConfig {
        pay_url: pay_url.into(),
        api_url: api_url.into(),
        tmn_code: tmn.into(),
        hash_secret: secret.into(),
    })
    .unwrap()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Golden vectors

#[test]
fn golden_payment_url() {
    let vnpay = client(
        "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction",
        "DEMOV210",
        SECRET,
    );
    let created = Utc.with_ymd_and_hms(2021, 8, 1, 8, 33, 33).unwrap();
    let request = PaymentRequest {
        txn_ref: "5".into(),
        amount_vnd: 18_060,
        order_info: "Thanh toan don hang :5".into(),
        return_url: "https://domainmerchant.vn/ReturnUrl".into(),
        ip: "127.0.0.1".into(),
        locale: Locale::Vietnamese,
        created_at: created,
        expires_at: created + chrono::Duration::minutes(15),
        bank_code: None,
    };
    request.check().unwrap();
    // Sorted by name, form-encoded (space as +), times in GMT+7, amount × 100.
    let canonical = "vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate=20210801153333\
                     &vnp_CurrCode=VND&vnp_ExpireDate=20210801154833&vnp_IpAddr=127.0.0.1\
                     &vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+%3A5&vnp_OrderType=other\
                     &vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl\
                     &vnp_TmnCode=DEMOV210&vnp_TxnRef=5&vnp_Version=2.1.0";
    let expected = format!(
        "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{canonical}&vnp_SecureHash={}",
        hmac_hex(SECRET, canonical)
    );
    assert_eq!(vnpay.payment_url(&request), expected);

    // Vietnamese text is folded to unaccented ASCII; brackets become spaces; the bank code
    // sorts in; English pages.
    let request = PaymentRequest {
        txn_ref: "000.00.01.H26-250101-0001-1".into(),
        amount_vnd: 1_250_000,
        order_info: "Lệ phí (bản sao) hồ sơ 000.00.01.H26-250101-0001".into(),
        return_url: "https://motcua.example/thanh-toan/ket-qua?lang=vi&x=a b".into(),
        ip: "2001:db8::1".into(),
        locale: Locale::English,
        created_at: Utc.with_ymd_and_hms(2025, 12, 31, 17, 0, 0).unwrap(),
        expires_at: Utc.with_ymd_and_hms(2025, 12, 31, 17, 15, 0).unwrap(),
        bank_code: Some("VNBANK".into()),
    };
    let canonical = "vnp_Amount=125000000&vnp_BankCode=VNBANK&vnp_Command=pay\
                     &vnp_CreateDate=20260101000000&vnp_CurrCode=VND\
                     &vnp_ExpireDate=20260101001500&vnp_IpAddr=2001%3Adb8%3A%3A1&vnp_Locale=en\
                     &vnp_OrderInfo=Le+phi+ban+sao+ho+so+000.00.01.H26-250101-0001\
                     &vnp_OrderType=other\
                     &vnp_ReturnUrl=https%3A%2F%2Fmotcua.example%2Fthanh-toan%2Fket-qua%3Flang%3Dvi%26x%3Da+b\
                     &vnp_TmnCode=DEMOV210&vnp_TxnRef=000.00.01.H26-250101-0001-1\
                     &vnp_Version=2.1.0";
    let expected = format!(
        "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{canonical}&vnp_SecureHash={}",
        hmac_hex(SECRET, canonical)
    );
    assert_eq!(vnpay.payment_url(&request), expected);
}

#[test]
fn folding_and_times() {
    assert_eq!(
        order_info_text("Lệ phí hồ sơ 000.00.01.H26-250101-0001 (bản sao) — Đà Nẵng"),
        "Le phi ho so 000.00.01.H26-250101-0001 ban sao -- Da Nang"
    );
    // The characters the reference implementations encode differently never reach the wire.
    assert_eq!(order_info_text("a*b~c!d'e(f)g"), "a b c d e f g");
    assert_eq!(order_info_text("  *~!'()  "), "");
    assert_eq!(
        order_info_text(&"a".repeat(300)).chars().count(),
        MAX_ORDER_INFO
    );

    let t = Utc.with_ymd_and_hms(2021, 8, 1, 8, 33, 33).unwrap();
    assert_eq!(wire_time(t), "20210801153333");
    assert_eq!(parse_wire_time("20210801153333"), Some(t));
    for bad in [
        "2021080115333",
        "20211301153333",
        "+0210801153333",
        "2021-08-01T15:33",
    ] {
        assert_eq!(parse_wire_time(bad), None, "{bad}");
    }
}

#[test]
fn payment_requests_are_checked() {
    let now = Utc::now();
    let good = PaymentRequest {
        txn_ref: "A-1".into(),
        amount_vnd: 10_000,
        order_info: "Le phi".into(),
        return_url: "https://motcua.example/r".into(),
        ip: "10.0.0.1".into(),
        locale: Locale::Vietnamese,
        created_at: now,
        expires_at: now + chrono::Duration::minutes(15),
        bank_code: None,
    };
    good.check().unwrap();
    for bad in [
        PaymentRequest {
            txn_ref: "a b".into(),
            ..good.clone()
        },
        PaymentRequest {
            txn_ref: "x".repeat(101),
            ..good.clone()
        },
        PaymentRequest {
            amount_vnd: 0,
            ..good.clone()
        },
        PaymentRequest {
            order_info: "(!)".into(),
            ..good.clone()
        },
        PaymentRequest {
            return_url: "javascript:alert(1)".into(),
            ..good.clone()
        },
        PaymentRequest {
            expires_at: now,
            ..good.clone()
        },
        PaymentRequest {
            bank_code: Some("N C B".into()),
            ..good.clone()
        },
    ] {
        assert!(bad.check().is_err(), "{bad:?}");
    }
}

/// A return URL as VNPAY sends it, signed here by hand.
fn genuine_callback(tmn: &str) -> Vec<(String, String)> {
    let canonical = format!(
        "vnp_Amount=1806000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14226112&vnp_CardType=ATM\
         &vnp_OrderInfo=Thanh+toan+don+hang+thoi+gian%3A+2023-12-07+17%3A00%3A44\
         &vnp_PayDate=20231207170112&vnp_ResponseCode=00&vnp_TmnCode={tmn}\
         &vnp_TransactionNo=14226112&vnp_TransactionStatus=00&vnp_TxnRef=166117"
    );
    let hash = hmac_hex(SECRET, &canonical);
    let mut q = pairs(&[
        ("vnp_Amount", "1806000"),
        ("vnp_BankCode", "NCB"),
        ("vnp_BankTranNo", "VNP14226112"),
        ("vnp_CardType", "ATM"),
        (
            "vnp_OrderInfo",
            "Thanh toan don hang thoi gian: 2023-12-07 17:00:44",
        ),
        ("vnp_PayDate", "20231207170112"),
        ("vnp_ResponseCode", "00"),
        ("vnp_TmnCode", tmn),
        ("vnp_TransactionNo", "14226112"),
        ("vnp_TransactionStatus", "00"),
        ("vnp_TxnRef", "166117"),
    ]);
    q.push(("vnp_SecureHash".into(), hash));
    q
}

fn set(q: &mut [(String, String)], name: &str, value: &str) {
    for (n, v) in q.iter_mut() {
        if n == name {
            *v = value.to_owned();
        }
    }
}

#[test]
fn golden_callback_and_forgeries() {
    let vnpay = client(
        "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction",
        TMN,
        SECRET,
    );
    let genuine = genuine_callback(TMN);
    let cb = vnpay.verify_callback(&genuine).unwrap();
    assert!(cb.is_paid());
    assert_eq!(cb.txn_ref, "166117");
    assert_eq!(cb.amount_vnd, 18_060);
    assert_eq!(cb.transaction_no.as_deref(), Some("14226112"));
    assert_eq!(cb.bank_code.as_deref(), Some("NCB"));
    assert_eq!(cb.bank_tran_no.as_deref(), Some("VNP14226112"));
    assert_eq!(cb.card_type.as_deref(), Some("ATM"));
    assert_eq!(
        cb.pay_date,
        Some(Utc.with_ymd_and_hms(2023, 12, 7, 10, 1, 12).unwrap()),
        "17:01:12 in Vietnam"
    );

    // Our own parameters on the return URL, the obsolete hash type and an upper-case hash are
    // fine.
    let mut with_extras = genuine.clone();
    with_extras.insert(0, ("lang".into(), "vi".into()));
    with_extras.push(("vnp_SecureHashType".into(), "HmacSHA512".into()));
    let upper = genuine.last().unwrap().1.to_uppercase();
    set(&mut with_extras, "vnp_SecureHash", &upper);
    assert_eq!(vnpay.verify_callback(&with_extras).unwrap(), cb);

    // An altered amount.
    let mut altered = genuine.clone();
    set(&mut altered, "vnp_Amount", "100");
    assert_eq!(
        vnpay.verify_callback(&altered),
        Err(CallbackError::BadSignature)
    );
    // A hash made with another secret, a hash that is not hex, no hash.
    let mut forged = genuine.clone();
    let canonical_of_forged = "vnp_Amount=1806000";
    set(
        &mut forged,
        "vnp_SecureHash",
        &hmac_hex("not the secret", canonical_of_forged),
    );
    assert_eq!(
        vnpay.verify_callback(&forged),
        Err(CallbackError::BadSignature)
    );
    set(&mut forged, "vnp_SecureHash", "zz");
    assert_eq!(
        vnpay.verify_callback(&forged),
        Err(CallbackError::BadSignature)
    );
    let unsigned: Vec<_> = genuine
        .iter()
        .filter(|(n, _)| n != "vnp_SecureHash")
        .cloned()
        .collect();
    assert_eq!(
        vnpay.verify_callback(&unsigned),
        Err(CallbackError::Missing("vnp_SecureHash"))
    );
    // An unsigned vnp_ parameter slipped in.
    let mut extra = genuine.clone();
    extra.push(("vnp_PromotionAmount".into(), "0".into()));
    assert_eq!(
        vnpay.verify_callback(&extra),
        Err(CallbackError::BadSignature)
    );
    // A repeated parameter, after or before the signed one.
    for forged_first in [false, true] {
        let mut dup = genuine.clone();
        let entry = ("vnp_Amount".to_owned(), "100".to_owned());
        if forged_first {
            dup.insert(0, entry);
        } else {
            dup.push(entry);
        }
        assert_eq!(
            vnpay.verify_callback(&dup),
            Err(CallbackError::Duplicate("vnp_Amount".into()))
        );
    }
    // Correctly signed, but an amount that is not whole đồng.
    let canonical = format!(
        "vnp_Amount=1806050&vnp_ResponseCode=00&vnp_TmnCode={TMN}\
         &vnp_TransactionStatus=00&vnp_TxnRef=166117"
    );
    let mut odd = pairs(&[
        ("vnp_Amount", "1806050"),
        ("vnp_ResponseCode", "00"),
        ("vnp_TmnCode", TMN),
        ("vnp_TransactionStatus", "00"),
        ("vnp_TxnRef", "166117"),
    ]);
    odd.push(("vnp_SecureHash".into(), hmac_hex(SECRET, &canonical)));
    assert!(matches!(
        vnpay.verify_callback(&odd),
        Err(CallbackError::Malformed(_))
    ));
    // Correctly signed, nothing but the required fields: a cancelled payment.
    let canonical = format!(
        "vnp_Amount=1806000&vnp_ResponseCode=24&vnp_TmnCode={TMN}\
         &vnp_TransactionNo=0&vnp_TransactionStatus=02&vnp_TxnRef=166117"
    );
    let mut cancelled = pairs(&[
        ("vnp_Amount", "1806000"),
        ("vnp_ResponseCode", "24"),
        ("vnp_TmnCode", TMN),
        ("vnp_TransactionNo", "0"),
        ("vnp_TransactionStatus", "02"),
        ("vnp_TxnRef", "166117"),
    ]);
    cancelled.push(("vnp_SecureHash".into(), hmac_hex(SECRET, &canonical)));
    let cb = vnpay.verify_callback(&cancelled).unwrap();
    assert!(!cb.is_paid());
    assert_eq!(cb.transaction_no, None, "0 is no transaction");
    assert_eq!(cb.pay_date, None);
    // Correctly signed, but for another terminal.
    assert_eq!(
        vnpay.verify_callback(&genuine_callback("OTHER001")),
        Err(CallbackError::WrongMerchant("OTHER001".into()))
    );
    // What an IPN endpoint answers in each case.
    assert_eq!(
        CallbackError::BadSignature.ipn_answer(),
        IpnAnswer::InvalidSignature
    );
    assert_eq!(
        ipn_answer(IpnAnswer::Confirmed),
        json!({"RspCode": "00", "Message": "Confirm Success"})
    );
    assert_eq!(
        ipn_answer(IpnAnswer::AlreadyConfirmed),
        json!({"RspCode": "02", "Message": "Order already confirmed"})
    );
    assert_eq!(IpnAnswer::OrderNotFound.code(), "01");
    assert_eq!(IpnAnswer::InvalidAmount.code(), "04");
    assert_eq!(IpnAnswer::InvalidSignature.code(), "97");
    assert_eq!(IpnAnswer::UnknownError.code(), "99");
}

/// A stand-in merchant API: records request bodies, answers from a queue.
#[derive(Default)]
struct FakeApi {
    requests: Mutex<Vec<Value>>,
    answers: Mutex<VecDeque<(StatusCode, Value)>>,
}

async fn fake_api(
    State(api): State<Arc<FakeApi>>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    api.requests.lock().unwrap().push(body);
    let (status, answer) = api
        .answers
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or((StatusCode::INTERNAL_SERVER_ERROR, json!({})));
    (status, Json(answer))
}

async fn spawn_fake_api() -> (Arc<FakeApi>, String) {
    let api = Arc::new(FakeApi::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new()
        .route("/merchant_webapi/api/transaction", post(fake_api))
        .with_state(Arc::clone(&api));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        api,
        format!("http://127.0.0.1:{port}/merchant_webapi/api/transaction"),
    )
}

fn s(v: &Value, name: &str) -> String {
    v[name].as_str().unwrap_or_default().to_owned()
}

/// A `querydr` answer signed by hand over its documented order.
fn signed_query_answer(code: &str, amount: &str) -> Value {
    let data = format!(
        "RID1|querydr|{code}|msg|{TMN}|Q-1|{amount}|NCB|20250301091000|14000001|01|00|Le phi||"
    );
    json!({
        "vnp_ResponseId": "RID1", "vnp_Command": "querydr", "vnp_ResponseCode": code,
        "vnp_Message": "msg", "vnp_TmnCode": TMN, "vnp_TxnRef": "Q-1", "vnp_Amount": amount,
        "vnp_BankCode": "NCB", "vnp_PayDate": "20250301091000", "vnp_TransactionNo": "14000001",
        "vnp_TransactionType": "01", "vnp_TransactionStatus": "00", "vnp_OrderInfo": "Le phi",
        "vnp_SecureHash": hmac_hex(SECRET, &data),
    })
}

#[tokio::test]
async fn golden_merchant_api_signatures() {
    let (api, url) = spawn_fake_api().await;
    let vnpay = client("https://pay.example/vpcpay.html", &url, TMN, SECRET);
    let date = Utc.with_ymd_and_hms(2025, 3, 1, 2, 0, 0).unwrap();

    api.answers
        .lock()
        .unwrap()
        .push_back((StatusCode::OK, signed_query_answer("00", "5000000")));
    let found = vnpay
        .query("Q-1", date, "Truy vấn giao dịch Q-1", "10.1.2.3")
        .await
        .unwrap();
    let QueryResult::Found(t) = found else {
        panic!("{found:?}")
    };
    assert!(t.is_paid());
    assert_eq!(t.amount_vnd, 50_000);
    assert_eq!(t.transaction_no.as_deref(), Some("14000001"));
    assert_eq!(
        t.pay_date,
        Some(Utc.with_ymd_and_hms(2025, 3, 1, 2, 10, 0).unwrap())
    );

    let sent = api.requests.lock().unwrap().pop().unwrap();
    assert_eq!(s(&sent, "vnp_Command"), "querydr");
    assert_eq!(s(&sent, "vnp_Version"), "2.1.0");
    assert_eq!(s(&sent, "vnp_TmnCode"), TMN);
    assert_eq!(s(&sent, "vnp_TransactionDate"), "20250301090000");
    assert_eq!(s(&sent, "vnp_OrderInfo"), "Truy van giao dich Q-1");
    assert_eq!(s(&sent, "vnp_IpAddr"), "10.1.2.3");
    assert!(s(&sent, "vnp_RequestId").len() <= 32);
    assert_eq!(s(&sent, "vnp_CreateDate").len(), 14);
    let data = [
        "vnp_RequestId",
        "vnp_Version",
        "vnp_Command",
        "vnp_TmnCode",
        "vnp_TxnRef",
        "vnp_TransactionDate",
        "vnp_CreateDate",
        "vnp_IpAddr",
        "vnp_OrderInfo",
    ]
    .map(|n| s(&sent, n))
    .join("|");
    assert_eq!(s(&sent, "vnp_SecureHash"), hmac_hex(SECRET, &data));

    // Answers that cannot be trusted or used.
    let mut tampered = signed_query_answer("00", "5000000");
    tampered["vnp_Amount"] = json!("100");
    let mut unsigned = signed_query_answer("00", "5000000");
    unsigned.as_object_mut().unwrap().remove("vnp_SecureHash");
    let mut unsigned_not_found = signed_query_answer("91", "");
    unsigned_not_found
        .as_object_mut()
        .unwrap()
        .remove("vnp_SecureHash");
    for (answer, check) in [
        (
            (StatusCode::OK, tampered),
            (|r: Result<QueryResult, GatewayError>| matches!(r, Err(GatewayError::Permanent(_))))
                as fn(Result<QueryResult, GatewayError>) -> bool,
        ),
        ((StatusCode::OK, unsigned), |r| {
            matches!(r, Err(GatewayError::Permanent(_)))
        }),
        ((StatusCode::OK, signed_query_answer("91", "")), |r| {
            r == Ok(QueryResult::NotFound)
        }),
        (
            (StatusCode::OK, unsigned_not_found),
            |r| matches!(&r, Err(e) if e.code() == Some("91")),
        ),
        ((StatusCode::OK, signed_query_answer("99", "")), |r| {
            matches!(r, Err(GatewayError::Transient(_)))
        }),
        ((StatusCode::SERVICE_UNAVAILABLE, json!({})), |r| {
            matches!(r, Err(GatewayError::Transient(_)))
        }),
        ((StatusCode::BAD_REQUEST, json!({})), |r| {
            matches!(r, Err(GatewayError::Permanent(_)))
        }),
    ] {
        let shown = format!("{answer:?}");
        api.answers.lock().unwrap().push_back(answer);
        let r = vnpay.query("Q-1", date, "Truy van", "10.1.2.3").await;
        assert!(check(r.clone()), "{shown} gave {r:?}");
    }

    // Refund: the request's signature over its documented order; the answer's over its own.
    let answer_data =
        format!("RID2|refund|00|ok|{TMN}|Q-1|2000000|NCB|20250302080000|14000002|03|05|Hoan tien");
    api.answers.lock().unwrap().push_back((
        StatusCode::OK,
        json!({
            "vnp_ResponseId": "RID2", "vnp_Command": "refund", "vnp_ResponseCode": "00",
            "vnp_Message": "ok", "vnp_TmnCode": TMN, "vnp_TxnRef": "Q-1", "vnp_Amount": "2000000",
            "vnp_BankCode": "NCB", "vnp_PayDate": "20250302080000",
            "vnp_TransactionNo": "14000002", "vnp_TransactionType": "03",
            "vnp_TransactionStatus": "05", "vnp_OrderInfo": "Hoan tien",
            "vnp_SecureHash": hmac_hex(SECRET, &answer_data),
        }),
    ));
    let refund = vnpay
        .refund(&RefundRequest {
            txn_ref: "Q-1".into(),
            amount_vnd: 20_000,
            kind: RefundKind::Partial,
            transaction_no: None,
            transaction_date: date,
            created_by: "canbo.mot".into(),
            order_info: "Hoàn tiền".into(),
            ip: "10.1.2.3".into(),
        })
        .await
        .unwrap();
    assert_eq!(refund.amount_vnd, 20_000);
    assert_eq!(refund.transaction_type, "03");
    assert_eq!(refund.transaction_no.as_deref(), Some("14000002"));
    let sent = api.requests.lock().unwrap().pop().unwrap();
    assert_eq!(s(&sent, "vnp_Command"), "refund");
    assert_eq!(s(&sent, "vnp_TransactionType"), "03");
    assert_eq!(s(&sent, "vnp_Amount"), "2000000");
    assert_eq!(s(&sent, "vnp_TransactionNo"), "0");
    assert_eq!(s(&sent, "vnp_CreateBy"), "canbo.mot");
    assert_eq!(s(&sent, "vnp_OrderInfo"), "Hoan tien");
    let data = [
        "vnp_RequestId",
        "vnp_Version",
        "vnp_Command",
        "vnp_TmnCode",
        "vnp_TransactionType",
        "vnp_TxnRef",
        "vnp_Amount",
        "vnp_TransactionNo",
        "vnp_TransactionDate",
        "vnp_CreateBy",
        "vnp_CreateDate",
        "vnp_IpAddr",
        "vnp_OrderInfo",
    ]
    .map(|n| s(&sent, n))
    .join("|");
    assert_eq!(s(&sent, "vnp_SecureHash"), hmac_hex(SECRET, &data));
}

// ---------------------------------------------------------------------------------------------
// Against the sandbox

/// An IPN as the merchant received it: when, and its query.
type Received = (Instant, Vec<(String, String)>);

/// The merchant's side: orders, the IPNs it received and what it answered.
struct Merchant {
    vnpay: Vnpay,
    /// txn_ref → (amount, outcome recorded)
    orders: Mutex<HashMap<String, (i64, bool)>>,
    received: Mutex<Vec<Received>>,
}

async fn ipn(State(m): State<Arc<Merchant>>, RawQuery(query): RawQuery) -> Json<Value> {
    let q: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    m.received.lock().unwrap().push((Instant::now(), q.clone()));
    let answer = match m.vnpay.verify_callback(&q) {
        Err(e) => e.ipn_answer(),
        Ok(cb) => match m.orders.lock().unwrap().get_mut(&cb.txn_ref) {
            None => IpnAnswer::OrderNotFound,
            Some((amount, _)) if *amount != cb.amount_vnd => IpnAnswer::InvalidAmount,
            Some((_, true)) => IpnAnswer::AlreadyConfirmed,
            Some((_, recorded)) => {
                *recorded = true;
                IpnAnswer::Confirmed
            }
        },
    };
    Json(ipn_answer(answer))
}

struct Harness {
    sim: Arc<VnpaySandbox>,
    merchant: Arc<Merchant>,
    base: String,
    pay_url: String,
    api_url: String,
    browser: reqwest::Client,
}

async fn spawn() -> Harness {
    provider();
    let sim_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let merchant_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim_port = sim_listener.local_addr().unwrap().port();
    let merchant_port = merchant_listener.local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{sim_port}/sim/vnpay");
    let pay_url = format!("{base}/paymentv2/vpcpay.html");
    let api_url = format!("{base}/merchant_webapi/api/transaction");
    let sim = Arc::new(VnpaySandbox::new(
        TMN,
        SECRET,
        format!("http://127.0.0.1:{merchant_port}/payments/vnpay/ipn"),
    ));
    let app = axum::Router::new().nest("/sim/vnpay", sim.router());
    tokio::spawn(async move { axum::serve(sim_listener, app).await.unwrap() });
    let merchant = Arc::new(Merchant {
        vnpay: client(&pay_url, &api_url, TMN, SECRET),
        orders: Mutex::new(HashMap::new()),
        received: Mutex::new(Vec::new()),
    });
    let app = axum::Router::new()
        .route("/payments/vnpay/ipn", get(ipn))
        .with_state(Arc::clone(&merchant));
    tokio::spawn(async move { axum::serve(merchant_listener, app).await.unwrap() });
    Harness {
        sim,
        merchant,
        base,
        pay_url,
        api_url,
        browser: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

impl Harness {
    fn vnpay(&self) -> &Vnpay {
        &self.merchant.vnpay
    }

    fn order(&self, txn_ref: &str, amount_vnd: i64) -> PaymentRequest {
        self.merchant
            .orders
            .lock()
            .unwrap()
            .insert(txn_ref.to_owned(), (amount_vnd, false));
        let now = Utc::now();
        PaymentRequest {
            txn_ref: txn_ref.into(),
            amount_vnd,
            order_info: format!("Lệ phí hồ sơ {txn_ref}"),
            return_url: "https://motcua.example/thanh-toan/ket-qua?lang=vi".into(),
            ip: "203.0.113.7".into(),
            locale: Locale::Vietnamese,
            created_at: now,
            expires_at: now + chrono::Duration::minutes(15),
            bank_code: None,
        }
    }

    /// Opens the payment page, checks it, presses the button of `outcome`; the return URL.
    async fn pay(&self, request: &PaymentRequest, outcome: &str) -> String {
        let r = self
            .browser
            .get(self.vnpay().payment_url(request))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.unwrap();
        assert!(html.contains("<html lang=\"vi\">"), "{html}");
        let (_, rest) = html.split_once("name=\"token\" value=\"").unwrap();
        let (token, _) = rest.split_once('"').unwrap();
        let r = self
            .browser
            .post(&self.pay_url)
            .form(&[("token", token), ("outcome", outcome)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        r.headers()["location"].to_str().unwrap().to_owned()
    }

    fn ipns_for(&self, txn_ref: &str) -> Vec<Received> {
        self.merchant
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, q)| q.iter().any(|(n, v)| n == "vnp_TxnRef" && v == txn_ref))
            .cloned()
            .collect()
    }

    async fn wait_ipns(&self, txn_ref: &str, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.ipns_for(txn_ref);
            let logged = self
                .sim
                .ipn_log()
                .iter()
                .filter(|a| a.txn_ref == txn_ref && (a.answer.is_some() || a.error.is_some()))
                .count();
            if got.len() >= n && logged >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {n} IPNs of {txn_ref}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn pays_through_the_sandbox_page_with_return_and_ipn() {
    let h = spawn().await;
    let request = h.order("HS-0001-1", 1_806_000);
    let url = h.vnpay().payment_url(&request);

    let html = h
        .browser
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Le phi ho so HS-0001-1"), "{html}");
    assert!(html.contains("1.806.000 VND"), "{html}");
    assert!(html.contains("<form method=\"post\""), "{html}");
    for label in [
        "Thanh toán thành công",
        "Không đủ số dư",
        "Hủy giao dịch",
        "Hết thời gian",
    ] {
        assert!(
            html.contains(&format!(">{label}</button>")),
            "{label}: {html}"
        );
    }

    let location = h.pay(&request, "00").await;
    assert!(
        location.starts_with("https://motcua.example/thanh-toan/ket-qua?lang=vi&vnp_Amount="),
        "{location}"
    );
    let returned = h.vnpay().verify_callback(&query_pairs(&location)).unwrap();
    assert!(returned.is_paid());
    assert_eq!(returned.txn_ref, "HS-0001-1");
    assert_eq!(returned.amount_vnd, 1_806_000);
    assert_eq!(returned.bank_code.as_deref(), Some("NCB"));
    assert_eq!(returned.order_info, "Le phi ho so HS-0001-1");
    let paid_at = returned.pay_date.unwrap();
    assert!((Utc::now() - paid_at).num_seconds().abs() < 5, "{paid_at}");

    let ipns = h.wait_ipns("HS-0001-1", 1).await;
    assert_eq!(ipns.len(), 1);
    let notified = h.vnpay().verify_callback(&ipns[0].1).unwrap();
    assert_eq!(notified, returned, "the IPN carries the same signed result");
    let log = h.sim.ipn_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].http_status, Some(200));
    assert_eq!(
        log[0].answer,
        Some(json!({"RspCode": "00", "Message": "Confirm Success"}))
    );

    // The same reference cannot be paid twice.
    let r = h.browser.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("<strong>01</strong>"));
}

#[tokio::test]
async fn failed_outcomes_are_signed_too() {
    let h = spawn().await;
    for (txn_ref, outcome) in [("F-51", "51"), ("F-24", "24"), ("F-11", "11")] {
        let request = h.order(txn_ref, 20_000);
        let location = h.pay(&request, outcome).await;
        let cb = h.vnpay().verify_callback(&query_pairs(&location)).unwrap();
        assert!(!cb.is_paid());
        assert_eq!(cb.response_code, outcome);
        assert_eq!(cb.transaction_status, "02");
        assert_eq!(cb.bank_tran_no, None);
        let ipns = h.wait_ipns(txn_ref, 1).await;
        assert_eq!(h.vnpay().verify_callback(&ipns[0].1).unwrap(), cb);
    }
}

#[tokio::test]
async fn the_sandbox_refuses_bad_payment_urls() {
    let h = spawn().await;
    let request = h.order("BAD-1", 50_000);
    let url = h.vnpay().payment_url(&request);
    let error_code = |html: &str| {
        let (_, rest) = html.split_once("Mã lỗi: <strong>").unwrap();
        rest.split_once('<').unwrap().0.to_owned()
    };
    let get = |url: String| {
        let browser = h.browser.clone();
        async move {
            let r = browser.get(url).send().await.unwrap();
            assert_eq!(r.status(), 400);
            let html = r.text().await.unwrap();
            assert!(html.contains("<html lang=\"vi\">"), "{html}");
            html
        }
    };

    let tampered = url.replace("vnp_Amount=5000000", "vnp_Amount=500000");
    assert_ne!(tampered, url);
    assert_eq!(error_code(&get(tampered).await), "70");

    let repeated = format!("{url}&vnp_Amount=5000000");
    assert_eq!(error_code(&get(repeated).await), "03");

    let other = client(&h.pay_url, &h.api_url, "OTHER001", SECRET);
    assert_eq!(error_code(&get(other.payment_url(&request)).await), "02");

    let wrong_secret = client(&h.pay_url, &h.api_url, TMN, "another secret");
    assert_eq!(
        error_code(&get(wrong_secret.payment_url(&request)).await),
        "70"
    );

    let expired = PaymentRequest {
        created_at: Utc::now() - chrono::Duration::minutes(30),
        expires_at: Utc::now() - chrono::Duration::minutes(15),
        ..request.clone()
    };
    assert_eq!(
        error_code(&get(h.vnpay().payment_url(&expired)).await),
        "11"
    );

    let too_small = PaymentRequest {
        amount_vnd: 1_000,
        ..request.clone()
    };
    assert_eq!(
        error_code(&get(h.vnpay().payment_url(&too_small)).await),
        "03"
    );

    // A choice posted without a page shown first.
    let r = h
        .browser
        .post(&h.pay_url)
        .form(&[("token", "nope"), ("outcome", "00")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(h.sim.transaction("BAD-1").is_none());
}

#[tokio::test]
async fn ipn_switches_duplicate_drop_and_delay() {
    let h = spawn().await;

    // Each IPN three times: the merchant confirms the first and says "already" to the rest.
    h.sim.set_ipn_copies(3);
    let request = h.order("DUP-1", 30_000);
    h.pay(&request, "00").await;
    let ipns = h.wait_ipns("DUP-1", 3).await;
    assert_eq!(ipns.len(), 3);
    let codes: Vec<String> = h
        .sim
        .ipn_log()
        .iter()
        .filter(|a| a.txn_ref == "DUP-1")
        .map(|a| {
            a.answer.as_ref().unwrap()["RspCode"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(codes, ["00", "02", "02"]);
    h.sim.set_ipn_copies(1);

    // Dropped: the browser still comes back; the merchant hears nothing and asks instead.
    h.sim.set_drop_ipns(true);
    let request = h.order("DROP-1", 30_000);
    let location = h.pay(&request, "00").await;
    assert!(
        h.vnpay()
            .verify_callback(&query_pairs(&location))
            .unwrap()
            .is_paid()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(h.ipns_for("DROP-1").is_empty());
    let last = h.sim.ipn_log().pop().unwrap();
    assert!(last.dropped && last.txn_ref == "DROP-1", "{last:?}");
    let found = h
        .vnpay()
        .query(
            "DROP-1",
            request.created_at,
            "Truy van DROP-1",
            "203.0.113.1",
        )
        .await
        .unwrap();
    assert!(
        matches!(&found, QueryResult::Found(t) if t.is_paid()),
        "{found:?}"
    );
    h.sim.set_drop_ipns(false);

    // Delayed by a second.
    h.sim.set_ipn_delay(1);
    let request = h.order("LATE-1", 30_000);
    h.pay(&request, "00").await;
    let decided = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(h.ipns_for("LATE-1").is_empty(), "not yet");
    let ipns = h.wait_ipns("LATE-1", 1).await;
    assert!(ipns[0].0.duration_since(decided) >= Duration::from_millis(900));
    h.sim.set_ipn_delay(0);
}

#[tokio::test]
async fn the_control_page_sets_the_switches() {
    let h = spawn().await;
    let control = format!("{}/control", h.base);
    let r: Value = h
        .browser
        .post(&control)
        .json(&json!({"copies": 2, "delay_secs": 4}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r, json!({"delay_secs": 4, "drop": false, "copies": 2}));

    let r = h
        .browser
        .post(&control)
        .form(&[("delay_secs", "0"), ("copies", "1"), ("drop", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let state: Value = h
        .browser
        .get(format!("{control}?format=json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        state["switches"],
        json!({"delay_secs": 0, "drop": true, "copies": 1})
    );
    assert_eq!(state["ipn_log"], json!([]));

    let html = h
        .browser
        .get(&control)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"vi\">"), "{html}");
    assert!(html.contains("<label for=\"drop\">"), "{html}");
    assert!(html.contains(" checked>"), "{html}");
}

#[tokio::test]
async fn querydr_paid_failed_and_unknown() {
    let h = spawn().await;
    let paid = h.order("Q-PAID", 75_000);
    let location = h.pay(&paid, "00").await;
    let cb = h.vnpay().verify_callback(&query_pairs(&location)).unwrap();
    let failed = h.order("Q-FAIL", 75_000);
    h.pay(&failed, "51").await;

    let r = h
        .vnpay()
        .query("Q-PAID", paid.created_at, "Truy van", "203.0.113.1")
        .await
        .unwrap();
    let QueryResult::Found(t) = r else {
        panic!("{r:?}")
    };
    assert!(t.is_paid());
    assert_eq!(t.amount_vnd, 75_000);
    assert_eq!(t.transaction_type, "01");
    assert_eq!(t.transaction_no, cb.transaction_no);
    assert_eq!(t.pay_date, cb.pay_date);

    let r = h
        .vnpay()
        .query("Q-FAIL", failed.created_at, "Truy van", "203.0.113.1")
        .await
        .unwrap();
    assert!(
        matches!(&r, QueryResult::Found(t) if !t.is_paid() && t.transaction_status == "02"),
        "{r:?}"
    );

    let r = h
        .vnpay()
        .query("Q-NONE", paid.created_at, "Truy van", "203.0.113.1")
        .await
        .unwrap();
    assert_eq!(r, QueryResult::NotFound);

    // VNPAY finds a payment by reference and creation date.
    let r = h
        .vnpay()
        .query(
            "Q-PAID",
            paid.created_at - chrono::Duration::hours(7),
            "Truy van",
            "203.0.113.1",
        )
        .await
        .unwrap();
    assert_eq!(r, QueryResult::NotFound);
}

fn refund_of(request: &PaymentRequest, amount_vnd: i64, kind: RefundKind) -> RefundRequest {
    RefundRequest {
        txn_ref: request.txn_ref.clone(),
        amount_vnd,
        kind,
        transaction_no: None,
        transaction_date: request.created_at,
        created_by: "canbo.ketoan".into(),
        order_info: format!("Hoàn tiền {}", request.txn_ref),
        ip: "203.0.113.1".into(),
    }
}

#[tokio::test]
async fn refunds_full_once_and_partial_up_to_the_rest() {
    let h = spawn().await;
    let full = h.order("R-FULL", 100_000);
    let location = h.pay(&full, "00").await;
    let cb = h.vnpay().verify_callback(&query_pairs(&location)).unwrap();

    let mut first = refund_of(&full, 100_000, RefundKind::Full);
    first.transaction_no = cb.transaction_no.clone();
    let done = h.vnpay().refund(&first).await.unwrap();
    assert_eq!(done.amount_vnd, 100_000);
    assert_eq!(done.txn_ref, "R-FULL");
    assert_eq!(done.transaction_type, "02");
    assert_ne!(
        done.transaction_no, cb.transaction_no,
        "a refund is its own transaction"
    );
    let again = h.vnpay().refund(&first).await.unwrap_err();
    assert_eq!(again.code(), Some("94"), "{again:?}");
    assert!(!again.is_transient());
    assert_eq!(h.sim.transaction("R-FULL").unwrap().refunded_vnd, 100_000);

    let part = h.order("R-PART", 100_000);
    h.pay(&part, "00").await;
    h.vnpay()
        .refund(&refund_of(&part, 40_000, RefundKind::Partial))
        .await
        .unwrap();
    let too_much = h
        .vnpay()
        .refund(&refund_of(&part, 70_000, RefundKind::Partial))
        .await
        .unwrap_err();
    assert_eq!(too_much.code(), Some("03"), "{too_much:?}");
    let full_after_part = h
        .vnpay()
        .refund(&refund_of(&part, 100_000, RefundKind::Full))
        .await
        .unwrap_err();
    assert_eq!(full_after_part.code(), Some("94"), "{full_after_part:?}");
    h.vnpay()
        .refund(&refund_of(&part, 60_000, RefundKind::Partial))
        .await
        .unwrap();
    let nothing_left = h
        .vnpay()
        .refund(&refund_of(&part, 1, RefundKind::Partial))
        .await
        .unwrap_err();
    assert_eq!(nothing_left.code(), Some("94"));

    let failed = h.order("R-FAIL", 100_000);
    h.pay(&failed, "24").await;
    let refused = h
        .vnpay()
        .refund(&refund_of(&failed, 100_000, RefundKind::Full))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("95"));

    let mut unknown = refund_of(&failed, 100_000, RefundKind::Full);
    unknown.txn_ref = "R-NONE".into();
    assert_eq!(
        h.vnpay().refund(&unknown).await.unwrap_err().code(),
        Some("91")
    );
    let mut wrong_no = refund_of(&full, 1, RefundKind::Partial);
    wrong_no.transaction_no = Some("1".into());
    assert_eq!(
        h.vnpay().refund(&wrong_no).await.unwrap_err().code(),
        Some("91")
    );
}

#[tokio::test]
async fn a_wrong_signature_is_answered_97_signed() {
    let h = spawn().await;
    let body = json!({
        "vnp_RequestId": "abc", "vnp_Version": "2.1.0", "vnp_Command": "querydr",
        "vnp_TmnCode": TMN, "vnp_TxnRef": "X", "vnp_TransactionDate": "20250301090000",
        "vnp_CreateDate": "20250301090500", "vnp_IpAddr": "127.0.0.1", "vnp_OrderInfo": "x",
        "vnp_SecureHash": hmac_hex("not the secret", "abc"),
    });
    let answer: Value = h
        .browser
        .post(&h.api_url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["vnp_ResponseCode"], "97");
    let data = [
        "vnp_ResponseId",
        "vnp_Command",
        "vnp_ResponseCode",
        "vnp_Message",
        "vnp_TmnCode",
        "vnp_TxnRef",
        "vnp_Amount",
        "vnp_BankCode",
        "vnp_PayDate",
        "vnp_TransactionNo",
        "vnp_TransactionType",
        "vnp_TransactionStatus",
        "vnp_OrderInfo",
        "vnp_PromotionCode",
        "vnp_PromotionAmount",
    ]
    .map(|n| s(&answer, n))
    .join("|");
    assert_eq!(s(&answer, "vnp_SecureHash"), hmac_hex(SECRET, &data));

    // Our client with the wrong secret cannot trust the answer.
    let wrong = client(&h.pay_url, &h.api_url, TMN, "not the secret");
    let date: DateTime<Utc> = Utc::now();
    let err = wrong.query("X", date, "x", "127.0.0.1").await.unwrap_err();
    assert!(matches!(err, GatewayError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn unreachable_api_is_transient() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let vnpay = client(
        "https://pay.example/vpcpay.html",
        &format!("http://127.0.0.1:{port}/merchant_webapi/api/transaction"),
        TMN,
        SECRET,
    );
    let err = vnpay
        .query("X", Utc::now(), "x", "127.0.0.1")
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[test]
fn config_is_checked_and_the_secret_hidden() {
    provider();
    let config = VnpayConfig {
        pay_url: "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html".into(),
        api_url: "ftp://example.com/x".into(),
        tmn_code: TMN.into(),
        hash_secret: SECRET.into(),
    };
    assert!(Vnpay::new(config.clone()).is_err());
    assert!(
        Vnpay::new(VnpayConfig {
            api_url: "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction".into(),
            hash_secret: " ".into(),
            ..config.clone()
        })
        .is_err()
    );
    let ok = Vnpay::new(VnpayConfig {
        api_url: "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction".into(),
        ..config.clone()
    })
    .unwrap();
    assert!(!ok.describe().contains(SECRET));
    assert!(!format!("{ok:?}").contains(SECRET));
    assert!(!format!("{config:?}").contains(SECRET));
}
