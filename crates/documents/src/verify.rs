//! Checks a signed PDF the way a relying party would: the byte range covers the whole file but
//! the signature itself, the digest matches, the signature verifies with the signer's
//! certificate, signing-certificate-v2 names that certificate, and the certificate chains to a
//! trusted root and was valid when the document was signed.

use std::time::SystemTime;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::db::{rfc5911, rfc5912};
use der::{Decode, Encode};
use lopdf::Object;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::pades::SigningCertificateV2;
use crate::pki;

/// The outcome of checking one signed PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// SHA-256 of the whole file as given.
    pub file_sha256: String,
    /// The signer's common name, when the signature could be read.
    pub signer: Option<String>,
    /// /M of the signature dictionary, as written.
    pub signed_at: Option<String>,
    /// Each check with whether it passed; the file is valid when all passed.
    pub checks: Vec<(Check, bool)>,
}

impl Report {
    pub fn valid(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|(_, ok)| *ok)
    }

    pub fn failed(&self) -> Vec<Check> {
        self.checks
            .iter()
            .filter(|(_, ok)| !*ok)
            .map(|(c, _)| *c)
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A PAdES signature (ETSI.CAdES.detached) is present.
    SignaturePresent,
    /// The byte range starts at 0, skips only /Contents and ends at the end of the file.
    CoversWholeFile,
    /// SHA-256 of the signed bytes equals the message-digest attribute.
    DigestMatches,
    /// The signature over the signed attributes verifies with the signer's public key.
    SignatureVerifies,
    /// signing-certificate-v2 is present and names the signer's certificate.
    SigningCertificateBound,
    /// The signer's certificate chains to a trusted root.
    ChainTrusted,
    /// Every certificate in the chain was valid at the signing time.
    CertificatesValid,
}

impl Check {
    pub fn code(self) -> &'static str {
        match self {
            Self::SignaturePresent => "signature_present",
            Self::CoversWholeFile => "covers_whole_file",
            Self::DigestMatches => "digest_matches",
            Self::SignatureVerifies => "signature_verifies",
            Self::SigningCertificateBound => "signing_certificate_bound",
            Self::ChainTrusted => "chain_trusted",
            Self::CertificatesValid => "certificates_valid",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Cms(String),
}

fn cms_err(e: impl std::fmt::Display) -> VerifyError {
    VerifyError::Cms(e.to_string())
}

fn signed_data_of(der: &[u8]) -> Result<SignedData, VerifyError> {
    let ci = ContentInfo::from_der(der).map_err(cms_err)?;
    if ci.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(VerifyError::Cms("not SignedData".into()));
    }
    ci.content.decode_as::<SignedData>().map_err(cms_err)
}

/// The first SignerInfo of a DER ContentInfo (trailing zero padding allowed).
pub fn signer_info_of(der: &[u8]) -> Result<SignerInfo, VerifyError> {
    let sd = signed_data_of(trim_padding(der)?)?;
    sd.signer_infos
        .0
        .iter()
        .next()
        .cloned()
        .ok_or_else(|| VerifyError::Cms("no signer".into()))
}

/// /Contents is zero-padded after the DER; cut at the length the outer SEQUENCE declares.
fn trim_padding(der: &[u8]) -> Result<&[u8], VerifyError> {
    let mut reader = der::SliceReader::new(der).map_err(cms_err)?;
    let header = der::Header::decode(&mut reader).map_err(cms_err)?;
    let total = (header.encoded_len().map_err(cms_err)? + header.length).map_err(cms_err)?;
    let n = usize::try_from(u32::from(total)).map_err(cms_err)?;
    der.get(..n)
        .ok_or_else(|| VerifyError::Cms("truncated".into()))
}

struct Found {
    byte_range: Vec<i64>,
    contents: Vec<u8>,
    signed_at: Option<String>,
}

/// The last signature dictionary in the file (the one covering the most bytes).
fn find_signature(pdf: &[u8]) -> Option<Found> {
    let doc = lopdf::Document::load_mem(pdf).ok()?;
    let mut best: Option<Found> = None;
    for obj in doc.objects.values() {
        let Ok(d) = obj.as_dict() else { continue };
        let is_pades = d
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"ETSI.CAdES.detached" || n == b"adbe.pkcs7.detached");
        if !is_pades {
            continue;
        }
        let Ok(br) = d.get(b"ByteRange").and_then(Object::as_array) else {
            continue;
        };
        let byte_range: Vec<i64> = br.iter().filter_map(|o| o.as_i64().ok()).collect();
        let Ok(Object::String(contents, _)) = d.get(b"Contents") else {
            continue;
        };
        let signed_at = match d.get(b"M") {
            Ok(Object::String(m, _)) => Some(String::from_utf8_lossy(m).into_owned()),
            _ => None,
        };
        let covers =
            byte_range.get(2).copied().unwrap_or(0) + byte_range.get(3).copied().unwrap_or(0);
        let best_covers = best
            .as_ref()
            .map(|b| {
                b.byte_range.get(2).copied().unwrap_or(0)
                    + b.byte_range.get(3).copied().unwrap_or(0)
            })
            .unwrap_or(-1);
        if covers > best_covers {
            best = Some(Found {
                byte_range,
                contents: contents.clone(),
                signed_at,
            });
        }
    }
    best
}

