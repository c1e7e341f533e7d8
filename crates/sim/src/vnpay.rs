//! A simulator of the VNPAY sandbox (payment gateway API 2.1.0), for demos and tests only: no
//! money moves and no bank is asked. One merchant terminal (`vnp_TmnCode` and hash secret); the
//! buyer picks the outcome on the payment page.
//!
//! Mount [`VnpaySandbox::router`] at its base URL (e.g. `.nest("/sim/vnpay", sim.router())`):
//!
//! - `GET /paymentv2/vpcpay.html?vnp_…&vnp_SecureHash=…` — the payment page. The parameters must
//!   be signed as VNPAY signs them (sorted by name, `application/x-www-form-urlencoded`, joined
//!   with `&`, hex HMAC-SHA512); otherwise an error page with VNPAY's code: `02` unknown
//!   terminal, `70` wrong signature, `03` malformed or missing parameters (a repeated name
//!   included), `11` already expired, `01` a `vnp_TxnRef` already used. A good request shows the
//!   order and four buttons: paid (`00`), insufficient funds (`51`), cancelled (`24`), timed out
//!   (`11`).
//! - `POST /paymentv2/vpcpay.html` (the page's form) — records the transaction with a
//!   `vnp_TransactionNo`, bank `NCB` and the pay date, sends the IPN to the merchant's IPN URL
//!   (a GET with the signed result, from a spawned task) and redirects the browser (303) to
//!   `vnp_ReturnUrl` with the same signed result.
//! - `POST /merchant_webapi/api/transaction` — `querydr` and `refund` from the records, JSON
//!   signed over `|`-joined values both ways; a request that does not verify is answered `97`,
//!   signed. Refunds: `02` the whole amount once, `03` parts up to what remains.
//! - `GET /control` — the operator's switches for IPNs (delay, drop, send K copies) and the log of
//!   IPN attempts with the merchant's answers (HTML, or JSON with `?format=json`);
//!   `POST /control` sets them (form fields or a JSON object `delay_secs`, `drop`, `copies`).
//!
//! Everything is kept in memory, bounded.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::Sha512;

pub const PAY_PATH: &str = "/paymentv2/vpcpay.html";
pub const API_PATH: &str = "/merchant_webapi/api/transaction";
pub const CONTROL_PATH: &str = "/control";
/// Bounds of what is remembered.
pub const MAX_TRANSACTIONS: usize = 10_000;
pub const MAX_PENDING: usize = 10_000;
pub const MAX_IPN_LOG: usize = 1_000;
const MAX_REQUEST_IDS: usize = 100_000;
/// Bounds of the operator's switches.
pub const MAX_IPN_DELAY_SECS: u64 = 3_600;
pub const MAX_IPN_COPIES: u32 = 10;
/// The sandbox takes 5,000 VND up to, not including, one billion (as its error page says; from
/// memory, not from the published documentation).
const MIN_AMOUNT_VND: i64 = 5_000;
const MAX_AMOUNT_VND: i64 = 999_999_999;
const IPN_TIMEOUT: Duration = Duration::from_secs(10);
const BANK_CODE: &str = "NCB";
const CARD_TYPE: &str = "ATM";
const VERSION: &str = "2.1.0";
const HASH: &str = "vnp_SecureHash";
const HASH_TYPE: &str = "vnp_SecureHashType";
const WIRE_TIME: &str = "%Y%m%d%H%M%S";
const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("GMT+7 is a valid offset"),
};
/// The outcomes the page offers, with the button labels.
const OUTCOMES: &[(&str, &str)] = &[
    ("00", "Thanh toán thành công"),
    ("51", "Không đủ số dư"),
    ("24", "Hủy giao dịch"),
    ("11", "Hết thời gian"),
];

const QUERY_REQUEST: &[&str] = &[
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
];
const QUERY_RESPONSE: &[&str] = &[
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
];
const REFUND_REQUEST: &[&str] = &[
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
];
const REFUND_RESPONSE: &[&str] = &[
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
];

type HmacSha512 = Hmac<Sha512>;

/// How the sandbox sends IPNs, switched by the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IpnSwitches {
    /// Seconds between the payment and its IPN.
    pub delay_secs: u64,
    /// Send no IPN at all (the merchant must then ask with `querydr`).
    pub drop: bool,
    /// How many times each IPN is sent (more than one tests the merchant's idempotency).
    pub copies: u32,
}

impl Default for IpnSwitches {
    fn default() -> Self {
        Self {
            delay_secs: 0,
            drop: false,
            copies: 1,
        }
    }
}

/// One IPN the sandbox sent (or, switched off, did not send).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IpnAttempt {
    pub txn_ref: String,
    /// 1 for the first copy of this IPN.
    pub copy: u32,
    /// RFC 3339, UTC.
    pub at: String,
    /// Not sent: the drop switch was on.
    pub dropped: bool,
    pub http_status: Option<u16>,
    /// The merchant's JSON answer (`{"RspCode":…,"Message":…}`).
    pub answer: Option<Value>,
    /// Why no answer was read.
    pub error: Option<String>,
}

