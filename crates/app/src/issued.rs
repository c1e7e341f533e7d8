//! Documents the system issues about a dossier (SPEC §9, §4): signed results, registered so that
//! anyone can check them at `/verify/<id>`, and the back office's notices, generated on request
//! with a QR code to the public tracking page.

use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, Utc};
use motcua_documents::pades::{self, SignatureInfo};
use motcua_documents::templates::{self, DossierFacts, Issuer, NoticeInput, NoticeKind, Step};
use motcua_documents::verify::{self, Report};
use motcua_domain::catalogue::Procedure;
use motcua_domain::form::FieldType;
use motcua_store::audit::{self, AuditRecord};
use motcua_store::entities::{agency, document, dossier};
use motcua_store::files::sha256_hex;
use motcua_store::sea_orm::sea_query::Expr;
use motcua_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::identity::Principal;
use crate::views::DossierView;
use crate::{App, AppError, ErrorCode, org};

/// One answer of the form with its printed label (choices by their label, addresses spelled out).
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub key: String,
    pub label: String,
    pub value: String,
}

pub async fn answers(
    app: &App,
    proc: &Procedure,
    form: &Map<String, Value>,
) -> Result<Vec<Answer>, AppError> {
    let mut out = Vec::new();
    for f in &proc.form.fields {
        let Some(v) = form.get(&f.key) else { continue };
        let value = match (f.field_type, v) {
            (FieldType::Choice, Value::String(s)) => f
                .options
                .iter()
                .find(|o| &o.value == s)
                .map(|o| o.label.clone())
                .unwrap_or_else(|| s.clone()),
            (FieldType::Address, Value::Object(o)) => address(app, o).await?,
            // Dates as Vietnamese papers write them: 02/11/2026.
            (FieldType::Date, Value::String(s)) => motcua_domain::form::parse_form_date(s)
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|| s.clone()),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        };
        out.push(Answer {
            key: f.key.clone(),
            label: f.label.clone(),
            value,
        });
    }
    Ok(out)
}

