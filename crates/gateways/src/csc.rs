//! Client of a remote signing service speaking the Cloud Signature Consortium API (v1.0.4),
//! for the citizen's signature on their application (SPEC §9). We never hold the citizen's key:
//! we send a hash, the citizen authorizes with an OTP the service sends them, and the service
//! returns the signature.
//!
//! The service authorizes *us* with OAuth 2.0 client credentials; the citizen is named by
//! `userID` (the citizen ID) in `credentials/list`.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// ecdsa-with-SHA256 and SHA-256, the algorithms we ask for.
pub const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";

#[derive(Debug, thiserror::Error)]
pub enum CscError {
    #[error("remote signing service unreachable: {0}")]
    Http(#[from] reqwest::Error),
    /// The service refused, with its CSC error code (`invalid_otp`, `invalid_request`, …).
    #[error("remote signing service refused ({error}): {description}")]
    Refused { error: String, description: String },
    #[error("remote signing service answered something unexpected: {0}")]
    Protocol(String),
}

impl CscError {
    /// The citizen typed a wrong or expired OTP (they can try again or ask for a new one).
    pub fn is_bad_otp(&self) -> bool {
        matches!(self, Self::Refused { error, .. } if error == "invalid_otp")
    }
}

#[derive(Debug, Clone)]
pub struct CscSettings {
    /// Base URL; the API is under `{base}/csc/v1/`, the token endpoint at `{base}/oauth2/token`.
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
}

/// What `credentials/info` says about a credential.
#[derive(Debug, Clone)]
pub struct CredentialInfo {
    pub id: String,
    /// DER certificates, signer's first.
    pub certificates: Vec<Vec<u8>>,
    pub subject: String,
    /// The OTP label to show ("Mã OTP gửi qua SMS").
    pub otp_label: String,
}

pub struct CscClient {
    settings: CscSettings,
    http: reqwest::Client,
    credentials: crate::oauth::ClientCredentials,
}

impl CscClient {
    pub fn new(settings: CscSettings) -> Result<Self, CscError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        let credentials = crate::oauth::ClientCredentials::new(
            format!("{}/oauth2/token", settings.base_url.trim_end_matches('/')),
            settings.client_id.clone(),
            settings.client_secret.clone(),
            // Renew a minute early.
            Duration::from_secs(60),
        );
        Ok(Self {
            settings,
            http,
            credentials,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.settings.base_url.trim_end_matches('/'))
    }

    async fn access_token(&self) -> Result<String, CscError> {
        self.credentials
            .token(&self.http)
            .await
            .map_err(|e| match e {
                crate::oauth::TokenError::Http(e) => CscError::Http(e),
                crate::oauth::TokenError::Refused { status, body } => {
                    // The service's OAuth error, as RFC 6749 §5.2 words it.
                    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    CscError::Refused {
                        error: v["error"].as_str().unwrap_or("http_error").to_owned(),
                        description: v["error_description"]
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| format!("HTTP {status}")),
                    }
                }
            })
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        body: &Value,
    ) -> Result<T, CscError> {
        let token = self.access_token().await?;
        let r = self
            .http
            .post(self.url(&format!("csc/v1/{method}")))
            .bearer_auth(token)
            .json(body)
            .send()
            .await?;
        answer(r).await
    }

    /// The citizen's signing credentials (their IDs).
    pub async fn list(&self, user_id: &str) -> Result<Vec<String>, CscError> {
        #[derive(Deserialize)]
        struct A {
            #[serde(rename = "credentialIDs")]
            ids: Vec<String>,
        }
        let a: A = self
            .call("credentials/list", &json!({ "userID": user_id }))
            .await?;
        Ok(a.ids)
    }

    pub async fn info(&self, credential_id: &str) -> Result<CredentialInfo, CscError> {
        let v: Value = self
            .call(
                "credentials/info",
                &json!({ "credentialID": credential_id, "certificates": "chain", "certInfo": true, "authInfo": true }),
            )
            .await?;
        let certificates = v["cert"]["certificates"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().and_then(|s| STANDARD.decode(s).ok()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if certificates.is_empty() {
            return Err(CscError::Protocol(
                "credentials/info gave no certificate".into(),
            ));
        }
        if v["cert"]["status"].as_str().is_some_and(|s| s != "valid") {
            return Err(CscError::Refused {
                error: "certificate_not_valid".into(),
                description: format!("certificate status {}", v["cert"]["status"]),
            });
        }
        Ok(CredentialInfo {
            id: credential_id.to_owned(),
            certificates,
            subject: v["cert"]["subjectDN"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            otp_label: v["OTP"]["label"].as_str().unwrap_or("OTP").to_owned(),
        })
    }

    /// Asks the service to send the citizen an OTP (by SMS).
    pub async fn send_otp(&self, credential_id: &str) -> Result<(), CscError> {
        let token = self.access_token().await?;
        let r = self
            .http
            .post(self.url("csc/v1/credentials/sendOTP"))
            .bearer_auth(token)
            .json(&json!({ "credentialID": credential_id }))
            .send()
            .await?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(refusal(r).await)
        }
    }

    /// Exchanges the citizen's OTP for a SAD authorizing exactly `hash` (SHA-256).
    pub async fn authorize(
        &self,
        credential_id: &str,
        hash: &[u8],
        otp: &str,
    ) -> Result<String, CscError> {
        #[derive(Deserialize)]
        struct A {
            #[serde(rename = "SAD")]
            sad: String,
        }
        let a: A = self
            .call(
                "credentials/authorize",
                &json!({
                    "credentialID": credential_id,
                    "numSignatures": 1,
                    "hash": [STANDARD.encode(hash)],
                    "OTP": otp,
                }),
            )
            .await?;
        Ok(a.sad)
    }

    /// The DER ECDSA signature of `hash`.
    pub async fn sign_hash(
        &self,
        credential_id: &str,
        sad: &str,
        hash: &[u8],
    ) -> Result<Vec<u8>, CscError> {
        #[derive(Deserialize)]
        struct A {
            signatures: Vec<String>,
        }
        let a: A = self
            .call(
                "signatures/signHash",
                &json!({
                    "credentialID": credential_id,
                    "SAD": sad,
                    "hash": [STANDARD.encode(hash)],
                    "hashAlgo": SHA256,
                    "signAlgo": ECDSA_SHA256,
                }),
            )
            .await?;
        let first = a
            .signatures
            .first()
            .ok_or_else(|| CscError::Protocol("signHash gave no signature".into()))?;
        STANDARD
            .decode(first)
            .map_err(|_| CscError::Protocol("signature is not base64".into()))
    }
}

async fn answer<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> Result<T, CscError> {
    if !r.status().is_success() {
        return Err(refusal(r).await);
    }
    r.json::<T>()
        .await
        .map_err(|e| CscError::Protocol(e.to_string()))
}

async fn refusal(r: reqwest::Response) -> CscError {
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    CscError::Refused {
        error: v["error"].as_str().unwrap_or("http_error").to_owned(),
        description: v["error_description"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HTTP {status}")),
    }
}