/// A transaction as the sandbox recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimTransaction {
    pub txn_ref: String,
    pub amount_vnd: i64,
    pub order_info: String,
    /// The merchant's `vnp_CreateDate`, as sent.
    pub create_date: String,
    pub response_code: String,
    pub transaction_status: String,
    pub transaction_no: String,
    pub bank_code: String,
    pub bank_tran_no: Option<String>,
    pub card_type: String,
    /// `yyyyMMddHHmmss`, GMT+7.
    pub pay_date: String,
    pub refunded_vnd: i64,
}

/// A payment page shown, waiting for the buyer's choice.
struct Pending {
    txn_ref: String,
    amount_vnd: i64,
    order_info: String,
    return_url: String,
    create_date: String,
    expires: DateTime<Utc>,
}

struct Inner {
    pending: HashMap<String, Pending>,
    pending_order: VecDeque<String>,
    transactions: HashMap<String, SimTransaction>,
    transaction_order: VecDeque<String>,
    request_ids: HashSet<String>,
    request_order: VecDeque<String>,
    ipn_log: VecDeque<IpnAttempt>,
    next_transaction_no: u64,
    switches: IpnSwitches,
}

/// The simulated VNPAY sandbox for one merchant terminal.
pub struct VnpaySandbox {
    tmn_code: String,
    hash_secret: String,
    ipn_url: String,
    inner: Mutex<Inner>,
    http: OnceLock<reqwest::Client>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A refusal on the payment page: VNPAY's code and what its page says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PageError {
    code: &'static str,
    message: String,
}

fn page_error(code: &'static str, message: impl Into<String>) -> PageError {
    PageError {
        code,
        message: message.into(),
    }
}

