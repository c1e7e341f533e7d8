//! End-to-end OpenID Connect tests: our relying party (`motcua_gateways::oidc`) against the simulated
//! national identity provider (`motcua_sim::idp`), over real HTTP on 127.0.0.1.
//!
//! The browser is played by a plain HTTP client that never follows redirects, so each step of the
//! authorization code flow (login page, form post, 303 back to the client) is observed and asserted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use motcua_gateways::oidc::{
    AuthorizationRequest, ClaimMap, OidcClient, OidcError, RpOptions, VerifiedIdentity,
};
use motcua_sim::citizens::{self, DemoCitizen};
use motcua_sim::idp::{ClientRegistration, IdpConfig, NationalIdp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use url::Url;

const CONFIDENTIAL: &str = "motcua-portal";
const SECRET: &str = "portal secret:with/odd+chars";
const PUBLIC: &str = "motcua-mobile";
const REDIRECT: &str = "http://127.0.0.1:9/auth/callback";

struct Sim {
    idp: Arc<NationalIdp>,
    issuer: String,
}

fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn registrations() -> Vec<ClientRegistration> {
    vec![
        ClientRegistration {
            client_id: CONFIDENTIAL.into(),
            client_secret: Some(SECRET.into()),
            redirect_uris: vec![REDIRECT.into()],
        },
        ClientRegistration {
            client_id: PUBLIC.into(),
            client_secret: None,
            redirect_uris: vec![REDIRECT.into(), "http://127.0.0.1:9/other".into()],
        },
    ]
}

/// Serves a fresh simulator on an ephemeral port, at the root (`prefix = ""`) or nested under
/// `prefix` the way the server mounts it.
async fn spawn_sim(prefix: &str, demo_any_citizen: bool) -> Sim {
    install_crypto();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let issuer = format!("http://127.0.0.1:{port}{prefix}");
    let idp = Arc::new(
        NationalIdp::new(IdpConfig {
            issuer: issuer.clone(),
            clients: registrations(),
            demo_any_citizen,
        })
        .unwrap(),
    );
    let app = if prefix.is_empty() {
        Arc::clone(&idp).router()
    } else {
        axum::Router::new().nest(prefix, Arc::clone(&idp).router())
    };
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Sim { idp, issuer }
}

async fn confidential_client(sim: &Sim) -> OidcClient {
    OidcClient::discover(
        &sim.issuer,
        CONFIDENTIAL.into(),
        Some(SECRET.into()),
        REDIRECT.into(),
    )
    .await
    .unwrap()
}

/// The "browser": never follows redirects, so we can read each `Location`.
fn browser() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn citizen_a() -> DemoCitizen {
    citizens::demo_citizens().remove(0)
}

fn citizen_b() -> DemoCitizen {
    citizens::demo_citizens().remove(1)
}

/// Values of `<input type="hidden" name=".." value="..">` fields, as the page renders them.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest
                .split_once("value=\"")
                .unwrap()
                .1
                .split_once('"')
                .unwrap()
                .0;
            (name.to_owned(), value.replace("&amp;", "&"))
        })
        .collect()
}

/// GETs the login page, checks it, and returns the fields a browser would post back.
async fn open_login_page(sim: &Sim, request: &AuthorizationRequest) -> Vec<(String, String)> {
    let response = browser().get(request.url.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("location").is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("Cổng định danh quốc gia (mô phỏng)"));
    assert!(html.contains("National identity provider (SIMULATED)"));
    assert!(html.contains("<label for=\"citizen_id\">"));
    assert!(html.contains("name=\"citizen_id\""));
    assert!(html.contains("inputmode=\"numeric\""));
    assert!(html.contains(&format!("action=\"{}/authorize\"", sim.issuer)));
    // The first demo citizens are offered as one-click choices.
    assert!(html.contains(&format!(
        "name=\"pick\" value=\"{}\"",
        citizen_a().citizen_id
    )));
    assert!(html.contains(&citizen_b().full_name));
    let fields = hidden_fields(&html);
    let names: Vec<_> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method"
        ]
    );
    assert!(fields.contains(&("state".to_owned(), request.state.clone())));
    assert!(fields.contains(&("nonce".to_owned(), request.nonce.clone())));
    fields
}

