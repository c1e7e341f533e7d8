//! A simulated remote signing service, speaking the Cloud Signature Consortium API (v1.0.4):
//! the stand-in for the trust service providers that hold citizens' signing keys.
//!
//! - `POST /oauth2/token` — client credentials grant; every `csc/v1` call but `info` needs the
//!   bearer token it gives.
//! - `POST /csc/v1/info`, `credentials/list` (by `userID`: the citizen ID),
//!   `credentials/info` (key, certificate chain, `authMode: explicit`, OTP by SMS),
//!   `credentials/sendOTP`, `credentials/authorize` (OTP + the hashes → a single-use SAD bound
//!   to those hashes), `signatures/signHash` (ECDSA P-256 over each SHA-256 hash).
//!
//! Each citizen gets a key and a certificate from the simulator's own CA the first time they are
//! listed. SMS cannot be sent, so the simulator's "phone" page (`/phone/<citizen id>`) shows the
//! messages it would have sent; it says it is a simulator. Its CA certificate is at `/ca.pem`.
//! All state is in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use der::Encode as _;
use motcua_documents::pki::{self, Authority, Certificate, Credential, SigningKey};
use p256::ecdsa::signature::hazmat::PrehashSigner;
use rand::{Rng as _, RngCore as _};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::citizens;

/// How long an OTP may be used, and how many wrong tries it survives.
pub const OTP_LIFETIME: Duration = Duration::from_secs(300);
pub const OTP_ATTEMPTS: u32 = 3;
/// How long a SAD (signature activation data) lives.
pub const SAD_LIFETIME: Duration = Duration::from_secs(300);
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const P256_CURVE: &str = "1.2.840.10045.3.1.7";

#[derive(Debug, thiserror::Error)]
pub enum CscSimError {
    #[error("{0}")]
    Pki(#[from] pki::PkiError),
}

struct Otp {
    code: String,
    expires: Instant,
    attempts_left: u32,
}

struct Sad {
    credential_id: String,
    hashes: Vec<Vec<u8>>,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    tokens: HashMap<String, Instant>,
    /// credential id → (citizen id, credential)
    credentials: HashMap<String, (String, Credential)>,
    otps: HashMap<String, Otp>,
    sads: HashMap<String, Sad>,
    /// citizen id → messages "sent" to their phone, newest last.
    phone: HashMap<String, Vec<String>>,
}

/// The simulated service. Mount [`RemoteSigningService::router`] at its base URL
/// (e.g. `.nest("/sim/csc", svc.router())`).
pub struct RemoteSigningService {
    name: String,
    client_id: String,
    client_secret: String,
    ca: Authority,
    inner: Mutex<Inner>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn random_token() -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// A refusal, answered as a CSC error body (`error`, `error_description`) with its HTTP status.
struct Fault {
    status: StatusCode,
    error: String,
    description: String,
}

impl Fault {
    fn new(status: StatusCode, error: &str, description: &str) -> Self {
        Self {
            status,
            error: error.to_owned(),
            description: description.to_owned(),
        }
    }
}

impl IntoResponse for Fault {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response()
    }
}

impl RemoteSigningService {
    /// A service with a fresh CA, accepting one API client.
    pub fn new(client_id: &str, client_secret: &str) -> Result<Self, CscSimError> {
        let ca = Authority::create(
            "motcua SIMULATED remote signing CA (not for real signatures)",
            "motcua demo",
            // Valid from 2025: tests pin their clock to dates before today's.
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_689_600),
        )?;
        Ok(Self {
            name: "Dịch vụ ký số từ xa (MÔ PHỎNG)".into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            ca,
            inner: Mutex::new(Inner::default()),
        })
    }

    /// The CA that issues the citizens' certificates: the trust root for their signatures.
    pub fn root(&self) -> &Certificate {
        &self.ca.certificate
    }

