//! Attachment bytes in an object store (a local folder by default, S3-compatible by configuration);
//! metadata and SHA-256 live in the database.
//!
//! Content checks happen before anything is written: the declared type must be accepted by the
//! component, the bytes must start with that type's magic number and parse as that type and no
//! other (see [`crate::filecheck`]), and the size must be within the component's limit. A rejected
//! file leaves no trace.
//!
//! Bytes are written before the database row that names them, so a crash in between leaves an
//! object nobody refers to; [`FileStore::list`] lets the housekeeping find and remove those.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, local::LocalFileSystem,
    path::Path,
};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// Where attachment bytes go.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileStore")
    }
}

impl FileStore {
    /// A local folder (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)?;
        let fs = LocalFileSystem::new_with_prefix(dir)?;
        Ok(Self {
            inner: Arc::new(fs),
        })
    }

    pub fn from_object_store(inner: Arc<dyn ObjectStore>) -> Self {
        Self { inner }
    }

    /// An S3-compatible bucket (AWS, MinIO, Ceph, …). Credentials come the standard AWS way
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, instance metadata);
    /// nothing is contacted until [`FileStore::check`].
    pub fn s3(config: &S3Config) -> Result<Self, S3ConfigError> {
        let (bucket, prefix) = config.bucket_and_prefix()?;
        // The HTTP client speaks TLS through rustls, with ring as the rest of the system does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            // A store that does not answer fails the request within a minute, not after the
            // library's default three.
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(60),
            });
        if let Some(region) = &config.region {
            builder = builder.with_region(region);
        }
        if let Some((key, secret)) = &config.credentials {
            builder = builder
                .with_access_key_id(key)
                .with_secret_access_key(secret);
        }
        if let Some(endpoint) = &config.endpoint {
            let parsed = url::Url::parse(endpoint).map_err(|_| S3ConfigError::Endpoint {
                endpoint: endpoint.clone(),
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                return Err(S3ConfigError::Endpoint {
                    endpoint: endpoint.clone(),
                });
            }
            // Another S3 server (MinIO, Ceph, a local one): its buckets are in the path, and
            // plain HTTP is allowed only because the operator wrote it in the endpoint.
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(parsed.scheme() == "http")
                .with_virtual_hosted_style_request(false);
        }
        let s3 = builder.build().map_err(|e| S3ConfigError::Build {
            reason: e.to_string(),
        })?;
        let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Self { inner })
    }

    /// Whether the store takes and gives back an object: written, read, deleted under
    /// `.motcua-check/` (one key per call, so nodes starting together do not meet). What a
    /// server asks before it accepts work, so a missing bucket or refused credentials stop it at
    /// start with the reason instead of failing the first upload.
    pub async fn check(&self) -> Result<(), StoreError> {
        let key = format!(".motcua-check/{}", uuid::Uuid::new_v4());
        let probe = Bytes::from_static(b"motcua storage check");
        self.put(&key, probe.clone()).await?;
        let back = self.get(&key).await?;
        self.delete(&key).await?;
        if back != probe {
            return Err(StoreError::Corrupt(
                "the object store gave back other bytes than it was given".into(),
            ));
        }
        Ok(())
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.inner
            .put(&Path::from(key), PutPayload::from_bytes(bytes))
            .await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let r = self.inner.get(&Path::from(key)).await?;
        Ok(r.bytes().await?)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(&Path::from(key)).await?;
        Ok(())
    }

    /// Every object whose key starts with the folder `prefix` (e.g. `dossiers`), in no order.
    pub fn list(&self, prefix: &str) -> BoxStream<'static, Result<StoredObject, StoreError>> {
        self.inner
            .list(Some(&Path::from(prefix)))
            .map(|meta| {
                let meta = meta?;
                Ok(StoredObject {
                    key: meta.location.to_string(),
                    last_modified: meta.last_modified,
                    size: meta.size,
                })
            })
            .boxed()
    }
}