/// Posts the login form and returns the response (expected: 303 to the client).
async fn submit_login(
    sim: &Sim,
    fields: &[(String, String)],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = fields.to_vec();
    form.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    browser()
        .post(format!("{}/authorize", sim.issuer))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> Url {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

/// Runs the browser part of a login as `citizen_id`; returns the request and the code.
async fn login(sim: &Sim, client: &OidcClient, citizen_id: &str) -> (AuthorizationRequest, String) {
    let request = client.authorization_request();
    let fields = open_login_page(sim, &request).await;
    let response = submit_login(sim, &fields, &[("citizen_id", citizen_id)]).await;
    let back = location(&response);
    assert_eq!(
        back.as_str().split('?').next().unwrap(),
        REDIRECT,
        "redirected to the registered URI"
    );
    let pairs: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("state".into(), request.state.clone())));
    assert!(pairs.contains(&("iss".into(), sim.issuer.clone())));
    let code = client
        .code_from_callback(back.query().unwrap(), &request.state)
        .unwrap();
    (request, code)
}

fn assert_identity(identity: &VerifiedIdentity, citizen: &DemoCitizen) {
    assert_eq!(identity.subject, citizen.citizen_id);
    assert_eq!(identity.citizen_id, citizen.citizen_id);
    assert_eq!(identity.full_name, citizen.full_name);
    assert_eq!(
        identity.birthdate.as_deref(),
        Some(citizen.birthdate.format("%Y-%m-%d").to_string().as_str())
    );
    assert_eq!(identity.gender.as_deref(), Some(citizen.gender.as_str()));
    assert_eq!(identity.phone.as_deref(), Some(citizen.phone.as_str()));
    assert_eq!(
        identity.commune_code.as_deref(),
        Some(citizen.commune_code.as_str())
    );
    assert_eq!(identity.street.as_deref(), Some(citizen.street.as_str()));
    assert_eq!(identity.assurance_level.as_deref(), Some("loa2"));
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims of a well-formed ID token for our confidential client.
fn good_claims(sim: &Sim, nonce: &str) -> Value {
    json!({
        "iss": sim.issuer,
        "sub": "031085012345",
        "aud": CONFIDENTIAL,
        "exp": now() + 300,
        "iat": now(),
        "nonce": nonce,
        "acr": "loa2",
        "name": "Nguyễn Văn An",
        "citizen_id": "031085012345",
    })
}

fn assert_invalid_id_token(result: Result<VerifiedIdentity, OidcError>, hint: &str) {
    match result {
        Err(OidcError::InvalidIdToken(message)) => {
            assert!(
                message.contains(hint),
                "{message:?} should mention {hint:?}"
            );
        }
        other => panic!("expected InvalidIdToken({hint}), got {other:?}"),
    }
}

fn assert_missing_claim(result: Result<VerifiedIdentity, OidcError>, hint: &str) {
    match result {
        Err(OidcError::MissingClaim(message)) => {
            assert!(
                message.contains(hint),
                "{message:?} should mention {hint:?}"
            );
        }
        other => panic!("expected MissingClaim({hint}), got {other:?}"),
    }
}

fn assert_token_error(result: Result<VerifiedIdentity, OidcError>, expected: &str) {
    match result {
        Err(OidcError::TokenEndpoint { error, .. }) => assert_eq!(error, expected),
        other => panic!("expected token endpoint error {expected}, got {other:?}"),
    }
}

#[tokio::test]
async fn confidential_client_logs_citizen_a_in() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let citizen = citizen_a();
    let (request, code) = login(&sim, &client, &citizen.citizen_id).await;
    assert!(request.pkce_verifier.len() >= 43);
    let identity = client
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await
        .unwrap();
    assert_identity(&identity, &citizen);
}

#[tokio::test]
async fn public_client_with_simulator_nested_under_a_path() {
    let sim = spawn_sim("/sim/idp", false).await;
    assert!(sim.issuer.ends_with("/sim/idp"));
    let client = OidcClient::discover(&sim.issuer, PUBLIC.into(), None, REDIRECT.into())
        .await
        .unwrap();
    let citizen = citizen_b();
    let (request, code) = login(&sim, &client, &citizen.citizen_id).await;
    let identity = client
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await
        .unwrap();
    assert_identity(&identity, &citizen);
}