/// "street, commune, province" from an address value.
pub async fn address(app: &App, o: &Map<String, Value>) -> Result<String, AppError> {
    let commune = o.get("commune").and_then(Value::as_str).unwrap_or("");
    let street = o.get("street").and_then(Value::as_str).unwrap_or("");
    let unit = org::admin_unit(app, commune).await?;
    let province = match &unit {
        Some(u) => org::admin_unit(app, &u.province_code)
            .await?
            .map(|p| p.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok([
        street.to_owned(),
        unit.map(|u| u.name).unwrap_or_default(),
        province,
    ]
    .into_iter()
    .filter(|x| !x.is_empty())
    .collect::<Vec<_>>()
    .join(", "))
}

fn local(app: &App, t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&app.calendar.offset())
}

/// The letterhead of an agency: its parent above it, the province as the place.
pub async fn issuer_of(app: &App, agency_code: &str) -> Result<(Issuer, agency::Model), AppError> {
    let a = agency::Entity::find_by_id(agency_code.to_owned())
        .one(&app.db)
        .await?
        .ok_or_else(|| AppError::not_found("cơ quan", "agency"))?;
    let authority = match &a.parent_code {
        Some(p) => agency::Entity::find_by_id(p.clone())
            .one(&app.db)
            .await?
            .map(|p| p.name_vi)
            .unwrap_or_default(),
        None => String::new(),
    };
    // The place before the date is the administrative unit where the agency sits: the commune
    // for a commune's agency, the province otherwise (Decree 30/2020/NĐ-CP, Appendix I, I.4).
    let unit = match &a.commune_code {
        Some(c) => org::admin_unit(app, c).await?,
        None => None,
    };
    let unit = match unit {
        Some(u) => Some(u),
        None => org::admin_unit(app, &a.province_code).await?,
    };
    let place = place_name(&unit.map(|u| u.name).unwrap_or_default());
    Ok((
        Issuer {
            authority,
            agency: a.name_vi.clone(),
            place,
        },
        a,
    ))
}

/// A unit's name as the place of a document: without the kind of unit ("Phường Ngô Quyền" →
/// "Ngô Quyền", "Thành phố Hải Phòng" → "Hải Phòng"), unless the name is only a number
/// ("Phường 1" stays).
pub fn place_name(unit: &str) -> String {
    for kind in ["Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu "] {
        if let Some(rest) = unit.strip_prefix(kind)
            && !rest.chars().all(|c| c.is_ascii_digit())
        {
            return rest.to_owned();
        }
    }
    unit.to_owned()
}

/// What every document says about the dossier.
pub async fn facts_of(
    app: &App,
    view: &DossierView,
    proc: &Procedure,
    handler: &str,
) -> Result<DossierFacts, AppError> {
    let ap = &view.applicant;
    let s = |k: &str| ap.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let applicant_address = match ap.get("address").and_then(Value::as_object) {
        Some(o) => address(app, o).await?,
        None => String::new(),
    };
    let components = proc
        .components
        .iter()
        .filter_map(|c| {
            let n = view
                .attachments
                .iter()
                .filter(|a| a.component == c.key)
                .count();
            (n > 0).then(|| {
                let kind = if view
                    .attachments
                    .iter()
                    .any(|a| a.component == c.key && a.digitized)
                {
                    format!("{n} bản số hóa")
                } else {
                    format!("{n} tệp điện tử")
                };
                (c.name.clone(), kind)
            })
        })
        .collect();
    let receiving_point = match &view.receiving_point {
        Some(code) => org::find_receiving_point(app, code)
            .await?
            .map(|p| p.name_vi)
            .unwrap_or_else(|| code.clone()),
        None => format!("Bộ phận Một cửa, {}", view.receiving_agency.name),
    };
    Ok(DossierFacts {
        code: view.code.clone(),
        procedure_name: view.procedure.name_vi.clone(),
        applicant_name: s("full_name"),
        applicant_id: s("citizen_id"),
        applicant_address,
        applicant_phone: s("phone"),
        components,
        submitted_at: view.submitted_at.map(|t| local(app, t)),
        receipt_due_at: view.receipt_due_at.map(|t| local(app, t)),
        received_at: view.received_at.map(|t| local(app, t)),
        due_at: view.due_at.map(|t| local(app, t)),
        receiving_point,
        channel: match view.channel.as_str() {
            "online" => "Trực tuyến".into(),
            "post" => "Qua dịch vụ bưu chính".into(),
            _ => "Trực tiếp tại Bộ phận Một cửa".into(),
        },
        handler: handler.to_owned(),
        fees: view
            .fees
            .lines
            .iter()
            .map(|l| (l.name.clone(), l.quantity, l.amount))
            .collect(),
    })
}

fn staff_name(p: &Principal) -> String {
    match p {
        Principal::Staff { full_name, .. } => full_name.clone(),
        Principal::Citizen { .. } => String::new(),
    }
}

/// How a notice is named in `documents[]`: `notice-<slug>`.
pub const NOTICE_ID_PREFIX: &str = "notice-";

/// The notices a dossier has reached, in the order they are usually printed. Citizens get the
/// slips about their own dossier, not the internal process-control sheet.
pub fn notices_reached(v: &crate::views::DossierView, for_citizen: bool) -> Vec<NoticeKind> {
    let has = |a: &str| v.history.iter().any(|h| h.action == a);
    [
        (NoticeKind::Submitted, v.submitted_at.is_some()),
        (NoticeKind::Receipt, v.received_at.is_some()),
        (NoticeKind::Supplement, has("request_supplement")),
        (NoticeKind::Refusal, has("refuse")),
        (NoticeKind::Apology, has("extend")),
        (NoticeKind::Stop, has("stop")),
        (
            NoticeKind::ProcessControl,
            v.submitted_at.is_some() && !for_citizen,
        ),
    ]
    .into_iter()
    .filter_map(|(kind, applies)| applies.then_some(kind))
    .collect()
}

/// The `kind` of a notice in `documents[]` (SPEC §17 names).
pub fn notice_kind_name(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Submitted => "submission_acknowledgement",
        NoticeKind::Receipt => "receipt",
        NoticeKind::Supplement => "supplement_request",
        NoticeKind::Refusal => "refusal",
        NoticeKind::Apology => "apology",
        NoticeKind::Stop => "stop",
        NoticeKind::ProcessControl => "process_control",
    }
}

/// A notice's line in `documents[]`, downloadable by whoever may see the dossier.
pub fn notice_document(code: &str, kind: NoticeKind) -> crate::views::DocumentView {
    crate::views::DocumentView {
        id: format!("{NOTICE_ID_PREFIX}{}", kind.slug()),
        kind: notice_kind_name(kind).to_owned(),
        file_name: format!("{code}-{}.pdf", kind.slug()),
        sha256: None,
        url: format!("/api/v1/dossiers/{code}/notices/{}", kind.slug()),
        number: None,
        signer: None,
        status: None,
        verify_url: None,
    }
}

