//! PAdES baseline B-B signatures (ETSI EN 319 142-1): a detached CMS SignedData over the whole
//! file except the signature's own /Contents, appended as an incremental update so the signed
//! bytes are exactly the bytes that were rendered. Signed attributes: content-type,
//! message-digest and ESS signing-certificate-v2; no signing-time (PAdES puts the time in /M).

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};
use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Encode, Sequence};
use lopdf::{Object, ObjectId};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use crate::pki::{Credential, SigningKey};

/// Bytes reserved for the DER signature (written as twice as many hex digits). Holds a
/// signature with a two-certificate RSA-4096 chain and leaves room for a B-T timestamp later.
pub const CONTENTS_BYTES: usize = 12 * 1024;
const BYTE_RANGE_PLACEHOLDER: &str = "/ByteRange [0 0000000000 0000000000 0000000000]";

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("not a PDF we can sign: {0}")]
    Pdf(String),
    #[error("CMS: {0}")]
    Cms(String),
    #[error("the signature ({0} bytes) does not fit the reserved space")]
    TooLarge(usize),
}

fn cms_err(e: impl std::fmt::Display) -> SignError {
    SignError::Cms(e.to_string())
}

/// ESS IssuerSerial (RFC 5035).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: SerialNumber,
}

/// ESS ESSCertIDv2; `hash_algorithm` is absent when it is the default, SHA-256.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// ESS SigningCertificateV2 (policies are not used).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
}

/// The signing-certificate-v2 attribute binding the signature to `cert`.
pub fn signing_certificate_v2(cert: &Certificate) -> Result<Attribute, SignError> {
    let hash = Sha256::digest(cert.to_der().map_err(cms_err)?);
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(hash.to_vec()).map_err(cms_err)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            }),
        }],
    };
    Ok(Attribute {
        oid: rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2,
        values: SetOfVec::try_from(vec![Any::encode_from(&value).map_err(cms_err)?])
            .map_err(cms_err)?,
    })
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    }
}

/// A detached CMS SignedData over `digest` (SHA-256 of the signed bytes), DER-encoded.
pub fn cms_detached(credential: &Credential, digest: &[u8]) -> Result<Vec<u8>, SignError> {
    let econtent = EncapsulatedContentInfo {
        econtent_type: rfc5911::ID_DATA,
        econtent: None,
    };
    let cert = &credential.certificate;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let ess = signing_certificate_v2(cert)?;
    let mut sd = SignedDataBuilder::new(&econtent);
    sd.add_digest_algorithm(sha256_alg()).map_err(cms_err)?;
    sd.add_certificate(CertificateChoices::Certificate(cert.clone()))
        .map_err(cms_err)?;
    for c in &credential.chain {
        sd.add_certificate(CertificateChoices::Certificate(c.clone()))
            .map_err(cms_err)?;
    }
    match &credential.key {
        SigningKey::P256(k) => {
            let mut si = SignerInfoBuilder::new(k, sid, sha256_alg(), &econtent, Some(digest))
                .map_err(cms_err)?;
            si.add_signed_attribute(ess).map_err(cms_err)?;
            sd.add_signer_info::<_, p256::ecdsa::DerSignature>(si)
                .map_err(cms_err)?;
        }
        SigningKey::Rsa(k) => {
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone());
            let mut si =
                SignerInfoBuilder::new(&signer, sid, sha256_alg(), &econtent, Some(digest))
                    .map_err(cms_err)?;
            si.add_signed_attribute(ess).map_err(cms_err)?;
            sd.add_signer_info::<_, rsa::pkcs1v15::Signature>(si)
                .map_err(cms_err)?;
        }
    }
    sd.build().map_err(cms_err)?.to_der().map_err(cms_err)
}

/// What the signature dictionary says about the signing.
#[derive(Debug, Clone)]
pub struct SignatureInfo {
    /// /M, the claimed signing time.
    pub time: DateTime<FixedOffset>,
    /// /Name.
    pub name: String,
    /// /Reason.
    pub reason: String,
    /// /Location.
    pub location: String,
}