fn pdf_time(m: &str) -> Option<SystemTime> {
    // D:YYYYMMDDHHmmSS+HH'mm'
    let s = m.strip_prefix("D:").unwrap_or(m);
    let digits: String = s.chars().take(14).collect();
    let naive = chrono::NaiveDateTime::parse_from_str(&digits, "%Y%m%d%H%M%S").ok()?;
    let rest: String = s.chars().skip(14).filter(|c| *c != '\'').collect();
    let offset_secs = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let h: i32 = rest.get(1..3)?.parse().ok()?;
            let mi: i32 = rest.get(3..5).and_then(|x| x.parse().ok()).unwrap_or(0);
            let v = h * 3600 + mi * 60;
            if sign == '-' { -v } else { v }
        }
        _ => 0,
    };
    let offset = chrono::FixedOffset::east_opt(offset_secs)?;
    let t = naive.and_local_timezone(offset).single()?;
    Some(SystemTime::from(t.with_timezone(&chrono::Utc)))
}

/// Verifies the signature of `pdf` against `trusted` roots. Never panics on hostile input: a
/// file that cannot be read gives a report with the failed checks.
pub fn verify(pdf: &[u8], trusted: &[Certificate], now: SystemTime) -> Report {
    let file_sha256 = hex::encode(Sha256::digest(pdf));
    let mut report = Report {
        file_sha256,
        signer: None,
        signed_at: None,
        checks: Vec::new(),
    };
    let Some(found) = find_signature(pdf) else {
        report.checks.push((Check::SignaturePresent, false));
        return report;
    };
    report.checks.push((Check::SignaturePresent, true));
    report.signed_at = found.signed_at.clone();

    let br = &found.byte_range;
    let len = pdf.len() as i64;
    let covers = br.len() == 4
        && br[0] == 0
        && br[1] > 0
        && br[2] > br[1]
        && br[3] >= 0
        && br[2] + br[3] == len
        && pdf.get(br[1] as usize) == Some(&b'<')
        && pdf.get((br[2] - 1) as usize) == Some(&b'>')
        // The gap is exactly the hex string: twice the declared content length plus brackets.
        && br[2] - br[1] == 2 * found.contents.len() as i64 + 2;
    report.checks.push((Check::CoversWholeFile, covers));

    let mut hasher = Sha256::new();
    if covers {
        hasher.update(&pdf[..br[1] as usize]);
        hasher.update(&pdf[br[2] as usize..]);
    }
    let digest = hasher.finalize();

    check_cms(
        &mut report,
        &found.contents,
        &digest,
        covers,
        found.signed_at.as_deref(),
        trusted,
        now,
    );
    report
}

/// Verifies a detached CMS signature (CAdES-B, no signing-time) over `content`, such as an
/// applicant's remote signature of their application; certificates are checked at `at`, the
/// time the signature was made.
pub fn verify_detached(
    cms_der: &[u8],
    content: &[u8],
    trusted: &[Certificate],
    at: SystemTime,
) -> Report {
    let digest = Sha256::digest(content);
    let mut report = Report {
        file_sha256: hex::encode(digest),
        signer: None,
        signed_at: None,
        checks: vec![(Check::SignaturePresent, !cms_der.is_empty())],
    };
    if !cms_der.is_empty() {
        check_cms(&mut report, cms_der, &digest, true, None, trusted, at);
    }
    report
}

