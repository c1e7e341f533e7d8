//! The applicant's digital signature on their application (SPEC §9), made with a remote signing
//! service: what is signed, the pending request while the citizen fetches their OTP, and the
//! stored, re-checkable signature.
//!
//! What is signed is the application's *canonical content*: a JSON document with sorted keys and
//! no whitespace holding the dossier's permanent reference, the procedure and version, the
//! applicant, the form and each attachment's component, name, size and SHA-256 (files sent later
//! in answer to a supplementation request are not part of it). The signature is
//! a detached CAdES-B (CMS) over those bytes, so anyone holding both can check it (e.g.
//! `openssl cms -verify -binary -inform DER -in signature.p7s -content application.json`).
//! Any later change to the form or the files makes the stored signature stop matching, and
//! every view says so rather than showing a stale "signed".
//!
//! The HTTP calls to the service are the caller's (web) job; this module never talks to it.

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use motcua_documents::cades;
use motcua_documents::pki::{self, Certificate};
use motcua_documents::verify::verify_detached;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::applicant_signature as sig;
use motcua_store::files::sha256_hex;
use motcua_store::sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::dossiers::{load_visible_row, view_of};
use crate::identity::Principal;
use crate::views::DossierView;
use crate::{App, AppError, ErrorCode};

/// What a page shows about the applicant's signature.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    /// `pending` (waiting for the OTP) or `signed`.
    pub status: String,
    pub signer: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    /// The CMS verifies over the *current* content and chains to a trusted root.
    pub valid: bool,
    /// The content has not changed since it was signed.
    pub matches: bool,
    pub content_sha256: String,
    /// Checks that failed (`digest_matches`, `chain_trusted`, …), for staff.
    pub failed_checks: Vec<&'static str>,
}

