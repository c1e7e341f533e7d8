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
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, local::LocalFileSystem, path::Path};
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
}
