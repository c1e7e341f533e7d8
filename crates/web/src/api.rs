//! JSON API handlers (SPEC §14, §17).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::dossiers::{self, CreateDossier, ListFilter, Outcome, Upload};
use motcua_app::identity::Principal;
use motcua_app::{AppError, ErrorCode, catalogue, org};
use motcua_domain::catalogue::Procedure;
use motcua_domain::lifecycle::Command;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::download::{Disposition, content_disposition};
use crate::i18n::Lang;
use crate::problem::{Problem, bad_request};

pub(crate) type ApiResult = Result<Response, Problem>;

/// The largest JSON body an operation reads (files travel as multipart, under their own limit).
pub const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;

pub async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

pub async fn ready(State(s): State<AppState>) -> Response {
    match motcua_store::ping(&s.app.db).await {
        Ok(()) => Json(json!({ "status": "ready", "database": "ok" })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
                .into_response()
        }
    }
}

pub async fn not_found() -> Problem {
    Problem(AppError::not_found("đường dẫn API", "API route"))
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    body: &Bytes,
) -> Result<(T, Value), Problem> {
    let raw: Value = serde_json::from_slice(body).map_err(|e| {
        bad_request(
            "malformed_json",
            &format!("Nội dung gửi lên không phải JSON hợp lệ: {e}"),
            &format!("The body is not valid JSON: {e}"),
        )
    })?;
    let typed = serde_json::from_value(raw.clone()).map_err(|e| {
        Problem(AppError::new(
            ErrorCode::Unprocessable,
            "invalid_body",
            format!("Nội dung gửi lên không đúng cấu trúc: {e}"),
            format!("The body does not have the expected shape: {e}"),
        ))
    })?;
    Ok((typed, raw))
}

/// The `Idempotency-Key` header; a key that is present but not printable ASCII is refused rather than
/// ignored (ignoring it would turn a retry into a second dossier).
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v.to_str().map(|s| Some(s.trim().to_owned())).map_err(|_| {
            bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key phải gồm 1–200 ký tự ASCII in được.",
                "Idempotency-Key must be 1-200 printable ASCII characters.",
            )
        }),
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// A procedure's list entry; `p` is already in the reader's language (the sector is its text).
fn procedure_summary(p: &Procedure) -> Value {
    json!({
        "code": p.code.as_str(),
        "version": p.version,
        "name_vi": p.name_vi,
        "name_en": p.name_en,
        "sector": p.sector,
        "level": p.level.as_str(),
        "online_level": p.online_level.as_str(),
        "processing_minutes": p.processing_time.legal_working_minutes(),
    })
}

/// Why a search was not run.
pub enum SearchRefused {
    /// Every search slot stayed taken: try again after this long.
    Busy(std::time::Duration),
    Failed(AppError),
}

/// Runs a search in one of the few search slots, so a burst of searches queues briefly and is then
/// turned away instead of taking every database connection from signed-in users.
pub async fn bounded_search(
    s: &AppState,
    f: &catalogue::SearchFilter,
) -> Result<Vec<std::sync::Arc<motcua_domain::catalogue::Procedure>>, SearchRefused> {
    let wait = std::time::Duration::from_secs(2);
    let _slot = match tokio::time::timeout(wait, s.public.search_slots.acquire()).await {
        Ok(Ok(slot)) => slot,
        _ => return Err(SearchRefused::Busy(std::time::Duration::from_secs(1))),
    };
    catalogue::search_filtered(&s.app, f)
        .await
        .map_err(SearchRefused::Failed)
}

pub async fn list_procedures(
    State(s): State<AppState>,
    crate::pages::PeerIp(peer): crate::pages::PeerIp,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
    Query(q): Query<SearchQuery>,
) -> ApiResult {
    let lang = crate::assistant::api_lang(raw.as_deref(), &headers)?;
    if let Some(ip) = peer
        && let Err(wait) = s.public.search.check(ip)
    {
        return Ok(crate::ratelimit::too_many_problem(wait));
    }
    let filter = catalogue::SearchFilter {
        q: q.q,
        ..catalogue::SearchFilter::default()
    };
    let found = match bounded_search(&s, &filter).await {
        Ok(v) => v,
        Err(SearchRefused::Busy(wait)) => return Ok(crate::ratelimit::too_many_problem(wait)),
        Err(SearchRefused::Failed(e)) => return Err(Problem(e)),
    };
    let items: Vec<Value> = found
        .iter()
        .map(|p| {
            let mut item = procedure_summary(p);
            item["sector"] = json!(crate::i18n::text_in(
                lang,
                &p.sector,
                p.sector_en.as_deref()
            ));
            item
        })
        .collect();
    Ok(in_language(
        lang,
        Json(json!({ "items": items, "count": items.len() })).into_response(),
    ))
}

