//! E-mail delivery: over SMTP to the deployment's relay, or into a local mailbox directory (demo,
//! development, or a site that hands `.eml` files to another system).
//!
//! Every message carries our stable id in its `Message-ID` (`<{id}@motcua>`): a message sent again
//! after a crash between "sent" and "recorded as sent" is recognisably the same message to the
//! recipient's mail system, and in the mailbox it replaces the earlier file instead of adding one.
//!
//! SMTP's TLS uses rustls with the process's default crypto provider when one is installed (the
//! server installs ring), else ring; certificates are checked against the platform's roots.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::{Mailbox, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, Error as SmtpError};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use rand::Rng as _;
use tokio::io::AsyncWriteExt as _;

pub use crate::delivery::DeliveryError;

/// How long connecting to the SMTP server may take; the whole exchange (greeting, STARTTLS,
/// authentication, the message) gets [`EXCHANGE_FACTOR`] times as long.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// lettre's async transport bounds only the TCP connect, so a server that accepts and then stalls
/// would hold a worker forever without a bound of our own around the whole exchange.
pub const EXCHANGE_FACTOR: u32 = 3;
/// The domain part of our Message-IDs.
const MESSAGE_ID_DOMAIN: &str = "motcua";
const SMTP_PORT: u16 = 25;
const SUBMISSION_PORT: u16 = 587;
const SUBMISSIONS_PORT: u16 = 465;

/// One message to send. Plain text only: notifications carry a link to the portal, not markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// Our stable id (e.g. a UUID); letters, digits, `-`, `_` and `.` only.
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("mail URL {url:?} is not usable: {reason}")]
    Url { url: String, reason: String },
    #[error("mail sender address {value:?} is not a valid address: {reason}")]
    From { value: String, reason: String },
    #[error("cannot prepare TLS for the mail server: {0}")]
    Tls(String),
    #[error("mailbox directory {dir} is not usable: {source}")]
    Mailbox {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// Sends [`OutgoingEmail`]s one way or the other; cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    timeout: Duration,
    way: Way,
}