/// A notice about a dossier as PDF (with a QR code to the public tracking page).
pub async fn notice(
    app: &App,
    principal: &Principal,
    code: &str,
    kind: NoticeKind,
) -> Result<Vec<u8>, AppError> {
    let view = crate::dossiers::get(app, principal, code).await?;
    if matches!(principal, Principal::Citizen { .. }) {
        // Citizens get the slips about their own dossier, not the internal control sheet.
        if kind == NoticeKind::ProcessControl {
            return Err(AppError::not_found("văn bản", "document"));
        }
    }
    let proc =
        crate::catalogue::pinned(&app.db, &view.procedure.code, view.procedure.version).await?;
    let facts = facts_of(app, &view, &proc, &staff_name(principal)).await?;
    let (issuer, _) = issuer_of(app, &view.receiving_agency.code).await?;
    // The reason is the note of the latest step of the matching kind.
    let action = match kind {
        NoticeKind::Supplement => "request_supplement",
        NoticeKind::Refusal => "refuse",
        NoticeKind::Apology => "extend",
        NoticeKind::Stop => "stop",
        NoticeKind::Submitted | NoticeKind::Receipt | NoticeKind::ProcessControl => "",
    };
    let last = view.history.iter().rev().find(|h| h.action == action);
    if !action.is_empty() && last.is_none() {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "notice_not_applicable",
            "Hồ sơ chưa có bước tương ứng với văn bản này.",
            "The dossier has no step this notice is about.",
        ));
    }
    if kind == NoticeKind::Submitted && view.submitted_at.is_none() {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "notice_not_applicable",
            "Hồ sơ chưa được nộp.",
            "The application has not been submitted yet.",
        ));
    }
    if kind == NoticeKind::Receipt && view.received_at.is_none() {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "notice_not_applicable",
            "Hồ sơ chưa được tiếp nhận.",
            "The dossier has not been received yet.",
        ));
    }
    let reason = last.and_then(|h| h.note.clone()).unwrap_or_default();
    let requested = match &view.supplement_request {
        Some(r) => r
            .components
            .iter()
            .map(|k| {
                proc.component(k)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| k.clone())
            })
            .collect(),
        None => Vec::new(),
    };
    let steps = view
        .history
        .iter()
        .map(|h| Step {
            at: local(app, h.at),
            action: action_vi(&h.action),
            actor: h.actor.clone(),
            agency: h.agency.clone().unwrap_or_default(),
            note: h.note.clone().unwrap_or_default(),
        })
        .collect();
    let input = NoticeInput {
        kind,
        issuer,
        dossier: facts,
        issued_at: local(app, app.now()),
        reason,
        requested,
        new_due_at: if kind == NoticeKind::Apology {
            view.due_at.map(|t| local(app, t))
        } else {
            None
        },
        steps,
        tracking_url: format!("{}/track?code={}", app.public_url, view.code),
    };
    crate::render_pdf(templates::notice(&input))
        .await
        .map_err(render_error)
}

/// The Vietnamese name of a history action, from the UI's own wording (one source of truth).
fn action_vi(action: &str) -> String {
    static VI: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(|| {
        serde_json::from_str(include_str!("../../../locales/vi.json")).unwrap_or_default()
    });
    VI.get(&format!("action.{action}"))
        .and_then(Value::as_str)
        .unwrap_or(action)
        .to_owned()
}

fn render_error(e: motcua_documents::RenderError) -> AppError {
    AppError::new(
        ErrorCode::Unprocessable,
        "document_render_failed",
        format!("Không tạo được văn bản: {e}"),
        format!("The document could not be produced: {e}"),
    )
}

/// A signed result, ready to be stored.
pub struct SignedResult {
    pub id: String,
    pub bytes: Vec<u8>,
    pub file_name: String,
    pub register: document::Model,
    /// What issuing it added to the dossier's record (the newborn's personal ID).
    pub facts: Map<String, Value>,
}