/// Marks a response whose catalogue texts are in `lang` (RFC 9110 §8.5), and that the choice
/// followed `Accept-Language` so caches keep one copy per language.
fn in_language(lang: Lang, mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CONTENT_LANGUAGE,
        axum::http::HeaderValue::from_static(lang.code()),
    );
    h.append(
        axum::http::header::VARY,
        axum::http::HeaderValue::from_static("accept-language"),
    );
    r
}

/// `GET /api/v1/procedures/{code}`: the texts of the form, components, fees and result in the
/// caller's language (`?lang=`, else `Accept-Language`); keys and values stay the same in both.
pub async fn get_procedure(
    State(s): State<AppState>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let lang = crate::assistant::api_lang(raw.as_deref(), &headers)?;
    let p = catalogue::current(&s.app, &code)
        .await?
        .ok_or_else(|| Problem(AppError::not_found("thủ tục", "Procedure")))?;
    let p = crate::i18n::procedure_in(lang, &p);
    let agencies: Vec<Value> = org::agencies_for(&s.app, &p)
        .await?
        .into_iter()
        .map(|a| json!({ "code": a.code, "name": a.name_vi }))
        .collect();
    let today = s
        .app
        .now()
        .with_timezone(&s.app.calendar.offset())
        .date_naive();
    let fees: Vec<Value> = p
        .fees
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "kind": f.kind.as_str(),
                "counter_vnd": f.counter_vnd,
                "online_vnd": f.online_vnd,
                "collected_at": f.collected_at.as_str(),
                "valid_today": f.is_valid_on(today),
                "note": f.note,
            })
        })
        .collect();
    let provenance: serde_json::Map<String, Value> = p
        .provenance
        .iter()
        .map(|(k, v)| (k.clone(), json!(v.status.as_str())))
        .collect();
    let mut body = procedure_summary(&p);
    if let Value::Object(m) = &mut body {
        m.insert(
            "competent_agency_kind".into(),
            json!(p.competent_agency_kind),
        );
        m.insert(
            "paperless".into(),
            serde_json::to_value(&p.paperless).unwrap_or(Value::Null),
        );
        m.insert(
            "processing_time".into(),
            serde_json::to_value(&p.processing_time).unwrap_or(Value::Null),
        );
        m.insert("result_document".into(), json!(p.result_document));
        m.insert("legal_basis".into(), json!(p.legal_basis));
        m.insert("fees".into(), json!(fees));
        m.insert("form".into(), json!({ "fields": p.form.fields }));
        m.insert(
            "components".into(),
            json!(
                p.components
                    .iter()
                    .map(|c| json!({
                        "key": c.key,
                        "name": c.name,
                        "required": c.required.as_str() == "required",
                        "requirement": c.required.as_str(),
                        "copy_kind": c.copy_kind.as_str(),
                        "quantity": c.quantity,
                        "condition": c.condition,
                        "accepts": c.accepts,
                        "max_bytes": c.max_bytes,
                        "reusable_from": c.reusable_from,
                    }))
                    .collect::<Vec<_>>()
            ),
        );
        m.insert("agencies".into(), json!(agencies));
        m.insert("provenance".into(), Value::Object(provenance));
        m.insert("lang".into(), json!(lang.code()));
    }
    Ok(in_language(lang, Json(body).into_response()))
}

fn outcome_response(o: Outcome, fresh_status: StatusCode) -> Response {
    match o {
        Outcome::Fresh(v) => (fresh_status, Json(*v)).into_response(),
        Outcome::Replay(r) => (
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK),
            [("idempotency-replayed", "true")],
            Json(r.body),
        )
            .into_response(),
    }
}

