//! Classes of defect found from outside (the hardening issue): links that leave the site, staff
//! reading unsubmitted drafts, anonymous clients buying CPU, an audit chain a database writer can
//! rewrite, identity data erased by a provider that omits a claim.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use motcua_app::identity::{self, CitizenClaims};
use motcua_store::entities::audit_entry;
use motcua_store::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    Statement,
};
use motcua_testkit::*;
use serde_json::json;
use sha2::{Digest, Sha256};

fn with_q(url: &str, q: &str) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .finish();
    format!("{url}?{q}")
}

#[tokio::test]
async fn the_language_link_never_leaves_the_site() {
    let t = TestApp::spawn().await;
    for path in [
        "//evil.example/x",
        "//evil.example/%2e%2e",
        "/.//evil.example",
        "/%5C%5Cevil.example",
    ] {
        let r = t
            .http
            .get(format!("{}{path}", t.base))
            .send()
            .await
            .unwrap();
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("href=\"//") && !html.contains("href=\"/\\"),
            "{path}: {html}"
        );
    }
}

#[tokio::test]
async fn staff_never_see_a_citizens_unsubmitted_draft() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&citizen).await;
    let r = t
        .upload(
            &citizen,
            &draft,
            "giay_chung_sinh",
            "giấy chứng sinh.pdf",
            "application/pdf",
            sample_pdf(),
        )
        .await;
    assert_eq!(r.status(), 201);
    let file_id = json(r).await["id"].as_str().unwrap().to_owned();
    for who in [
        "officer@H31.11341",
        "specialist@H31.11341",
        "leader@H31.11341",
        "clerk@H31.11341",
    ] {
        let staff = t.staff_token(who).await;
        expect_problem(
            t.get(&staff, &format!("/api/v1/dossiers/{draft}")).await,
            404,
            "not_found",
        )
        .await;
        expect_problem(
            t.get(
                &staff,
                &format!("/api/v1/dossiers/{draft}/attachments/{file_id}"),
            )
            .await,
            404,
            "not_found",
        )
        .await;
        let list = json(t.get(&staff, "/api/v1/dossiers").await).await;
        assert!(
            !list.to_string().contains(&draft),
            "{who} lists the draft: {list}"
        );
        let cookie = t.staff_cookie(who).await;
        let (status, _) = t.page(&cookie, &format!("/staff/dossiers/{draft}")).await;
        assert_eq!(status, 404, "{who} opens the draft page");
        let (status, _) = t
            .page(&cookie, &format!("/staff/intake/{draft}/form"))
            .await;
        assert_ne!(status, 200, "{who} opens the draft in the intake form");
    }
    // Submitted, it is the agency's to receive.
    let r = t
        .post_json(
            &citizen,
            &format!("/api/v1/dossiers/{draft}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let officer = t.staff_token("officer@H31.11341").await;
    assert_eq!(
        t.get(&officer, &format!("/api/v1/dossiers/{draft}"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_overlong_search_is_refused_with_the_limit_not_cut() {
    let t = TestApp::spawn().await;
    let long = "khai sinh ".repeat(21);
    let r = t
        .http
        .get(with_q(&t.url("/api/v1/procedures"), &long))
        .send()
        .await
        .unwrap();
    let p = expect_problem(r, 400, "query_too_long").await;
    assert!(p.to_string().contains("200"), "{p}");
    let r = t
        .http
        .get(with_q(&t.url("/search"), &"a".repeat(201)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("200"));
    // At the limit it runs.
    let r = t
        .http
        .get(with_q(&t.url("/api/v1/procedures"), &"x".repeat(200)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_burst_of_public_searches_leaves_signed_in_users_answered() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let _ = t.birth_registration_draft(&citizen).await;
    // Long, typo-laden queries: the most expensive a search can be within its limits.
    let query = "dang ki khai sinh cho con tre em ket hon thuong tru tam tru giay phep";
    let searches: Vec<_> = (0..150)
        .map(|_| {
            let http = t.http.clone();
            let url = t.url("/api/v1/procedures");
            tokio::spawn(async move {
                http.get(with_q(&url, query)).send().await.map(|r| {
                    (
                        r.status().as_u16(),
                        r.headers().get("retry-after").is_some(),
                    )
                })
            })
        })
        .collect();
    let mut own = Vec::new();
    for _ in 0..10 {
        own.push(t.get(&citizen, "/api/v1/dossiers").await.status().as_u16());
    }
    let mut ok = 0;
    let mut limited = 0;
    for s in searches {
        match s.await.unwrap() {
            Ok((200, _)) => ok += 1,
            Ok((429, true)) => limited += 1,
            other => panic!("a search answered {other:?}"),
        }
    }
    assert!(own.iter().all(|s| *s == 200), "signed-in requests: {own:?}");
    assert!((1..=120).contains(&ok), "{ok} searches ran");
    assert!(limited >= 30, "{limited} searches refused with Retry-After");
}

#[tokio::test]
async fn public_tracking_is_limited_like_the_tracking_page() {
    let t = TestApp::spawn().await;
    let mut last = None;
    for i in 0..31 {
        let r = t
            .http
            .get(t.url(&format!("/api/v1/track/H31.11341-261117-{i:04}")))
            .send()
            .await
            .unwrap();
        last = Some(r);
    }
    let r = last.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    expect_problem(r, 429, "too_many_requests").await;
    // The page shares the same allowance.
    let r = t
        .http
        .get(t.url("/track?code=H31.11341-261117-0001"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn a_provider_that_omits_an_optional_claim_erases_nothing() {
    let t = TestApp::spawn().await;
    let full = CitizenClaims {
        citizen_id: "001199000123".into(),
        full_name: "Trần Thị Bình".into(),
        birthdate: Some("1990-01-02".into()),
        gender: Some("female".into()),
        phone: Some("0912345678".into()),
        commune_code: Some("11341".into()),
        street: Some("12 Lạch Tray".into()),
        assurance_level: Some("loa2".into()),
    };
    identity::upsert_citizen(&t.app, &full).await.unwrap();
    let sparse = CitizenClaims {
        full_name: "Trần Thị Bình".into(),
        birthdate: None,
        gender: None,
        phone: None,
        commune_code: None,
        street: Some("14 Lạch Tray".into()),
        assurance_level: None,
        ..full.clone()
    };
    identity::upsert_citizen(&t.app, &sparse).await.unwrap();
    let c = identity::find_citizen(&t.app, "001199000123")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.phone.as_deref(), Some("0912345678"));
    assert_eq!(c.birthdate.as_deref(), Some("1990-01-02"));
    assert_eq!(c.commune_code.as_deref(), Some("11341"));
    assert_eq!(
        c.street.as_deref(),
        Some("14 Lạch Tray"),
        "what is given is updated"
    );
}

// --- the audit chain against someone who can write to the database ---------------------------

/// The chain's own hashing, recomputed as a database writer would to cover their tracks.
fn rehash(prev: &str, e: &audit_entry::Model) -> String {
    let canonical = json!([
        e.seq,
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.actor,
        e.action,
        e.subject,
        e.data
    ])
    .to_string();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

async fn set_head(t: &TestApp, chain: i32, seq: i64, hash: &str) {
    let db = &t.app.db;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        format!("UPDATE audit_head SET last_seq = {seq}, last_hash = '{hash}' WHERE id = {chain}"),
    ))
    .await
    .unwrap();
}

/// Points every chain's head at its last remaining entry, as a writer covering their tracks would.
async fn rewind_heads(t: &TestApp) {
    let all = entries(t).await;
    for h in motcua_store::audit::heads(&t.app.db).await.unwrap() {
        match all.iter().rfind(|e| e.chain == h.chain) {
            Some(e) => set_head(t, h.chain, e.seq, &e.hash).await,
            None => set_head(t, h.chain, 0, motcua_store::audit::GENESIS).await,
        }
    }
}

async fn entries(t: &TestApp) -> Vec<audit_entry::Model> {
    audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::Seq)
        .all(&t.app.db)
        .await
        .unwrap()
}

/// A walked-through dossier's worth of entries, anchored by a checkpoint.
async fn anchored() -> (TestApp, motcua_app::audit_anchor::Checkpoint) {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let code = t.submitted_birth_registration(&citizen).await;
    let officer = t.staff_token("officer@H31.11341").await;
    let r = t
        .action(&officer, &code, json!({"action": "receive"}))
        .await;
    assert_eq!(r.status(), 200);
    let cp = motcua_app::audit_anchor::checkpoint(&t.app, t.app.now())
        .await
        .unwrap()
        .unwrap();
    assert!(cp.seq >= 5, "{cp:?}");
    let v = motcua_app::audit_anchor::verify(&t.app)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.checkpoints, 1);
    // Work goes on after the checkpoint.
    let r = t
        .action(
            &t.staff_token("leader@H31.11341").await,
            &code,
            json!({"action": "assign", "assignee": "specialist@H31.11341"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    (t, cp)
}

async fn expect_break(t: &TestApp, words: &str) -> motcua_store::audit::ChainBreak {
    let b = motcua_app::audit_anchor::verify(&t.app)
        .await
        .unwrap()
        .expect_err("tampering must be found");
    assert!(b.reason.contains(words), "{b}");
    b
}

#[tokio::test]
async fn truncating_the_tail_and_rewinding_the_head_is_found() {
    let (t, cp) = anchored().await;
    let keep = cp.seq - 2;
    audit_entry::Entity::delete_many()
        .filter(audit_entry::Column::Seq.gt(keep))
        .exec(&t.app.db)
        .await
        .unwrap();
    rewind_heads(&t).await;
    // The chains alone cannot tell: they are shorter, intact chains.
    let left = entries(&t).await.len() as i64;
    assert_eq!(
        motcua_store::audit::verify(&t.app.db).await.unwrap(),
        Ok(left)
    );
    let b = expect_break(&t, "removed at the end").await;
    assert!(b.seq > keep, "names an entry that was removed: {b}");
    assert!(cp.heads().iter().any(|h| h.seq == b.seq), "{b}");
}

#[tokio::test]
async fn wiping_the_table_is_found() {
    let (t, cp) = anchored().await;
    audit_entry::Entity::delete_many()
        .exec(&t.app.db)
        .await
        .unwrap();
    rewind_heads(&t).await;
    assert_eq!(motcua_store::audit::verify(&t.app.db).await.unwrap(), Ok(0));
    let b = expect_break(&t, "emptied").await;
    assert!(
        b.seq >= 1 && cp.heads().iter().any(|h| h.seq == b.seq),
        "{b}"
    );
}

#[tokio::test]
async fn editing_an_entry_and_rehashing_everything_after_it_is_found() {
    let (t, cp) = anchored().await;
    let all = entries(&t).await;
    let edited = all[1].clone();
    let mut prev = motcua_store::audit::GENESIS.to_owned();
    for mut e in all.into_iter().filter(|e| e.chain == edited.chain) {
        if e.seq == edited.seq {
            e.data = e.data.replace('}', ",\"note\":\"never happened\"}");
        }
        let hash = rehash(&prev, &e);
        let mut am: audit_entry::ActiveModel = e.clone().into();
        am.data = Set(e.data.clone());
        am.prev_hash = Set(prev.clone());
        am.hash = Set(hash.clone());
        am.update(&t.app.db).await.unwrap();
        prev = hash;
    }
    rewind_heads(&t).await;
    assert!(
        motcua_store::audit::verify(&t.app.db)
            .await
            .unwrap()
            .is_ok(),
        "a re-hashed chain passes the chain check alone"
    );
    let b = expect_break(&t, "re-hashed").await;
    let vouched = cp
        .heads()
        .into_iter()
        .find(|h| h.chain == edited.chain)
        .unwrap();
    assert_eq!(b.seq, vouched.seq, "names the head that no longer holds");
    assert!(b.reason.contains(&format!("chain {}", edited.chain)), "{b}");
}

/// A checkpoint signed before the trail had several chains (version 1: one entry number and its
/// hash, of what is now chain 1) still verifies, and still catches that chain being truncated.
#[tokio::test]
async fn a_version_1_checkpoint_still_holds() {
    use base64::Engine as _;
    let (t, _) = anchored().await;
    let chain1 = motcua_store::audit::heads(&t.app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.chain == 1)
        .unwrap();
    let at = "2026-11-17T03:00:00.000000Z";
    let message = motcua_app::audit_anchor::Checkpoint::message(chain1.seq, &chain1.hash, at);
    let v1 = json!({
        "seq": chain1.seq,
        "hash": chain1.hash,
        "at": at,
        "key": motcua_app::audit_anchor::public_key(&t.app),
        "signature": base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(t.app.sealing.sign_checkpoint(message.as_bytes())),
    });
    t.app
        .files
        .put(
            "audit/checkpoints/00000000000000000000-v1.json",
            serde_json::to_vec(&v1).unwrap().into(),
        )
        .await
        .unwrap();
    let v = motcua_app::audit_anchor::verify(&t.app)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.checkpoints, 2);
    if chain1.seq > 0 {
        audit_entry::Entity::delete_many()
            .filter(audit_entry::Column::Chain.eq(1))
            .exec(&t.app.db)
            .await
            .unwrap();
        rewind_heads(&t).await;
        expect_break(&t, "chain 1").await;
    }
}

#[tokio::test]
async fn a_checkpoint_not_signed_by_the_deployment_is_refused_and_a_tampered_chain_is_never_checkpointed()
 {
    let (t, cp) = anchored().await;
    // A database writer with object-store access still cannot sign.
    let forged = motcua_app::audit_anchor::Checkpoint {
        seq: cp.seq + 1,
        hash: "00".repeat(32),
        at: "2026-11-17T03:00:00Z".into(),
        ..cp.clone()
    };
    t.app
        .files
        .put(
            "audit/checkpoints/forged.json",
            serde_json::to_vec(&forged).unwrap().into(),
        )
        .await
        .unwrap();
    expect_break(&t, "not signed").await;
    t.app
        .files
        .delete("audit/checkpoints/forged.json")
        .await
        .unwrap();
    motcua_app::audit_anchor::verify(&t.app)
        .await
        .unwrap()
        .unwrap();
    // Tampered, the chain is not vouched for.
    audit_entry::Entity::delete_many()
        .exec(&t.app.db)
        .await
        .unwrap();
    rewind_heads(&t).await;
    assert!(
        motcua_app::audit_anchor::checkpoint(&t.app, t.app.now())
            .await
            .unwrap()
            .is_err()
    );
    // The checkpoints are public, with the key that signs them.
    let r = t
        .http
        .get(t.url("/audit/checkpoints"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = json(r).await;
    assert_eq!(body["algorithm"], "Ed25519");
    assert_eq!(body["checkpoints"][0]["seq"], cp.seq);
    assert_eq!(body["key"], cp.key);
}

#[tokio::test]
async fn control_characters_never_cause_a_server_error() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    for path in [
        "/auth/login?return_to=%00",
        "/auth/login?return_to=/%0d%0aSet-Cookie:%20x=1",
        "/auth/login?return_to=%1b[31m",
        "/auth/callback?state=%00&code=%0a",
        "/?lang=%00",
        "/?lang=en%0d%0a",
        "/search?q=%00%01%7f",
        "/search?q=kh%C3%A1%00i&level=%0a",
        "/track?code=%0d%0a",
        "/my/%00",
        "/procedures/%00%0a",
        "/verify/%00",
        "/api/v1/procedures?q=%00",
        "/api/v1/procedures/%0d%0a",
        "/api/v1/track/%00",
        "/api/v1/documents/%00",
    ] {
        let r = t.http.get(t.url(path)).send().await.unwrap();
        assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
        if let Some(l) = r.headers().get("location") {
            let l = l.to_str().unwrap();
            assert!(!l.contains('\r') && !l.contains('\n'), "{path}: {l}");
            if path.starts_with("/auth/login") {
                // The return path kept for after the login is the citizen's own dossiers.
                let row = motcua_store::entities::oidc_login::Entity::find()
                    .all(&t.app.db)
                    .await
                    .unwrap();
                assert!(row.iter().all(|l| l.return_to == "/my"), "{path}");
            }
        }
        let r = t
            .get(
                &citizen,
                &format!("/api/v1/dossiers/{}", path.trim_start_matches('/')),
            )
            .await;
        assert!(r.status().as_u16() < 500, "{path}");
    }
}

#[tokio::test]
async fn anonymous_clients_have_a_ceiling_signed_in_users_do_not_share() {
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let mut refused = None;
    for i in 0..=motcua_web::ratelimit::ANONYMOUS_PER_MINUTE {
        let r = t.http.get(t.url("/")).send().await.unwrap();
        if r.status() == 429 {
            refused = Some((i, r));
            break;
        }
    }
    let (i, r) = refused.expect("a ceiling");
    assert_eq!(i, motcua_web::ratelimit::ANONYMOUS_PER_MINUTE);
    assert!(r.headers().get("retry-after").is_some());
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let r = t
        .http
        .get(t.url("/api/v1/procedures/1.001193"))
        .send()
        .await
        .unwrap();
    expect_problem(r, 429, "too_many_requests").await;
    // The signed-in citizen from the same address is still served.
    assert_eq!(t.get(&citizen, "/api/v1/me").await.status(), 200);
    assert_eq!(
        t.get(&citizen, "/api/v1/procedures/1.001193")
            .await
            .status(),
        200
    );
    // Health checks are never limited.
    assert_eq!(
        t.http.get(t.url("/health")).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_nul_never_reaches_the_database() {
    // PostgreSQL refuses NUL in text: before this, a NUL in a path or a JSON string was a 500
    // there. In paths it is refused; elsewhere it becomes U+FFFD, as decoders do.
    let t = TestApp::spawn().await;
    let citizen = t.citizen_token(CITIZEN_A).await;
    let draft = t.birth_registration_draft(&citizen).await;
    let r = t
        .http
        .put(t.url(&format!("/api/v1/dossiers/{draft}/form")))
        .bearer_auth(&citizen)
        .header("content-type", "application/json")
        .body(r#"{"ho_ten_tre": "Nguy\u0000n Minh Khang"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let d = json(t.get(&citizen, &format!("/api/v1/dossiers/{draft}")).await).await;
    assert_eq!(d["form"]["ho_ten_tre"], "Nguy\u{FFFD}n Minh Khang");
    let r = t
        .http
        .post(t.url("/api/v1/auth/staff"))
        .header("content-type", "application/json")
        .body(r#"{"username": "leader@H31.11341\u0000", "password": "demo"}"#)
        .send()
        .await
        .unwrap();
    expect_problem(r, 401, "bad_credentials").await;
    let r = t
        .http
        .post(t.url("/staff/login"))
        .header("origin", &t.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=leader%00&password=demo")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let part = reqwest::multipart::Part::bytes(sample_pdf())
        .file_name("a.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("component", "giay_chung_sinh\u{0}")
        .part("file", part);
    let r = t
        .http
        .post(t.url(&format!("/api/v1/dossiers/{draft}/attachments")))
        .bearer_auth(&citizen)
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_problem(r, 422, "unknown_component").await;
    for path in [
        "/api/v1/procedures?q=khai%00sinh",
        "/search?q=khai%00sinh",
        "/track?code=H31%00",
        "/api/v1/dossiers?status=%00",
    ] {
        let r = t.get(&citizen, path).await;
        assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
    }
    for path in [
        "/api/v1/dossiers/%00",
        "/api/v1/track/H31%00",
        "/procedures/1.001193%00",
    ] {
        let r = t.get(&citizen, path).await;
        assert_eq!(r.status(), 400, "{path}");
    }
    // A page says so in the user's language.
    let r = t
        .http
        .get(t.url("/procedures/1.001193%00?lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("invalid character (NUL)"));
}
