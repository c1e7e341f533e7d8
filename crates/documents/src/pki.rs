//! Keys and certificates: the deployment's certificate authority (a demo one created on first
//! start, or the operator's), and the signing credentials of agencies and citizens it issues.
//! Keys are PKCS#8 PEM (RSA or ECDSA P-256); certificates are PEM.

use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519;
use der::asn1::{Any, SetOfVec};
use der::{Decode, DecodePem, Encode, EncodePem, Tag};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::pkcs1::DecodeRsaPrivateKey;
use sha2::{Digest, Sha256};
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
pub use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("private key: {0}")]
    Key(String),
    #[error("certificate: {0}")]
    Certificate(String),
}

fn cert_err(e: impl std::fmt::Display) -> PkiError {
    PkiError::Certificate(e.to_string())
}

fn key_err(e: impl std::fmt::Display) -> PkiError {
    PkiError::Key(e.to_string())
}

/// A private signing key of one of the two algorithms Vietnamese CAs issue (RSA, ECDSA P-256).
#[derive(Clone)]
pub enum SigningKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Rsa(_) => "SigningKey::Rsa(..)",
            Self::P256(_) => "SigningKey::P256(..)",
        })
    }
}

impl SigningKey {
    pub fn generate_p256() -> Self {
        Self::P256(p256::ecdsa::SigningKey::random(
            &mut p256::elliptic_curve::rand_core::OsRng,
        ))
    }

    pub fn generate_rsa(bits: usize) -> Result<Self, PkiError> {
        rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits)
            .map(|k| Self::Rsa(Box::new(k)))
            .map_err(key_err)
    }

    /// PKCS#8 ("PRIVATE KEY") or, for RSA, PKCS#1 ("RSA PRIVATE KEY") PEM.
    pub fn from_pem(pem: &str) -> Result<Self, PkiError> {
        if let Ok(k) = p256::SecretKey::from_pkcs8_pem(pem) {
            return Ok(Self::P256(k.into()));
        }
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
            return Ok(Self::Rsa(Box::new(k)));
        }
        rsa::RsaPrivateKey::from_pkcs1_pem(pem)
            .map(|k| Self::Rsa(Box::new(k)))
            .map_err(|_| PkiError::Key("neither a P-256 nor an RSA private key in PEM".into()))
    }

    /// PKCS#8 DER (P-256 or RSA), as found inside a PKCS#12 file.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, PkiError> {
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
            return Ok(Self::P256(k.into()));
        }
        rsa::RsaPrivateKey::from_pkcs8_der(der)
            .map(|k| Self::Rsa(Box::new(k)))
            .map_err(|_| PkiError::Key("neither a P-256 nor an RSA private key".into()))
    }

    pub fn to_pem(&self) -> Result<String, PkiError> {
        let doc = match self {
            Self::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
            Self::P256(k) => p256::SecretKey::from(k).to_pkcs8_pem(LineEnding::LF),
        }
        .map_err(key_err)?;
        Ok(doc.to_string())
    }

    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
        let der = match self {
            Self::Rsa(k) => k.to_public_key().to_public_key_der(),
            Self::P256(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(key_err)?;
        SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(key_err)
    }
}

/// A distinguished name with UTF-8 values (Vietnamese names), country as PrintableString.
pub fn name(common_name: &str, organization: &str) -> Result<Name, PkiError> {
    let rdn = |oid: ObjectIdentifier, tag: Tag, value: &str| -> Result<_, PkiError> {
        let atv = AttributeTypeAndValue {
            oid,
            value: Any::new(tag, value.as_bytes()).map_err(cert_err)?,
        };
        Ok(RelativeDistinguishedName(
            SetOfVec::try_from(vec![atv]).map_err(cert_err)?,
        ))
    };
    let mut rdns = vec![rdn(rfc4519::C, Tag::PrintableString, "VN")?];
    if !organization.is_empty() {
        rdns.push(rdn(rfc4519::O, Tag::Utf8String, organization)?);
    }
    rdns.push(rdn(rfc4519::CN, Tag::Utf8String, common_name)?);
    Ok(RdnSequence(rdns))
}

/// The common name of a certificate's subject, for display.
pub fn common_name(name: &Name) -> String {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == rfc4519::CN)
        .filter_map(|atv| std::str::from_utf8(atv.value.value()).ok())
        .map(str::to_owned)
        .next_back()
        .unwrap_or_default()
}