/// Where attachments go when they go to S3: `MOTCUA_S3_URL` (`s3://bucket` or
/// `s3://bucket/prefix`), `MOTCUA_S3_ENDPOINT` (another S3 server than AWS) and
/// `MOTCUA_S3_REGION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    pub url: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// An access key and its secret, in place of the standard AWS sources.
    pub credentials: Option<(String, String)>,
}

impl S3Config {
    /// The bucket and the key prefix (no leading or trailing slash) the URL names. Read as
    /// written, not through a URL parser, which would quietly resolve `a/../b` or drop a port.
    pub fn bucket_and_prefix(&self) -> Result<(String, String), S3ConfigError> {
        let bad = || S3ConfigError::Url {
            url: self.url.clone(),
        };
        let rest = self.url.strip_prefix("s3://").ok_or_else(bad)?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's bucket names: 3 to 63 lowercase letters, digits, dots and hyphens.
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        let prefix = prefix.trim_end_matches('/');
        let prefix_ok = prefix.is_empty()
            || prefix.split('/').all(|part| {
                !matches!(part, "" | "." | "..")
                    && !part.contains(['?', '#', '\\'])
                    && !part.chars().any(char::is_control)
            });
        if !bucket_ok || !prefix_ok {
            return Err(bad());
        }
        Ok((bucket.to_owned(), prefix.to_owned()))
    }

    /// What an operator reads when [`FileStore::check`] fails on this store: which setting to fix.
    pub fn explain(&self, error: &StoreError) -> String {
        let bucket = self
            .bucket_and_prefix()
            .map(|(b, _)| b)
            .unwrap_or_else(|_| self.url.clone());
        let at = self
            .endpoint
            .as_deref()
            .map(|e| format!(" at {e}"))
            .unwrap_or_default();
        match error {
            StoreError::Files(object_store::Error::NotFound { .. }) => format!(
                "the S3 bucket {bucket:?}{at} does not exist: create it, or correct MOTCUA_S3_URL"
            ),
            StoreError::Files(
                object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. },
            ) => format!(
                "the S3 server{at} refused the credentials for bucket {bucket:?}: check \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and that they may write to the bucket)"
            ),
            other => format!("the S3 bucket {bucket:?}{at} cannot be used: {other}"),
        }
    }
}

/// An S3 setting that cannot be used, said so the operator can fix it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum S3ConfigError {
    #[error(
        "MOTCUA_S3_URL {url:?} is not an S3 bucket URL: write s3://<bucket> or s3://<bucket>/<prefix>"
    )]
    Url { url: String },
    #[error(
        "MOTCUA_S3_ENDPOINT {endpoint:?} is not an HTTP(S) address: write e.g. https://s3.example.vn or http://127.0.0.1:9000"
    )]
    Endpoint { endpoint: String },
    #[error("the S3 settings are incomplete or inconsistent: {reason}")]
    Build { reason: String },
}

/// One object as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub last_modified: DateTime<Utc>,
    pub size: u64,
}