pub async fn create_dossier(
    State(s): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (input, raw): (CreateDossier, Value) = parse_json(&body)?;
    let key = idempotency_key(&headers)?;
    let o = dossiers::create(&s.app, &p, input, &raw, key.as_deref()).await?;
    // Once-only (SPEC §7): what the national databases hold stands in for papers from the start;
    // a database that cannot answer leaves the component to upload.
    let o = match o {
        Outcome::Fresh(v) if v.status == 0 && v.channel == "online" => {
            motcua_app::reuse::obtain_components(&s.app, &p, &v.code).await?;
            Outcome::Fresh(Box::new(dossiers::get(&s.app, &p, &v.code).await?))
        }
        other => other,
    };
    Ok(outcome_response(o, StatusCode::CREATED))
}

/// The most dossiers one `GET /dossiers` returns, and how many when the caller does not say.
pub const MAX_LIST_LIMIT: u64 = 500;
pub const DEFAULT_LIST_LIMIT: u64 = 100;

/// An integer as a query writes it: digits only (no sign, no blanks).
fn digits(v: &str) -> Option<&str> {
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then_some(v)
}

/// The filters of `GET /dossiers`, refused rather than clamped or ignored when out of range: a
/// client asking for 100000 and silently getting 500 would take the page for the whole list.
fn list_filter(query: Option<&str>) -> Result<ListFilter, Problem> {
    let mut f = ListFilter::default();
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if !matches!(name.as_ref(), "status" | "procedure" | "limit") {
            continue;
        }
        if !seen.insert(name.to_string()) {
            return Err(bad_request(
                "duplicate_parameter",
                &format!("Tham số {name} chỉ được có một lần."),
                &format!("The parameter {name} may be given once."),
            ));
        }
        match name.as_ref() {
            "status" => {
                f.status = Some(
                    digits(&value)
                        .and_then(|v| v.parse::<u8>().ok())
                        .filter(|s| *s <= 10)
                        .ok_or_else(|| {
                            bad_request(
                                "invalid_status",
                                "Tham số status phải là số nguyên từ 0 đến 10.",
                                "The parameter status must be an integer from 0 to 10.",
                            )
                        })?,
                );
            }
            "limit" => {
                f.limit = Some(
                    digits(&value)
                        .and_then(|v| v.parse::<u64>().ok())
                        .filter(|n| (1..=MAX_LIST_LIMIT).contains(n))
                        .ok_or_else(|| {
                            bad_request(
                                "invalid_limit",
                                &format!(
                                    "Tham số limit phải là số nguyên từ 1 đến {MAX_LIST_LIMIT}."
                                ),
                                &format!(
                                    "The parameter limit must be an integer from 1 to {MAX_LIST_LIMIT}."
                                ),
                            )
                        })?,
                );
            }
            _ => f.procedure = Some(value.into_owned()),
        }
    }
    f.limit.get_or_insert(DEFAULT_LIST_LIMIT);
    Ok(f)
}

pub async fn list_dossiers(
    State(s): State<AppState>,
    Auth(p): Auth,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let f = list_filter(query.as_deref())?;
    let items = dossiers::list(&s.app, &p, &f).await?;
    Ok(Json(json!({ "count": items.len(), "items": items })).into_response())
}

pub async fn get_dossier(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(code): Path<String>,
) -> ApiResult {
    Ok(Json(dossiers::get(&s.app, &p, &code).await?).into_response())
}

/// `DELETE /api/v1/dossiers/{code}`: throws away a draft (see `motcua_app::drafts`).
pub async fn delete_draft(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(code): Path<String>,
) -> ApiResult {
    motcua_app::drafts::delete(&s.app, &p, &code).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn save_form(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(code): Path<String>,
    body: Bytes,
) -> ApiResult {
    let (values, _): (serde_json::Map<String, Value>, Value) = parse_json(&body)?;
    Ok(Json(dossiers::save_form(&s.app, &p, &code, values).await?).into_response())
}

/// Reads a multipart body into its text fields and at most one file.
pub(crate) async fn read_multipart(
    mut mp: Multipart,
) -> Result<(Vec<(String, String)>, Option<Upload>), Problem> {
    let mut fields = Vec::new();
    let mut file = None;
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem(AppError::new(
                ErrorCode::TooLarge,
                "file_too_large",
                "Tệp quá lớn.",
                "The upload is too large.",
            ))
        } else {
            bad_request(
                "malformed_multipart",
                &format!("Dữ liệu tải lên không hợp lệ: {e}"),
                &format!("Malformed multipart body: {e}"),
            )
        }
    };
    while let Some(field) = mp.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("file").to_owned();
            let declared = field.content_type().map(str::to_owned);
            let bytes = field.bytes().await.map_err(malformed)?;
            file = Some(Upload {
                component: String::new(),
                file_name,
                declared_mime: declared,
                bytes,
            });
        } else {
            // PostgreSQL refuses NUL in text: replaced as the edge does for other bodies.
            let text = field
                .text()
                .await
                .map_err(malformed)?
                .replace('\0', "\u{FFFD}");
            fields.push((name, text));
        }
    }
    Ok((fields, file))
}