#[tokio::test]
async fn one_click_demo_choice_signs_in_as_that_citizen() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let request = client.authorization_request();
    let fields = open_login_page(&sim, &request).await;
    // A browser sends the (empty) text field too; the clicked choice wins.
    let response = submit_login(
        &sim,
        &fields,
        &[("citizen_id", ""), ("pick", &citizen_b().citizen_id)],
    )
    .await;
    let back = location(&response);
    let code = client
        .code_from_callback(back.query().unwrap(), &request.state)
        .unwrap();
    let identity = client
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await
        .unwrap();
    assert_identity(&identity, &citizen_b());
}

#[tokio::test]
async fn any_valid_id_gets_a_generated_identity_in_demo_mode() {
    let sim = spawn_sim("", true).await;
    let client = confidential_client(&sim).await;
    let id = "031201777777";
    assert!(citizens::lookup(id).is_none());
    let (request, code) = login(&sim, &client, id).await;
    let identity = client
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await
        .unwrap();
    assert_identity(&identity, &citizens::generated(id));
}

#[tokio::test]
async fn unknown_or_malformed_ids_are_refused_without_redirect() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let request = client.authorization_request();
    let fields = open_login_page(&sim, &request).await;
    for (id, message) in [
        ("031201777777", "No citizen with this ID number"),
        ("12345", "Invalid ID number"),
        ("031901777777", "Invalid ID number"),
    ] {
        let response = submit_login(&sim, &fields, &[("citizen_id", id)]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{id}");
        assert!(response.headers().get("location").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{id}: {html}");
        assert!(html.contains("aria-invalid=\"true\""));
        // The form is shown again with the request carried through.
        assert!(html.contains(&request.state));
    }
}

#[tokio::test]
async fn wrong_nonce_is_rejected() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let (request, code) = login(&sim, &client, &citizen_a().citizen_id).await;
    let other_nonce = client.authorization_request().nonce;
    let result = client
        .exchange_code(&code, &request.pkce_verifier, &other_nonce)
        .await;
    assert!(
        matches!(result, Err(OidcError::NonceMismatch)),
        "{result:?}"
    );
}

#[tokio::test]
async fn wrong_pkce_verifier_is_invalid_grant() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let (request, code) = login(&sim, &client, &citizen_a().citizen_id).await;
    let other_verifier = client.authorization_request().pkce_verifier;
    let result = client
        .exchange_code(&code, &other_verifier, &request.nonce)
        .await;
    assert_token_error(result, "invalid_grant");
    // The failed attempt burnt the code: the right verifier is now too late.
    let result = client
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await;
    assert_token_error(result, "invalid_grant");
}

#[tokio::test]
async fn reused_code_is_invalid_grant() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let (request, code) = login(&sim, &client, &citizen_a().citizen_id).await;
    client
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await
        .unwrap();
    let again = client
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await;
    assert_token_error(again, "invalid_grant");
}

#[tokio::test]
async fn code_cannot_be_redeemed_by_another_client() {
    let sim = spawn_sim("", false).await;
    let portal = confidential_client(&sim).await;
    let mobile = OidcClient::discover(&sim.issuer, PUBLIC.into(), None, REDIRECT.into())
        .await
        .unwrap();
    let (request, code) = login(&sim, &portal, &citizen_a().citizen_id).await;
    let stolen = mobile
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await;
    assert_token_error(stolen, "invalid_grant");
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let sim = spawn_sim("", false).await;
    let good = confidential_client(&sim).await;
    let bad = OidcClient::discover(
        &sim.issuer,
        CONFIDENTIAL.into(),
        Some("guess".into()),
        REDIRECT.into(),
    )
    .await
    .unwrap();
    let (request, code) = login(&sim, &good, &citizen_a().citizen_id).await;
    let result = bad
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await;
    assert_token_error(result, "invalid_client");
}