    /// The messages the simulator would have sent to this citizen's phone (shown on the phone
    /// page).
    pub fn messages(&self, citizen_id: &str) -> Vec<String> {
        lock(&self.inner)
            .phone
            .get(citizen_id)
            .cloned()
            .unwrap_or_default()
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/oauth2/token", post(token))
            .route("/csc/v1/info", post(info))
            .route("/csc/v1/credentials/list", post(list))
            .route("/csc/v1/credentials/info", post(credential_info))
            .route("/csc/v1/credentials/sendOTP", post(send_otp))
            .route("/csc/v1/credentials/authorize", post(authorize))
            .route("/csc/v1/signatures/signHash", post(sign_hash))
            .route("/phone/{citizen_id}", get(phone))
            .route("/ca.pem", get(ca_pem))
            .with_state(self)
    }

    fn authorized(&self, headers: &HeaderMap) -> Result<(), Fault> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let mut inner = lock(&self.inner);
        let now = Instant::now();
        inner.tokens.retain(|_, exp| *exp > now);
        if inner.tokens.contains_key(token) {
            Ok(())
        } else {
            Err(Fault::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "missing, unknown or expired access token",
            ))
        }
    }

    /// The citizen's credential, issued on first use (one per citizen).
    fn credential_for(&self, citizen_id: &str) -> Result<String, Fault> {
        let mut inner = lock(&self.inner);
        if let Some((id, _)) = inner.credentials.iter().find(|(_, (c, _))| c == citizen_id) {
            return Ok(id.clone());
        }
        let person =
            citizens::lookup(citizen_id).unwrap_or_else(|| citizens::generated(citizen_id));
        // Vietnamese CAs put the ID number in the subject beside the name; here it goes in O.
        let credential = self
            .ca
            .issue(
                &person.full_name,
                &format!("CCCD:{citizen_id}"),
                SigningKey::generate_p256(),
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_689_600),
            )
            .map_err(|e| {
                Fault::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    &e.to_string(),
                )
            })?;
        let id = format!(
            "cred-{}",
            random_token().chars().take(12).collect::<String>()
        );
        inner
            .credentials
            .insert(id.clone(), (citizen_id.to_owned(), credential));
        Ok(id)
    }

    /// The citizen and credential behind `id`, or the CSC error for an unknown one.
    fn credential(&self, id: &str) -> Result<(String, Credential), Fault> {
        lock(&self.inner)
            .credentials
            .get(id)
            .cloned()
            .ok_or_else(|| {
                Fault::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "invalid credentialID",
                )
            })
    }
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn token(
    State(svc): State<Arc<RemoteSigningService>>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Result<Response, Fault> {
    if f.grant_type != "client_credentials" {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        ));
    }
    // client_secret_basic or client_secret_post.
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    let (id, secret) = match (basic, f.client_id, f.client_secret) {
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return Err(Fault::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "no client credentials",
            ));
        }
    };
    if id != svc.client_id || secret != svc.client_secret {
        return Err(Fault::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client",
        ));
    }
    let t = random_token();
    lock(&svc.inner)
        .tokens
        .insert(t.clone(), Instant::now() + TOKEN_LIFETIME);
    Ok(Json(json!({
        "access_token": t,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME.as_secs(),
    }))
    .into_response())
}

async fn info(State(svc): State<Arc<RemoteSigningService>>) -> Response {
    Json(json!({
        "specs": "1.0.4.0",
        "name": svc.name,
        "logo": "",
        "region": "VN",
        "lang": "vi-VN",
        "description": "Simulator of a remote signing service (CSC API); keys and certificates are for demonstration only.",
        "authType": ["oauth2client"],
        "methods": [
            "credentials/list", "credentials/info", "credentials/sendOTP",
            "credentials/authorize", "signatures/signHash"
        ],
    }))
    .into_response()
}

fn body_str<'a>(b: &'a Value, key: &str) -> Result<&'a str, Fault> {
    b.get(key).and_then(Value::as_str).ok_or_else(|| {
        Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("missing string parameter {key}"),
        )
    })
}

async fn list(
    State(svc): State<Arc<RemoteSigningService>>,
    headers: HeaderMap,
    Json(b): Json<Value>,
) -> Result<Response, Fault> {
    svc.authorized(&headers)?;
    // With a client-credentials token the service is not user-specific: userID is required.
    let user = body_str(&b, "userID")?;
    if !citizens::is_valid_citizen_id(user) {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "unknown userID",
        ));
    }
    let id = svc.credential_for(user)?;
    Ok(Json(json!({ "credentialIDs": [id] })).into_response())
}

