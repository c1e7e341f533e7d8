//! What every response gets at the edge, whoever produced it.
//!
//! - The API answers errors as `application/problem+json` with a stable code, including the
//!   rejections axum itself writes as plain text (bad query values, body too large, wrong
//!   content type, unknown method), requests whose URI is too long, and a handler that panics;
//!   every 429 carries `Retry-After`. The OpenAPI document lists these for every operation.
//! - JSON operations refuse a body that is not declared `application/json` (a browser form can
//!   post `text/plain` cross-site without a preflight; declaring the type is the client's
//!   promise); the file operations accept only the types they document.
//! - Nothing personal is cached: every response without its own `Cache-Control` is `no-store`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use motcua_app::{AppError, ErrorCode};

use crate::problem::Problem;

/// The longest request URI accepted (path and query), in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The media type without its parameters, lower-cased.
fn essence(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(ct: &str) -> bool {
    let essence = essence(ct);
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether an operation takes a body of this declared type. Uploads answer a wrong type
/// themselves (415 `multipart_required`, which says what to send); lifecycle actions take JSON or,
/// to issue a PDF, multipart; `/verify` takes the PDF itself; everything else JSON only.
fn accepts_body(path: &str, ct: &str) -> bool {
    if path.ends_with("/attachments") {
        return true;
    }
    if path.ends_with("/actions") {
        return is_json(ct) || essence(ct) == "multipart/form-data";
    }
    if path == "/verify" {
        return matches!(
            essence(ct).as_str(),
            "application/pdf" | "application/octet-stream"
        );
    }
    is_json(ct)
}

fn has_body(req: &Request) -> bool {
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match length {
        Some(n) => n > 0,
        None => req.headers().contains_key(header::TRANSFER_ENCODING),
    }
}

fn problem(kind: ErrorCode, code: &'static str, vi: &str, en: &str) -> Response {
    Problem(AppError::new(kind, code, vi, en)).into_response()
}

/// The API's edge: URI length, declared body type, and axum's own rejections as problems.
pub async fn api(req: Request, next: Next) -> Response {
    if req.uri().to_string().len() > MAX_URI_BYTES {
        return problem(
            ErrorCode::UriTooLong,
            "uri_too_long",
            "Địa chỉ yêu cầu quá dài.",
            "The request URI is too long.",
        );
    }
    if matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH) && has_body(&req) {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let path = req.uri().path();
        if !accepts_body(path, ct) {
            return if path == "/verify" {
                problem(
                    ErrorCode::UnsupportedMediaType,
                    "unsupported_media_type",
                    "Hãy gửi chính tệp PDF (Content-Type: application/pdf).",
                    "Send the PDF itself (Content-Type: application/pdf).",
                )
            } else {
                problem(
                    ErrorCode::UnsupportedMediaType,
                    "unsupported_media_type",
                    "Nội dung gửi lên phải là JSON (Content-Type: application/json).",
                    "The request body must be JSON (Content-Type: application/json).",
                )
            };
        }
    }
    let response = match (CatchPanic(Box::pin(next.run(req)))).await {
        Ok(r) => r,
        Err(_) => {
            tracing::error!("an API handler panicked");
            return problem(
                ErrorCode::Internal,
                "internal_error",
                "Lỗi hệ thống, vui lòng thử lại sau.",
                "Internal error; please try again later.",
            );
        }
    };
    let mut response = as_problem(response).await;
    if response.status() == StatusCode::TOO_MANY_REQUESTS
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        // Every 429 says when to come back; the limits without their own wait are per minute.
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    response
}

/// A handler's future whose panic becomes an error value, so the client still gets a problem
/// (the outer catch-panic layer answers plain text, for pages) and the connection is kept.
struct CatchPanic<F: Future>(Pin<Box<F>>);

impl<F: Future> Future for CatchPanic<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// A framework rejection (plain text or empty, 4xx/5xx) rewritten as a problem with a stable code.
async fn as_problem(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let ct = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/problem+json") {
        return response;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let allow = response.headers().get(header::ALLOW).cloned();
    let (kind, code, vi, en) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::TooLarge,
            "body_too_large",
            "Nội dung gửi lên quá lớn.",
            "The request body is too large.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "unsupported_media_type",
            "Kiểu nội dung không được hỗ trợ.",
            "Unsupported content type.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "method_not_allowed",
            "Phương thức không được hỗ trợ cho địa chỉ này.",
            "Method not allowed for this resource.",
        ),
        StatusCode::NOT_FOUND => (
            ErrorCode::NotFound,
            "not_found",
            "Không tìm thấy.",
            "Not found.",
        ),
        StatusCode::URI_TOO_LONG => (
            ErrorCode::UriTooLong,
            "uri_too_long",
            "Địa chỉ yêu cầu quá dài.",
            "The request URI is too long.",
        ),
        s if s.is_server_error() => (
            ErrorCode::Internal,
            "internal_error",
            "Lỗi hệ thống, vui lòng thử lại sau.",
            "Internal error; please try again later.",
        ),
        // 400 and 422 from extractors: a query, path or body value that does not parse.
        _ => (
            ErrorCode::BadRequest,
            "invalid_request",
            "Yêu cầu không hợp lệ.",
            "Invalid request.",
        ),
    };
    // The extractor's own text names the offending parameter; keep it (bounded) for developers.
    let detail = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .filter(|t| !t.trim().is_empty());
    let en = match detail {
        Some(d) => format!("{en} {d}"),
        None => en.to_owned(),
    };
    let mut r = Problem(AppError::new(kind, code, vi, en)).into_response();
    if kind == ErrorCode::BadRequest || kind == ErrorCode::Internal {
        // 400 vs 422, 500 vs 502…: the framework's status stands.
        *r.status_mut() = status;
    }
    if let Some(v) = retry_after {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if let Some(v) = allow {
        r.headers_mut().insert(header::ALLOW, v);
    }
    r
}

