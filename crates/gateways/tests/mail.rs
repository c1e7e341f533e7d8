//! E-mail delivery (`motcua_gateways::mail`) against a real SMTP server on 127.0.0.1 (Python's
//! aiosmtpd, with a small handler that stores what it receives byte for byte and refuses some
//! recipients), and into a mailbox directory.
//!
//! aiosmtpd must be installed (`pip install aiosmtpd`); without it these tests fail, unless
//! `MOTCUA_SKIP_SMTP_TESTS=1` says to skip the ones that need it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders as _};
use motcua_gateways::mail::{DeliveryError, MailConfigError, Mailer, OutgoingEmail};
use serde_json::Value;

const FROM: &str = "Cổng dịch vụ công <no-reply@motcua.local>";

/// An SMTP server that writes each message it accepts to `<dir>/<n>.eml` (the DATA bytes as
/// received) with its envelope in `<n>.json`, refuses `nobody@…` for good (550) and `busy@…`
/// for now (451).
const PEER: &str = r#"
import json, os, uuid

class Peer:
    def __init__(self, directory):
        self.directory = directory

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local == "nobody":
            return "550 5.1.1 No such user here"
        if local == "busy":
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(self.directory, uuid.uuid4().hex)
        with open(name + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        with open(name + ".part", "wb") as f:
            f.write(envelope.original_content)
        os.rename(name + ".part", name + ".eml")
        return "250 Message accepted for delivery"
"#;

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether the SMTP tests can run; panics with the fix when they cannot and were not waived.
fn aiosmtpd_ready() -> bool {
    let ok = Command::new(python())
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    if std::env::var("MOTCUA_SKIP_SMTP_TESTS").as_deref() == Ok("1") {
        eprintln!("skipped: aiosmtpd is not installed and MOTCUA_SKIP_SMTP_TESTS=1");
        return false;
    }
    panic!(
        "these tests need a real SMTP server: `{} -c 'import aiosmtpd'` failed. Install it with \
         `pip install aiosmtpd` (or set MOTCUA_SKIP_SMTP_TESTS=1 to skip them)",
        python()
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct SmtpPeer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpPeer {
    fn start() -> Option<Self> {
        if !aiosmtpd_ready() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir(&inbox).unwrap();
        std::fs::write(dir.path().join("motcua_smtp_peer.py"), PEER).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("smtpd.log")).unwrap();
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "motcua_smtp_peer.Peer"])
            .arg(&inbox)
            .env("PYTHONPATH", dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut peer = Self { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = peer.child.try_wait() {
                panic!("aiosmtpd exited ({status}): {}", peer.log());
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start: {}",
                peer.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(peer)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("smtpd.log")).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The received messages: (raw bytes, envelope).
    fn received(&self) -> Vec<(Vec<u8>, Value)> {
        let inbox = self.dir.path().join("inbox");
        files_with(&inbox, "eml")
            .into_iter()
            .map(|p| {
                let envelope = std::fs::read(p.with_extension("json")).unwrap();
                (
                    std::fs::read(&p).unwrap(),
                    serde_json::from_slice(&envelope).unwrap(),
                )
            })
            .collect()
    }
}

fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn vietnamese(id: &str, to: &str) -> OutgoingEmail {
    OutgoingEmail {
        message_id: id.into(),
        to: to.into(),
        subject: "Hồ sơ 000.00.01.H26-250101-0001 đã được tiếp nhận — Ủy ban nhân dân phường Hồng Bàng"
            .into(),
        text: "Kính gửi ông Nguyễn Văn An,\n\nHồ sơ của ông đã được tiếp nhận lúc 08:30 ngày 01/01/2025.\n\
               Tra cứu tại: https://motcua.example/tra-cuu?ma=000.00.01.H26-250101-0001\n\n\
               Trân trọng.\n"
            .into(),
    }
}

/// Compares bodies across the CRLF line endings of the wire.
fn lf(s: &str) -> String {
    s.replace("\r\n", "\n")
}

fn assert_is_the_message(raw: &[u8], m: &OutgoingEmail) {
    let parsed = MessageParser::default()
        .parse(raw)
        .expect("an RFC 5322 message");
    assert_eq!(parsed.subject(), Some(m.subject.as_str()));
    assert_eq!(
        parsed.message_id(),
        Some(format!("{}@motcua", m.message_id).as_str())
    );
    let to = parsed.to().and_then(|a| a.first()).unwrap();
    assert_eq!(to.address(), Some(m.to.as_str()));
    let from = parsed.from().and_then(|a| a.first()).unwrap();
    assert_eq!(from.address(), Some("no-reply@motcua.local"));
    assert_eq!(from.name(), Some("Cổng dịch vụ công"));
    // lettre ends DATA with CRLF "." CRLF even after a final line break, so over SMTP the body
    // gains an empty last line.
    assert_eq!(
        lf(&parsed.body_text(0).unwrap()).trim_end_matches('\n'),
        m.text.trim_end_matches('\n')
    );
    let ct = parsed.content_type().unwrap();
    assert_eq!(ct.ctype(), "text");
    assert_eq!(ct.subtype(), Some("plain"));
    assert_eq!(
        ct.attribute("charset")
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("utf-8")
    );
    assert!(parsed.date().is_some());
    // Non-ASCII headers and body are encoded (RFC 2047, a transfer encoding): 7-bit clean.
    assert!(raw.is_ascii(), "{}", String::from_utf8_lossy(raw));
}

#[tokio::test]
async fn sends_a_vietnamese_message_over_smtp() {
    let Some(peer) = SmtpPeer::start() else {
        return;
    };
    let mailer = Mailer::from_url(&peer.url(), FROM).unwrap();
    let m = vietnamese(
        "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "an.nguyen@example.vn",
    );
    mailer.send(&m).await.unwrap();

    let received = peer.received();
    assert_eq!(received.len(), 1, "{}", peer.log());
    let (raw, envelope) = &received[0];
    assert_is_the_message(raw, &m);
    assert_eq!(envelope["mail_from"], "no-reply@motcua.local");
    assert_eq!(
        envelope["rcpt_tos"],
        serde_json::json!(["an.nguyen@example.vn"])
    );

    // Sent again (after a crash, say): the same Message-ID, so recognisably the same message.
    mailer.send(&m).await.unwrap();
    let received = peer.received();
    assert_eq!(received.len(), 2);
    for (raw, _) in &received {
        assert_is_the_message(raw, &m);
    }
}

#[tokio::test]
async fn smtp_refusals_are_sorted() {
    let Some(peer) = SmtpPeer::start() else {
        return;
    };
    let mailer = Mailer::from_url(&peer.url(), FROM).unwrap();
    let err = mailer
        .send(&vietnamese("m-1", "nobody@example.vn"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Permanent(m) if m.contains("550")),
        "{err:?}"
    );
    let err = mailer
        .send(&vietnamese("m-2", "busy@example.vn"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DeliveryError::Transient(m) if m.contains("451")),
        "{err:?}"
    );
    assert!(peer.received().is_empty());
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let port = free_port();
    let mailer = Mailer::from_url(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
    let err = mailer
        .send(&vietnamese("m-1", "an@example.vn"))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn a_silent_server_times_out_as_transient() {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            open.push(s);
        }
    });
    let mailer = Mailer::from_url(&format!("smtp://127.0.0.1:{port}"), FROM)
        .unwrap()
        .with_timeout(Duration::from_millis(500));
    let started = Instant::now();
    let err = mailer
        .send(&vietnamese("m-1", "an@example.vn"))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    hold.abort();
}

#[tokio::test]
async fn an_invalid_recipient_is_permanent() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::mailbox(dir.path().to_path_buf(), FROM).unwrap();
    for bad in ["not an address", "a@", "@b.vn", "a b@c.vn"] {
        let err = mailer.send(&vietnamese("m-1", bad)).await.unwrap_err();
        assert!(matches!(err, DeliveryError::Permanent(_)), "{bad}: {err:?}");
    }
    let err = mailer
        .send(&vietnamese("../../escape", "an@example.vn"))
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Permanent(_)), "{err:?}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[tokio::test]
async fn mailbox_writes_one_parseable_file_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer = Mailer::mailbox(outbox.clone(), FROM).unwrap();
    assert!(mailer.describe().contains("outbox"));

    let m = vietnamese(
        "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "an.nguyen@example.vn",
    );
    mailer.send(&m).await.unwrap();
    let files = files_with(&outbox, "eml");
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.ends_with("Z-0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.eml"),
        "{name}"
    );
    assert_is_the_message(&std::fs::read(&files[0]).unwrap(), &m);

    // The same id again, with the text changed: replaced, not added.
    let mut changed = m.clone();
    changed.text = "Nội dung mới.\n".into();
    mailer.send(&changed).await.unwrap();
    let files = files_with(&outbox, "eml");
    assert_eq!(files.len(), 1);
    assert_is_the_message(&std::fs::read(&files[0]).unwrap(), &changed);

    // Another id: another file. And no temporary file is left behind.
    mailer
        .send(&vietnamese("second", "an.nguyen@example.vn"))
        .await
        .unwrap();
    assert_eq!(files_with(&outbox, "eml").len(), 2);
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 2);
}