/// JSON with object keys sorted and no insignificant whitespace: the same content always gives
/// the same bytes, whatever order the maps were built in.
pub fn canonical_json(v: &Value) -> String {
    fn write(out: &mut String, v: &Value) {
        match v {
            Value::Object(m) => {
                out.push('{');
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    if let Some(x) = m.get(k) {
                        write(out, x);
                    }
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(out, x);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(&mut out, v);
    out
}

/// The canonical content of an application, as signed.
pub fn content_of(v: &DossierView) -> Vec<u8> {
    // Files added later in answer to a supplementation request are not part of what was signed.
    let mut attachments: Vec<Value> = v
        .attachments
        .iter()
        .filter(|a| !a.supplement)
        .map(|a| {
            json!({
                "id": a.id,
                "component": a.component,
                "file_name": a.file_name,
                "size_bytes": a.size_bytes,
                "sha256": a.sha256,
            })
        })
        .collect();
    attachments.sort_by_key(|a| a["id"].as_str().map(str::to_owned));
    let mut doc = Map::new();
    doc.insert("type".into(), json!("motcua.application.v1"));
    doc.insert(
        "dossier".into(),
        json!(v.draft_ref.clone().unwrap_or_else(|| v.code.clone())),
    );
    doc.insert(
        "procedure".into(),
        json!({ "code": v.procedure.code, "version": v.procedure.version }),
    );
    doc.insert("applicant".into(), v.applicant.clone());
    doc.insert("form".into(), v.form.clone());
    doc.insert("attachments".into(), Value::Array(attachments));
    canonical_json(&Value::Object(doc)).into_bytes()
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::internal(std::io::Error::other(e.to_string()))
}

fn refuse(code: &'static str, vi: &str, en: &str) -> AppError {
    AppError::new(ErrorCode::Conflict, code, vi, en)
}

/// The applicant, on their own draft: the only one who may sign it, and only before submitting.
async fn own_draft(
    app: &App,
    principal: &Principal,
    code: &str,
) -> Result<(String, String, DossierView), AppError> {
    let Principal::Citizen { citizen_id, .. } = principal else {
        return Err(AppError::forbidden(
            "applicant_only",
            "Chỉ người nộp hồ sơ được ký số hồ sơ của mình.",
            "Only the applicant may sign their application.",
        ));
    };
    let (row, view) = {
        let row = load_visible_row(&app.db, principal, code).await?;
        let view = view_of(app, &row, principal).await?;
        (row, view)
    };
    if row.applicant_id != citizen_id.to_string() {
        return Err(AppError::forbidden(
            "applicant_only",
            "Chỉ người nộp hồ sơ được ký số hồ sơ của mình.",
            "Only the applicant may sign their application.",
        ));
    }
    if view.status != 0 {
        return Err(refuse(
            "already_submitted",
            "Hồ sơ đã nộp; chỉ ký số được trước khi nộp.",
            "The application has been submitted; it can be signed only before.",
        ));
    }
    Ok((row.id, citizen_id.to_string(), view))
}

/// Records that the applicant asked to sign with `credential_id` (the service has sent the OTP).
/// `certificates` are the service's DER certificates, the signer's first.
pub async fn begin(
    app: &App,
    principal: &Principal,
    code: &str,
    credential_id: &str,
    certificates: &[Vec<u8>],
) -> Result<(), AppError> {
    let (dossier_id, citizen_id, view) = own_draft(app, principal, code).await?;
    let certs = parse_certs(certificates)?;
    let pem = certs
        .iter()
        .map(pki::cert_to_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?
        .concat();
    let content = content_of(&view);
    let row = sig::ActiveModel {
        dossier_id: Set(dossier_id.clone()),
        citizen_id: Set(citizen_id),
        credential_id: Set(credential_id.to_owned()),
        certificates: Set(pem),
        content_sha256: Set(sha256_hex(&content)),
        status: Set("pending".into()),
        cms: Set(None),
        // The certificate holder, shown while the OTP is awaited.
        signer: Set(certs
            .first()
            .map(|c| pki::common_name(&c.tbs_certificate.subject))),
        started_at: Set(app.now()),
        signed_at: Set(None),
    };
    // A new request replaces an earlier one (pending or signed): the citizen signs again.
    let txn = app.db.begin().await?;
    sig::Entity::delete_by_id(dossier_id).exec(&txn).await?;
    row.insert(&txn).await?;
    txn.commit().await?;
    Ok(())
}

fn parse_certs(der: &[Vec<u8>]) -> Result<Vec<Certificate>, AppError> {
    use der::Decode as _;
    let certs: Vec<Certificate> = der
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    if certs.is_empty() || certs.len() != der.len() {
        return Err(AppError::new(
            ErrorCode::Unavailable,
            "signing_service_error",
            "Dịch vụ ký số từ xa trả về chứng thư số không hợp lệ.",
            "The remote signing service returned an invalid certificate.",
        ));
    }
    Ok(certs)
}

async fn pending(app: &App, dossier_id: &str) -> Result<sig::Model, AppError> {
    sig::Entity::find_by_id(dossier_id.to_owned())
        .one(&app.db)
        .await?
        .filter(|r| r.status == "pending")
        .ok_or_else(|| {
            refuse(
                "no_signing_request",
                "Chưa có yêu cầu ký số cho hồ sơ này; hãy bắt đầu lại.",
                "There is no signing request for this application; start again.",
            )
        })
}

/// The pending request: the credential and the hash the service must sign (SHA-256 of the
/// signed attributes over the current content). Refuses if the content changed since `begin`.
pub async fn hash_to_sign(
    app: &App,
    principal: &Principal,
    code: &str,
) -> Result<(String, [u8; 32]), AppError> {
    let (dossier_id, _, view) = own_draft(app, principal, code).await?;
    let p = pending(app, &dossier_id).await?;
    let content = content_of(&view);
    if sha256_hex(&content) != p.content_sha256 {
        return Err(refuse(
            "content_changed",
            "Hồ sơ đã thay đổi sau khi yêu cầu ký; hãy ký lại.",
            "The application changed after signing was requested; sign again.",
        ));
    }
    let certs = pki::certs_from_pem(&p.certificates).map_err(internal)?;
    let leaf = certs
        .first()
        .ok_or_else(|| internal("no certificate stored"))?;
    let digest: [u8; 32] = sha2_digest(&content);
    let hash = cades::hash_to_sign(leaf, &digest).map_err(internal)?;
    Ok((p.credential_id, hash))
}

fn sha2_digest(b: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(b).into()
}

/// Stores the service's signature: assembled into CMS, checked against the trust roots for
/// applicants' certificates, then recorded with an audit entry.
pub async fn complete(
    app: &App,
    principal: &Principal,
    code: &str,
    signature: &[u8],
) -> Result<SignatureView, AppError> {
    let (dossier_id, _, view) = own_draft(app, principal, code).await?;
    let p = pending(app, &dossier_id).await?;
    let content = content_of(&view);
    let certs = pki::certs_from_pem(&p.certificates).map_err(internal)?;
    let leaf = certs
        .first()
        .ok_or_else(|| internal("no certificate stored"))?;
    let bad_signature = |why: String| {
        tracing::warn!(why, "remote signature refused");
        AppError::new(
            ErrorCode::Unprocessable,
            "signature_invalid",
            "Chữ ký số nhận từ dịch vụ ký số từ xa không hợp lệ; hồ sơ chưa được ký.",
            "The signature from the remote signing service is not valid; the application is not signed.",
        )
    };
    let cms = cades::assemble(
        leaf,
        certs.get(1..).unwrap_or_default(),
        &sha2_digest(&content),
        signature,
    )
    .map_err(|e| bad_signature(e.to_string()))?;
    let report = verify_detached(&cms, &content, &app.signature_roots, SystemTime::now());
    if !report.valid() {
        return Err(bad_signature(format!("{:?}", report.failed())));
    }
    let now = app.now();
    let signer = report
        .signer
        .clone()
        .unwrap_or_else(|| pki::common_name(&leaf.tbs_certificate.subject));
    let txn = app.db.begin().await?;
    let mut am: sig::ActiveModel = p.clone().into();
    am.status = Set("signed".into());
    am.cms = Set(Some(STANDARD.encode(&cms)));
    am.signer = Set(Some(signer.clone()));
    am.signed_at = Set(Some(now));
    am.update(&txn).await?;
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: principal.audit_name(),
            action: "dossier.sign".into(),
            subject: format!("dossier:{dossier_id}"),
            data: json!({
                "note": format!("Ký số hồ sơ: {signer}"),
                "content_sha256": p.content_sha256,
                "cms_sha256": sha256_hex(&cms),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(SignatureView {
        status: "signed".into(),
        signer: Some(signer),
        signed_at: Some(now),
        valid: true,
        matches: true,
        content_sha256: p.content_sha256,
        failed_checks: Vec::new(),
    })
}

/// The signature of a dossier, re-checked now against its current content.
async fn status_of(
    app: &App,
    dossier_id: &str,
    view: &DossierView,
) -> Result<Option<SignatureView>, AppError> {
    let Some(row) = sig::Entity::find_by_id(dossier_id.to_owned())
        .one(&app.db)
        .await?
    else {
        return Ok(None);
    };
    let content = content_of(view);
    let matches = sha256_hex(&content) == row.content_sha256;
    let (valid, failed) = match row.cms.as_deref().and_then(|c| STANDARD.decode(c).ok()) {
        Some(cms) => {
            let at = row
                .signed_at
                .map(SystemTime::from)
                .unwrap_or_else(SystemTime::now);
            let r = verify_detached(&cms, &content, &app.signature_roots, at);
            (
                r.valid(),
                r.failed().into_iter().map(|c| c.code()).collect(),
            )
        }
        None => (false, Vec::new()),
    };
    Ok(Some(SignatureView {
        status: row.status,
        signer: row.signer,
        signed_at: row.signed_at,
        valid,
        matches,
        content_sha256: row.content_sha256,
        failed_checks: failed,
    }))
}

/// The signature of a dossier the caller has already loaded (and so may see), checked now.
pub async fn status(app: &App, view: &DossierView) -> Result<Option<SignatureView>, AppError> {
    use motcua_store::entities::dossier;
    use motcua_store::sea_orm::{ColumnTrait, QueryFilter};
    let Some(row) = dossier::Entity::find()
        .filter(dossier::Column::Code.eq(view.code.clone()))
        .one(&app.db)
        .await?
    else {
        return Ok(None);
    };
    status_of(app, &row.id, view).await
}

/// The signed content and the detached CMS, for checking with other tools.
pub async fn export(
    app: &App,
    principal: &Principal,
    code: &str,
) -> Result<(Vec<u8>, Vec<u8>), AppError> {
    let row = load_visible_row(&app.db, principal, code).await?;
    let view = view_of(app, &row, principal).await?;
    let cms = sig::Entity::find_by_id(row.id.clone())
        .one(&app.db)
        .await?
        .and_then(|r| r.cms)
        .and_then(|c| STANDARD.decode(c).ok())
        .ok_or_else(|| AppError::not_found("chữ ký số", "signature"))?;
    Ok((content_of(&view), cms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level_and_keeps_array_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":[3,1],"c":"Nguyễn"}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let b: Value = serde_json::from_str(r#"{"a":{"c":"Nguyễn","d":[3,1]},"b":1}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"c":"Nguyễn","d":[3,1]},"b":1}"#
        );
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_ne!(
            canonical_json(&serde_json::json!([1, 3])),
            canonical_json(&serde_json::json!([3, 1]))
        );
    }
}
