//! Publishing dossier events to a NATS JetStream stream (issue 19), through the NATS project's
//! own client.
//!
//! Every message carries a `Nats-Msg-Id` (the event's id): JetStream drops a second publish of
//! the same id within the stream's duplicate window, so the outbox's at-least-once retries reach
//! consumers once. A publish counts as done only when the stream acknowledged it (stored, on
//! disk for a file stream), so a broker restart loses nothing that was acknowledged, and what was
//! not is published again.

use std::time::Duration;

use async_nats::jetstream::{self, stream};

/// Long enough to cover the outbox's retries of one event across a broker outage.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct NatsSettings {
    /// `nats://host:4222` (several separated by commas).
    pub url: String,
    /// The stream created (if missing) to hold the subjects.
    pub stream: String,
    /// Subjects the stream takes, e.g. `motcua.>`.
    pub subjects: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error("NATS: {0}")]
    Broker(String),
}

pub struct NatsPublisher {
    settings: NatsSettings,
    js: jetstream::Context,
    /// Whether the stream is known to exist (made at the first publish, again after a failure).
    ready: tokio::sync::Mutex<bool>,
}

impl NatsPublisher {
    /// Connects in the background: a broker that is down at start delays publishing, not the
    /// start of the service.
    pub async fn connect(settings: NatsSettings) -> Result<Self, NatsError> {
        let client = async_nats::ConnectOptions::new()
            .name("motcua")
            .connection_timeout(Duration::from_secs(5))
            .retry_on_initial_connect()
            .connect(settings.url.as_str())
            .await
            .map_err(|e| NatsError::Broker(e.to_string()))?;
        let mut js = jetstream::new(client);
        js.set_timeout(Duration::from_secs(5));
        Ok(Self {
            settings,
            js,
            ready: tokio::sync::Mutex::new(false),
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "NATS JetStream {} (stream {}, subjects {})",
            self.settings.url,
            self.settings.stream,
            self.settings.subjects.join(", ")
        )
    }

    async fn ensure_stream(&self) -> Result<(), NatsError> {
        let mut ready = self.ready.lock().await;
        if *ready {
            return Ok(());
        }
        self.js
            .get_or_create_stream(stream::Config {
                name: self.settings.stream.clone(),
                subjects: self.settings.subjects.clone(),
                storage: stream::StorageType::File,
                duplicate_window: DUPLICATE_WINDOW,
                ..Default::default()
            })
            .await
            .map_err(|e| NatsError::Broker(format!("stream {}: {e}", self.settings.stream)))?;
        *ready = true;
        Ok(())
    }

    /// Publishes `payload` on `subject` once per `id`, waiting for the stream's acknowledgement.
    pub async fn publish(
        &self,
        subject: &str,
        id: &str,
        payload: Vec<u8>,
    ) -> Result<(), NatsError> {
        self.ensure_stream().await?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", id);
        headers.insert("Content-Type", "application/json");
        let sent = async {
            self.js
                .publish_with_headers(subject.to_owned(), headers, payload.into())
                .await?
                .await
        }
        .await;
        match sent {
            Ok(_ack) => Ok(()),
            Err(e) => {
                // The stream may have been deleted, or the broker replaced: check it next time.
                *self.ready.lock().await = false;
                Err(NatsError::Broker(e.to_string()))
            }
        }
    }
}