#[derive(Clone)]
enum Way {
    Smtp {
        // The transport is built per message from this: without a pool there is nothing to keep,
        // and it lets the timeout be changed after parsing.
        builder: AsyncSmtpTransportBuilder,
        /// The URL with any password removed, for logs.
        public_url: String,
        security: &'static str,
    },
    Mailbox {
        dir: PathBuf,
    },
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Mailer {
    /// A mailer from the deployment's mail URL:
    ///
    /// - `smtp://host[:port]` — no TLS, no authentication (a local relay, tests); port 25;
    /// - `smtp://[user:pass@]host[:port]?tls=starttls` — STARTTLS required; port 587;
    /// - `smtps://[user:pass@]host[:port]` — implicit TLS; port 465;
    /// - `file:///absolute/dir` — the mailbox directory of [`Mailer::mailbox`].
    ///
    /// User and password are percent-decoded. A password over a connection without TLS is refused
    /// unless the host is the loopback interface.
    pub fn from_url(url: &str, from: &str) -> Result<Self, MailConfigError> {
        let from = parse_from(from)?;
        let bad = |reason: &str| MailConfigError::Url {
            url: redact(url),
            reason: reason.to_owned(),
        };
        let parsed = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        if parsed.scheme() == "file" {
            if parsed.query().is_some() || parsed.host_str().is_some_and(|h| !h.is_empty()) {
                return Err(bad("a file URL names a local directory: file:///path"));
            }
            let dir = parsed
                .to_file_path()
                .map_err(|()| bad("not a local directory path"))?;
            return Self::mailbox_with(dir, from);
        }
        let implicit_tls = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            _ => return Err(bad("the scheme must be smtp, smtps or file")),
        };
        // smtp is not a "special" scheme to the URL parser: an IPv4 address stays a name.
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            _ => return Err(bad("no host")),
        };
        let loopback = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        };
        if !matches!(parsed.path(), "" | "/") || parsed.fragment().is_some() {
            return Err(bad(
                "nothing may follow the host and port but ?tls=starttls",
            ));
        }
        let mut starttls = false;
        for (k, v) in parsed.query_pairs() {
            match (k.as_ref(), v.as_ref()) {
                ("tls", "starttls" | "required") if !implicit_tls => starttls = true,
                ("tls", _) if implicit_tls => {
                    return Err(bad("smtps is always TLS; drop the tls parameter"));
                }
                ("tls", _) => return Err(bad("tls must be starttls")),
                _ => return Err(bad(&format!("unknown parameter {k:?}"))),
            }
        }
        let user = percent_decode(parsed.username()).map_err(|()| bad("user is not UTF-8"))?;
        let password = match parsed.password() {
            Some(p) => Some(percent_decode(p).map_err(|()| bad("password is not UTF-8"))?),
            None => None,
        };
        let credentials = match (user.is_empty(), password) {
            (true, None) => None,
            (false, Some(p)) => Some(Credentials::new(user.clone(), p)),
            _ => return Err(bad("give both user and password, or neither")),
        };
        let encrypted = implicit_tls || starttls;
        if credentials.is_some() && !encrypted && !loopback {
            return Err(bad(
                "a password would cross the network unencrypted; use ?tls=starttls or smtps://",
            ));
        }

        let (port, tls, security) = if implicit_tls {
            (SUBMISSIONS_PORT, Some(true), "implicit TLS")
        } else if starttls {
            (SUBMISSION_PORT, Some(false), "STARTTLS required")
        } else {
            (SMTP_PORT, None, "no TLS")
        };
        let port = parsed.port().unwrap_or(port);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(wrapper) = tls {
            let params = TlsParameters::new(host.clone())
                .map_err(|e| MailConfigError::Tls(e.to_string()))?;
            builder = builder.tls(if wrapper {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            });
        }
        if let Some(c) = credentials {
            builder = builder.credentials(c);
        }
        let host_part = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        let user_part = if user.is_empty() {
            String::new()
        } else {
            format!("{user}@")
        };
        Ok(Self {
            from,
            timeout: SMTP_TIMEOUT,
            way: Way::Smtp {
                builder,
                public_url: format!("{}://{user_part}{host_part}:{port}", parsed.scheme()),
                security,
            },
        })
    }

    /// A mailer that writes each message as an RFC 5322 `.eml` file into `dir` (created if
    /// missing), named `<UTC time>-<message id>.eml`.
    pub fn mailbox(dir: PathBuf, from: &str) -> Result<Self, MailConfigError> {
        Self::mailbox_with(dir, parse_from(from)?)
    }

    fn mailbox_with(dir: PathBuf, from: Mailbox) -> Result<Self, MailConfigError> {
        std::fs::create_dir_all(&dir).map_err(|source| MailConfigError::Mailbox {
            dir: dir.clone(),
            source,
        })?;
        Ok(Self {
            from,
            timeout: SMTP_TIMEOUT,
            way: Way::Mailbox { dir },
        })
    }

    /// Replaces the SMTP connect timeout ([`SMTP_TIMEOUT`] by default), and with it the bound on
    /// the whole exchange.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// One line for the start-up log; never contains a password.
    pub fn describe(&self) -> String {
        match &self.way {
            Way::Smtp {
                public_url,
                security,
                ..
            } => format!("SMTP {public_url} ({security}), from {}", self.from),
            Way::Mailbox { dir } => {
                format!("mailbox directory {}, from {}", dir.display(), self.from)
            }
        }
    }

    /// Sends one message. Only [`DeliveryError::Transient`] failures are worth retrying.
    pub async fn send(&self, m: &OutgoingEmail) -> Result<(), DeliveryError> {
        let message = self.build(m)?;
        match &self.way {
            Way::Smtp { builder, .. } => {
                let transport = builder
                    .clone()
                    .timeout(Some(self.timeout))
                    .build::<Tokio1Executor>();
                let whole = self.timeout.saturating_mul(EXCHANGE_FACTOR);
                match tokio::time::timeout(whole, transport.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(classify(&e)),
                    Err(_) => Err(DeliveryError::Transient(format!(
                        "the mail server did not finish within {whole:?}"
                    ))),
                }
            }
            Way::Mailbox { dir } => write_eml(dir, &m.message_id, &message.formatted())
                .await
                .map_err(|e| {
                    DeliveryError::Transient(format!("cannot write to {}: {e}", dir.display()))
                }),
        }
    }

    fn build(&self, m: &OutgoingEmail) -> Result<Message, DeliveryError> {
        if !is_safe_id(&m.message_id) {
            return Err(DeliveryError::Permanent(format!(
                "message id {:?} may only hold letters, digits, '-', '_' and '.'",
                m.message_id
            )));
        }
        let to: Mailbox = m.to.trim().parse().map_err(|e| {
            DeliveryError::Permanent(format!("invalid recipient address {:?}: {e}", m.to))
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.as_str())
            .message_id(Some(format!("<{}@{MESSAGE_ID_DOMAIN}>", m.message_id)))
            // Not a SinglePart: that appends a line break to the text, for multipart boundaries.
            .header(header::MIME_VERSION_1_0)
            .header(header::ContentType::TEXT_PLAIN)
            // The transfer encoding (quoted-printable or base64) is lettre's choice per text.
            .body(m.text.clone())
            .map_err(|e| DeliveryError::Permanent(format!("cannot build the message: {e}")))
    }
}