/// Produces the result of `row`: rendered from the service's template (or the clerk's uploaded
/// PDF), then signed by the competent agency's key.
pub async fn produce_result(
    app: &App,
    principal: &Principal,
    row: &dossier::Model,
    proc: &Procedure,
    uploaded: Option<&[u8]>,
    decision: &str,
) -> Result<SignedResult, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = app.now();
    let (issuer, agency) = issuer_of(app, &row.competent_agency).await?;
    // Asked before a register number is taken: a database that cannot answer costs no number.
    let form: Map<String, Value> = motcua_store::from_json("dossiers.form", &row.form)?;
    let facts = crate::personal_ids::facts_for_result(app, row, &form, &agency).await?;
    let year = local(app, now).format("%Y").to_string();
    let seq = motcua_store::counters::next_sequence(&app.db, &format!("VB:{}", agency.code), &year)
        .await?;
    let title = templates::result_title(proc.code.as_str(), &proc.result_document);
    let number = format!("{seq:04}/{year}/KQ-{}", agency.code);
    let verify_url = format!("{}/verify/{id}", app.public_url);
    let pdf = match uploaded {
        Some(b) => b.to_vec(),
        None => {
            // A civil-status paper is entered in its own kind's register book of the year, numbered
            // from 1 (births, deaths and marriages are separate books); other results carry the
            // agency's document number.
            let entry = match register_book(proc.code.as_str()) {
                Some(book) => motcua_store::counters::next_sequence(
                    &app.db,
                    &format!("SO:{}:{book}", agency.code),
                    &year,
                )
                .await?
                .to_string(),
                None => seq.to_string(),
            };
            let draft = Draft {
                id: &id,
                number: &number,
                entry,
                year: &year,
                verify_url: &verify_url,
                preview: false,
                facts: &facts,
            };
            let doc = result_document(
                app,
                principal,
                row,
                proc,
                (&issuer, &agency),
                decision,
                &draft,
            )
            .await?;
            crate::render_pdf(doc).await.map_err(render_error)?
        }
    };
    let credential = app
        .pki
        .credential(&agency.code, &agency.name_vi, now.into())?;
    let signed = pades::sign(
        &pdf,
        &credential,
        &SignatureInfo {
            time: local(app, now),
            name: credential.subject_name(),
            reason: format!("Kết quả giải quyết hồ sơ {}", row.code),
            location: issuer.place.clone(),
        },
    )
    .map_err(|e| {
        AppError::new(
            ErrorCode::Unprocessable,
            "result_not_signable",
            format!("Không ký số được tệp kết quả: {e}"),
            format!("The result file could not be signed: {e}"),
        )
    })?;
    let cert_sha256 = motcua_documents::pki::cert_sha256(&credential.certificate)
        .map(hex::encode)
        .unwrap_or_default();
    let register = document::Model {
        id: id.clone(),
        dossier_id: row.id.clone(),
        kind: "result".into(),
        title: title.clone(),
        number: number.clone(),
        agency_code: agency.code.clone(),
        issued_at: now,
        sha256: sha256_hex(&signed),
        signer: credential.subject_name(),
        cert_sha256,
        status: "valid".into(),
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
    };
    Ok(SignedResult {
        id,
        file_name: format!("{}-ket-qua.pdf", row.code),
        bytes: signed,
        register,
        facts,
    })
}

/// The civil-status register book a procedure's result is entered in: each kind of event has its
/// own book (Law on Civil Status 2014 Art. 12; Circular 04/2020/TT-BTP on the register books).
fn register_book(procedure: &str) -> Option<&'static str> {
    match procedure {
        "1.001193" => Some("khai-sinh"),
        "1.000656" => Some("khai-tu"),
        "1.000894" => Some("ket-hon"),
        _ => None,
    }
}

/// What differs between the issued result and the clerk's preview of it.
struct Draft<'a> {
    id: &'a str,
    number: &'a str,
    /// The entry in the civil-status register book of the year ("Số"), and that year.
    entry: String,
    year: &'a str,
    verify_url: &'a str,
    preview: bool,
    /// What issuing adds to the dossier's record (the newborn's personal ID).
    facts: &'a Map<String, Value>,
}

/// The unsigned result the clerk looks at before issuing (issue 17): the same document as the
/// one that will be signed, marked as a preview, with no number taken from the register.
pub async fn preview_result(
    app: &App,
    principal: &Principal,
    code: &str,
    decision: &str,
) -> Result<Vec<u8>, AppError> {
    let allowed = crate::dossiers::allowed_actions(app, principal, code).await?;
    if !allowed.contains(&motcua_domain::lifecycle::ActionKind::IssueResult) {
        return Err(AppError::forbidden(
            "not_allowed",
            "Chỉ văn thư của cơ quan giải quyết xem trước được kết quả đã được duyệt.",
            "Only the competent agency's clerk may preview an approved result.",
        ));
    }
    let row = crate::dossiers::load_visible_row(&app.db, principal, code).await?;
    let proc =
        crate::catalogue::pinned(&app.db, &row.procedure_code, row.procedure_version).await?;
    let year = local(app, app.now()).format("%Y").to_string();
    let not_yet = "(cấp khi ban hành)";
    // The number the population database gives at issuing is not asked for a preview.
    let mut facts = Map::new();
    if motcua_domain::personal_id::ASSIGNED_BY.contains(&row.procedure_code.as_str()) {
        facts.insert(
            motcua_domain::personal_id::CHILD_ID_FIELD.to_owned(),
            Value::String(not_yet.to_owned()),
        );
    }
    let draft = Draft {
        id: "",
        number: not_yet,
        entry: not_yet.to_owned(),
        year: &year,
        verify_url: &app.public_url,
        preview: true,
        facts: &facts,
    };
    let (issuer, agency) = issuer_of(app, &row.competent_agency).await?;
    let doc = result_document(
        app,
        principal,
        &row,
        &proc,
        (&issuer, &agency),
        decision,
        &draft,
    )
    .await?;
    crate::render_pdf(doc).await.map_err(render_error)
}