impl VnpaySandbox {
    /// `ipn_url` is the merchant's IPN endpoint, registered with VNPAY once, as the real
    /// merchant does in VNPAY's portal.
    pub fn new(tmn_code: &str, hash_secret: &str, ipn_url: String) -> Self {
        Self {
            tmn_code: tmn_code.to_owned(),
            hash_secret: hash_secret.to_owned(),
            ipn_url,
            inner: Mutex::new(Inner {
                pending: HashMap::new(),
                pending_order: VecDeque::new(),
                transactions: HashMap::new(),
                transaction_order: VecDeque::new(),
                request_ids: HashSet::new(),
                request_order: VecDeque::new(),
                ipn_log: VecDeque::new(),
                // Eight digits, as the sandbox's transaction numbers look.
                next_transaction_no: 14_000_000,
                switches: IpnSwitches::default(),
            }),
            http: OnceLock::new(),
        }
    }

    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route(PAY_PATH, get(pay_page).post(pay_decision))
            .route(API_PATH, post(merchant_api))
            .route(CONTROL_PATH, get(control_page).post(control_set))
            .with_state(Arc::clone(self))
    }

    pub fn ipn_switches(&self) -> IpnSwitches {
        lock(&self.inner).switches
    }

    /// Delays each IPN by `secs` (at most [`MAX_IPN_DELAY_SECS`]).
    pub fn set_ipn_delay(&self, secs: u64) {
        lock(&self.inner).switches.delay_secs = secs.min(MAX_IPN_DELAY_SECS);
    }

    pub fn set_drop_ipns(&self, drop: bool) {
        lock(&self.inner).switches.drop = drop;
    }

    /// Sends each IPN `copies` times (1 to [`MAX_IPN_COPIES`]).
    pub fn set_ipn_copies(&self, copies: u32) {
        lock(&self.inner).switches.copies = copies.clamp(1, MAX_IPN_COPIES);
    }

    /// The IPN attempts, oldest first.
    pub fn ipn_log(&self) -> Vec<IpnAttempt> {
        lock(&self.inner).ipn_log.iter().cloned().collect()
    }

    pub fn transaction(&self, txn_ref: &str) -> Option<SimTransaction> {
        lock(&self.inner).transactions.get(txn_ref).cloned()
    }

    fn mac(&self, data: &str) -> HmacSha512 {
        let mut mac = <HmacSha512 as Mac>::new_from_slice(self.hash_secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(data.as_bytes());
        mac
    }

    fn sign(&self, data: &str) -> String {
        hex::encode(self.mac(data).finalize().into_bytes())
    }

    fn verify(&self, data: &str, hash: &str) -> bool {
        hex::decode(hash).is_ok_and(|tag| self.mac(data).verify_slice(&tag).is_ok())
    }

    /// Checks a payment URL's query as the gateway does.
    fn check_payment(&self, query: &str, now: DateTime<Utc>) -> Result<Pending, PageError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let mut names = HashSet::new();
        for (name, _) in &pairs {
            if !names.insert(name.as_str()) {
                return Err(page_error(
                    "03",
                    format!("Dữ liệu gửi sang không đúng định dạng: tham số {name} lặp lại."),
                ));
            }
        }
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        if get("vnp_TmnCode") != self.tmn_code {
            return Err(page_error(
                "02",
                "Merchant không hợp lệ: không tìm thấy website (vnp_TmnCode).",
            ));
        }
        let data = canonical_query(
            pairs
                .iter()
                .filter(|(n, _)| n != HASH && n != HASH_TYPE)
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        if !self.verify(&data, get(HASH)) {
            return Err(page_error("70", "Sai chữ ký."));
        }
        let malformed = |what: &str| {
            page_error(
                "03",
                format!("Dữ liệu gửi sang không đúng định dạng: {what}."),
            )
        };
        for (name, expected) in [
            ("vnp_Version", VERSION),
            ("vnp_Command", "pay"),
            ("vnp_CurrCode", "VND"),
        ] {
            if get(name) != expected {
                return Err(malformed(&format!("{name} phải là {expected}")));
            }
        }
        let amount_vnd = parse_amount(get("vnp_Amount"))
            .ok_or_else(|| malformed("vnp_Amount (số tiền × 100, số nguyên)"))?;
        if !(MIN_AMOUNT_VND..=MAX_AMOUNT_VND).contains(&amount_vnd) {
            return Err(malformed(
                "số tiền không hợp lệ, số tiền hợp lệ từ 5.000 đến dưới 1 tỷ đồng",
            ));
        }
        let create_date = get("vnp_CreateDate");
        if parse_wire_time(create_date).is_none() {
            return Err(malformed("vnp_CreateDate (yyyyMMddHHmmss)"));
        }
        let expires = parse_wire_time(get("vnp_ExpireDate"))
            .ok_or_else(|| malformed("vnp_ExpireDate (yyyyMMddHHmmss)"))?;
        if get("vnp_IpAddr").is_empty() {
            return Err(malformed("thiếu vnp_IpAddr"));
        }
        if !matches!(get("vnp_Locale"), "vn" | "en") {
            return Err(malformed("vnp_Locale phải là vn hoặc en"));
        }
        let order_info = get("vnp_OrderInfo");
        if order_info.is_empty() || order_info.chars().count() > 255 {
            return Err(malformed("vnp_OrderInfo (1 đến 255 ký tự)"));
        }
        if get("vnp_OrderType").is_empty() {
            return Err(malformed("thiếu vnp_OrderType"));
        }
        let return_url = get("vnp_ReturnUrl");
        let return_ok = url::Url::parse(return_url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if !return_ok {
            return Err(malformed("vnp_ReturnUrl"));
        }
        let txn_ref = get("vnp_TxnRef");
        if txn_ref.is_empty() || txn_ref.chars().count() > 100 {
            return Err(malformed("vnp_TxnRef (1 đến 100 ký tự)"));
        }
        if expires <= now {
            return Err(page_error(
                "11",
                "Giao dịch không thành công do: Đã hết hạn chờ thanh toán.",
            ));
        }
        if lock(&self.inner).transactions.contains_key(txn_ref) {
            return Err(page_error(
                "01",
                "Giao dịch đã tồn tại (vnp_TxnRef đã dùng).",
            ));
        }
        Ok(Pending {
            txn_ref: txn_ref.to_owned(),
            amount_vnd,
            order_info: order_info.to_owned(),
            return_url: return_url.to_owned(),
            create_date: create_date.to_owned(),
            expires,
        })
    }

    /// Keeps a shown payment page until the buyer chooses; returns its form token.
    fn remember_pending(&self, pending: Pending) -> String {
        let token = random_hex();
        let mut inner = lock(&self.inner);
        let inner = &mut *inner;
        bounded_insert(
            &mut inner.pending,
            &mut inner.pending_order,
            token.clone(),
            pending,
            MAX_PENDING,
        );
        token
    }

    /// Records the buyer's choice; the transaction and the signed result query.
    fn decide(
        &self,
        token: &str,
        outcome: &str,
        now: DateTime<Utc>,
    ) -> Result<(SimTransaction, String, String), PageError> {
        let mut inner = lock(&self.inner);
        let inner = &mut *inner;
        let pending = inner.pending.remove(token).ok_or_else(|| {
            page_error(
                "03",
                "Phiên thanh toán không tồn tại hoặc đã kết thúc; hãy quay lại trang của đơn vị.",
            )
        })?;
        inner.pending_order.retain(|t| t != token);
        if inner.transactions.contains_key(&pending.txn_ref) {
            return Err(page_error(
                "01",
                "Giao dịch đã tồn tại (vnp_TxnRef đã dùng).",
            ));
        }
        // A choice made after the deadline is a timeout, whatever was pressed.
        let code = if now >= pending.expires {
            "11"
        } else {
            outcome
        };
        inner.next_transaction_no += 1;
        let transaction_no = inner.next_transaction_no.to_string();
        let paid = code == "00";
        let transaction = SimTransaction {
            txn_ref: pending.txn_ref.clone(),
            amount_vnd: pending.amount_vnd,
            order_info: pending.order_info,
            create_date: pending.create_date,
            response_code: code.to_owned(),
            transaction_status: if paid { "00" } else { "02" }.to_owned(),
            bank_tran_no: paid.then(|| format!("VNP{transaction_no}")),
            transaction_no,
            bank_code: BANK_CODE.to_owned(),
            card_type: CARD_TYPE.to_owned(),
            pay_date: wire_time(now),
            refunded_vnd: 0,
        };
        bounded_insert(
            &mut inner.transactions,
            &mut inner.transaction_order,
            pending.txn_ref,
            transaction.clone(),
            MAX_TRANSACTIONS,
        );
        let query = self.result_query(&transaction);
        Ok((transaction, query, pending.return_url))
    }

    /// The signed result, as both the return URL and the IPN carry it.
    fn result_query(&self, t: &SimTransaction) -> String {
        let amount = (t.amount_vnd * 100).to_string();
        let mut params = vec![
            ("vnp_Amount", amount.as_str()),
            ("vnp_BankCode", &t.bank_code),
            ("vnp_CardType", &t.card_type),
            ("vnp_OrderInfo", &t.order_info),
            ("vnp_PayDate", &t.pay_date),
            ("vnp_ResponseCode", &t.response_code),
            ("vnp_TmnCode", &self.tmn_code),
            ("vnp_TransactionNo", &t.transaction_no),
            ("vnp_TransactionStatus", &t.transaction_status),
            ("vnp_TxnRef", &t.txn_ref),
        ];
        if let Some(n) = &t.bank_tran_no {
            params.push(("vnp_BankTranNo", n));
        }
        let data = canonical_query(params);
        let hash = self.sign(&data);
        format!("{data}&{HASH}={hash}")
    }

    fn log_ipn(&self, attempt: IpnAttempt) {
        let mut inner = lock(&self.inner);
        if inner.ipn_log.len() >= MAX_IPN_LOG {
            inner.ipn_log.pop_front();
        }
        inner.ipn_log.push_back(attempt);
    }

    /// Sends (or, switched off, skips) the IPN of a decided payment.
    fn dispatch_ipn(self: &Arc<Self>, txn_ref: String, query: String) {
        let switches = self.ipn_switches();
        if switches.drop {
            self.log_ipn(IpnAttempt {
                txn_ref,
                copy: 1,
                at: now_rfc3339(),
                dropped: true,
                http_status: None,
                answer: None,
                error: None,
            });
            return;
        }
        let sim = Arc::clone(self);
        tokio::spawn(async move {
            if switches.delay_secs > 0 {
                tokio::time::sleep(Duration::from_secs(switches.delay_secs)).await;
            }
            for copy in 1..=switches.copies {
                let attempt = sim.send_ipn(&txn_ref, copy, &query).await;
                sim.log_ipn(attempt);
            }
        });
    }

    async fn send_ipn(&self, txn_ref: &str, copy: u32, query: &str) -> IpnAttempt {
        let mut attempt = IpnAttempt {
            txn_ref: txn_ref.to_owned(),
            copy,
            at: now_rfc3339(),
            dropped: false,
            http_status: None,
            answer: None,
            error: None,
        };
        let http = match self.http_client() {
            Ok(h) => h,
            Err(e) => {
                attempt.error = Some(e);
                return attempt;
            }
        };
        let joiner = if self.ipn_url.contains('?') { '&' } else { '?' };
        let url = format!("{}{joiner}{query}", self.ipn_url);
        match http.get(&url).send().await {
            Err(e) => attempt.error = Some(format!("IPN URL unreachable: {e}")),
            Ok(response) => {
                attempt.http_status = Some(response.status().as_u16());
                match response.json::<Value>().await {
                    Ok(v) => attempt.answer = Some(v),
                    Err(e) => attempt.error = Some(format!("answer is not JSON: {e}")),
                }
            }
        }
        attempt
    }

    fn http_client(&self) -> Result<&reqwest::Client, String> {
        if let Some(c) = self.http.get() {
            return Ok(c);
        }
        // reqwest is built without a crypto provider and would panic without one installed.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            return Err("no TLS crypto provider is installed in this process".into());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(IPN_TIMEOUT)
            .timeout(IPN_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(self.http.get_or_init(|| client))
    }

    /// Answers one merchant API request body.
    fn handle_api(&self, body: &[u8], now: DateTime<Utc>) -> Value {
        let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(body) else {
            return self.api_answer(
                "",
                vec![
                    ("vnp_ResponseCode", "03".into()),
                    ("vnp_Message", "Invalid data format: a JSON object".into()),
                ],
                QUERY_RESPONSE,
            );
        };
        let command = text(&req, "vnp_Command");
        let (request_order, response_order) = match command.as_str() {
            "querydr" => (QUERY_REQUEST, QUERY_RESPONSE),
            "refund" => (REFUND_REQUEST, REFUND_RESPONSE),
            _ => {
                return self.api_answer(
                    &command,
                    vec![
                        ("vnp_ResponseCode", "03".into()),
                        ("vnp_Message", "Invalid data format: vnp_Command".into()),
                    ],
                    QUERY_RESPONSE,
                );
            }
        };
        let txn_ref = text(&req, "vnp_TxnRef");
        let refuse = |code: &str, message: &str| {
            self.api_answer(
                &command,
                vec![
                    ("vnp_ResponseCode", code.to_owned()),
                    ("vnp_Message", message.to_owned()),
                    ("vnp_TxnRef", txn_ref.clone()),
                ],
                response_order,
            )
        };
        if text(&req, "vnp_TmnCode") != self.tmn_code {
            return refuse("02", "Invalid TmnCode");
        }
        let data = request_order
            .iter()
            .map(|name| text(&req, name))
            .collect::<Vec<_>>()
            .join("|");
        if !self.verify(&data, &text(&req, HASH)) {
            return refuse("97", "Invalid Checksum");
        }
        let optional: &[&str] = if command == "refund" {
            &["vnp_TransactionNo"]
        } else {
            &[]
        };
        if let Some(missing) = request_order
            .iter()
            .find(|name| !optional.contains(name) && text(&req, name).is_empty())
        {
            return refuse("03", &format!("Invalid data format: {missing} is missing"));
        }
        if text(&req, "vnp_Version") != VERSION
            || parse_wire_time(&text(&req, "vnp_CreateDate")).is_none()
            || parse_wire_time(&text(&req, "vnp_TransactionDate")).is_none()
        {
            return refuse(
                "03",
                "Invalid data format: vnp_Version, vnp_CreateDate or vnp_TransactionDate",
            );
        }
        {
            let mut inner = lock(&self.inner);
            let inner = &mut *inner;
            let request_id = text(&req, "vnp_RequestId");
            if inner.request_ids.contains(&request_id) {
                return refuse("94", "Duplicate request");
            }
            if inner.request_order.len() >= MAX_REQUEST_IDS
                && let Some(old) = inner.request_order.pop_front()
            {
                inner.request_ids.remove(&old);
            }
            inner.request_ids.insert(request_id.clone());
            inner.request_order.push_back(request_id);
        }
        if command == "querydr" {
            self.querydr(&req)
        } else {
            self.refund(&req, now)
        }
    }

    fn querydr(&self, req: &Map<String, Value>) -> Value {
        let txn_ref = text(req, "vnp_TxnRef");
        let found = lock(&self.inner)
            .transactions
            .get(&txn_ref)
            .filter(|t| t.create_date == text(req, "vnp_TransactionDate"))
            .cloned();
        let Some(t) = found else {
            return self.api_answer(
                "querydr",
                vec![
                    ("vnp_ResponseCode", "91".into()),
                    ("vnp_Message", "Transaction not found".into()),
                    ("vnp_TxnRef", txn_ref),
                ],
                QUERY_RESPONSE,
            );
        };
        self.api_answer(
            "querydr",
            vec![
                ("vnp_ResponseCode", "00".into()),
                ("vnp_Message", "QueryDR Success".into()),
                ("vnp_TxnRef", t.txn_ref),
                ("vnp_Amount", (t.amount_vnd * 100).to_string()),
                ("vnp_BankCode", t.bank_code),
                ("vnp_PayDate", t.pay_date),
                ("vnp_TransactionNo", t.transaction_no),
                ("vnp_TransactionType", "01".into()),
                ("vnp_TransactionStatus", t.transaction_status),
                ("vnp_OrderInfo", t.order_info),
            ],
            QUERY_RESPONSE,
        )
    }

    fn refund(&self, req: &Map<String, Value>, now: DateTime<Utc>) -> Value {
        let txn_ref = text(req, "vnp_TxnRef");
        let refuse = |code: &str, message: &str| {
            self.api_answer(
                "refund",
                vec![
                    ("vnp_ResponseCode", code.to_owned()),
                    ("vnp_Message", message.to_owned()),
                    ("vnp_TxnRef", txn_ref.clone()),
                ],
                REFUND_RESPONSE,
            )
        };
        let kind = text(req, "vnp_TransactionType");
        if !matches!(kind.as_str(), "02" | "03") {
            return refuse("03", "Invalid data format: vnp_TransactionType is 02 or 03");
        }
        let Some(amount) = parse_amount(&text(req, "vnp_Amount")).filter(|a| *a > 0) else {
            return refuse("03", "Invalid data format: vnp_Amount");
        };
        let given_no = text(req, "vnp_TransactionNo");
        let mut inner = lock(&self.inner);
        let inner = &mut *inner;
        let Some(t) = inner
            .transactions
            .get_mut(&txn_ref)
            .filter(|t| t.create_date == text(req, "vnp_TransactionDate"))
            .filter(|t| given_no.is_empty() || given_no == "0" || given_no == t.transaction_no)
        else {
            return refuse("91", "Transaction not found for request refund");
        };
        if t.transaction_status != "00" {
            return refuse(
                "95",
                "This transaction is not successful at VNPAY, refund refused",
            );
        }
        let remaining = t.amount_vnd - t.refunded_vnd;
        if remaining <= 0 {
            return refuse("94", "A refund of this transaction was requested before");
        }
        let acceptable = if kind == "02" {
            t.refunded_vnd == 0 && amount == t.amount_vnd
        } else {
            amount <= remaining
        };
        if !acceptable {
            if kind == "02" && t.refunded_vnd > 0 {
                return refuse("94", "Part of this transaction was refunded before");
            }
            return refuse(
                "03",
                &format!("Invalid amount: {remaining} VND can still be refunded"),
            );
        }
        t.refunded_vnd += amount;
        inner.next_transaction_no += 1;
        let refund_no = inner.next_transaction_no.to_string();
        let answer_fields = vec![
            ("vnp_ResponseCode", "00".to_owned()),
            ("vnp_Message", "Refund success".to_owned()),
            ("vnp_TxnRef", t.txn_ref.clone()),
            ("vnp_Amount", (amount * 100).to_string()),
            ("vnp_BankCode", t.bank_code.clone()),
            ("vnp_PayDate", wire_time(now)),
            ("vnp_TransactionNo", refund_no),
            ("vnp_TransactionType", kind),
            // VNPAY is processing the refund.
            ("vnp_TransactionStatus", "05".to_owned()),
            ("vnp_OrderInfo", text(req, "vnp_OrderInfo")),
        ];
        self.api_answer("refund", answer_fields, REFUND_RESPONSE)
    }

    /// A merchant API answer, signed over `order` (absent values empty).
    fn api_answer(&self, command: &str, fields: Vec<(&str, String)>, order: &[&str]) -> Value {
        let mut body = Map::new();
        body.insert("vnp_ResponseId".into(), Value::String(random_hex()));
        body.insert("vnp_Command".into(), Value::String(command.to_owned()));
        body.insert("vnp_TmnCode".into(), Value::String(self.tmn_code.clone()));
        for (name, value) in fields {
            body.insert(name.to_owned(), Value::String(value));
        }
        let data = order
            .iter()
            .map(|name| text(&body, name))
            .collect::<Vec<_>>()
            .join("|");
        body.insert(HASH.into(), Value::String(self.sign(&data)));
        Value::Object(body)
    }

    fn apply_switches(&self, delay_secs: Option<u64>, drop: Option<bool>, copies: Option<u32>) {
        if let Some(d) = delay_secs {
            self.set_ipn_delay(d);
        }
        if let Some(d) = drop {
            self.set_drop_ipns(d);
        }
        if let Some(c) = copies {
            self.set_ipn_copies(c);
        }
    }
}

/// Inserts, forgetting the oldest entry once `cap` are kept.
fn bounded_insert<V>(
    map: &mut HashMap<String, V>,
    order: &mut VecDeque<String>,
    key: String,
    value: V,
    cap: usize,
) {
    while map.len() >= cap {
        let Some(old) = order.pop_front() else { break };
        map.remove(&old);
    }
    if map.insert(key.clone(), value).is_none() {
        order.push_back(key);
    }
}

/// The gateway's signed form of query parameters: sorted by name, encoded as
/// `application/x-www-form-urlencoded`, joined with `&`.
fn canonical_query<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = params.into_iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, value);
    }
    out.finish()
}