fn der_b64(c: &Certificate) -> String {
    c.to_der().map(|d| STANDARD.encode(d)).unwrap_or_default()
}

async fn credential_info(
    State(svc): State<Arc<RemoteSigningService>>,
    headers: HeaderMap,
    Json(b): Json<Value>,
) -> Result<Response, Fault> {
    svc.authorized(&headers)?;
    let id = body_str(&b, "credentialID")?;
    let (_, cred) = svc.credential(id)?;
    let chain = b
        .get("certificates")
        .and_then(Value::as_str)
        .unwrap_or("single");
    let mut certificates = Vec::new();
    if chain != "none" {
        certificates.push(der_b64(&cred.certificate));
    }
    if chain == "chain" {
        certificates.push(der_b64(&svc.ca.certificate));
    }
    let tbs = &cred.certificate.tbs_certificate;
    let validity = |t: &x509_cert::time::Time| {
        chrono::DateTime::<chrono::Utc>::from(t.to_system_time())
            .format("%Y%m%d%H%M%SZ")
            .to_string()
    };
    Ok(Json(json!({
        "description": "Chữ ký số từ xa của công dân (mô phỏng)",
        "key": { "status": "enabled", "algo": [ECDSA_SHA256], "len": 256, "curve": P256_CURVE },
        "cert": {
            "status": "valid",
            "certificates": certificates,
            "issuerDN": tbs.issuer.to_string(),
            "serialNumber": hex::encode(tbs.serial_number.as_bytes()),
            "subjectDN": pki::common_name(&tbs.subject),
            "validFrom": validity(&tbs.validity.not_before),
            "validTo": validity(&tbs.validity.not_after),
        },
        "authMode": "explicit",
        "PIN": { "presence": "false" },
        "OTP": {
            "presence": "true", "type": "online", "ID": "sms", "provider": "motcua-sim",
            "format": "N", "label": "Mã OTP gửi qua SMS",
            "description": "Mã 6 chữ số gửi tới số điện thoại đăng ký"
        },
        "multisign": 1,
        "lang": "vi-VN",
    }))
    .into_response())
}

async fn send_otp(
    State(svc): State<Arc<RemoteSigningService>>,
    headers: HeaderMap,
    Json(b): Json<Value>,
) -> Result<Response, Fault> {
    svc.authorized(&headers)?;
    let id = body_str(&b, "credentialID")?;
    let (citizen, _) = svc.credential(id)?;
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let mut inner = lock(&svc.inner);
    inner.otps.insert(
        id.to_owned(),
        Otp {
            code: code.clone(),
            expires: Instant::now() + OTP_LIFETIME,
            attempts_left: OTP_ATTEMPTS,
        },
    );
    inner.phone.entry(citizen).or_default().push(format!(
        "Ma OTP ky so ho so: {code} (hieu luc 5 phut). Khong cung cap ma nay cho nguoi khac."
    ));
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn decode_hashes(b: &Value) -> Result<Vec<Vec<u8>>, Fault> {
    let bad = || {
        Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "hash must be a non-empty array of base64 SHA-256 values",
        )
    };
    let list = b.get("hash").and_then(Value::as_array).ok_or_else(bad)?;
    if list.is_empty() {
        return Err(bad());
    }
    list.iter()
        .map(|h| {
            h.as_str()
                .and_then(|s| STANDARD.decode(s).ok())
                .filter(|d| d.len() == 32)
                .ok_or_else(bad)
        })
        .collect()
}