/// Signs `pdf` with `credential`: appends an incremental update with the signature field on the
/// first page, then fills in the byte range and the CMS signature.
pub fn sign(
    pdf: &[u8],
    credential: &Credential,
    info: &SignatureInfo,
) -> Result<Vec<u8>, SignError> {
    let (mut out, contents_at) = prepare(pdf, info)?;
    // /ByteRange: everything but the hex string of /Contents (its angle brackets included).
    let a = contents_at;
    let b = contents_at + 2 + 2 * CONTENTS_BYTES;
    let len = out.len();
    let range = format!("/ByteRange [0 {a:<10} {b:<10} {:<10}]", len - b);
    let Some(br_at) = find(&out, BYTE_RANGE_PLACEHOLDER.as_bytes()) else {
        return Err(SignError::Pdf("byte range placeholder lost".into()));
    };
    if range.len() != BYTE_RANGE_PLACEHOLDER.len() {
        return Err(SignError::Pdf("file too large for the byte range".into()));
    }
    out[br_at..br_at + range.len()].copy_from_slice(range.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&out[..a]);
    hasher.update(&out[b..]);
    let digest = hasher.finalize();
    let der = cms_detached(credential, &digest)?;
    if der.len() > CONTENTS_BYTES {
        return Err(SignError::TooLarge(der.len()));
    }
    let hex = hex::encode_upper(&der);
    out[a + 1..a + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// PDF text string: UTF-16BE with BOM, as hex.
fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in s.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

fn pdf_date(t: &DateTime<FixedOffset>) -> String {
    let off = t.offset().local_minus_utc() / 60;
    let sign = if off < 0 { '-' } else { '+' };
    format!(
        "D:{}{sign}{:02}'{:02}'",
        t.format("%Y%m%d%H%M%S"),
        off.abs() / 60,
        off.abs() % 60
    )
}

fn write_name(out: &mut String, name: &[u8]) {
    out.push('/');
    for &c in name {
        if c.is_ascii_alphanumeric() || b"-_.+*".contains(&c) {
            out.push(char::from(c));
        } else {
            let _ = write!(out, "#{c:02X}");
        }
    }
}

/// Serialises a parsed object back to PDF syntax (dictionaries of pages and catalogs hold no
/// streams, so streams are not needed).
fn write_object(out: &mut String, o: &Object) -> Result<(), SignError> {
    match o {
        Object::Null => out.push_str("null"),
        Object::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Object::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Object::Real(r) => {
            let _ = write!(out, "{r}");
        }
        Object::Name(n) => write_name(out, n),
        Object::String(bytes, _) => {
            out.push('<');
            out.push_str(&hex::encode(bytes));
            out.push('>');
        }
        Object::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_object(out, item)?;
            }
            out.push(']');
        }
        Object::Dictionary(d) => {
            out.push_str("<<");
            for (k, v) in d.iter() {
                write_name(out, k);
                out.push(' ');
                write_object(out, v)?;
                out.push(' ');
            }
            out.push_str(">>");
        }
        Object::Reference((id, gen_)) => {
            let _ = write!(out, "{id} {gen_} R");
        }
        Object::Stream(_) => {
            return Err(SignError::Pdf("unexpected stream in a dictionary".into()));
        }
    }
    Ok(())
}

/// Appends the signature dictionary (with placeholders), the field/widget, the updated page and
/// catalog, and a new xref section. Returns the file and the offset of /Contents' `<`.
fn prepare(pdf: &[u8], info: &SignatureInfo) -> Result<(Vec<u8>, usize), SignError> {
    let doc = lopdf::Document::load_mem(pdf).map_err(|e| SignError::Pdf(e.to_string()))?;
    let root_id: ObjectId = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| SignError::Pdf("no /Root".into()))?;
    let page_id = *doc
        .get_pages()
        .get(&1)
        .ok_or_else(|| SignError::Pdf("no page".into()))?;
    let prev = startxref(pdf).ok_or_else(|| SignError::Pdf("no startxref".into()))?;
    let size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .map_err(|_| SignError::Pdf("no /Size".into()))?;
    let next = u32::try_from(size.max(i64::from(doc.max_id) + 1))
        .map_err(|_| SignError::Pdf("/Size".into()))?;
    let sig_id = next;
    let field_id = next + 1;

    let mut page = doc
        .get_dictionary(page_id)
        .map_err(|e| SignError::Pdf(e.to_string()))?
        .clone();
    let mut annots = match page.get(b"Annots") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(r)) => doc
            .get_object(*r)
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    annots.push(Object::Reference((field_id, 0)));
    page.set("Annots", Object::Array(annots));

    let mut catalog = doc
        .get_dictionary(root_id)
        .map_err(|e| SignError::Pdf(e.to_string()))?
        .clone();
    let mut acro = match catalog.get(b"AcroForm") {
        Ok(Object::Dictionary(d)) => d.clone(),
        Ok(Object::Reference(r)) => doc.get_dictionary(*r).cloned().unwrap_or_default(),
        _ => lopdf::Dictionary::new(),
    };
    let mut fields = match acro.get(b"Fields") {
        Ok(Object::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    fields.push(Object::Reference((field_id, 0)));
    acro.set("Fields", Object::Array(fields));
    acro.set("SigFlags", Object::Integer(3));
    catalog.set("AcroForm", Object::Dictionary(acro));

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, usize)> = Vec::new();

    // The signature dictionary.
    offsets.push((sig_id, out.len()));
    let head = format!(
        "{sig_id} 0 obj\n<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached {BYTE_RANGE_PLACEHOLDER} /Contents "
    );
    out.extend_from_slice(head.as_bytes());
    let contents_at = out.len();
    out.push(b'<');
    out.extend(std::iter::repeat_n(b'0', 2 * CONTENTS_BYTES));
    out.push(b'>');
    let tail = format!(
        " /M ({}) /Name {} /Reason {} /Location {}>>\nendobj\n",
        pdf_date(&info.time),
        text_string(&info.name),
        text_string(&info.reason),
        text_string(&info.location)
    );
    out.extend_from_slice(tail.as_bytes());

    // The signature field, merged with its (invisible) widget.
    offsets.push((field_id, out.len()));
    let field = format!(
        "{field_id} 0 obj\n<</Type /Annot /Subtype /Widget /FT /Sig /T {} /V {sig_id} 0 R /F 132 /Rect [0 0 0 0] /P {} {} R>>\nendobj\n",
        text_string("Chữ ký số của cơ quan"),
        page_id.0,
        page_id.1
    );
    out.extend_from_slice(field.as_bytes());

    for (id, dict) in [(page_id, page), (root_id, catalog)] {
        offsets.push((id.0, out.len()));
        let mut s = format!("{} {} obj\n", id.0, id.1);
        write_object(&mut s, &Object::Dictionary(dict))?;
        s.push_str("\nendobj\n");
        out.extend_from_slice(s.as_bytes());
    }

    // Cross-reference section: one subsection per object.
    offsets.sort_unstable();
    let xref_at = out.len();
    let mut x = String::from("xref\n");
    for (id, off) in &offsets {
        let gen_ = if *id == page_id.0 {
            page_id.1
        } else if *id == root_id.0 {
            root_id.1
        } else {
            0
        };
        let _ = write!(x, "{id} 1\n{off:010} {gen_:05} n \n");
    }
    let mut trailer = lopdf::Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(field_id) + 1));
    trailer.set("Root", Object::Reference(root_id));
    for key in [&b"Info"[..], b"ID"] {
        if let Ok(v) = doc.trailer.get(key) {
            trailer.set(key.to_vec(), v.clone());
        }
    }
    trailer.set("Prev", Object::Integer(i64::try_from(prev).unwrap_or(0)));
    x.push_str("trailer\n");
    write_object(&mut x, &Object::Dictionary(trailer))?;
    let _ = write!(x, "\nstartxref\n{xref_at}\n%%EOF\n");
    out.extend_from_slice(x.as_bytes());
    Ok((out, contents_at))
}