/// The result of `row` as a document: the statutory form for the services that have one (the
/// birth certificate), the catalogue's result otherwise. Signed in the name of the leader who
/// approved it, with the position on their profile.
async fn result_document(
    app: &App,
    principal: &Principal,
    row: &dossier::Model,
    proc: &Procedure,
    (issuer, agency): (&Issuer, &agency::Model),
    decision: &str,
    draft: &Draft<'_>,
) -> Result<motcua_documents::render::Document, AppError> {
    let now = app.now();
    let view = crate::dossiers::get(app, principal, &row.code).await?;
    let mut form = view.form.as_object().cloned().unwrap_or_default();
    for (k, v) in draft.facts {
        if form
            .get(k)
            .is_none_or(|old| old.as_str().is_none_or(str::is_empty))
        {
            form.insert(k.clone(), v.clone());
        }
    }
    let (signer_name, signer_title) = approver(app, &view, principal).await?;
    let collective = matches!(
        agency.kind.as_str(),
        "commune_peoples_committee" | "provincial_peoples_committee"
    );
    let body = if collective {
        "Ủy ban nhân dân".to_owned()
    } else {
        agency.name_vi.clone()
    };
    let signature_role = templates::signature_lines(&body, collective, &signer_title);
    let shown = answers(app, proc, &form).await?;
    // A field of the form as shown; else what the record holds beside the form (the personal ID
    // issuing added).
    let value = |k: &str| {
        shown
            .iter()
            .find(|a| a.key == k)
            .map(|a| a.value.clone())
            .or_else(|| form.get(k).and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default()
    };
    let entry = templates::RegisterEntry {
        document_id: draft.id.to_owned(),
        issuer: issuer.clone(),
        entry_number: draft.entry.clone(),
        book: format!("01/{}", draft.year),
        register_number: draft.number.to_owned(),
        issued_at: local(app, now),
        dossier_code: row.code.clone(),
        signature_role,
        signer_name,
        verify_url: draft.verify_url.to_owned(),
        draft: draft.preview,
    };
    // The essential civil-status services get their statutory paper; any other procedure the
    // generic result below.
    let date = |k: &str| templates::paper_date(&value(k));
    match proc.code.as_str() {
        "1.001193" => {
            if let Some(date_of_birth) = form
                .get("ngay_sinh")
                .and_then(Value::as_str)
                .and_then(motcua_domain::form::parse_form_date)
            {
                let father = (!value("ho_ten_cha").is_empty()).then(|| templates::CivilPerson {
                    name: value("ho_ten_cha"),
                    born: value("nam_sinh_cha"),
                    ethnicity: value("dan_toc_cha"),
                    nationality: String::new(),
                    residence: value("noi_cu_tru_cha"),
                    id_number: value("so_dinh_danh_cha"),
                });
                return Ok(templates::birth_certificate(
                    &templates::BirthCertificateInput {
                        entry,
                        child_name: value("ho_ten_tre"),
                        date_of_birth,
                        sex: value("gioi_tinh"),
                        ethnicity: value("dan_toc"),
                        nationality: value("quoc_tich"),
                        place_of_birth: value("noi_sinh"),
                        home_town: value("que_quan"),
                        personal_id: value("so_dinh_danh_tre"),
                        mother: templates::CivilPerson {
                            name: value("ho_ten_me"),
                            born: value("nam_sinh_me"),
                            ethnicity: value("dan_toc_me"),
                            nationality: String::new(),
                            residence: value("noi_cu_tru_me"),
                            id_number: value("so_dinh_danh_me"),
                        },
                        father,
                        declarant_name: value("ho_ten_nguoi_yeu_cau"),
                        declarant_id: value("so_dinh_danh_nguoi_yeu_cau"),
                        relation: value("quan_he"),
                    },
                ));
            }
        }
        "1.000656" => {
            return Ok(templates::death_extract(&templates::DeathExtractInput {
                entry,
                name: value("ho_ten_nguoi_chet"),
                date_of_birth: date("ngay_sinh_nguoi_chet"),
                sex: value("gioi_tinh"),
                ethnicity: value("dan_toc"),
                nationality: value("quoc_tich"),
                personal_id: value("so_dinh_danh_nguoi_chet"),
                last_residence: value("noi_cu_tru_cuoi_cung"),
                died_on: date("thoi_diem_chet"),
                place_of_death: value("noi_chet"),
                cause: value("nguyen_nhan_chet"),
                death_notice: value("giay_bao_tu_so"),
                declarant_name: value("ho_ten_nguoi_yeu_cau"),
                declarant_id: value("so_dinh_danh_nguoi_yeu_cau"),
                relation: value("quan_he"),
            }));
        }
        "1.000894" => {
            let spouse = |side: &str| templates::Spouse {
                name: value(&format!("{side}_ho_ten")),
                date_of_birth: date(&format!("{side}_ngay_sinh")),
                ethnicity: value(&format!("{side}_dan_toc")),
                nationality: value(&format!("{side}_quoc_tich")),
                residence: value(&format!("{side}_noi_cu_tru")),
                personal_id: value(&format!("{side}_so_dinh_danh")),
            };
            return Ok(templates::marriage_certificate(
                &templates::MarriageCertificateInput {
                    entry,
                    wife: spouse("ben_nu"),
                    husband: spouse("ben_nam"),
                },
            ));
        }
        "1.004222" | "1.004194" | "1.003197" | "1.003677" => {
            let today = entry.issued_at.format("%d/%m/%Y").to_string();
            let household = || {
                vec![
                    ("Họ, chữ đệm, tên chủ hộ".to_owned(), value("ho_ten_chu_ho")),
                    (
                        "Số định danh cá nhân của chủ hộ".to_owned(),
                        value("so_dinh_danh_chu_ho"),
                    ),
                    ("Quan hệ với chủ hộ".to_owned(), value("quan_he_chu_ho")),
                ]
            };
            let (outcome, residence) = match proc.code.as_str() {
                "1.004222" => {
                    let mut facts = vec![("Nơi thường trú".to_owned(), value("dia_chi_dang_ky"))];
                    facts.extend(household());
                    facts.push(("Ngày đăng ký thường trú".to_owned(), today));
                    (
                        "đã đăng ký thường trú cho công dân có thông tin dưới đây",
                        facts,
                    )
                }
                "1.004194" => {
                    let mut facts = vec![("Nơi tạm trú".to_owned(), value("dia_chi_tam_tru"))];
                    facts.extend(household());
                    facts.push(("Ngày đăng ký tạm trú".to_owned(), today));
                    facts.push(("Tạm trú đến ngày".to_owned(), date("thoi_han_tam_tru")));
                    (
                        "đã đăng ký tạm trú cho công dân có thông tin dưới đây",
                        facts,
                    )
                }
                "1.003197" => {
                    let mut facts = vec![(
                        "Lý do xóa đăng ký thường trú".to_owned(),
                        value("truong_hop_xoa"),
                    )];
                    facts.extend(household());
                    facts.push(("Ngày xóa đăng ký thường trú".to_owned(), today));
                    (
                        "đã xóa đăng ký thường trú của công dân có thông tin dưới đây",
                        facts,
                    )
                }
                _ => (
                    "đã tiếp nhận khai báo tạm vắng của công dân có thông tin dưới đây",
                    vec![
                        ("Nơi cư trú".to_owned(), value("noi_cu_tru")),
                        ("Trường hợp".to_owned(), value("truong_hop")),
                        ("Lý do tạm vắng".to_owned(), value("ly_do")),
                        (
                            "Thời gian tạm vắng".to_owned(),
                            format!("từ {} đến {}", date("tu_ngay"), date("den_ngay")),
                        ),
                        ("Nơi đến".to_owned(), value("noi_den")),
                    ],
                ),
            };
            return Ok(templates::residence_notice(
                &templates::ResidenceNoticeInput {
                    document_id: entry.document_id,
                    issuer: entry.issuer,
                    number: entry.register_number,
                    issued_at: entry.issued_at,
                    dossier_code: entry.dossier_code,
                    addressee: view
                        .applicant
                        .get("full_name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    outcome: outcome.to_owned(),
                    person: vec![
                        ("Họ, chữ đệm, tên".to_owned(), value("ho_ten")),
                        ("Ngày, tháng, năm sinh".to_owned(), date("ngay_sinh")),
                        ("Giới tính".to_owned(), value("gioi_tinh")),
                        ("Số định danh cá nhân".to_owned(), value("so_dinh_danh")),
                    ],
                    residence,
                    note: decision.to_owned(),
                    signer_role: entry.signature_role,
                    signer_name: entry.signer_name,
                    verify_url: entry.verify_url,
                    draft: entry.draft,
                },
            ));
        }
        _ => {}
    }
    let fields = shown
        .into_iter()
        .filter(|a| !matches!(a.key.as_str(), k if k.contains("dien_thoai") || k.contains("email")))
        .map(|a| (a.label, a.value))
        .collect();
    let facts = facts_of(app, &view, proc, &staff_name(principal)).await?;
    let mut decision = decision.to_owned();
    if draft.preview {
        decision.push_str("\n\nBẢN XEM TRƯỚC — chưa ký số, chưa có giá trị pháp lý.");
    }
    let input = templates::ResultInput {
        document_id: draft.id.to_owned(),
        procedure_code: proc.code.as_str().to_owned(),
        result_document: proc.result_document.clone(),
        issuer: issuer.clone(),
        number: draft.number.to_owned(),
        issued_at: local(app, now),
        dossier: facts,
        fields,
        decision,
        signer_role: entry.signature_role,
        signer_name: entry.signer_name,
        verify_url: entry.verify_url,
    };
    Ok(templates::result(&input))
}

/// Who signs the result: the leader who approved it, by name and position; the person issuing
/// when no approval is on record.
async fn approver(
    app: &App,
    view: &DossierView,
    principal: &Principal,
) -> Result<(String, String), AppError> {
    let username = view
        .history
        .iter()
        .rev()
        .find(|h| h.action == "approve")
        .and_then(|h| h.actor.strip_prefix("staff:"))
        .map(str::to_owned)
        .or_else(|| match principal {
            Principal::Staff { username, .. } => Some(username.clone()),
            Principal::Citizen { .. } => None,
        });
    let Some(username) = username else {
        return Ok((staff_name(principal), String::new()));
    };
    Ok(
        match motcua_store::entities::staff::Entity::find_by_id(username)
            .one(&app.reader)
            .await?
        {
            Some(s) => (s.full_name, s.title),
            None => (staff_name(principal), String::new()),
        },
    )
}

/// The public facts of an issued document (no personal data).
#[derive(Debug, Clone, Serialize)]
pub struct PublicFacts {
    pub id: String,
    pub title: String,
    pub number: String,
    pub agency: String,
    pub issued_at: DateTime<Utc>,
    pub status: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub sha256: String,
    pub signer: String,
}

/// One electronic result in a citizen's data warehouse (SPEC §7): what it is, who issued it and
/// when, whether it still holds, its hash, and where to get and check it.
#[derive(Debug, Clone, Serialize)]
pub struct WarehouseItem {
    pub id: String,
    pub title: String,
    pub number: String,
    pub agency: String,
    pub issued_at: DateTime<Utc>,
    /// `valid` or `revoked`.
    pub status: String,
    pub sha256: String,
    pub dossier_code: String,
    pub url: String,
    pub verify_url: String,
}

/// The citizen's electronic results across all their dossiers, newest first.
pub async fn warehouse(app: &App, principal: &Principal) -> Result<Vec<WarehouseItem>, AppError> {
    use motcua_store::sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let Principal::Citizen { citizen_id, .. } = principal else {
        return Err(AppError::forbidden(
            "citizens_only",
            "Kho dữ liệu này dành cho công dân.",
            "This data warehouse is for citizens.",
        ));
    };
    let own: std::collections::HashMap<String, String> = dossier::Entity::find()
        .filter(dossier::Column::ApplicantId.eq(citizen_id.to_string()))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.code))
        .collect();
    if own.is_empty() {
        return Ok(Vec::new());
    }
    let docs = document::Entity::find()
        .filter(document::Column::DossierId.is_in(own.keys().cloned()))
        .filter(document::Column::Kind.is_in(["result", crate::receipts::RECEIPT_COMPONENT]))
        .order_by_desc(document::Column::IssuedAt)
        .all(&app.db)
        .await?;
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        let dossier_code = own.get(&d.dossier_id).cloned().unwrap_or_default();
        let id = d.id.clone();
        let facts = public_facts(app, d).await?;
        out.push(WarehouseItem {
            url: format!("/api/v1/dossiers/{dossier_code}/attachments/{id}"),
            verify_url: format!("/verify/{id}"),
            id,
            title: facts.title,
            number: facts.number,
            agency: facts.agency,
            issued_at: facts.issued_at,
            status: facts.status,
            sha256: facts.sha256,
            dossier_code,
        });
    }
    Ok(out)
}