async fn authorize(
    State(svc): State<Arc<RemoteSigningService>>,
    headers: HeaderMap,
    Json(b): Json<Value>,
) -> Result<Response, Fault> {
    svc.authorized(&headers)?;
    let id = body_str(&b, "credentialID")?.to_owned();
    svc.credential(&id)?;
    let hashes = decode_hashes(&b)?;
    let n = b.get("numSignatures").and_then(Value::as_u64).unwrap_or(0);
    if n != hashes.len() as u64 {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "numSignatures must equal the number of hashes",
        ));
    }
    let given = b.get("OTP").and_then(Value::as_str).unwrap_or_default();
    let mut inner = lock(&svc.inner);
    let now = Instant::now();
    let Some(otp) = inner.otps.get_mut(&id) else {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_otp",
            "no OTP was sent",
        ));
    };
    if otp.expires < now || otp.attempts_left == 0 {
        inner.otps.remove(&id);
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_otp",
            "the OTP has expired",
        ));
    }
    if otp.code != given {
        otp.attempts_left -= 1;
        if otp.attempts_left == 0 {
            inner.otps.remove(&id);
        }
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_otp",
            "the OTP is wrong",
        ));
    }
    // Single use.
    inner.otps.remove(&id);
    let sad = random_token();
    inner.sads.insert(
        sad.clone(),
        Sad {
            credential_id: id,
            hashes,
            expires: now + SAD_LIFETIME,
        },
    );
    Ok(Json(json!({ "SAD": sad, "expiresIn": SAD_LIFETIME.as_secs() })).into_response())
}

async fn sign_hash(
    State(svc): State<Arc<RemoteSigningService>>,
    headers: HeaderMap,
    Json(b): Json<Value>,
) -> Result<Response, Fault> {
    svc.authorized(&headers)?;
    let id = body_str(&b, "credentialID")?.to_owned();
    let sad = body_str(&b, "SAD")?.to_owned();
    if body_str(&b, "signAlgo").ok() != Some(ECDSA_SHA256) {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "signAlgo must be ecdsa-with-SHA256 (1.2.840.10045.4.3.2)",
        ));
    }
    if let Some(h) = b.get("hashAlgo").and_then(Value::as_str)
        && h != SHA256
    {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "hashAlgo must be SHA-256",
        ));
    }
    let hashes = decode_hashes(&b)?;
    let granted = {
        let mut inner = lock(&svc.inner);
        // The SAD is consumed whatever happens next: it authorizes one signing request.
        inner.sads.remove(&sad)
    };
    let Some(granted) = granted else {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid SAD",
        ));
    };
    if granted.expires < Instant::now() || granted.credential_id != id || granted.hashes != hashes {
        return Err(Fault::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the SAD does not authorize these hashes for this credential",
        ));
    }
    let (_, cred) = svc.credential(&id)?;
    let SigningKey::P256(key) = &cred.key else {
        return Err(Fault::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "unexpected key type",
        ));
    };
    let mut signatures = Vec::new();
    for h in &hashes {
        let sig: Result<p256::ecdsa::Signature, _> = key.sign_prehash(h);
        let s = sig.map_err(|e| {
            Fault::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &e.to_string(),
            )
        })?;
        signatures.push(STANDARD.encode(s.to_der().as_bytes()));
    }
    Ok(Json(json!({ "signatures": signatures })).into_response())
}

/// The CA certificate, as trust service providers publish theirs.
async fn ca_pem(State(svc): State<Arc<RemoteSigningService>>) -> Response {
    match pki::cert_to_pem(&svc.ca.certificate) {
        Ok(pem) => ([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response(),
        Err(e) => Fault::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            &e.to_string(),
        )
        .into_response(),
    }
}

async fn phone(
    State(svc): State<Arc<RemoteSigningService>>,
    Path(citizen_id): Path<String>,
) -> Response {
    let messages = svc.messages(&citizen_id);
    let items: String = messages
        .iter()
        .rev()
        .map(|m| format!("<li><samp>{}</samp></li>", html_escape(m)))
        .collect();
    let body = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Điện thoại mô phỏng</title></head><body><main>\
         <h1>Điện thoại mô phỏng — SIMULATOR</h1>\
         <p>Tin nhắn SMS mà dịch vụ ký số từ xa mô phỏng lẽ ra đã gửi tới số điện thoại của công dân {}. \
         Chỉ có trong bản demo.</p><ol>{}</ol></main></body></html>",
        html_escape(&citizen_id),
        if items.is_empty() {
            "<li>Chưa có tin nhắn.</li>".to_owned()
        } else {
            items
        }
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