pub fn cert_from_pem(pem: &str) -> Result<Certificate, PkiError> {
    Certificate::from_pem(pem.as_bytes()).map_err(cert_err)
}

/// All certificates in a PEM bundle, in order.
pub fn certs_from_pem(pem: &str) -> Result<Vec<Certificate>, PkiError> {
    Certificate::load_pem_chain(pem.as_bytes()).map_err(cert_err)
}

pub fn cert_to_pem(cert: &Certificate) -> Result<String, PkiError> {
    cert.to_pem(LineEnding::LF).map_err(cert_err)
}

pub fn cert_sha256(cert: &Certificate) -> Result<[u8; 32], PkiError> {
    Ok(Sha256::digest(cert.to_der().map_err(cert_err)?).into())
}

/// A key with its certificate and the chain up to (not including) the trust root.
#[derive(Debug, Clone)]
pub struct Credential {
    pub key: SigningKey,
    pub certificate: Certificate,
    pub chain: Vec<Certificate>,
}

impl Credential {
    pub fn subject_name(&self) -> String {
        common_name(&self.certificate.tbs_certificate.subject)
    }

    /// The key and certificate chain of a PKCS#12 (.p12/.pfx) file, the form in which CAs
    /// deliver signing certificates (PBES2/AES and the older 3DES/RC2 encodings). The
    /// certificate must belong to the key.
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<Self, PkiError> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            data,
            password,
            p12_keystore::Pkcs12ImportPolicy::Strict,
        )
        .map_err(|e| PkiError::Key(format!("PKCS#12: {e}")))?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| PkiError::Key("PKCS#12: no private key with its certificate".into()))?;
        let key = SigningKey::from_pkcs8_der(chain.key().as_der())?;
        let mut certs = chain
            .certs()
            .iter()
            .map(|c| Certificate::from_der(c.as_der()).map_err(cert_err))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let certificate = certs
            .next()
            .ok_or_else(|| PkiError::Certificate("PKCS#12: no certificate".into()))?;
        if certificate.tbs_certificate.subject_public_key_info != key.public_key_info()? {
            return Err(PkiError::Certificate(
                "PKCS#12: the certificate is not the key's".into(),
            ));
        }
        Ok(Self {
            key,
            certificate,
            chain: certs.collect(),
        })
    }
}

fn validity(from: SystemTime, years: u64) -> Result<Validity, PkiError> {
    // Back-date an hour so a just-issued certificate is valid on a machine whose clock lags.
    let start = from.checked_sub(Duration::from_secs(3600)).unwrap_or(from);
    let end = from + Duration::from_secs(years * 365 * 24 * 3600);
    Ok(Validity {
        not_before: Time::try_from(start).map_err(cert_err)?,
        not_after: Time::try_from(end).map_err(cert_err)?,
    })
}

fn serial() -> SerialNumber {
    let mut b = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
    b[0] &= 0x7f; // positive
    b[0] |= 0x01; // no leading zero byte
    SerialNumber::new(&b).unwrap_or_else(|_| SerialNumber::from(1u32))
}

fn build(
    profile: Profile,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    issuer_key: &SigningKey,
    validity: Validity,
) -> Result<Certificate, PkiError> {
    match issuer_key {
        SigningKey::P256(k) => {
            let b = CertificateBuilder::new(profile, serial(), validity, subject, spki, k)
                .map_err(cert_err)?;
            b.build::<p256::ecdsa::DerSignature>().map_err(cert_err)
        }
        SigningKey::Rsa(k) => {
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone());
            let b = CertificateBuilder::new(profile, serial(), validity, subject, spki, &signer)
                .map_err(cert_err)?;
            b.build::<rsa::pkcs1v15::Signature>().map_err(cert_err)
        }
    }
}

/// The deployment's certificate authority: the trust root for every document it signs.
#[derive(Debug, Clone)]
pub struct Authority {
    pub key: SigningKey,
    pub certificate: Certificate,
}