#[tokio::test]
async fn unregistered_redirect_uri_or_client_gets_an_error_page_never_a_redirect() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let request = client.authorization_request();
    let tamper = |name: &str, value: &str| {
        let mut url = request.url.clone();
        let pairs: Vec<(String, String)> = request
            .url
            .query_pairs()
            .into_owned()
            .map(|(k, v)| {
                if k == name {
                    (k, value.to_owned())
                } else {
                    (k, v)
                }
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        url
    };
    for url in [
        tamper("redirect_uri", "https://attacker.example/steal"),
        tamper("redirect_uri", &format!("{REDIRECT}/")),
        tamper("client_id", "unknown-client"),
    ] {
        for response in [
            browser().get(url.clone()).send().await.unwrap(),
            browser()
                .post(format!("{}/authorize", sim.issuer))
                .form(&url.query_pairs().into_owned().collect::<Vec<_>>())
                .send()
                .await
                .unwrap(),
        ] {
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{url}");
            assert!(response.headers().get("location").is_none());
            let html = response.text().await.unwrap();
            assert!(html.contains("Invalid login request"));
            assert!(!html.contains("attacker.example"));
        }
    }
}

#[tokio::test]
async fn request_errors_go_back_to_a_trusted_client() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let request = client.authorization_request();
    let without = |dropped: &str| {
        let mut url = request.url.clone();
        let pairs: Vec<(String, String)> = request
            .url
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != dropped)
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        url
    };
    for (dropped, error) in [
        ("code_challenge", "invalid_request"),
        ("code_challenge_method", "invalid_request"),
        ("nonce", "invalid_request"),
        ("scope", "invalid_scope"),
        ("response_type", "invalid_request"),
    ] {
        let response = browser().get(without(dropped)).send().await.unwrap();
        let back = location(&response);
        assert!(back.as_str().starts_with(REDIRECT));
        let result = client.code_from_callback(back.query().unwrap(), &request.state);
        match result {
            Err(OidcError::Authorization { error: e, .. }) => assert_eq!(e, error, "{dropped}"),
            other => panic!("{dropped}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn cancelled_login_reports_access_denied() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let request = client.authorization_request();
    let fields = open_login_page(&sim, &request).await;
    let response = submit_login(&sim, &fields, &[("action", "cancel")]).await;
    let back = location(&response);
    let result = client.code_from_callback(back.query().unwrap(), &request.state);
    assert!(
        matches!(&result, Err(OidcError::Authorization { error, .. }) if error == "access_denied"),
        "{result:?}"
    );
}

#[tokio::test]
async fn callback_with_foreign_state_or_issuer_is_rejected() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let (request, _code) = login(&sim, &client, &citizen_a().citizen_id).await;
    let forged = format!("code=abc&state={}", client.authorization_request().state);
    assert!(matches!(
        client.code_from_callback(&forged, &request.state),
        Err(OidcError::StateMismatch)
    ));
    let mixed_up = format!(
        "code=abc&state={}&iss=https%3A%2F%2Fevil.example",
        request.state
    );
    assert!(matches!(
        client.code_from_callback(&mixed_up, &request.state),
        Err(OidcError::InvalidCallback(_))
    ));
}

#[tokio::test]
async fn id_token_from_the_provider_key_is_accepted() {
    // Positive control for the forged-token tests below: same claims, genuine key.
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let token = sim
        .idp
        .sign_claims(&good_claims(&sim, "n-1"), None)
        .unwrap();
    let identity = client.verify_id_token(&token, "n-1").await.unwrap();
    assert_eq!(identity.citizen_id, "031085012345");
    assert_eq!(identity.full_name, "Nguyễn Văn An");
}

#[tokio::test]
async fn token_signed_by_another_key_with_the_same_kid_is_rejected() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let impostor = NationalIdp::new(IdpConfig {
        issuer: sim.issuer.clone(),
        clients: registrations(),
        demo_any_citizen: false,
    })
    .unwrap();
    let forged = impostor
        .sign_claims(&good_claims(&sim, "n-1"), Some(&sim.idp.kid()))
        .unwrap();
    assert_invalid_id_token(client.verify_id_token(&forged, "n-1").await, "signature");
}

#[tokio::test]
async fn token_signed_by_an_unpublished_key_is_rejected() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let impostor = NationalIdp::new(IdpConfig {
        issuer: sim.issuer.clone(),
        clients: registrations(),
        demo_any_citizen: false,
    })
    .unwrap();
    let forged = impostor
        .sign_claims(&good_claims(&sim, "n-1"), None)
        .unwrap();
    assert_invalid_id_token(client.verify_id_token(&forged, "n-1").await, "no ES256 key");
}