fn text(body: &Map<String, Value>, name: &str) -> String {
    match body.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn parse_amount(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hundredths: i64 = s.parse().ok()?;
    (hundredths % 100 == 0).then_some(hundredths / 100)
}

fn wire_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&VIETNAM).format(WIRE_TIME).to_string()
}

fn parse_wire_time(s: &str) -> Option<DateTime<Utc>> {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDateTime::parse_from_str(s, WIRE_TIME)
        .ok()?
        .and_local_timezone(VIETNAM)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn random_hex() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// `1806000` → `1.806.000`, the Vietnamese grouping.
fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let count = digits.chars().count();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (count - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

async fn pay_page(State(sim): State<Arc<VnpaySandbox>>, RawQuery(query): RawQuery) -> Response {
    let pending = match sim.check_payment(query.as_deref().unwrap_or_default(), Utc::now()) {
        Ok(p) => p,
        Err(e) => return error_page(&e),
    };
    let amount = group_thousands(pending.amount_vnd);
    let expires = pending
        .expires
        .with_timezone(&VIETNAM)
        .format("%H:%M:%S %d/%m/%Y")
        .to_string();
    let expires_iso = pending.expires.to_rfc3339_opts(SecondsFormat::Secs, true);
    let txn_ref = html_escape(&pending.txn_ref);
    let info = html_escape(&pending.order_info);
    let token = sim.remember_pending(pending);
    let buttons: String = OUTCOMES
        .iter()
        .map(|(code, label)| {
            format!("<button type=\"submit\" name=\"outcome\" value=\"{code}\">{label}</button> ")
        })
        .collect();
    let body = format!(
        "<p>Trang thanh toán mô phỏng, chỉ dùng cho bản demo và kiểm thử: không có tiền thật nào \
         được chuyển.</p>\
         <dl><dt>Đơn vị chấp nhận thanh toán</dt><dd>{tmn}</dd>\
         <dt>Mã giao dịch của đơn vị</dt><dd>{txn_ref}</dd>\
         <dt>Nội dung thanh toán</dt><dd>{info}</dd>\
         <dt>Số tiền</dt><dd><strong>{amount} VND</strong></dd>\
         <dt>Hạn thanh toán (giờ Việt Nam)</dt><dd><time datetime=\"{expires_iso}\">{expires}</time></dd></dl>\
         <form method=\"post\" action=\"vpcpay.html\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <fieldset><legend>Chọn kết quả giao dịch cần mô phỏng (ngân hàng {BANK_CODE})</legend>\
         {buttons}</fieldset></form>",
        tmn = html_escape(&sim.tmn_code),
    );
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(page("Cổng thanh toán VNPAY", &body)),
    )
        .into_response()
}

async fn pay_decision(State(sim): State<Arc<VnpaySandbox>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    let outcome = form.get("outcome").map(String::as_str).unwrap_or_default();
    if !OUTCOMES.iter().any(|(code, _)| *code == outcome) {
        return error_page(&page_error("03", "Kết quả giao dịch không hợp lệ."));
    }
    let (transaction, query, return_url) = match sim.decide(token, outcome, Utc::now()) {
        Ok(d) => d,
        Err(e) => return error_page(&e),
    };
    sim.dispatch_ipn(transaction.txn_ref, query.clone());
    let joiner = if return_url.contains('?') { '&' } else { '?' };
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, format!("{return_url}{joiner}{query}")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

async fn merchant_api(State(sim): State<Arc<VnpaySandbox>>, body: Bytes) -> Response {
    Json(sim.handle_api(&body, Utc::now())).into_response()
}

#[derive(Serialize)]
struct ControlState {
    switches: IpnSwitches,
    ipn_log: Vec<IpnAttempt>,
}

async fn control_page(State(sim): State<Arc<VnpaySandbox>>, RawQuery(query): RawQuery) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    let wants_json = url::form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes())
        .any(|(k, v)| k == "format" && v == "json");
    let state = ControlState {
        switches: sim.ipn_switches(),
        ipn_log: sim.ipn_log(),
    };
    if wants_json {
        return (no_store, Json(state)).into_response();
    }
    let s = state.switches;
    let rows: String = state
        .ipn_log
        .iter()
        .rev()
        .map(|a| {
            let result = if a.dropped {
                "không gửi (đang tắt IPN)".to_owned()
            } else if let Some(answer) = &a.answer {
                format!(
                    "HTTP {} — {}",
                    a.http_status.unwrap_or_default(),
                    html_escape(&answer.to_string())
                )
            } else {
                html_escape(a.error.as_deref().unwrap_or("không có trả lời"))
            };
            format!(
                "<tr><td><time datetime=\"{at}\">{at}</time></td><td>{txn}</td><td>{copy}</td><td>{result}</td></tr>",
                at = html_escape(&a.at),
                txn = html_escape(&a.txn_ref),
                copy = a.copy,
            )
        })
        .collect();
    let log = if rows.is_empty() {
        "<p>Chưa gửi IPN nào.</p>".to_owned()
    } else {
        format!(
            "<table><caption>Các lần gửi IPN, mới nhất trước</caption><thead><tr>\
             <th scope=\"col\">Thời điểm (UTC)</th><th scope=\"col\">Mã giao dịch</th>\
             <th scope=\"col\">Lần</th><th scope=\"col\">Kết quả</th></tr></thead>\
             <tbody>{rows}</tbody></table>"
        )
    };
    let body = format!(
        "<p>Công tắc của cổng thanh toán mô phỏng, cho buổi demo. IPN gửi tới {ipn}.</p>\
         <form method=\"post\" action=\"control\"><fieldset><legend>Thông báo IPN</legend>\
         <p><label for=\"delay\">Trễ (giây, 0–{MAX_IPN_DELAY_SECS})</label> \
         <input id=\"delay\" name=\"delay_secs\" type=\"number\" min=\"0\" max=\"{MAX_IPN_DELAY_SECS}\" value=\"{delay}\"></p>\
         <p><label for=\"copies\">Số lần gửi mỗi IPN (1–{MAX_IPN_COPIES})</label> \
         <input id=\"copies\" name=\"copies\" type=\"number\" min=\"1\" max=\"{MAX_IPN_COPIES}\" value=\"{copies}\"></p>\
         <p><input id=\"drop\" name=\"drop\" type=\"checkbox\" value=\"on\"{checked}> \
         <label for=\"drop\">Không gửi IPN (đơn vị phải tự truy vấn querydr)</label></p>\
         <button type=\"submit\">Lưu</button></fieldset></form>{log}",
        ipn = html_escape(&sim.ipn_url),
        delay = s.delay_secs,
        copies = s.copies,
        checked = if s.drop { " checked" } else { "" },
    );
    (no_store, Html(page("Điều khiển VNPAY", &body))).into_response()
}