async fn multipart_of(req: axum::extract::Request, s: &AppState) -> Result<Multipart, Problem> {
    use axum::extract::FromRequest;
    Multipart::from_request(req, s).await.map_err(|e| {
        bad_request(
            "malformed_multipart",
            &format!("Dữ liệu tải lên không hợp lệ: {}", e.body_text()),
            &format!("Malformed multipart body: {}", e.body_text()),
        )
    })
}

/// Refuses text parts other than `allowed` (the file travels as `file`): a part the operation
/// does not know is a client's mistake, not something to drop silently.
fn only_parts(fields: &[(String, String)], allowed: &[&str]) -> Result<(), Problem> {
    match fields.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some((k, _)) => Err(bad_request(
            "unexpected_part",
            &format!("Phần dữ liệu \"{k}\" không thuộc thao tác này."),
            &format!("This operation takes no part named \"{k}\"."),
        )),
    }
}

fn require_multipart(headers: &HeaderMap) -> Result<(), Problem> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("multipart/form-data") {
        Ok(())
    } else {
        Err(Problem(AppError::new(
            ErrorCode::UnsupportedMediaType,
            "multipart_required",
            "Cần gửi dạng multipart/form-data với trường component và file.",
            "Send multipart/form-data with fields `component` and `file`.",
        )))
    }
}

/// `POST /dossiers/{code}/attachments` with JSON: an item of the citizen's warehouse.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FromWarehouse {
    component: String,
    warehouse_item: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseQuery {
    #[serde(default)]
    enterprise: Option<String>,
}

/// `GET /api/v1/me/warehouse[?enterprise=]`: the citizen's data warehouse, or that of an
/// enterprise they represent.
pub async fn my_warehouse(
    State(s): State<AppState>,
    Auth(p): Auth,
    q: Result<Query<WarehouseQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(|_| {
        bad_request(
            "invalid_query",
            "Chỉ nhận tham số enterprise (mã số doanh nghiệp).",
            "The only parameter is enterprise (an enterprise code).",
        )
    })?;
    let owner = motcua_app::warehouse::Owner::open(&s.app, &p, q.enterprise.as_deref()).await?;
    let items = motcua_app::warehouse::items(&s.app, &owner).await?;
    let enterprise = match &owner {
        motcua_app::warehouse::Owner::Enterprise(code) => Some(code.clone()),
        motcua_app::warehouse::Owner::Citizen(_) => None,
    };
    Ok(
        Json(serde_json::json!({ "enterprise": enterprise, "count": items.len(), "items": items }))
            .into_response(),
    )
}

/// `GET /api/v1/me/enterprises`: the enterprises the national business registration database
/// says the citizen represents today.
pub async fn my_enterprises(State(s): State<AppState>, Auth(p): Auth) -> ApiResult {
    if !matches!(p, Principal::Citizen { .. }) {
        return Err(motcua_app::AppError::forbidden(
            "citizens_only",
            "Chỉ công dân mới là người đại diện của doanh nghiệp.",
            "Only citizens represent enterprises.",
        )
        .into());
    }
    match motcua_app::enterprise::represented(&s.app, &p, "enterprise.list").await? {
        Ok(list) => Ok(Json(serde_json::json!({ "enterprises": list })).into_response()),
        Err(_) => Err(motcua_app::AppError::new(
            motcua_app::ErrorCode::Unavailable,
            "enterprise_db_unavailable",
            "Chưa kết nối được Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp; vui lòng thử lại sau ít phút.",
            "The national business registration database cannot be reached; please try again in a few minutes.",
        )
        .into()),
    }
}