#[tokio::test]
async fn wrong_audience_is_rejected() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let mut claims = good_claims(&sim, "n-1");
    claims["aud"] = json!(PUBLIC);
    let token = sim.idp.sign_claims(&claims, None).unwrap();
    assert_invalid_id_token(client.verify_id_token(&token, "n-1").await, "audience");

    // Several audiences including us: only with azp naming us.
    claims["aud"] = json!([PUBLIC, CONFIDENTIAL]);
    let token = sim.idp.sign_claims(&claims, None).unwrap();
    assert_invalid_id_token(client.verify_id_token(&token, "n-1").await, "azp");
    claims["azp"] = json!(PUBLIC);
    let token = sim.idp.sign_claims(&claims, None).unwrap();
    assert_invalid_id_token(client.verify_id_token(&token, "n-1").await, "azp");
    claims["azp"] = json!(CONFIDENTIAL);
    let token = sim.idp.sign_claims(&claims, None).unwrap();
    client.verify_id_token(&token, "n-1").await.unwrap();
}

#[tokio::test]
async fn unsigned_and_hmac_tokens_are_rejected() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let claims = good_claims(&sim, "n-1");

    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let unsigned = format!("{header}.{payload}.");
    assert_invalid_id_token(client.verify_id_token(&unsigned, "n-1").await, "header");

    // HS256 "signed" with the client secret, naming the provider's real key: the classic key
    // confusion attack.
    let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs_header.kid = Some(sim.idp.kid());
    let hmac = jsonwebtoken::encode(
        &hs_header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_invalid_id_token(client.verify_id_token(&hmac, "n-1").await, "not allowed");
}

#[tokio::test]
async fn stale_foreign_or_incomplete_tokens_are_rejected() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let check = |edit: fn(&mut Value), hint: &'static str| {
        let mut claims = good_claims(&sim, "n-1");
        edit(&mut claims);
        let token = sim.idp.sign_claims(&claims, None).unwrap();
        let client = &client;
        async move { assert_invalid_id_token(client.verify_id_token(&token, "n-1").await, hint) }
    };
    check(|c| c["exp"] = json!(now() - 120), "expired").await;
    check(|c| c["iss"] = json!("https://other-idp.example"), "issuer").await;
    check(|c| c["iat"] = json!(now() + 3600), "future").await;
    check(|c| c["iat"] = json!(now() - 3600), "too long ago").await;
    check(|c| c["citizen_id"] = json!("31085012345"), "12 digits").await;
    for (edit, hint) in [
        (
            (|c: &mut Value| {
                c.as_object_mut().unwrap().remove("citizen_id");
                c["sub"] = json!("opaque-subject");
            }) as fn(&mut Value),
            "citizen identification",
        ),
        (
            |c: &mut Value| {
                c.as_object_mut().unwrap().remove("name");
            },
            "name",
        ),
    ] {
        let mut claims = good_claims(&sim, "n-1");
        edit(&mut claims);
        let token = sim.idp.sign_claims(&claims, None).unwrap();
        assert_missing_claim(client.verify_id_token(&token, "n-1").await, hint);
    }
    check(
        |c| {
            c.as_object_mut().unwrap().remove("sub");
        },
        "sub",
    )
    .await;

    // Without a nonce claim the token cannot be bound to the login attempt.
    let mut claims = good_claims(&sim, "n-1");
    claims.as_object_mut().unwrap().remove("nonce");
    let token = sim.idp.sign_claims(&claims, None).unwrap();
    assert!(matches!(
        client.verify_id_token(&token, "n-1").await,
        Err(OidcError::NonceMismatch)
    ));

    // A 12-digit sub is not taken as the citizen ID: a standard provider's sub is opaque and may
    // happen to be twelve digits.
    let mut claims = good_claims(&sim, "n-1");
    claims.as_object_mut().unwrap().remove("citizen_id");
    let token = sim.idp.sign_claims(&claims, None).unwrap();
    assert_missing_claim(
        client.verify_id_token(&token, "n-1").await,
        "citizen identification",
    );
    // Unless the deployment says its provider's sub is the citizen ID.
    let options = RpOptions {
        claims: ClaimMap::parse("citizen_id=sub").unwrap(),
        ..RpOptions::default()
    };
    let configured = OidcClient::discover_with(
        &sim.issuer,
        CONFIDENTIAL.into(),
        Some(SECRET.into()),
        REDIRECT.into(),
        options,
    )
    .await
    .unwrap();
    let identity = configured.verify_id_token(&token, "n-1").await.unwrap();
    assert_eq!(identity.citizen_id, "031085012345");
}