fn parse_from(from: &str) -> Result<Mailbox, MailConfigError> {
    from.trim()
        .parse::<Mailbox>()
        .map_err(|e| MailConfigError::From {
            value: from.to_owned(),
            reason: e.to_string(),
        })
}

/// The id goes into a file name and a header: keep it to characters that are harmless in both.
fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn percent_decode(s: &str) -> Result<String, ()> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hi = it.next().and_then(|c| (c as char).to_digit(16));
            let lo = it.next().and_then(|c| (c as char).to_digit(16));
            match (hi, lo) {
                (Some(h), Some(l)) => bytes.push(u8::try_from(h * 16 + l).map_err(|_| ())?),
                _ => return Err(()),
            }
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).map_err(|_| ())
}

/// The URL as it may appear in an error message: without its password.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        // Unparsed, we cannot tell where a password would be.
        Err(_) if url.contains('@') => "(not shown: it may hold a password)".to_owned(),
        Err(_) => url.to_owned(),
    }
}

/// SMTP failures sorted by whether the message itself is the problem.
fn classify(e: &SmtpError) -> DeliveryError {
    let text = e.to_string();
    match e.status().map(u16::from) {
        // A 5xx about authentication is our account's problem, not the message's: once the
        // operator fixes the credentials the same message goes through.
        Some(530 | 534 | 535 | 538) => DeliveryError::Transient(text),
        Some(_) if e.is_permanent() => DeliveryError::Permanent(text),
        // 4xx replies, timeouts, refused connections, TLS trouble, garbled replies: the server or
        // the way to it, worth another try later.
        _ => DeliveryError::Transient(text),
    }
}

/// Writes the message under a temporary name, then renames it into place, so a reader of the
/// directory never sees half a file; an earlier file for the same id is replaced in that rename.
async fn write_eml(dir: &Path, message_id: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let suffix = format!("-{message_id}.eml");
    let mut existing = None;
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name();
        if let Some(name) = name.to_str()
            && let Some(stamp) = name.strip_suffix(&suffix)
            && !stamp.contains('-')
        {
            existing = Some(entry.path());
            break;
        }
    }
    let target = existing.unwrap_or_else(|| {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        dir.join(format!("{stamp}{suffix}"))
    });
    // Dot-prefixed and not ending in .eml: not picked up by anything reading the messages.
    let tmp = dir.join(format!(
        ".{message_id}.{:016x}.tmp",
        rand::rng().random::<u64>()
    ));
    let written = async {
        let mut f = tokio::fs::File::create(&tmp).await?;
        f.write_all(bytes).await?;
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&tmp, &target).await
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%40b%2Fc"), Ok("a@b/c".to_owned()));
        assert_eq!(percent_decode("m%E1%BB%99t"), Ok("một".to_owned()));
        assert_eq!(percent_decode("%4"), Err(()));
        assert_eq!(percent_decode("%zz"), Err(()));
    }

    #[test]
    fn safe_ids() {
        assert!(is_safe_id("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
        assert!(!is_safe_id(""));
        assert!(!is_safe_id("../etc/passwd"));
        assert!(!is_safe_id(".hidden"));
        assert!(!is_safe_id("a b"));
        assert!(!is_safe_id("x>y"));
    }
}