#[tokio::test]
async fn file_urls_are_mailboxes() {
    let dir = tempfile::tempdir().unwrap();
    let url = url::Url::from_directory_path(dir.path()).unwrap();
    let mailer = Mailer::from_url(url.as_str(), FROM).unwrap();
    mailer
        .send(&vietnamese("x", "an@example.vn"))
        .await
        .unwrap();
    assert_eq!(files_with(dir.path(), "eml").len(), 1);
}

#[test]
fn from_url_accepts_the_documented_forms() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cases = [
        ("smtp://localhost", "smtp://localhost:25 (no TLS)"),
        ("smtp://127.0.0.1:2525", "smtp://127.0.0.1:2525 (no TLS)"),
        (
            "smtp://mailer:s%40cret@mail.example.vn?tls=starttls",
            "smtp://mailer@mail.example.vn:587 (STARTTLS required)",
        ),
        (
            "smtps://mailer:s%40cret@mail.example.vn",
            "smtps://mailer@mail.example.vn:465 (implicit TLS)",
        ),
        (
            "smtps://mailer:s%40cret@mail.example.vn:2465",
            "smtps://mailer@mail.example.vn:2465 (implicit TLS)",
        ),
        // A local relay may take a password in the clear: it never leaves the machine.
        (
            "smtp://u:p@127.0.0.1:2525",
            "smtp://u@127.0.0.1:2525 (no TLS)",
        ),
    ];
    for (url, described) in cases {
        let m = Mailer::from_url(url, FROM).unwrap_or_else(|e| panic!("{url}: {e}"));
        let d = m.describe();
        assert!(d.contains(described), "{url}: {d}");
        assert!(
            !d.contains("cret") && !format!("{m:?}").contains("cret"),
            "{d}"
        );
    }
}