/// Hex SHA-256 of the bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The MIME type the content really is, from its magic number; `None` when unknown.
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 5] = [
        (b"%PDF-", "application/pdf"),
        (&[0xFF, 0xD8, 0xFF], "image/jpeg"),
        (
            &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
            "image/png",
        ),
        (b"II*\0", "image/tiff"),
        (b"MM\0*", "image/tiff"),
    ];
    SIGNATURES
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, mime)| *mime)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_by_name() {
        assert_eq!(sniff_mime(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff_mime(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_mime(b"MZ\x90\0 windows exe"), None);
        assert_eq!(sniff_mime(b""), None);
    }

    #[tokio::test]
    async fn local_store_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::local(dir.path()).unwrap();
        fs.put("a/b.pdf", Bytes::from_static(b"%PDF-1.4"))
            .await
            .unwrap();
        assert_eq!(
            fs.get("a/b.pdf").await.unwrap(),
            Bytes::from_static(b"%PDF-1.4")
        );
        assert_eq!(sha256_hex(b"abc").len(), 64);
    }

    #[tokio::test]
    async fn lists_what_is_under_a_folder_only() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::local(dir.path()).unwrap();
        for key in ["dossiers/d1/a", "dossiers/d2/b", "other/c", "dossiersx/d"] {
            fs.put(key, Bytes::from_static(b"xyz")).await.unwrap();
        }
        let mut listed: Vec<StoredObject> = fs
            .list("dossiers")
            .map(|o| o.unwrap())
            .collect::<Vec<_>>()
            .await;
        listed.sort_by(|a, b| a.key.cmp(&b.key));
        let keys: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["dossiers/d1/a", "dossiers/d2/b"]);
        assert!(listed.iter().all(|o| o.size == 3));
        let age = Utc::now() - listed[0].last_modified;
        assert!(age < chrono::Duration::minutes(5), "{age}");
        fs.delete("dossiers/d1/a").await.unwrap();
        assert_eq!(fs.list("dossiers").count().await, 1);
        assert_eq!(fs.list("nothing-here").count().await, 0);
    }

    fn s3(url: &str) -> S3Config {
        S3Config {
            url: url.into(),
            endpoint: None,
            region: None,
            credentials: None,
        }
    }

    #[test]
    fn an_s3_url_names_a_bucket_and_maybe_a_prefix() {
        let ok = [
            ("s3://motcua", ("motcua", "")),
            ("s3://motcua/", ("motcua", "")),
            ("s3://motcua/hanoi", ("motcua", "hanoi")),
            ("s3://motcua/hanoi/prod/", ("motcua", "hanoi/prod")),
            ("s3://my.bucket-1/a", ("my.bucket-1", "a")),
        ];
        for (url, (bucket, prefix)) in ok {
            assert_eq!(
                s3(url).bucket_and_prefix().unwrap(),
                (bucket.to_owned(), prefix.to_owned()),
                "{url}"
            );
        }
        let refused = [
            "",
            "motcua",
            "/var/motcua",
            "s3://",
            "s3:///prefix",
            "https://motcua.s3.amazonaws.com/",
            "file:///tmp/motcua",
            "s3://motcua?versionId=1",
            "s3://motcua#x",
            "s3://user:secret@motcua",
            "s3://motcua:9000/a",
            "s3://motcua/a//b",
            "s3://motcua/a/../b",
            "s3://motcua/./b",
            "s3://motcua/a/..",
            "s3://Motcua",
            "s3://ab",
            "s3://-motcua",
            "s3://motcua_files",
            "s3://motcua/a?b",
            "s3://motcua/a\\b",
            "S3://motcua",
            " s3://motcua",
        ];
        for url in refused {
            let e = s3(url).bucket_and_prefix().unwrap_err();
            assert!(e.to_string().contains("MOTCUA_S3_URL"), "{url}: {e}");
        }
    }

    #[test]
    fn an_endpoint_must_be_an_http_address() {
        for endpoint in [
            "127.0.0.1:9000",
            "ftp://s3.example.vn",
            "http://",
            "s3.example.vn",
        ] {
            let config = S3Config {
                endpoint: Some(endpoint.into()),
                ..s3("s3://motcua")
            };
            let e = FileStore::s3(&config).unwrap_err();
            assert!(
                matches!(e, S3ConfigError::Endpoint { .. }),
                "{endpoint}: {e}"
            );
            assert!(e.to_string().contains("MOTCUA_S3_ENDPOINT"), "{e}");
        }
        for endpoint in ["http://127.0.0.1:9000", "https://s3.example.vn"] {
            let config = S3Config {
                endpoint: Some(endpoint.into()),
                region: Some("vn-north-1".into()),
                credentials: Some(("AKIA".into(), "secret".into())),
                ..s3("s3://motcua/prefix")
            };
            assert!(FileStore::s3(&config).is_ok(), "{endpoint}");
        }
    }
}
