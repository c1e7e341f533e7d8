//! Detached CAdES-B signatures made with a key we do not hold: a remote signing service (Cloud
//! Signature Consortium API, `signatures/signHash`) signs the hash we send it, and we wrap its
//! answer in the same CMS SignedData a local key would have produced. Two steps:
//!
//! 1. [`to_be_signed`]: the DER of the signed attributes (content-type, message-digest of the
//!    content, ESS signing-certificate-v2 naming the signer's certificate). Its SHA-256 is what
//!    the service signs.
//! 2. [`assemble`]: the SignedData with the service's signature, checked against the
//!    certificate's key before it is returned — a wrong or substituted signature never gets
//!    stored.
//!
//! Only ECDSA P-256 keys: that is what remote signing services issue to citizens here, and what
//! the simulator issues.

use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use const_oid::db::{rfc5911, rfc5912};
use der::{Decode, Encode};
use p256::ecdsa::{DerSignature, VerifyingKey};
use sha2::{Digest, Sha256};
use signature::{Keypair, Signer, Verifier};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier};
use x509_cert::Certificate;
use x509_cert::builder::Builder;

use crate::pades::{SignError, signing_certificate_v2};

fn cms_err(e: impl std::fmt::Display) -> SignError {
    SignError::Cms(e.to_string())
}

/// The signer's public key; it signs only by handing back the signature the service made, and
/// only if that signature is valid for the message.
struct RemoteKey {
    key: VerifyingKey,
    signature: Option<DerSignature>,
}

impl Keypair for RemoteKey {
    type VerifyingKey = VerifyingKey;
    fn verifying_key(&self) -> VerifyingKey {
        self.key
    }
}

impl DynSignatureAlgorithmIdentifier for RemoteKey {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        // ecdsa-with-SHA256, parameters absent (RFC 5758 §3.2).
        Ok(AlgorithmIdentifierOwned {
            oid: rfc5912::ECDSA_WITH_SHA_256,
            parameters: None,
        })
    }
}

impl Signer<DerSignature> for RemoteKey {
    fn try_sign(&self, msg: &[u8]) -> Result<DerSignature, signature::Error> {
        let sig = self.signature.clone().ok_or_else(signature::Error::new)?;
        self.key.verify(msg, &sig)?;
        Ok(sig)
    }
}

fn key_of(cert: &Certificate) -> Result<VerifyingKey, SignError> {
    use p256::pkcs8::DecodePublicKey;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(cms_err)?;
    VerifyingKey::from_public_key_der(&spki)
        .map_err(|_| SignError::Cms("the certificate does not hold an ECDSA P-256 key".into()))
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    }
}