async fn control_set(
    State(sim): State<Arc<VnpaySandbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&body) else {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "a JSON object with delay_secs, drop, copies"})),
            )
                .into_response();
        };
        sim.apply_switches(
            m.get("delay_secs").and_then(Value::as_u64),
            m.get("drop").and_then(Value::as_bool),
            m.get("copies")
                .and_then(Value::as_u64)
                .map(|c| u32::try_from(c).unwrap_or(MAX_IPN_COPIES)),
        );
        return Json(sim.ipn_switches()).into_response();
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    // An unticked checkbox sends nothing: the form always means "drop" or "do not drop".
    sim.apply_switches(
        form.get("delay_secs").and_then(|v| v.trim().parse().ok()),
        Some(form.get("drop").is_some_and(|v| v == "on" || v == "true")),
        form.get("copies").and_then(|v| v.trim().parse().ok()),
    );
    (StatusCode::SEE_OTHER, [(header::LOCATION, "control")]).into_response()
}

fn error_page(e: &PageError) -> Response {
    let body = format!(
        "<p role=\"alert\">Giao dịch không thành công. Mã lỗi: <strong>{code}</strong></p>\
         <p>{message}</p><p lang=\"en\">Transaction failed, error code {code}.</p>",
        code = e.code,
        message = html_escape(&e.message),
    );
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        Html(page("Thông báo lỗi", &body)),
    )
        .into_response()
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} — mô phỏng</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:1rem;line-height:1.5}}\
         dt{{font-weight:bold}}button{{font-size:1rem;margin:.25rem;padding:.5rem 1rem}}\
         table{{border-collapse:collapse}}th,td{{border:1px solid #888;padding:.25rem .5rem;\
         text-align:left;vertical-align:top}}</style></head>\
         <body><main><h1>{t} — SIMULATOR</h1>{body}</main></body></html>",
        t = html_escape(title)
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use chrono::TimeZone;

    const TMN: &str = "MOTCUA01";
    const SECRET: &str = "SECRETSECRETSECRETSECRETSECRET12";

    fn sim() -> VnpaySandbox {
        VnpaySandbox::new(TMN, SECRET, "http://127.0.0.1:9/ipn".into())
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, 2, 0, 0).unwrap()
    }

    fn signed_query(sim: &VnpaySandbox, extra: &[(&str, &str)]) -> String {
        let mut params: Vec<(&str, &str)> = vec![
            ("vnp_Version", "2.1.0"),
            ("vnp_Command", "pay"),
            ("vnp_TmnCode", TMN),
            ("vnp_Amount", "5000000"),
            ("vnp_CreateDate", "20250301090000"),
            ("vnp_ExpireDate", "20250301091500"),
            ("vnp_CurrCode", "VND"),
            ("vnp_IpAddr", "127.0.0.1"),
            ("vnp_Locale", "vn"),
            ("vnp_OrderInfo", "Le phi ho so"),
            ("vnp_OrderType", "other"),
            ("vnp_ReturnUrl", "https://motcua.example/payments/return"),
            ("vnp_TxnRef", "T1"),
        ];
        for (k, v) in extra {
            params.retain(|(n, _)| n != k);
            params.push((k, v));
        }
        let data = canonical_query(params);
        format!("{data}&{HASH}={}", sim.sign(&data))
    }

    #[test]
    fn payment_page_checks() {
        let s = sim();
        let ok = s.check_payment(&signed_query(&s, &[]), now()).unwrap();
        assert_eq!(ok.amount_vnd, 50_000);
        let code = |q: &str| s.check_payment(q, now()).err().map(|e| e.code);
        assert_eq!(
            code(&signed_query(&s, &[]).replace("5000000", "6000000")),
            Some("70")
        );
        assert_eq!(
            code(&signed_query(&s, &[("vnp_TmnCode", "OTHER")])),
            Some("02")
        );
        assert_eq!(
            code(&signed_query(&s, &[("vnp_Amount", "100000")])),
            Some("03")
        );
        assert_eq!(
            code(&signed_query(&s, &[("vnp_Amount", "5000050")])),
            Some("03")
        );
        assert_eq!(code(&signed_query(&s, &[("vnp_Locale", "fr")])), Some("03"));
        assert_eq!(
            code(&signed_query(&s, &[("vnp_ExpireDate", "20250301085959")])),
            Some("11")
        );
        assert_eq!(
            code(&format!("{}&vnp_Amount=1", signed_query(&s, &[]))),
            Some("03")
        );
        assert_eq!(code(""), Some("02"));
    }

    #[test]
    fn decisions_and_reuse() {
        let s = sim();
        let token = s.remember_pending(s.check_payment(&signed_query(&s, &[]), now()).unwrap());
        let (t, query, url) = s.decide(&token, "51", now()).unwrap();
        assert_eq!(t.response_code, "51");
        assert_eq!(t.transaction_status, "02");
        assert_eq!(t.bank_tran_no, None);
        assert_eq!(url, "https://motcua.example/payments/return");
        assert!(query.contains("vnp_ResponseCode=51"), "{query}");
        assert!(s.decide(&token, "00", now()).is_err(), "single use");
        let again = s.check_payment(&signed_query(&s, &[]), now());
        assert_eq!(again.err().map(|e| e.code), Some("01"));

        // Pressing "paid" after the deadline is a timeout.
        let q = signed_query(&s, &[("vnp_TxnRef", "T2")]);
        let token = s.remember_pending(s.check_payment(&q, now()).unwrap());
        let late = now() + chrono::Duration::minutes(16);
        let (t, _, _) = s.decide(&token, "00", late).unwrap();
        assert_eq!(t.response_code, "11");
    }

    #[test]
    fn amounts_grouped() {
        assert_eq!(group_thousands(1_806_000), "1.806.000");
        assert_eq!(group_thousands(5_000), "5.000");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(0), "0");
    }

    #[test]
    fn memory_is_bounded() {
        let mut map = HashMap::new();
        let mut order = VecDeque::new();
        for i in 0..10 {
            bounded_insert(&mut map, &mut order, i.to_string(), i, 3);
        }
        assert_eq!(map.len(), 3);
        assert!(map.contains_key("9") && !map.contains_key("6"));
    }

    #[test]
    fn switches_are_clamped() {
        let s = sim();
        s.set_ipn_copies(0);
        s.set_ipn_delay(1_000_000);
        assert_eq!(s.ipn_switches().copies, 1);
        assert_eq!(s.ipn_switches().delay_secs, MAX_IPN_DELAY_SECS);
        s.set_ipn_copies(99);
        assert_eq!(s.ipn_switches().copies, MAX_IPN_COPIES);
    }

    #[test]
    fn api_refuses_bad_input_signed() {
        let s = sim();
        let answer = s.handle_api(b"not json", now());
        assert_eq!(answer["vnp_ResponseCode"], "03");
        let answer = s.handle_api(
            serde_json::to_vec(&json!({"vnp_Command": "querydr", "vnp_TmnCode": TMN}))
                .unwrap()
                .as_slice(),
            now(),
        );
        assert_eq!(answer["vnp_ResponseCode"], "97");
        let Value::Object(m) = &answer else {
            unreachable!()
        };
        let data = QUERY_RESPONSE
            .iter()
            .map(|n| text(m, n))
            .collect::<Vec<_>>()
            .join("|");
        assert!(s.verify(&data, answer["vnp_SecureHash"].as_str().unwrap()));
    }
}
