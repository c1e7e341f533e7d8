//! Paying through the demo's sandbox bank in tests: signing callbacks as VNPAY 2.1.0 does
//! (independently of the adapter under test), driving the bank's page, waiting for the IPN.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use hmac::{Hmac, Mac};
use motcua_testkit::*;
use serde_json::{Value, json};
use sha2::Sha512;

/// Signs a query the way VNPAY 2.1.0 does (sorted, form-encoded, HMAC-SHA512), written here
/// independently of the adapter under test.
pub fn sign(secret: &str, pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "vnp_SecureHash" && k != "vnp_SecureHashType")
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let data = sorted
        .iter()
        .map(|(k, v)| {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair(k, v)
                .finish()
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn query_of(url: &str) -> Vec<(String, String)> {
    let u = url::Url::parse(url).unwrap();
    u.query_pairs().into_owned().collect()
}

pub fn with(pairs: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == key {
                    value.to_owned()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

pub fn resigned(secret: &str, pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| k != "vnp_SecureHash")
        .collect();
    let h = sign(secret, &p);
    p.push(("vnp_SecureHash".into(), h));
    p
}

pub fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub async fn ipn(t: &TestApp, pairs: &[(String, String)]) -> String {
    let r = t
        .http
        .get(t.url(&format!("/payments/vnpay/ipn?{}", encode(pairs))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["RspCode"].as_str().unwrap().to_owned()
}

/// A criminal record certificate draft (200,000 VND online) for citizen A.
pub async fn fee_draft(t: &TestApp, token: &str) -> String {
    let r = t
        .post_json(
            token,
            "/api/v1/dossiers",
            &json!({ "procedure": "3.000333" }),
        )
        .await;
    let code = json(r).await["code"].as_str().unwrap().to_owned();
    let r = t
        .put_json(
            token,
            &format!("/api/v1/dossiers/{code}/form"),
            &json!({ "so_luong": 1, "doi_tuong_nop_phi": "thong_thuong" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    code
}

/// Pays at the sandbox bank with one of its buttons; returns where the browser is sent back.
pub async fn pay_at_bank(t: &TestApp, redirect_url: &str, outcome: &str) -> String {
    let page = t.http.get(redirect_url).send().await.unwrap();
    let status = page.status();
    let html = page.text().await.unwrap();
    assert_eq!(status, 200, "{redirect_url}\n{html}");
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = t
        .http
        .post(t.url("/sim/vnpay/paymentv2/vpcpay.html"))
        .form(&[("token", token.as_str()), ("outcome", outcome)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    r.headers()["location"].to_str().unwrap().to_owned()
}

pub async fn payment_status(t: &TestApp, token: &str, code: &str) -> Vec<String> {
    let v = json(t.get(token, &format!("/api/v1/dossiers/{code}")).await).await;
    v["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn wait_for(t: &TestApp, token: &str, code: &str, want: &str) {
    for _ in 0..100 {
        if payment_status(t, token, code)
            .await
            .last()
            .map(String::as_str)
            == Some(want)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "payment never became {want}: {:?}",
        payment_status(t, token, code).await
    );
}