/// The checks of a CMS SignedData whose signed content hashes to `digest` (usable only when
/// `digest_usable`): digest, signature, certificate binding, chain and validity.
fn check_cms(
    report: &mut Report,
    cms_der: &[u8],
    digest: &[u8],
    digest_usable: bool,
    signed_at: Option<&str>,
    trusted: &[Certificate],
    now: SystemTime,
) {
    let sd = match trim_padding(cms_der).and_then(signed_data_of) {
        Ok(sd) => sd,
        Err(_) => {
            report.checks.push((Check::DigestMatches, false));
            report.checks.push((Check::SignatureVerifies, false));
            return;
        }
    };
    let certs: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let Some(si) = sd.signer_infos.0.iter().next() else {
        report.checks.push((Check::SignatureVerifies, false));
        return;
    };
    let signer_cert = match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => certs.iter().find(|c| {
            c.tbs_certificate.issuer == ias.issuer
                && c.tbs_certificate.serial_number == ias.serial_number
        }),
        SignerIdentifier::SubjectKeyIdentifier(_) => None,
    };
    report.signer = signer_cert.map(|c| pki::common_name(&c.tbs_certificate.subject));

    let attrs: Vec<_> = si.signed_attrs.iter().flat_map(|a| a.iter()).collect();
    let message_digest = attrs
        .iter()
        .find(|a| a.oid == rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok());
    report.checks.push((
        Check::DigestMatches,
        digest_usable && message_digest.is_some_and(|m| m.as_bytes() == digest),
    ));

    let verifies = match (signer_cert, si.signed_attrs.as_ref()) {
        (Some(cert), Some(sa)) => sa.to_der().ok().is_some_and(|msg| {
            verify_raw(
                cert,
                &si.signature_algorithm.oid,
                &msg,
                si.signature.as_bytes(),
            )
        }),
        _ => false,
    };
    report.checks.push((Check::SignatureVerifies, verifies));

    let bound = signer_cert.is_some_and(|cert| {
        let Ok(hash) = pki::cert_sha256(cert) else {
            return false;
        };
        attrs
            .iter()
            .find(|a| a.oid == rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2)
            .and_then(|a| a.values.iter().next())
            .and_then(|v| v.decode_as::<SigningCertificateV2>().ok())
            .is_some_and(|scv2| {
                scv2.certs.first().is_some_and(|id| {
                    id.hash_algorithm
                        .as_ref()
                        .is_none_or(|alg| alg.oid == rfc5912::ID_SHA_256)
                        && id.cert_hash.as_bytes() == hash.as_slice()
                })
            })
    });
    report.checks.push((Check::SigningCertificateBound, bound));

    let at = signed_at.and_then(pdf_time).unwrap_or(now);
    let (trusted_chain, valid_at) = match signer_cert {
        Some(cert) => chain(cert, &certs, trusted, at),
        None => (false, false),
    };
    report.checks.push((Check::ChainTrusted, trusted_chain));
    report.checks.push((Check::CertificatesValid, valid_at));
}

/// Walks issuer links from `leaf` to a trusted root (at most 5 steps): each certificate's
/// signature must verify with its issuer's key, and each must be valid at `at`.
fn chain(
    leaf: &Certificate,
    pool: &[Certificate],
    trusted: &[Certificate],
    at: SystemTime,
) -> (bool, bool) {
    let valid = |c: &Certificate| {
        let v = &c.tbs_certificate.validity;
        v.not_before.to_system_time() <= at && at <= v.not_after.to_system_time()
    };
    let mut all_valid = valid(leaf);
    let mut current = leaf.clone();
    for _ in 0..5 {
        if let Some(root) = trusted.iter().find(|t| **t == current) {
            return (true, all_valid && valid(root));
        }
        let issuer = trusted.iter().chain(pool.iter()).find(|c| {
            c.tbs_certificate.subject == current.tbs_certificate.issuer && **c != current
        });
        let Some(issuer) = issuer else {
            return (false, all_valid);
        };
        let Ok(tbs) = current.tbs_certificate.to_der() else {
            return (false, all_valid);
        };
        let Some(sig) = current.signature.as_bytes() else {
            return (false, all_valid);
        };
        if !verify_raw(issuer, &current.signature_algorithm.oid, &tbs, sig) {
            return (false, all_valid);
        }
        all_valid &= valid(issuer);
        current = issuer.clone();
    }
    (false, all_valid)
}

