//! OAuth 2.0 client credentials (RFC 6749 §4.4), as the remote signing service and the national
//! portal authorize us: HTTP Basic client authentication, the access token kept until shortly
//! before it expires, and forgotten when the service stops accepting it.
//!
//! Not the `oauth2` crate: its current release brings a second HTTP stack (reqwest 0.12 beside the
//! workspace's 0.13) for what is one form post and a cache.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// Why no token was had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token endpoint unreachable: {0}")]
    Http(#[from] reqwest::Error),
    /// The endpoint answered something other than a token (its status and body).
    #[error("token endpoint answered HTTP {status}: {body}")]
    Refused { status: u16, body: String },
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

pub struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: String,
    /// Renew this long before the stated expiry.
    early: Duration,
    token: Mutex<Option<(String, Instant)>>,
}

impl ClientCredentials {
    pub fn new(
        token_url: String,
        client_id: String,
        client_secret: String,
        early: Duration,
    ) -> Self {
        Self {
            token_url,
            client_id,
            client_secret,
            early,
            token: Mutex::new(None),
        }
    }

    /// A valid access token: the kept one, or a new one.
    pub async fn token(&self, http: &reqwest::Client) -> Result<String, TokenError> {
        if let Ok(g) = self.token.lock()
            && let Some((t, exp)) = g.as_ref()
            && *exp > Instant::now()
        {
            return Ok(t.clone());
        }
        let r = http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await?;
        if !r.status().is_success() {
            let status = r.status().as_u16();
            let body: String = r
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            return Err(TokenError::Refused { status, body });
        }
        let a: TokenAnswer = r.json().await?;
        // A service that states no lifetime gets five minutes.
        let life = Duration::from_secs(a.expires_in.unwrap_or(300)).saturating_sub(self.early);
        if let Ok(mut g) = self.token.lock() {
            *g = Some((a.access_token.clone(), Instant::now() + life));
        }
        Ok(a.access_token)
    }

    /// Drops the kept token (the service refused it: it restarted or rotated its keys).
    pub fn forget(&self) {
        if let Ok(mut g) = self.token.lock() {
            *g = None;
        }
    }
}