async fn public_facts(app: &App, d: document::Model) -> Result<PublicFacts, AppError> {
    let agency = agency::Entity::find_by_id(d.agency_code.clone())
        .one(&app.db)
        .await?
        .map(|a| a.name_vi)
        .unwrap_or(d.agency_code);
    Ok(PublicFacts {
        id: d.id,
        title: d.title,
        number: d.number,
        agency,
        issued_at: d.issued_at,
        status: d.status,
        revoked_at: d.revoked_at,
        sha256: d.sha256,
        signer: d.signer,
    })
}

pub async fn facts(app: &App, id: &str) -> Result<PublicFacts, AppError> {
    let d = document::Entity::find_by_id(id.to_owned())
        .one(&app.db)
        .await?
        .ok_or_else(|| AppError::not_found("văn bản", "document"))?;
    public_facts(app, d).await
}

/// The outcome of checking an uploaded file.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    /// Signature, integrity and trust all hold.
    pub signature_valid: bool,
    pub failed_checks: Vec<&'static str>,
    pub signer: Option<String>,
    pub sha256: String,
    /// The register's entry for this exact file, if it is one we issued.
    pub registered: Option<PublicFacts>,
    /// Valid signature, registered, and not revoked.
    pub genuine: bool,
}

/// Checks a PDF: its signature against our trust root, then our register by its SHA-256. When
/// `expected` is given (checking from a document's page) the file must be that document.
pub async fn check(
    app: &App,
    bytes: &[u8],
    expected: Option<&str>,
) -> Result<CheckOutcome, AppError> {
    let report: Report = verify::verify(
        bytes,
        std::slice::from_ref(app.pki.root()),
        SystemTime::now(),
    );
    let registered = match expected {
        Some(id) => document::Entity::find_by_id(id.to_owned())
            .one(&app.db)
            .await?
            .filter(|d| d.sha256 == report.file_sha256),
        None => {
            use motcua_store::sea_orm::{ColumnTrait, QueryFilter};
            document::Entity::find()
                .filter(document::Column::Sha256.eq(report.file_sha256.clone()))
                .one(&app.db)
                .await?
        }
    };
    let registered = match registered {
        Some(d) => Some(public_facts(app, d).await?),
        None => None,
    };
    let signature_valid = report.valid();
    let genuine = signature_valid && registered.as_ref().is_some_and(|r| r.status == "valid");
    Ok(CheckOutcome {
        signature_valid,
        failed_checks: report.failed().into_iter().map(|c| c.code()).collect(),
        signer: report.signer,
        sha256: report.file_sha256,
        registered,
        genuine,
    })
}