#[tokio::test]
async fn claim_names_are_configuration_and_standard_names_work() {
    let sim = spawn_sim("", false).await;
    let options = RpOptions {
        claims: ClaimMap::parse("citizen_id=cccd; full_name=ho_ten; commune_code=dia_chi.ma_xa")
            .unwrap(),
        ..RpOptions::default()
    };
    let client = OidcClient::discover_with(
        &sim.issuer,
        CONFIDENTIAL.into(),
        Some(SECRET.into()),
        REDIRECT.into(),
        options,
    )
    .await
    .unwrap();
    let mut claims = good_claims(&sim, "n-1");
    let obj = claims.as_object_mut().unwrap();
    obj.remove("citizen_id");
    obj.remove("name");
    obj.insert("cccd".into(), json!("031085012345"));
    obj.insert("ho_ten".into(), json!("Nguyễn Văn An"));
    obj.insert("dia_chi".into(), json!({ "ma_xa": 11341 }));
    obj.insert("gender".into(), json!("Nam"));
    obj.insert("birthdate".into(), json!("0000-05-12"));
    let token = sim.idp.sign_claims(&claims, None).unwrap();
    let identity = client.verify_id_token(&token, "n-1").await.unwrap();
    assert_eq!(identity.citizen_id, "031085012345");
    assert_eq!(identity.full_name, "Nguyễn Văn An");
    assert_eq!(identity.commune_code.as_deref(), Some("11341"));
    assert_eq!(identity.gender.as_deref(), Some("male"));
    assert_eq!(
        identity.birthdate, None,
        "a birth date without a year is not a date"
    );

    // The OIDC standard name parts, in Vietnamese order, when there is no full name.
    let client = confidential_client(&sim).await;
    let mut claims = good_claims(&sim, "n-1");
    let obj = claims.as_object_mut().unwrap();
    obj.remove("name");
    obj.insert("family_name".into(), json!("Nguyễn"));
    obj.insert("middle_name".into(), json!("Văn"));
    obj.insert("given_name".into(), json!("An"));
    let token = sim.idp.sign_claims(&claims, None).unwrap();
    let identity = client.verify_id_token(&token, "n-1").await.unwrap();
    assert_eq!(identity.full_name, "Nguyễn Văn An");

    for bad in [
        "citizen_id",
        "nobody=x",
        "citizen_id=",
        "full_name=a;street",
    ] {
        assert!(ClaimMap::parse(bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn a_login_below_the_required_assurance_level_is_refused() {
    let sim = spawn_sim("", false).await;
    let demand = |levels: &[&str]| RpOptions {
        acr_values: levels.iter().map(|l| (*l).to_owned()).collect(),
        ..RpOptions::default()
    };
    let strict = OidcClient::discover_with(
        &sim.issuer,
        CONFIDENTIAL.into(),
        Some(SECRET.into()),
        REDIRECT.into(),
        demand(&["loa3"]),
    )
    .await
    .unwrap();
    // The level is asked for in the authorization request.
    let request = strict.authorization_request();
    assert!(request.url.query().unwrap().contains("acr_values=loa3"));
    for acr in [Some("loa1"), Some("loa2"), None] {
        let mut claims = good_claims(&sim, "n-1");
        match acr {
            Some(a) => claims["acr"] = json!(a),
            None => {
                claims.as_object_mut().unwrap().remove("acr");
            }
        }
        let token = sim.idp.sign_claims(&claims, None).unwrap();
        match strict.verify_id_token(&token, "n-1").await {
            Err(OidcError::InsufficientAssurance { got, required }) => {
                assert_eq!(got.as_deref(), acr);
                assert_eq!(required, vec!["loa3".to_owned()]);
            }
            other => panic!("{acr:?}: {other:?}"),
        }
    }
    // The simulator's level 2 is enough when level 2 is what the deployment requires.
    let level2 = OidcClient::discover_with(
        &sim.issuer,
        CONFIDENTIAL.into(),
        Some(SECRET.into()),
        REDIRECT.into(),
        demand(&["loa2"]),
    )
    .await
    .unwrap();
    let (request, code) = login(&sim, &level2, &citizen_a().citizen_id).await;
    let identity = level2
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await
        .unwrap();
    assert_eq!(identity.assurance_level.as_deref(), Some("loa2"));
}

#[tokio::test]
async fn key_rotation_is_followed_by_refetching_the_jwks() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    // The client cached the JWKS at discovery; the provider now signs with a key it has not seen.
    sim.idp.rotate_signing_key().unwrap();
    let (request, code) = login(&sim, &client, &citizen_a().citizen_id).await;
    let identity = client
        .exchange_code(&code, &request.pkce_verifier, &request.nonce)
        .await
        .unwrap();
    assert_identity(&identity, &citizen_a());
}

#[tokio::test]
async fn discovery_requires_the_exact_issuer() {
    let sim = spawn_sim("", false).await;
    let result = OidcClient::discover(
        &format!("{}/", sim.issuer),
        CONFIDENTIAL.into(),
        None,
        REDIRECT.into(),
    )
    .await;
    assert!(matches!(result, Err(OidcError::Discovery(_))), "{result:?}");

    let result = OidcClient::discover(
        &format!("{}/nowhere", sim.issuer),
        CONFIDENTIAL.into(),
        None,
        REDIRECT.into(),
    )
    .await;
    assert!(matches!(result, Err(OidcError::Discovery(_))), "{result:?}");
}

#[tokio::test]
async fn token_endpoint_speaks_rfc6749_and_userinfo_returns_the_claims() {
    let sim = spawn_sim("", false).await;
    let client = confidential_client(&sim).await;
    let http = browser();
    let token_url = format!("{}/token", sim.issuer);
    let (request, code) = login(&sim, &client, &citizen_b().citizen_id).await;
    let basic_user: String =
        url::form_urlencoded::byte_serialize(CONFIDENTIAL.as_bytes()).collect();
    let basic_pass: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    let form = |grant: &'static str| {
        vec![
            ("grant_type", grant.to_owned()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("code_verifier", request.pkce_verifier.clone()),
        ]
    };

    // Unsupported grant type: does not consume the code.
    let response = http
        .post(&token_url)
        .basic_auth(&basic_user, Some(&basic_pass))
        .form(&form("password"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");

    // No client authentication at all for a confidential client.
    let mut unauthenticated = form("authorization_code");
    unauthenticated.push(("client_id", CONFIDENTIAL.to_owned()));
    let response = http
        .post(&token_url)
        .form(&unauthenticated)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    // client_secret_post works too.
    let mut post_auth = form("authorization_code");
    post_auth.push(("client_id", CONFIDENTIAL.to_owned()));
    post_auth.push(("client_secret", SECRET.to_owned()));
    let response = http.post(&token_url).form(&post_auth).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 300);
    assert_eq!(tokens["scope"], "openid profile");
    let access_token = tokens["access_token"].as_str().unwrap().to_owned();
    let id_token = tokens["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(header.kid, Some(sim.idp.kid()));
    client
        .verify_id_token(id_token, &request.nonce)
        .await
        .unwrap();

    let userinfo = format!("{}/userinfo", sim.issuer);
    let response = http
        .get(&userinfo)
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let claims: Value = response.json().await.unwrap();
    assert_eq!(claims["sub"], citizen_b().citizen_id);
    assert_eq!(claims["name"], citizen_b().full_name);
    assert_eq!(claims["address"]["commune_code"], citizen_b().commune_code);

    // Replaying the code fails and revokes the access token it produced.
    let response = http
        .post(&token_url)
        .basic_auth(&basic_user, Some(&basic_pass))
        .form(&form("authorization_code"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    let response = http
        .get(&userinfo)
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = http.get(&userinfo).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn discovery_and_jwks_documents() {
    let sim = spawn_sim("/sim/idp", false).await;
    let http = browser();
    let doc: Value = http
        .get(format!("{}/.well-known/openid-configuration", sim.issuer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["issuer"], sim.issuer);
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{}/authorize", sim.issuer)
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    let jwks: Value = http
        .get(doc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["crv"], "P-256");
    assert_eq!(key["alg"], "ES256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kid"], sim.idp.kid());
    assert!(key.get("d").is_none(), "private key must not be published");
}
