//! The deployment's signing keys, on disk under one folder (`<data-dir>/pki` or `MOTCUA_PKI_DIR`):
//!
//! - `ca.pem` — the trust root published at `/verify/ca.pem`;
//! - `agencies/<agency code>.key.pem` and `.pem` — each agency's key (PKCS#8) and certificate,
//!   with an optional `.chain.pem` of intermediates; or `agencies/<agency code>.p12` (PKCS#12, as
//!   CAs deliver them) whose password is in `<agency code>.p12.password` beside it or in
//!   `MOTCUA_PKI_P12_PASSWORD`.
//!
//! In the demo profile a missing CA is created (with `ca.key.pem` beside it) and agency
//! certificates are issued on first use; the production profile only reads what the operator put
//! there and refuses to start without a CA certificate and at least one agency key.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use motcua_documents::pki::{self, Authority, Certificate, Credential, SigningKey};

use crate::{AppError, ErrorCode, Profile};

#[derive(Debug, thiserror::Error)]
pub enum PkiSetupError {
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Pki(#[from] pki::PkiError),
    #[error(
        "the production profile needs signing keys: {0} (put ca.pem and agencies/<code>.key.pem + .pem there, or set MOTCUA_PKI_DIR)"
    )]
    Missing(String),
}

fn io(path: &Path, e: std::io::Error) -> PkiSetupError {
    PkiSetupError::Io(format!("{}: {e}", path.display()))
}

/// Writes a file readable by its owner only (private keys).
fn write_private(path: &Path, content: &str) -> Result<(), PkiSetupError> {
    std::fs::write(path, content).map_err(|e| io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io(path, e))?;
    }
    Ok(())
}

/// The demo CA is valid from 1 January 2025 (the start of the two-tier local government and of
/// the bundled holiday calendar), not from the moment it was created: a pinned test clock or a
/// replay of demo data signs at dates before the machine's real date, and those signatures must
/// chain to a root that was already valid then.
fn demo_epoch() -> SystemTime {
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_735_689_600)
}

pub struct Pki {
    dir: PathBuf,
    root: Certificate,
    /// Only in demo: the CA key that issues agency certificates on first use.
    issuer: Option<Authority>,
    cache: Mutex<HashMap<String, Credential>>,
    /// Whether this start created the demo CA (the start-up message says so).
    pub created: bool,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki").field("dir", &self.dir).finish()
    }
}