impl Authority {
    /// A new self-signed root (ECDSA P-256), valid 20 years.
    pub fn create(
        common_name: &str,
        organization: &str,
        now: SystemTime,
    ) -> Result<Self, PkiError> {
        let key = SigningKey::generate_p256();
        let subject = name(common_name, organization)?;
        let certificate = build(
            Profile::Root,
            subject,
            key.public_key_info()?,
            &key,
            validity(now, 20)?,
        )?;
        Ok(Self { key, certificate })
    }

    /// Issues an end-entity signing certificate (digitalSignature + nonRepudiation), 5 years.
    pub fn issue(
        &self,
        common_name: &str,
        organization: &str,
        key: SigningKey,
        now: SystemTime,
    ) -> Result<Credential, PkiError> {
        let certificate = build(
            Profile::Leaf {
                issuer: self.certificate.tbs_certificate.subject.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            name(common_name, organization)?,
            key.public_key_info()?,
            &self.key,
            validity(now, 5)?,
        )?;
        Ok(Credential {
            key,
            certificate,
            chain: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_certificate_names_its_holder_in_vietnamese_and_chains_to_the_root() {
        let now = SystemTime::now();
        let Ok(ca) = Authority::create("motcua Demo CA", "Cổng dịch vụ công", now) else {
            panic!("CA");
        };
        let Ok(cred) = ca.issue(
            "Ủy ban nhân dân phường Hồng Bàng",
            "Thành phố Hải Phòng",
            SigningKey::generate_p256(),
            now,
        ) else {
            panic!("issue");
        };
        assert_eq!(cred.subject_name(), "Ủy ban nhân dân phường Hồng Bàng");
        assert_eq!(
            cred.certificate.tbs_certificate.issuer,
            ca.certificate.tbs_certificate.subject
        );
        // PEM round trip of key and certificate.
        let pem = cred.key.to_pem().unwrap_or_default();
        assert!(matches!(
            SigningKey::from_pem(&pem),
            Ok(SigningKey::P256(_))
        ));
        let cpem = cert_to_pem(&cred.certificate).unwrap_or_default();
        assert_eq!(cert_from_pem(&cpem).ok(), Some(cred.certificate.clone()));
        assert!(
            SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
    }

    /// A .p12 as OpenSSL (and the CAs that use it) writes one: the modern default
    /// (PBES2/AES-256, HMAC-SHA256) and the older 3DES/SHA-1 encoding.
    #[test]
    fn a_pkcs12_file_from_openssl_gives_the_key_and_its_chain() {
        let now = SystemTime::now();
        let ca = Authority::create("CA", "x", now).unwrap_or_else(|e| panic!("{e}"));
        let cred = ca
            .issue(
                "Ủy ban nhân dân xã Thử",
                "Hải Phòng",
                SigningKey::generate_p256(),
                now,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let dir = std::env::temp_dir().join(format!("motcua-p12-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let write = |name: &str, text: String| {
            std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
        };
        write("key.pem", cred.key.to_pem().unwrap_or_default());
        write(
            "cert.pem",
            cert_to_pem(&cred.certificate).unwrap_or_default(),
        );
        write("ca.pem", cert_to_pem(&ca.certificate).unwrap_or_default());
        for (name, extra) in [
            ("modern.p12", vec![]),
            (
                "3des.p12",
                vec![
                    "-keypbe",
                    "PBE-SHA1-3DES",
                    "-certpbe",
                    "PBE-SHA1-3DES",
                    "-macalg",
                    "sha1",
                ],
            ),
        ] {
            let out = std::process::Command::new("openssl")
                .current_dir(&dir)
                .args(["pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem"])
                .args([
                    "-certfile",
                    "ca.pem",
                    "-passout",
                    "pass:matkhau-2026",
                    "-out",
                    name,
                ])
                .args(extra)
                .output()
                .unwrap_or_else(|e| panic!("openssl: {e}"));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let data = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
            let loaded = Credential::from_pkcs12(&data, "matkhau-2026")
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(loaded.certificate, cred.certificate, "{name}");
            assert_eq!(loaded.chain, vec![ca.certificate.clone()], "{name}");
            assert_eq!(
                loaded.key.public_key_info().ok(),
                cred.key.public_key_info().ok(),
                "{name}"
            );
            assert!(Credential::from_pkcs12(&data, "wrong").is_err(), "{name}");
        }
        assert!(Credential::from_pkcs12(b"not a pfx", "x").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
