//! The one outcome type of every message channel ([`crate::mail`], [`crate::sms`]), so the
//! notification worker has a single retry rule: retry [`DeliveryError::Transient`] later, give up
//! on [`DeliveryError::Permanent`].

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Nothing is wrong with the message itself: the counterpart is down, slow, busy, or our own
    /// account with it needs attention. The same message may go through later.
    #[error("delivery failed for now, retry later: {0}")]
    Transient(String),
    /// This message will never go through as it is (unknown recipient, invalid address, text the
    /// channel cannot carry). Retrying only repeats the refusal.
    #[error("delivery failed permanently: {0}")]
    Permanent(String),
}

impl DeliveryError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }

    /// The counterpart's explanation, without the classification.
    pub fn detail(&self) -> &str {
        match self {
            Self::Transient(d) | Self::Permanent(d) => d,
        }
    }
}