/// Pages: a URI too long for us gets a short plain answer rather than a page built around it.
/// The API answers its own, as a problem.
/// Whether the path carries a NUL once percent-decoded: no identifier of ours has one.
fn path_has_nul(req: &Request) -> bool {
    percent_encoding::percent_decode_str(req.uri().path()).any(|b| b == 0)
}

/// Largest JSON or form body read here to replace NUL (the handlers' own limit is the same).
const MAX_TEXT_BODY: usize = 2 * 1024 * 1024;

/// U+FFFD, percent-encoded and as a JSON escape.
const REPLACEMENT_PCT: &[u8] = b"%EF%BF%BD";
const REPLACEMENT_JSON: &[u8] = b"\\ufffd";

/// `bytes` with every `needle` (ASCII case-insensitive) replaced, or `None` if there is none.
fn replace_all(bytes: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    if !bytes
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
    {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i..i + needle.len()) {
            Some(w) if w.eq_ignore_ascii_case(needle) => {
                out.extend_from_slice(with);
                i += needle.len();
            }
            _ => {
                out.extend(bytes.get(i).copied());
                i += 1;
            }
        }
    }
    Some(out)
}

async fn nul_refused(api: bool, parts: axum::http::request::Parts) -> Response {
    if api {
        return problem(
            ErrorCode::BadRequest,
            "invalid_character",
            "Địa chỉ yêu cầu chứa ký tự không hợp lệ (NUL).",
            "The request path contains an invalid character (NUL).",
        );
    }
    // A page, in the user's language.
    let ui = crate::pages::UiLang::of(&parts);
    crate::pages::error_page(
        &ui,
        &None,
        StatusCode::BAD_REQUEST,
        crate::i18n::t(ui.lang, "error.bad_request_title"),
        crate::i18n::t(ui.lang, "error.invalid_character"),
    )
}

/// NUL is refused in paths and, as HTML parsers and decoders do, replaced by U+FFFD in queries
/// and JSON or form bodies: PostgreSQL refuses NUL in text, so it must never reach a query, and a
/// replaced character keeps every schema-valid request valid (a search, a form answer, a name).
pub async fn site(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if path_has_nul(&req) {
        return nul_refused(api, req.into_parts().0).await;
    }
    let (mut parts, body) = req.into_parts();
    if let Some(q) = parts.uri.query()
        && let Some(fixed) = replace_all(q.as_bytes(), b"%00", REPLACEMENT_PCT)
        && let Ok(fixed) = String::from_utf8(fixed)
        && let Ok(pq) =
            format!("{}?{fixed}", parts.uri.path()).parse::<axum::http::uri::PathAndQuery>()
    {
        let mut uri = parts.uri.clone().into_parts();
        uri.path_and_query = Some(pq);
        if let Ok(u) = axum::http::Uri::from_parts(uri) {
            parts.uri = u;
        }
    }
    let ct = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let json = is_json(&ct);
    let form = ct
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded");
    let req =
        if (json || form) && matches!(parts.method, Method::POST | Method::PUT | Method::PATCH) {
            let Ok(bytes) = axum::body::to_bytes(body, MAX_TEXT_BODY).await else {
                return if api {
                    problem(
                        ErrorCode::TooLarge,
                        "body_too_large",
                        "Nội dung gửi lên quá lớn.",
                        "The request body is too large.",
                    )
                } else {
                    let mut r = Response::new(Body::from("Request body too large"));
                    *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                    r
                };
            };
            let fixed = if json {
                replace_all(&bytes, b"\\u0000", REPLACEMENT_JSON)
            } else {
                replace_all(&bytes, b"%00", REPLACEMENT_PCT)
            };
            if fixed.is_some() {
                parts.headers.remove(header::CONTENT_LENGTH);
            }
            Request::from_parts(
                parts,
                Body::from(fixed.map_or(bytes, axum::body::Bytes::from)),
            )
        } else {
            Request::from_parts(parts, body)
        };
    if req.uri().to_string().len() > MAX_URI_BYTES && !req.uri().path().starts_with("/api/") {
        let mut r = Response::new(Body::from("URI too long"));
        *r.status_mut() = StatusCode::URI_TOO_LONG;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return r;
    }
    next.run(req).await
}
