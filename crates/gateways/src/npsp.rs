//! Client of the National Public Service Portal's dossier-sync service (issue 19; the wire format
//! is [`motcua_domain::national_portal`]).
//!
//! The portal authorizes a handling system with OAuth 2.0 client credentials
//! (`{base}/api/token`); dossiers are created at `POST {base}/api/hoso`, steps appended at
//! `POST {base}/api/hoso/{MaHoSo}/tientrinh`, and the fee list replaced at
//! `PUT {base}/api/hoso/{MaHoSo}/lephi`. Every call can be repeated: the portal recognises an
//! update by the dossier's code and the update's number.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use motcua_domain::national_portal::{DossierRecord, FeeList, ProgressUpdate, Reply};
use serde::{Deserialize, Serialize};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub struct NpspSettings {
    /// The service's base URL (`https://…/dongbo` or the demo's `/sim/npsp`).
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
}

/// Why an update was not taken.
#[derive(Debug, thiserror::Error)]
pub enum NpspError {
    /// The portal expects another update first: resume from `expected`.
    #[error("the portal expects update {expected} next")]
    OutOfOrder { expected: u32 },
    /// The portal read the update and refused it; sending it again will not help.
    #[error("the portal refused the update (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// Not reached, timed out, or the portal failed: worth another try later.
    #[error("the portal is unavailable: {0}")]
    Unavailable(String),
}

impl From<reqwest::Error> for NpspError {
    fn from(e: reqwest::Error) -> Self {
        NpspError::Unavailable(e.to_string())
    }
}

pub struct NpspClient {
    settings: NpspSettings,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

impl NpspClient {
    pub fn new(settings: NpspSettings) -> Result<Self, NpspError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(Self {
            settings,
            http,
            token: Mutex::new(None),
        })
    }

    /// Where updates go, for the operator's screens.
    pub fn describe(&self) -> String {
        self.settings.base_url.clone()
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/api/{path}",
            self.settings.base_url.trim_end_matches('/')
        )
    }

    async fn access_token(&self) -> Result<String, NpspError> {
        if let Ok(g) = self.token.lock()
            && let Some((t, exp)) = g.as_ref()
            && *exp > Instant::now()
        {
            return Ok(t.clone());
        }
        let r = self
            .http
            .post(self.url("token"))
            .basic_auth(&self.settings.client_id, Some(&self.settings.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?;
        if !r.status().is_success() {
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            // Wrong credentials are the operator's to fix, but a token endpoint failing is
            // the portal's: both are retried, so a corrected secret resumes the queue.
            return Err(NpspError::Unavailable(format!(
                "token endpoint answered HTTP {status}: {}",
                truncate(&body)
            )));
        }
        let a: TokenAnswer = r.json().await?;
        let life = Duration::from_secs(a.expires_in.unwrap_or(300).saturating_sub(30));
        if let Ok(mut g) = self.token.lock() {
            *g = Some((a.access_token.clone(), Instant::now() + life));
        }
        Ok(a.access_token)
    }

    fn forget_token(&self) {
        if let Ok(mut g) = self.token.lock() {
            *g = None;
        }
    }

    async fn send<T: Serialize>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &T,
    ) -> Result<(), NpspError> {
        let mut renewed = false;
        loop {
            let token = self.access_token().await?;
            let r = self
                .http
                .request(method.clone(), self.url(path))
                .bearer_auth(token)
                .json(body)
                .send()
                .await?;
            let status = r.status();
            // A token the portal no longer accepts (it restarted, or rotated keys): once more
            // with a new one.
            if status == reqwest::StatusCode::UNAUTHORIZED && !renewed {
                self.forget_token();
                renewed = true;
                continue;
            }
            let text = r.text().await.unwrap_or_default();
            let reply: Option<Reply> = serde_json::from_str(&text).ok();
            return match (status.as_u16(), reply) {
                (200..=299, Some(r)) if r.error_code == 0 => Ok(()),
                (
                    409,
                    Some(Reply {
                        expected: Some(expected),
                        ..
                    }),
                ) => Err(NpspError::OutOfOrder { expected }),
                (400..=499, reply) if status != reqwest::StatusCode::TOO_MANY_REQUESTS => {
                    Err(NpspError::Refused {
                        status: status.as_u16(),
                        message: reply.map(|r| r.message).unwrap_or_else(|| truncate(&text)),
                    })
                }
                (s, _) => Err(NpspError::Unavailable(format!(
                    "HTTP {s}: {}",
                    truncate(&text)
                ))),
            };
        }
    }

    /// Update 1: the dossier.
    pub async fn create(&self, record: &DossierRecord) -> Result<(), NpspError> {
        self.send(reqwest::Method::POST, "hoso", record).await
    }

    /// Update 2, 3, …: a step.
    pub async fn progress(&self, code: &str, update: &ProgressUpdate) -> Result<(), NpspError> {
        self.send(
            reqwest::Method::POST,
            &format!("hoso/{}/tientrinh", path_segment(code)),
            update,
        )
        .await
    }

    /// The fee list as it stands.
    pub async fn fees(&self, code: &str, fees: &FeeList) -> Result<(), NpspError> {
        self.send(
            reqwest::Method::PUT,
            &format!("hoso/{}/lephi", path_segment(code)),
            fees,
        )
        .await
    }
}

/// Dossier codes are letters, digits, dots and dashes; anything else is escaped all the same.
fn path_segment(code: &str) -> String {
    url::form_urlencoded::byte_serialize(code.as_bytes()).collect()
}

fn truncate(s: &str) -> String {
    s.chars().take(300).collect()
}