#[test]
fn from_url_rejects_garbage() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    for url in [
        "",
        "not a url",
        "mail.example.vn:25",
        "http://mail.example.vn",
        "smtp://",
        "smtp:///nohost",
        "smtp://mail.example.vn?tls=bogus",
        "smtp://mail.example.vn?tls=opportunistic",
        "smtp://mail.example.vn?foo=bar",
        "smtps://mail.example.vn?tls=starttls",
        "smtp://mail.example.vn/ehlo-name",
        "smtp://user@mail.example.vn?tls=starttls",
        // A password across the network without TLS.
        "smtp://user:secret@mail.example.vn:25",
        "file://host/dir",
    ] {
        let r = Mailer::from_url(url, FROM);
        assert!(
            matches!(r, Err(MailConfigError::Url { .. })),
            "{url:?} accepted: {r:?}"
        );
        if let Err(e) = r {
            assert!(!e.to_string().contains("secret"), "{e}");
        }
    }
}

#[test]
fn the_sender_is_checked_at_start_up() {
    for from in ["", "no-reply", "Cổng <no-reply@>", "<a@b.vn"] {
        let r = Mailer::from_url("smtp://localhost", from);
        assert!(
            matches!(r, Err(MailConfigError::From { .. })),
            "{from:?} accepted: {r:?}"
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(Mailer::mailbox(dir.path().to_path_buf(), from).is_err());
    }
    let e = Mailer::from_url("smtp://localhost", "no-reply").unwrap_err();
    assert!(e.to_string().contains("no-reply"), "{e}");
    Mailer::from_url("smtp://localhost", "no-reply@motcua.local").unwrap();
}