fn sid(cert: &Certificate) -> SignerIdentifier {
    SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

fn detached() -> EncapsulatedContentInfo {
    EncapsulatedContentInfo {
        econtent_type: rfc5911::ID_DATA,
        econtent: None,
    }
}

/// The bytes whose SHA-256 the remote service must sign, for content with SHA-256
/// `content_digest` signed by `cert`.
pub fn to_be_signed(cert: &Certificate, content_digest: &[u8]) -> Result<Vec<u8>, SignError> {
    let signer = RemoteKey {
        key: key_of(cert)?,
        signature: None,
    };
    let econtent = detached();
    let mut si = SignerInfoBuilder::new(
        &signer,
        sid(cert),
        sha256_alg(),
        &econtent,
        Some(content_digest),
    )
    .map_err(cms_err)?;
    si.add_signed_attribute(signing_certificate_v2(cert)?)
        .map_err(cms_err)?;
    si.finalize().map_err(cms_err)
}

/// SHA-256 of [`to_be_signed`]: the value sent to `signHash`.
pub fn hash_to_sign(cert: &Certificate, content_digest: &[u8]) -> Result<[u8; 32], SignError> {
    Ok(Sha256::digest(to_be_signed(cert, content_digest)?).into())
}

/// The detached SignedData (DER) with the remote `signature` (DER ECDSA), the signer's
/// certificate and its `chain`. Fails if the signature does not verify over the attributes.
pub fn assemble(
    cert: &Certificate,
    chain: &[Certificate],
    content_digest: &[u8],
    signature: &[u8],
) -> Result<Vec<u8>, SignError> {
    let sig = DerSignature::from_bytes(signature)
        .map_err(|_| SignError::Cms("the service's answer is not a DER ECDSA signature".into()))?;
    let signer = RemoteKey {
        key: key_of(cert)?,
        signature: Some(sig),
    };
    let econtent = detached();
    let mut sd = SignedDataBuilder::new(&econtent);
    sd.add_digest_algorithm(sha256_alg()).map_err(cms_err)?;
    sd.add_certificate(CertificateChoices::Certificate(cert.clone()))
        .map_err(cms_err)?;
    for c in chain {
        if c != cert {
            sd.add_certificate(CertificateChoices::Certificate(c.clone()))
                .map_err(cms_err)?;
        }
    }
    let mut si = SignerInfoBuilder::new(
        &signer,
        sid(cert),
        sha256_alg(),
        &econtent,
        Some(content_digest),
    )
    .map_err(cms_err)?;
    si.add_signed_attribute(signing_certificate_v2(cert)?)
        .map_err(cms_err)?;
    sd.add_signer_info::<_, DerSignature>(si)
        .map_err(|_| SignError::Cms("the signature does not match the signed attributes".into()))?;
    sd.build().map_err(cms_err)?.to_der().map_err(cms_err)
}

/// The signer certificate's subject common name in a SignedData (for display).
pub fn signer_name(cms_der: &[u8]) -> Option<String> {
    let ci = cms::content_info::ContentInfo::from_der(cms_der).ok()?;
    let sd = ci
        .content
        .decode_as::<cms::signed_data::SignedData>()
        .ok()?;
    let si = sd.signer_infos.0.iter().next()?;
    let SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid else {
        return None;
    };
    sd.certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .find_map(|c| match c {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate.serial_number == ias.serial_number =>
            {
                Some(crate::pki::common_name(&c.tbs_certificate.subject))
            }
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use p256::ecdsa::signature::hazmat::PrehashSigner;

    use super::*;
    use crate::pki::{Authority, SigningKey};
    use crate::verify::{Check, verify_detached};

    /// What a CSC service does with the hash: sign it as a prehash.
    fn remote_sign(key: &SigningKey, hash: &[u8]) -> Vec<u8> {
        let SigningKey::P256(k) = key else {
            panic!("p256 expected")
        };
        let sig: p256::ecdsa::Signature = k.sign_prehash(hash).unwrap_or_else(|e| panic!("{e}"));
        sig.to_der().as_bytes().to_vec()
    }

    #[test]
    fn a_hash_signed_elsewhere_becomes_a_detached_signature_that_verifies() {
        let now = SystemTime::now();
        let ca = Authority::create("CSC CA", "sim", now).unwrap_or_else(|e| panic!("{e}"));
        let holder = ca
            .issue(
                "Nguyễn Văn An",
                "CCCD:031085012345",
                SigningKey::generate_p256(),
                now,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let content = br#"{"form":{"ho_ten":"Nguyen Van An"}}"#;
        let digest = Sha256::digest(content);
        let hash = hash_to_sign(&holder.certificate, &digest).unwrap_or_else(|e| panic!("{e}"));
        let sig = remote_sign(&holder.key, &hash);
        let cms = assemble(
            &holder.certificate,
            std::slice::from_ref(&ca.certificate),
            &digest,
            &sig,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(signer_name(&cms).as_deref(), Some("Nguyễn Văn An"));
        let roots = [ca.certificate.clone()];
        let report = verify_detached(&cms, content, &roots, now);
        assert!(report.valid(), "{:?}", report.checks);
        assert!(
            report
                .checks
                .iter()
                .any(|(c, _)| *c == Check::SigningCertificateBound),
            "the ESS attribute is checked"
        );

        // Other content, another root, or a signature over something else: refused.
        let changed = verify_detached(&cms, br#"{"form":{"ho_ten":"Nguyen Van Ba"}}"#, &roots, now);
        assert_eq!(changed.failed(), vec![Check::DigestMatches]);
        let other = Authority::create("Other", "x", now).unwrap_or_else(|e| panic!("{e}"));
        let untrusted = verify_detached(&cms, content, &[other.certificate], now);
        assert!(untrusted.failed().contains(&Check::ChainTrusted));
        let wrong = remote_sign(&holder.key, &Sha256::digest(b"something else"));
        assert!(assemble(&holder.certificate, &[], &digest, &wrong).is_err());
        assert!(assemble(&holder.certificate, &[], &digest, b"garbage").is_err());
        assert!(!verify_detached(b"", content, &roots, now).valid());
        assert!(!verify_detached(b"\x30\x03\x02\x01\x00", content, &roots, now).valid());
    }
}
