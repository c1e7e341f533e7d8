//! Our SMS client (`motcua_gateways::sms`) against the simulated eSMS-style provider
//! (`motcua_sim::sms`), over real HTTP on 127.0.0.1, mounted under `/sim/sms` as the server does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use motcua_gateways::sms::{
    DeliveryError, SmsConfig, SmsGateway, fits_one_sms, gsm7_len, normalize_vn_mobile, ucs2_len,
};
use motcua_sim::sms::SmsGatewaySim;
use serde_json::{Value, json};

const KEY: &str = "api-key-123";
const SECRET: &str = "secret/456";
const BRAND: &str = "MOTCUA";
const PHONE: &str = "0912345678";

struct Sim {
    sim: Arc<SmsGatewaySim>,
    base: String,
}

impl Sim {
    fn endpoint(&self) -> String {
        format!("{}/api/SendMultipleMessage_V4_post_json/", self.base)
    }

    fn gateway(&self, secret: &str) -> SmsGateway {
        SmsGateway::new(SmsConfig {
            url: self.endpoint(),
            api_key: KEY.into(),
            secret_key: secret.into(),
            brandname: BRAND.into(),
        })
        .unwrap()
    }

    async fn inbox(&self, phone: &str) -> Vec<Value> {
        let r = reqwest::get(format!("{}/{phone}?format=json", self.base))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

async fn spawn_sim() -> Sim {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = Arc::new(SmsGatewaySim::new(KEY, SECRET, vec![BRAND.into()]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().nest("/sim/sms", sim.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Sim {
        sim,
        base: format!("http://127.0.0.1:{port}/sim/sms"),
    }
}

#[tokio::test]
async fn sends_and_the_phone_receives() {
    let s = spawn_sim().await;
    let gw = s.gateway(SECRET);
    let text =
        "Ho so 000.00.01.H26-250101-0001 da duoc tiep nhan. Tra cuu: https://motcua.example/t";
    let id = gw.send("+84 912 345 678", text, "req-1").await.unwrap();
    assert!(!id.is_empty());

    // A Vietnamese text with diacritics goes as Unicode.
    let vi = "Hồ sơ của bạn đã được tiếp nhận.";
    assert!(gsm7_len(vi).is_none());
    gw.send(PHONE, vi, "req-2").await.unwrap();

    let inbox = s.inbox("84912345678").await;
    assert_eq!(inbox.len(), 2);
    assert_eq!(inbox[0]["text"], vi, "newest first");
    assert_eq!(inbox[1]["text"], text);
    assert_eq!(inbox[1]["to"], PHONE);
    assert_eq!(inbox[1]["sms_id"], id.as_str());
    let at = inbox[0]["at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    assert!(at.ends_with('Z'), "UTC: {at}");
    assert_eq!(s.sim.messages(PHONE).len(), 2);

    // Another phone's inbox is its own.
    assert!(s.inbox("0387654321").await.is_empty());
}

#[tokio::test]
async fn wrong_key_is_permanent() {
    let s = spawn_sim().await;
    let err = s
        .gateway("not the secret")
        .send(PHONE, "Xin chao", "req-1")
        .await
        .unwrap_err();
    match err {
        DeliveryError::Permanent(m) => {
            assert!(m.contains("101") && m.contains("Authorize Failed"), "{m}")
        }
        other => panic!("expected permanent, got {other:?}"),
    }
    assert!(s.sim.messages(PHONE).is_empty());
}

#[tokio::test]
async fn unknown_brandname_is_permanent() {
    let s = spawn_sim().await;
    let gw = SmsGateway::new(SmsConfig {
        url: s.endpoint(),
        api_key: KEY.into(),
        secret_key: SECRET.into(),
        brandname: "OTHER".into(),
    })
    .unwrap();
    let err = gw.send(PHONE, "Xin chao", "req-1").await.unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Permanent(m) if m.contains("104")),
        "{err:?}"
    );
}

#[tokio::test]
async fn outage_is_transient_and_passes() {
    let s = spawn_sim().await;
    let gw = s.gateway(SECRET);
    s.sim.set_available(false);
    let err = gw.send(PHONE, "Xin chao", "req-1").await.unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Transient(m) if m.contains("503")),
        "{err:?}"
    );
    assert!(err.is_transient());
    s.sim.set_available(true);
    gw.send(PHONE, "Xin chao", "req-1").await.unwrap();
    assert_eq!(s.inbox(PHONE).await.len(), 1);
}

#[tokio::test]
async fn unreachable_gateway_is_transient() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gw = SmsGateway::new(SmsConfig {
        url: format!("http://127.0.0.1:{port}/api/SendMultipleMessage_V4_post_json/"),
        api_key: KEY.into(),
        secret_key: SECRET.into(),
        brandname: BRAND.into(),
    })
    .unwrap();
    let err = gw.send(PHONE, "Xin chao", "req-1").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn a_repeated_request_id_sends_once() {
    let s = spawn_sim().await;
    let gw = s.gateway(SECRET);
    let first = gw
        .send(PHONE, "Ma tra cuu: 123456", "same-id")
        .await
        .unwrap();
    // As after a crash between the provider's answer and our record of it.
    let again = gw
        .send(PHONE, "Ma tra cuu: 123456", "same-id")
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(s.inbox(PHONE).await.len(), 1);
    gw.send(PHONE, "Ma tra cuu: 123456", "other-id")
        .await
        .unwrap();
    assert_eq!(s.inbox(PHONE).await.len(), 2);
}

#[tokio::test]
async fn more_than_one_sms_is_permanent() {
    let s = spawn_sim().await;
    let gw = s.gateway(SECRET);
    gw.send(PHONE, &"a".repeat(160), "fits").await.unwrap();
    let err = gw
        .send(PHONE, &"a".repeat(161), "too-long")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Permanent(m) if m.contains("161")),
        "{err:?}"
    );
    let err = gw
        .send(PHONE, &"ồ".repeat(71), "too-long-vi")
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Permanent(_)), "{err:?}");
    assert_eq!(s.inbox(PHONE).await.len(), 1);

    // The provider's side refuses it too, should a sender not check.
    let r: Value = reqwest::Client::new()
        .post(s.endpoint())
        .json(&json!({
            "ApiKey": KEY, "SecretKey": SECRET, "Phone": PHONE, "Content": "a".repeat(161),
            "Brandname": BRAND, "SmsType": 2, "IsUnicode": 0, "Sandbox": 0, "RequestId": "raw"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["CodeResult"], "99");
    assert!(r["ErrorMessage"].as_str().unwrap().contains("160"), "{r}");
}

#[tokio::test]
async fn bad_numbers_are_permanent() {
    let s = spawn_sim().await;
    let gw = s.gateway(SECRET);
    for bad in ["0212345678", "12345", "+1 202 555 0100", ""] {
        let err = gw.send(bad, "Xin chao", "req").await.unwrap_err();
        assert!(matches!(err, DeliveryError::Permanent(_)), "{bad}: {err:?}");
    }
    // The simulator's own check, without our client's.
    let r: Value = reqwest::Client::new()
        .post(s.endpoint())
        .json(&json!({
            "ApiKey": KEY, "SecretKey": SECRET, "Phone": "0212345678", "Content": "x",
            "Brandname": BRAND, "SmsType": "2"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["CodeResult"], "108");
}

#[tokio::test]
async fn the_inbox_page_escapes_text() {
    let s = spawn_sim().await;
    let gw = s.gateway(SECRET);
    gw.send(PHONE, "<script>alert(1)</script> & \"x\"", "xss")
        .await
        .unwrap();
    let r = reqwest::get(format!("{}/{PHONE}", s.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"), "{html}");
    assert!(html.contains("<title>"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"),
        "{html}"
    );

    let r = reqwest::get(format!("{}/not-a-phone", s.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[test]
fn gsm7_lengths() {
    let ascii = "Ho so cua ban da duoc tiep nhan, ma so 000.00.01.H26-250101-0001 @ 08:00!";
    assert_eq!(gsm7_len(ascii), Some(ascii.len()));
    for printable in (0x20u8..0x7f).map(char::from) {
        let expected = if "[]{}\\^~|".contains(printable) {
            2
        } else if printable == '`' {
            // The one printable ASCII character GSM 03.38 lacks.
            assert_eq!(gsm7_len("`"), None);
            continue;
        } else {
            1
        };
        assert_eq!(
            gsm7_len(&printable.to_string()),
            Some(expected),
            "{printable:?}"
        );
    }
    assert_eq!(gsm7_len("€"), Some(2));
    assert_eq!(gsm7_len("["), Some(2));
    assert_eq!(gsm7_len("a€[b"), Some(6));
    assert_eq!(gsm7_len("é à ù"), Some(5));
    assert_eq!(gsm7_len(""), Some(0));
    for vi in [
        "Hồ sơ",
        "Phường Hồng Bàng",
        "đã tiếp nhận",
        "Ủy ban nhân dân",
    ] {
        assert_eq!(gsm7_len(vi), None, "{vi}");
    }
    assert_eq!(ucs2_len("Hồ sơ"), 5);
    assert_eq!(ucs2_len("😀"), 2);
    assert!(fits_one_sms(&"a".repeat(160)));
    assert!(!fits_one_sms(&"a".repeat(161)));
    assert!(!fits_one_sms(&"€".repeat(81)));
    assert!(fits_one_sms(&"ồ".repeat(70)));
    assert!(!fits_one_sms(&"ồ".repeat(71)));
    assert_eq!(
        normalize_vn_mobile("+84 387 654 321").as_deref(),
        Some("0387654321")
    );
}

#[test]
fn config_is_checked() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = SmsConfig {
        url: "ftp://example.com/x".into(),
        api_key: KEY.into(),
        secret_key: SECRET.into(),
        brandname: BRAND.into(),
    };
    assert!(SmsGateway::new(config.clone()).is_err());
    assert!(
        SmsGateway::new(SmsConfig {
            url: "https://rest.example/api/".into(),
            brandname: " ".into(),
            ..config.clone()
        })
        .is_err()
    );
    let ok = SmsGateway::new(SmsConfig {
        url: "https://rest.example/api/".into(),
        ..config.clone()
    })
    .unwrap();
    assert!(!ok.describe().contains(SECRET));
    assert!(!format!("{config:?}").contains(SECRET));
}
