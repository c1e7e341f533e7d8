//! Client of the National Public Service Portal's dossier-sync service (issue 19; the wire format
//! is [`motcua_domain::national_portal`]).
//!
//! The portal authorizes a handling system with OAuth 2.0 client credentials
//! (`{base}/api/token`); dossiers are created at `POST {base}/api/hoso`, steps appended at
//! `POST {base}/api/hoso/{MaHoSo}/tientrinh`, and the fee list replaced at
//! `PUT {base}/api/hoso/{MaHoSo}/lephi`. Every call can be repeated: the portal recognises an
//! update by the dossier's code and the update's number.

use std::time::Duration;

use motcua_domain::national_portal::{DossierRecord, FeeList, ProgressUpdate, Reply};
use serde::Serialize;

use crate::oauth::{ClientCredentials, TokenError};

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
    credentials: ClientCredentials,
}

impl NpspClient {
    pub fn new(settings: NpspSettings) -> Result<Self, NpspError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        let credentials = ClientCredentials::new(
            format!("{}/api/token", settings.base_url.trim_end_matches('/')),
            settings.client_id.clone(),
            settings.client_secret.clone(),
            Duration::from_secs(30),
        );
        Ok(Self {
            settings,
            http,
            credentials,
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
        // Wrong credentials are the operator's to fix, a failing token endpoint the portal's:
        // both are retried, so a corrected secret resumes the queue.
        self.credentials
            .token(&self.http)
            .await
            .map_err(|e| match e {
                TokenError::Http(e) => NpspError::Unavailable(e.to_string()),
                refused @ TokenError::Refused { .. } => NpspError::Unavailable(refused.to_string()),
            })
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
                self.credentials.forget();
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