/// Verifies `sig` over `msg` with `cert`'s public key for the two algorithms we accept.
fn verify_raw(
    cert: &Certificate,
    alg: &const_oid::ObjectIdentifier,
    msg: &[u8],
    sig: &[u8],
) -> bool {
    use signature::Verifier;
    let Ok(spki_der) = cert.tbs_certificate.subject_public_key_info.to_der() else {
        return false;
    };
    if *alg == rfc5912::ECDSA_WITH_SHA_256 {
        use p256::pkcs8::DecodePublicKey;
        let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der) else {
            return false;
        };
        let Ok(sig) = p256::ecdsa::DerSignature::try_from(sig) else {
            return false;
        };
        key.verify(msg, &sig).is_ok()
    } else if *alg == rfc5912::SHA_256_WITH_RSA_ENCRYPTION {
        use rsa::pkcs8::DecodePublicKey;
        let Ok(key) = rsa::RsaPublicKey::from_public_key_der(&spki_der) else {
            return false;
        };
        let Ok(sig) = rsa::pkcs1v15::Signature::try_from(sig) else {
            return false;
        };
        rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key)
            .verify(msg, &sig)
            .is_ok()
    } else {
        false
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::pades::{SignatureInfo, sign};
    use crate::pki::{Authority, SigningKey};

    pub(super) fn signed_with(key: SigningKey) -> (Vec<u8>, Certificate) {
        let now = SystemTime::now();
        let Ok(ca) = Authority::create("Test CA", "motcua", now) else {
            panic!("ca");
        };
        let Ok(cred) = ca.issue("Ủy ban nhân dân xã Thử", "Hải Phòng", key, now) else {
            panic!("issue");
        };
        let pdf = crate::render::render(&crate::render::tests::sample()).unwrap_or_default();
        let info = SignatureInfo {
            time: chrono::Utc::now().fixed_offset(),
            name: cred.subject_name(),
            reason: "Kết quả".into(),
            location: "Hải Phòng".into(),
        };
        let signed = sign(&pdf, &cred, &info);
        let Ok(signed) = signed else {
            panic!("{signed:?}")
        };
        (signed, ca.certificate)
    }

    #[test]
    fn an_ecdsa_p256_signature_verifies_and_a_flipped_byte_anywhere_is_caught() {
        let (pdf, root) = signed_with(SigningKey::generate_p256());
        let r = verify(&pdf, std::slice::from_ref(&root), SystemTime::now());
        assert!(r.valid(), "{r:?}");
        assert_eq!(r.signer.as_deref(), Some("Ủy ban nhân dân xã Thử"));
        // One byte in the rendered content, one in the signature hex, one in the appended tail.
        let contents = crate::pades::find(&pdf, b"/Contents <").unwrap_or(0) + 11;
        for at in [pdf.len() / 3, contents + 200, pdf.len() - 10] {
            let mut t = pdf.clone();
            t[at] = if t[at] == b'7' { b'8' } else { b'7' };
            let r = verify(&t, std::slice::from_ref(&root), SystemTime::now());
            assert!(!r.valid(), "tamper at {at} not caught: {r:?}");
        }
    }

    #[test]
    fn an_rsa_signature_verifies_and_another_root_is_not_trusted() {
        let Ok(key) = SigningKey::generate_rsa(2048) else {
            panic!("rsa")
        };
        let (pdf, root) = signed_with(key);
        assert!(verify(&pdf, std::slice::from_ref(&root), SystemTime::now()).valid());
        let Ok(other) = Authority::create("Other CA", "", SystemTime::now()) else {
            panic!("ca");
        };
        let r = verify(&pdf, &[other.certificate], SystemTime::now());
        assert_eq!(r.failed(), vec![Check::ChainTrusted]);
    }

    #[test]
    fn an_unsigned_or_garbage_file_is_reported_not_panicked() {
        let pdf = crate::render::render(&crate::render::tests::sample()).unwrap_or_default();
        assert_eq!(
            verify(&pdf, &[], SystemTime::now()).failed(),
            vec![Check::SignaturePresent]
        );
        assert!(!verify(b"not a pdf", &[], SystemTime::now()).valid());
    }

    #[test]
    fn pdf_dates_parse_with_offsets() {
        let t = pdf_time("D:20261124093000+07'00'");
        let expected = chrono::DateTime::parse_from_rfc3339("2026-11-24T02:30:00Z")
            .map(SystemTime::from)
            .ok();
        assert_eq!(t, expected);
    }
}

#[cfg(test)]
mod sample_files {
    /// `MOTCUA_SAMPLE_DIR=/tmp/x cargo test -p motcua-documents sample_files` writes a signed
    /// sample and its CA for outside validators.
    #[test]
    fn signed_sample() {
        if let Ok(dir) = std::env::var("MOTCUA_SAMPLE_DIR") {
            let dir = std::path::PathBuf::from(dir);
            let (pdf, root) = super::tests::signed_with(crate::pki::SigningKey::generate_p256());
            assert!(std::fs::write(dir.join("signed.pdf"), pdf).is_ok());
            let pem = crate::pki::cert_to_pem(&root).unwrap_or_default();
            assert!(std::fs::write(dir.join("ca.pem"), pem).is_ok());
        }
    }
}