/// Revokes an issued result (a leader of the issuing agency), with the reason in the audit trail.
pub async fn revoke(
    app: &App,
    principal: &Principal,
    id: &str,
    reason: &str,
) -> Result<PublicFacts, AppError> {
    let d = document::Entity::find_by_id(id.to_owned())
        .one(&app.db)
        .await?
        .ok_or_else(|| AppError::not_found("văn bản", "document"))?;
    let allowed = match principal {
        Principal::Staff { roles, .. } => roles
            .iter()
            .any(|r| r.agency == d.agency_code && r.role == motcua_domain::lifecycle::Role::Leader),
        Principal::Citizen { .. } => false,
    };
    if !allowed {
        return Err(AppError::forbidden(
            "not_allowed",
            "Chỉ lãnh đạo cơ quan ban hành được thu hồi văn bản.",
            "Only a leader of the issuing agency may revoke a document.",
        ));
    }
    if reason.trim().is_empty() {
        return Err(AppError::new(
            ErrorCode::Unprocessable,
            "reason_required",
            "Cần ghi lý do thu hồi.",
            "Give the reason for the revocation.",
        ));
    }
    if d.status == "revoked" {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "already_revoked",
            "Văn bản đã bị thu hồi.",
            "The document is already revoked.",
        ));
    }
    let now = app.now();
    let txn = app.db.begin().await?;
    // Conditional on still being valid, so two leaders revoking at once record one revocation.
    let changed = document::Entity::update_many()
        .col_expr(document::Column::Status, Expr::value("revoked"))
        .col_expr(document::Column::RevokedAt, Expr::value(now))
        .col_expr(document::Column::RevokedBy, Expr::value(principal.key()))
        .col_expr(document::Column::RevokeReason, Expr::value(reason.trim()))
        .filter(document::Column::Id.eq(d.id.clone()))
        .filter(document::Column::Status.eq("valid"))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "already_revoked",
            "Văn bản đã bị thu hồi.",
            "The document is already revoked.",
        ));
    }
    // In the dossier's own chain, so the audit trail page shows it beside the steps.
    audit::append(
        &txn,
        &AuditRecord {
            at: now,
            actor: principal.audit_name(),
            action: "document.revoke".into(),
            subject: format!("dossier:{}", d.dossier_id),
            data: serde_json::json!({
                "document_id": d.id,
                "number": d.number,
                "sha256": d.sha256,
                "agency": d.agency_code,
                "note": format!("{} — {}", d.number, reason.trim()),
            }),
        },
    )
    .await?;
    let updated = document::Entity::find_by_id(d.id.clone())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("văn bản", "document"))?;
    txn.commit().await?;
    public_facts(app, updated).await
}