/// The offset after the last `startxref`.
fn startxref(pdf: &[u8]) -> Option<usize> {
    let tail_start = pdf.len().saturating_sub(1024);
    let tail = &pdf[tail_start..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let rest = std::str::from_utf8(&tail[at + 9..]).ok()?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::Authority;
    use std::time::SystemTime;

    fn info() -> SignatureInfo {
        SignatureInfo {
            time: DateTime::parse_from_rfc3339("2026-11-24T09:30:00+07:00").unwrap_or_default(),
            name: "Ủy ban nhân dân phường Hồng Bàng".into(),
            reason: "Kết quả giải quyết thủ tục hành chính".into(),
            location: "Hải Phòng".into(),
        }
    }

    #[test]
    fn pdf_dates_and_text_strings() {
        assert_eq!(pdf_date(&info().time), "D:20261124093000+07'00'");
        assert_eq!(text_string("Ủ"), "<FEFF1EE6>");
    }

    #[test]
    fn the_byte_range_leaves_out_exactly_the_contents_hex_string() {
        let pdf = crate::render::render(&crate::render::tests::sample()).unwrap_or_default();
        let Ok((out, at)) = prepare(&pdf, &info()) else {
            panic!("prepare");
        };
        // The original bytes are untouched: an incremental update only appends.
        assert!(out.starts_with(&pdf));
        assert_eq!(out[at], b'<');
        assert_eq!(out[at + 1 + 2 * CONTENTS_BYTES], b'>');
        assert!(
            out[at + 1..at + 1 + 2 * CONTENTS_BYTES]
                .iter()
                .all(|c| *c == b'0')
        );
        assert!(lopdf::Document::load_mem(&out).is_ok());
    }

    #[test]
    fn no_signing_time_attribute_is_added() {
        let Ok(ca) = Authority::create("Test CA", "", SystemTime::now()) else {
            panic!("ca");
        };
        let Ok(cred) = ca.issue("Signer", "", SigningKey::generate_p256(), SystemTime::now())
        else {
            panic!("issue");
        };
        let der = cms_detached(&cred, &[7u8; 32]).unwrap_or_default();
        let signed = crate::verify::signer_info_of(&der);
        let Ok(si) = signed else { panic!("{signed:?}") };
        let oids: Vec<_> = si
            .signed_attrs
            .iter()
            .flat_map(|a| a.iter())
            .map(|a| a.oid)
            .collect();
        assert!(oids.contains(&rfc5911::ID_CONTENT_TYPE));
        assert!(oids.contains(&rfc5911::ID_MESSAGE_DIGEST));
        assert!(oids.contains(&rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2));
        assert!(!oids.contains(&rfc5911::ID_SIGNING_TIME));
        assert_eq!(oids.len(), 3);
    }
}
