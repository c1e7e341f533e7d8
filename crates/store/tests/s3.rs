//! Attachments in an S3 bucket (`FileStore::s3`) against a real S3 server on 127.0.0.1: moto's
//! server. The credential test turns moto's authentication on, so a wrong key is refused as AWS
//! would refuse it; the round trip does not, because moto then miscomputes the signature of
//! bucket listings (getmoto/moto#5948) that AWS accepts.
//!
//! moto must be installed (`pip install "moto[server]"`); without it these tests fail, unless
//! `MOTCUA_SKIP_S3_TESTS=1` says to skip them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use motcua_store::files::{FileStore, S3Config};

/// Creates the bucket, a user allowed `s3:*` and its access key, in the requests the server
/// takes before it asks for credentials; prints the key as JSON.
const BOOTSTRAP: &str = r#"
import json, sys, boto3
from botocore.config import Config
endpoint, bucket = sys.argv[1], sys.argv[2]
config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bootstrap",
          aws_secret_access_key="bootstrap", config=config)
boto3.client("s3", **kw).create_bucket(Bucket=bucket)
iam = boto3.client("iam", **kw)
iam.create_user(UserName="motcua")
iam.put_user_policy(UserName="motcua", PolicyName="s3", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="motcua")["AccessKey"]
print(json.dumps([key["AccessKeyId"], key["SecretAccessKey"]]))
"#;

/// The four requests of [`BOOTSTRAP`]; every later one must be signed by a known key.
const UNSIGNED_REQUESTS: &str = "4";

const BUCKET: &str = "motcua-files";

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

fn moto_ready() -> bool {
    let ok = Command::new(python())
        .args(["-c", "import moto.server, boto3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    if std::env::var("MOTCUA_SKIP_S3_TESTS").as_deref() == Ok("1") {
        eprintln!("skipped: moto is not installed and MOTCUA_SKIP_S3_TESTS=1");
        return false;
    }
    panic!(
        "these tests need a real S3 server: `{} -c 'import moto.server'` failed. Install it with \
         `pip install \"moto[server]\"` (or set MOTCUA_SKIP_S3_TESTS=1 to skip them)",
        python()
    );
}

struct S3Peer {
    child: Child,
    endpoint: String,
    key: (String, String),
    _dir: tempfile::TempDir,
}

impl Drop for S3Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Peer {
    /// `authenticated`: every request after the bootstrap's must be signed by a key moto knows.
    fn start(authenticated: bool) -> Option<Self> {
        if !moto_ready() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.path().join("moto.log")).unwrap();
        let mut moto = Command::new(python());
        moto.args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string());
        if authenticated {
            moto.env("INITIAL_NO_AUTH_ACTION_COUNT", UNSIGNED_REQUESTS);
        }
        let child = moto
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let endpoint = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto did not start: {}",
                std::fs::read_to_string(dir.path().join("moto.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let out = Command::new(python())
            .args(["-c", BOOTSTRAP, &endpoint, BUCKET])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bootstrap failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let key: (String, String) = serde_json::from_slice(&out.stdout).unwrap();
        Some(Self {
            child,
            endpoint,
            key,
            _dir: dir,
        })
    }

    fn config(&self, url: &str) -> S3Config {
        S3Config {
            url: url.into(),
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            credentials: Some(self.key.clone()),
        }
    }
}

fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[tokio::test]
async fn objects_are_stored_read_listed_and_deleted_under_the_prefix() {
    install_tls_provider();
    let Some(peer) = S3Peer::start(false) else {
        return;
    };
    let store = FileStore::s3(&peer.config(&format!("s3://{BUCKET}/hanoi/prod"))).unwrap();
    store.check().await.unwrap();
    let pdf = Bytes::from_static(b"%PDF-1.7\n% a result\n%%EOF\n");
    // Not only ASCII, and bigger than one read buffer.
    let scan = Bytes::from(vec![0xFFu8; 3 * 1024 * 1024 + 17]);
    store
        .put("dossiers/D1/giay-khai-sinh.pdf", pdf.clone())
        .await
        .unwrap();
    store
        .put("dossiers/D2/scan.jpg", scan.clone())
        .await
        .unwrap();
    store
        .put("results/D1/result.pdf", pdf.clone())
        .await
        .unwrap();
    assert_eq!(
        store.get("dossiers/D1/giay-khai-sinh.pdf").await.unwrap(),
        pdf
    );
    assert_eq!(store.get("dossiers/D2/scan.jpg").await.unwrap(), scan);

    let mut listed: Vec<_> = store
        .list("dossiers")
        .map(|o| o.unwrap())
        .collect::<Vec<_>>()
        .await;
    listed.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        ["dossiers/D1/giay-khai-sinh.pdf", "dossiers/D2/scan.jpg"]
    );
    assert_eq!(listed[1].size, scan.len() as u64);

    // The prefix is really in the bucket's keys, and the check left nothing behind.
    let whole = FileStore::s3(&peer.config(&format!("s3://{BUCKET}"))).unwrap();
    let mut everything: Vec<String> = whole
        .list("")
        .map(|o| o.unwrap().key)
        .collect::<Vec<_>>()
        .await;
    everything.sort();
    assert_eq!(
        everything,
        [
            "hanoi/prod/dossiers/D1/giay-khai-sinh.pdf",
            "hanoi/prod/dossiers/D2/scan.jpg",
            "hanoi/prod/results/D1/result.pdf",
        ]
    );

    store
        .delete("dossiers/D1/giay-khai-sinh.pdf")
        .await
        .unwrap();
    assert!(store.get("dossiers/D1/giay-khai-sinh.pdf").await.is_err());
    assert_eq!(store.list("dossiers").count().await, 1);
}

#[tokio::test]
async fn a_missing_bucket_or_a_refused_key_stops_the_check_with_the_reason() {
    install_tls_provider();
    let Some(peer) = S3Peer::start(true) else {
        return;
    };

    let missing = peer.config("s3://no-such-bucket");
    let e = FileStore::s3(&missing).unwrap().check().await.unwrap_err();
    let said = missing.explain(&e);
    assert!(said.contains("\"no-such-bucket\""), "{said}");
    assert!(said.contains("does not exist"), "{said}");
    assert!(said.contains(&peer.endpoint), "{said}");

    for credentials in [
        (peer.key.0.clone(), "not-the-secret".to_owned()),
        ("AKIANOSUCHKEY0000000".to_owned(), peer.key.1.clone()),
    ] {
        let refused = S3Config {
            credentials: Some(credentials.clone()),
            ..peer.config(&format!("s3://{BUCKET}"))
        };
        let e = FileStore::s3(&refused).unwrap().check().await.unwrap_err();
        let said = refused.explain(&e);
        assert!(
            said.contains("refused the credentials"),
            "{credentials:?}: {said}"
        );
        assert!(said.contains("AWS_ACCESS_KEY_ID"), "{said}");
    }

    // The right key passes the same check, and the refused attempts left nothing: the object a
    // check writes is not there for anyone to read.
    let store = FileStore::s3(&peer.config(&format!("s3://{BUCKET}"))).unwrap();
    store.check().await.unwrap();
}