impl Pki {
    pub fn open(dir: &Path, profile: Profile) -> Result<Self, PkiSetupError> {
        let ca_pem = dir.join("ca.pem");
        let ca_key = dir.join("ca.key.pem");
        let agencies = dir.join("agencies");
        match profile {
            Profile::Production => {
                let root = std::fs::read_to_string(&ca_pem)
                    .map_err(|_| PkiSetupError::Missing(ca_pem.display().to_string()))?;
                let has_key = std::fs::read_dir(&agencies)
                    .map(|rd| {
                        rd.filter_map(Result::ok).any(|e| {
                            let name = e.file_name().to_string_lossy().into_owned();
                            name.ends_with(".key.pem") || name.ends_with(".p12")
                        })
                    })
                    .unwrap_or(false);
                if !has_key {
                    return Err(PkiSetupError::Missing(format!(
                        "{}/*.key.pem",
                        agencies.display()
                    )));
                }
                Ok(Self {
                    dir: dir.to_path_buf(),
                    root: pki::cert_from_pem(&root)?,
                    issuer: None,
                    cache: Mutex::new(HashMap::new()),
                    created: false,
                })
            }
            Profile::Demo => {
                std::fs::create_dir_all(&agencies).map_err(|e| io(&agencies, e))?;
                let (authority, created) = match (
                    std::fs::read_to_string(&ca_pem),
                    std::fs::read_to_string(&ca_key),
                ) {
                    (Ok(cert), Ok(key)) => (
                        Authority {
                            key: SigningKey::from_pem(&key)?,
                            certificate: pki::cert_from_pem(&cert)?,
                        },
                        false,
                    ),
                    _ => {
                        let a = Authority::create(
                            "motcua DEMO Root CA (not for real documents)",
                            "motcua demo",
                            demo_epoch(),
                        )?;
                        write_private(&ca_key, &a.key.to_pem()?)?;
                        std::fs::write(&ca_pem, pki::cert_to_pem(&a.certificate)?)
                            .map_err(|e| io(&ca_pem, e))?;
                        (a, true)
                    }
                };
                Ok(Self {
                    dir: dir.to_path_buf(),
                    root: authority.certificate.clone(),
                    issuer: Some(authority),
                    cache: Mutex::new(HashMap::new()),
                    created,
                })
            }
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn root(&self) -> &Certificate {
        &self.root
    }

    pub fn root_pem(&self) -> String {
        pki::cert_to_pem(&self.root).unwrap_or_default()
    }

    fn unavailable(agency: &str, why: &str) -> AppError {
        tracing::error!(agency, why, "no signing key");
        AppError::new(
            ErrorCode::Unavailable,
            "signing_key_unavailable",
            format!("Cơ quan {agency} chưa có khóa ký số; liên hệ quản trị hệ thống."),
            format!("Agency {agency} has no signing key; contact the operator."),
        )
    }

    /// The agency's signing credential: from its files, or (demo) issued at `now` (the
    /// application clock) and saved.
    pub fn credential(
        &self,
        agency_code: &str,
        agency_name: &str,
        now: SystemTime,
    ) -> Result<Credential, AppError> {
        if let Ok(cache) = self.cache.lock()
            && let Some(c) = cache.get(agency_code)
        {
            return Ok(c.clone());
        }
        // Agency codes are ours (`H31.10105.CA`), but never let one name a path outside.
        if !agency_code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        {
            return Err(Self::unavailable(agency_code, "bad code"));
        }
        let base = self.dir.join("agencies");
        let key_path = base.join(format!("{agency_code}.key.pem"));
        let cert_path = base.join(format!("{agency_code}.pem"));
        let chain_path = base.join(format!("{agency_code}.chain.pem"));
        let p12_path = base.join(format!("{agency_code}.p12"));
        let credential = if let Ok(data) = std::fs::read(&p12_path) {
            let password =
                std::fs::read_to_string(base.join(format!("{agency_code}.p12.password")))
                    .map(|p| p.trim_end_matches(['\r', '\n']).to_owned())
                    .or_else(|_| std::env::var("MOTCUA_PKI_P12_PASSWORD"))
                    .map_err(|_| Self::unavailable(agency_code, "no password for the .p12"))?;
            Credential::from_pkcs12(&data, &password)
                .map_err(|e| Self::unavailable(agency_code, &e.to_string()))?
        } else {
            match (
                std::fs::read_to_string(&key_path),
                std::fs::read_to_string(&cert_path),
            ) {
                (Ok(key), Ok(cert)) => Credential {
                    key: SigningKey::from_pem(&key)
                        .map_err(|e| Self::unavailable(agency_code, &e.to_string()))?,
                    certificate: pki::cert_from_pem(&cert)
                        .map_err(|e| Self::unavailable(agency_code, &e.to_string()))?,
                    chain: std::fs::read_to_string(&chain_path)
                        .ok()
                        .and_then(|p| pki::certs_from_pem(&p).ok())
                        .unwrap_or_default(),
                },
                _ => {
                    let Some(issuer) = &self.issuer else {
                        return Err(Self::unavailable(agency_code, "no key file"));
                    };
                    let c = issuer
                        .issue(agency_name, "motcua demo", SigningKey::generate_p256(), now)
                        .map_err(|e| Self::unavailable(agency_code, &e.to_string()))?;
                    let save = c
                        .key
                        .to_pem()
                        .map_err(|e| e.to_string())
                        .and_then(|k| write_private(&key_path, &k).map_err(|e| e.to_string()))
                        .and_then(|()| {
                            pki::cert_to_pem(&c.certificate)
                                .map_err(|e| e.to_string())
                                .and_then(|p| {
                                    std::fs::write(&cert_path, p).map_err(|e| e.to_string())
                                })
                        });
                    if let Err(e) = save {
                        return Err(Self::unavailable(agency_code, &e));
                    }
                    tracing::info!(agency = agency_code, "demo signing certificate issued");
                    c
                }
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(agency_code.to_owned(), credential.clone());
        }
        Ok(credential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_creates_the_ca_once_and_production_refuses_an_empty_folder() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("pki");
        let Ok(first) = Pki::open(&p, Profile::Demo) else {
            panic!("demo open")
        };
        assert!(first.created);
        let Ok(c) = first.credential(
            "H31.10105",
            "Ủy ban nhân dân phường Hồng Bàng",
            SystemTime::now(),
        ) else {
            panic!("credential")
        };
        assert_eq!(c.subject_name(), "Ủy ban nhân dân phường Hồng Bàng");
        let Ok(again) = Pki::open(&p, Profile::Demo) else {
            panic!("reopen")
        };
        assert!(!again.created);
        assert_eq!(again.root(), first.root());
        // The saved agency key is reused, not re-issued.
        let Ok(c2) = again.credential("H31.10105", "other name", SystemTime::now()) else {
            panic!("credential")
        };
        assert_eq!(c2.certificate, c.certificate);
        // Production reads the same folder (it has ca.pem and an agency key) …
        assert!(Pki::open(&p, Profile::Production).is_ok());
        // … but an empty one is refused, and a missing agency key is an error, not a demo cert.
        let empty = dir.path().join("empty");
        assert!(matches!(
            Pki::open(&empty, Profile::Production),
            Err(PkiSetupError::Missing(_))
        ));
        let Ok(prod) = Pki::open(&p, Profile::Production) else {
            panic!("prod")
        };
        assert!(
            prod.credential("H31.99999", "x", SystemTime::now())
                .is_err()
        );
        assert!(again.credential("../etc", "x", SystemTime::now()).is_err());
    }

    #[test]
    fn production_signs_with_an_agency_pkcs12_and_its_password_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("pki");
        let Ok(demo) = Pki::open(&p, Profile::Demo) else {
            panic!("demo open")
        };
        let Ok(issued) = demo.credential("H31.10105", "UBND phường Hồng Bàng", SystemTime::now())
        else {
            panic!("credential")
        };
        let agencies = p.join("agencies");
        let out = std::process::Command::new("openssl")
            .current_dir(&agencies)
            .args([
                "pkcs12",
                "-export",
                "-inkey",
                "H31.10105.key.pem",
                "-in",
                "H31.10105.pem",
            ])
            .args(["-passout", "pass:s3cret", "-out", "H31.10105.p12"])
            .output()
            .unwrap_or_else(|e| panic!("openssl: {e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for f in ["H31.10105.key.pem", "H31.10105.pem"] {
            std::fs::remove_file(agencies.join(f)).unwrap_or_else(|e| panic!("{e}"));
        }
        // Without its password the key is unavailable, never replaced by a made-up one.
        let Ok(prod) = Pki::open(&p, Profile::Production) else {
            panic!("production opens with a .p12 as the agency key")
        };
        if std::env::var_os("MOTCUA_PKI_P12_PASSWORD").is_none() {
            assert!(
                prod.credential("H31.10105", "x", SystemTime::now())
                    .is_err()
            );
        }
        std::fs::write(agencies.join("H31.10105.p12.password"), "s3cret\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let Ok(prod) = Pki::open(&p, Profile::Production) else {
            panic!("reopen")
        };
        let Ok(loaded) = prod.credential("H31.10105", "x", SystemTime::now()) else {
            panic!("the .p12 is read")
        };
        assert_eq!(loaded.certificate, issued.certificate);
    }
}