pub async fn add_attachment(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(code): Path<String>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> ApiResult {
    // From the citizen's warehouse, in one step: JSON naming the item.
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
            .await
            .map_err(|_| {
                bad_request(
                    "malformed_json",
                    "Nội dung gửi lên quá lớn hoặc không đọc được.",
                    "The body is too large or unreadable.",
                )
            })?;
        let (w, _): (FromWarehouse, Value) = parse_json(&body)?;
        let a = motcua_app::warehouse::attach(&s.app, &p, &code, &w.component, &w.warehouse_item)
            .await?;
        return Ok((StatusCode::CREATED, Json(a)).into_response());
    }
    // Checked before axum parses the body, so a wrong body gets a problem, not a plain-text 400.
    require_multipart(&headers)?;
    let mp = multipart_of(req, &s).await?;
    let (fields, file) = read_multipart(mp).await?;
    only_parts(&fields, &["component"])?;
    let component = fields
        .into_iter()
        .find(|(k, _)| k == "component")
        .map(|(_, v)| v)
        .ok_or_else(|| {
            bad_request(
                "component_required",
                "Thiếu trường component.",
                "The `component` field is missing.",
            )
        })?;
    let mut upload = file.ok_or_else(|| {
        bad_request(
            "file_required",
            "Thiếu tệp (trường file).",
            "The `file` field is missing.",
        )
    })?;
    upload.component = component.trim().to_owned();
    let view = dossiers::add_attachment(&s.app, &p, &code, upload).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[derive(serde::Deserialize)]
pub struct FileQuery {
    /// `1`: shown in the browser (and framable by our own pages) rather than downloaded.
    #[serde(default)]
    inline: Option<String>,
}

/// The types a browser shows by itself; anything else is always a download.
const VIEWABLE: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

pub async fn get_attachment(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((code, id)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
) -> ApiResult {
    let wants_inline = match q.inline.as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => {
            return Err(bad_request(
                "invalid_inline",
                "Tham số inline chỉ nhận 0 hoặc 1.",
                "The parameter inline must be 0 or 1.",
            ));
        }
    };
    let (a, bytes) = dossiers::file(&s.app, &p, &code, &id).await?;
    let inline = wants_inline && VIEWABLE.contains(&a.mime.as_str());
    let disposition = content_disposition(
        if inline {
            Disposition::Inline
        } else {
            Disposition::Attachment
        },
        &a.file_name,
    );
    let mut r = (
        [
            (header::CONTENT_TYPE, a.mime),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static("x-content-sha256"),
                a.sha256,
            ),
        ],
        bytes,
    )
        .into_response();
    if inline {
        // Only our own viewer page may frame it; the file itself may load nothing.
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(
                "default-src 'none'; img-src 'self'; frame-ancestors 'self'",
            ),
        );
        h.insert(
            header::X_FRAME_OPTIONS,
            header::HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    Ok(r)
}

/// `GET /dossiers/{code}/notices/{kind}`: a notice the dossier has reached, as PDF, to whoever
/// may see the dossier (citizens not the internal process-control sheet).
pub async fn get_notice(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((code, kind)): Path<(String, String)>,
) -> ApiResult {
    let Some(kind) =
        motcua_documents::templates::NoticeKind::from_slug(kind.trim_end_matches(".pdf"))
    else {
        return Err(AppError::not_found("văn bản", "notice").into());
    };
    let pdf = motcua_app::issued::notice(&s.app, &p, &code, kind).await?;
    Ok(crate::download::pdf_response(
        Disposition::Attachment,
        &format!("{code}-{}.pdf", kind.slug()),
        pdf,
    ))
}

pub async fn submit(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let key = idempotency_key(&headers)?;
    let o = dossiers::submit(&s.app, &p, &code, key.as_deref()).await?;
    Ok(outcome_response(o, StatusCode::OK))
}

/// `POST /dossiers/{code}/actions`: a JSON command, or multipart with `action` (+ other fields) and
/// `file` for `issue_result`.
pub async fn act(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(code): Path<String>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> ApiResult {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let multipart = ct
        .get(..19)
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"));
    let (command, file, decision) = if multipart {
        let mp = multipart_of(req, &s).await?;
        let (fields, file) = read_multipart(mp).await?;
        only_parts(&fields, &["action", "decision"])?;
        let mut obj: serde_json::Map<String, Value> = fields
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let decision = take_decision(&mut obj);
        let command: Command =
            serde_json::from_value(Value::Object(obj)).map_err(|e| command_error(&e))?;
        // Multipart exists to carry the result's PDF; every other action is a JSON command.
        if command != Command::IssueResult {
            return Err(Problem(AppError::new(
                ErrorCode::Unprocessable,
                "invalid_action",
                "Dạng multipart chỉ dùng cho issue_result (kèm tệp kết quả); các thao tác khác gửi dạng JSON.",
                "Multipart is only for issue_result (with the result's file); send other actions as JSON.",
            )));
        }
        (command, file, decision)
    } else {
        // A read that fails here is, in practice, a body over the limit (the edge has already
        // refused anything not declared JSON or multipart).
        let body = axum::body::to_bytes(req.into_body(), MAX_JSON_BYTES)
            .await
            .map_err(|_| {
                Problem(AppError::new(
                    ErrorCode::TooLarge,
                    "body_too_large",
                    "Nội dung gửi lên quá lớn.",
                    "The request body is too large.",
                ))
            })?;
        let mut raw: Value = serde_json::from_slice(&body).map_err(|e| {
            bad_request(
                "malformed_json",
                &format!("Nội dung gửi lên không phải JSON hợp lệ: {e}"),
                &format!("The body is not valid JSON: {e}"),
            )
        })?;
        let decision = raw.as_object_mut().map(take_decision).unwrap_or_default();
        let command: Command = serde_json::from_value(raw).map_err(|e| command_error(&e))?;
        (command, None, decision)
    };
    let issue = dossiers::IssueDetails {
        file: file.filter(|f| !f.bytes.is_empty()),
        decision,
    };
    Ok(Json(dossiers::act(&s.app, &p, &code, command, issue).await?).into_response())
}

fn command_error(e: &serde_json::Error) -> Problem {
    Problem(AppError::new(
        ErrorCode::Unprocessable,
        "invalid_action",
        format!("Thao tác không hợp lệ hoặc thiếu dữ liệu: {e}"),
        format!("Unknown action or missing data: {e}"),
    ))
}

/// Public tracking: limited per client like the tracking page, so codes cannot be walked in bulk.
pub async fn track(
    State(s): State<AppState>,
    crate::pages::PeerIp(peer): crate::pages::PeerIp,
    Path(code): Path<String>,
) -> ApiResult {
    if let Some(ip) = peer
        && let Err(wait) = s.public.lookup(ip)
    {
        return Ok(crate::ratelimit::too_many_problem(wait));
    }
    Ok(Json(dossiers::track(&s.app, &code).await?).into_response())
}

/// `GET /api/v1/provinces/{code}/communes`: the current communes of a province, by name, for an
/// address picker (the list follows the province without reloading the page).
pub async fn communes(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult {
    let valid = code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit());
    let province = if valid {
        motcua_app::org::admin_unit(&s.app, &code)
            .await?
            .filter(|u| u.level == "province")
    } else {
        None
    };
    let Some(province) = province else {
        return Err(AppError::not_found("tỉnh, thành phố", "Province").into());
    };
    let items: Vec<Value> = motcua_app::org::communes_of(&s.app, &province.code)
        .await?
        .into_iter()
        .map(|c| json!({ "code": c.code, "name": c.name }))
        .collect();
    // The 2025 units change by resolution, not by the hour: a day's caching is safe.
    Ok((
        [(axum::http::header::CACHE_CONTROL, "public, max-age=86400")],
        Json(
            json!({ "province": { "code": province.code, "name": province.name }, "items": items }),
        ),
    )
        .into_response())
}

pub async fn me(Auth(p): Auth) -> ApiResult {
    Ok(Json(match p {
        Principal::Citizen {
            citizen_id,
            full_name,
        } => json!({
            "kind": "citizen", "citizen_id": citizen_id.as_str(), "full_name": full_name }),
        Principal::Staff {
            username,
            full_name,
            roles,
        } => json!({
            "kind": "staff", "username": username, "full_name": full_name, "roles": roles }),
    })
    .into_response())
}

/// `GET /api/v1/me/documents`: the citizen's electronic results (their warehouse).
pub async fn my_documents(State(s): State<AppState>, Auth(p): Auth) -> ApiResult {
    let items = motcua_app::issued::warehouse(&s.app, &p).await?;
    Ok(Json(json!({ "count": items.len(), "items": items })).into_response())
}

/// `decision` is not part of the command: it is the text written into a generated result.
fn take_decision(obj: &mut serde_json::Map<String, Value>) -> String {
    match obj.remove("decision") {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}
