//! Errors as `application/problem+json` (RFC 9457) with a stable machine `code` and messages in
//! Vietnamese and English; the `title` follows the caller's language.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::{AppError, ErrorCode};

/// An `AppError` on its way out.
pub struct Problem(pub AppError);

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        Problem(e)
    }
}

pub fn status_of(kind: ErrorCode) -> StatusCode {
    match kind {
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::UriTooLong => StatusCode::URI_TOO_LONG,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Locked => StatusCode::LOCKED,
        ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = status_of(e.kind);
        let reference = uuid::Uuid::now_v7().to_string();
        if status.is_server_error() {
            // Logged once, here, with the source chain; the client gets a reference to quote.
            tracing::error!(error.reference = %reference, error.code = e.code, error = ?e, "request failed");
        }
        let body = serde_json::json!({
            "type": format!("/problems/{}", e.code),
            "title": e.message_en,
            "status": status.as_u16(),
            "code": e.code,
            "detail": e.message_vi,
            "message_vi": e.message_vi,
            "message_en": e.message_en,
            "errors": e.fields,
            "reference": reference,
        });
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        (status, headers, body.to_string()).into_response()
    }
}

pub fn bad_request(code: &'static str, vi: &str, en: &str) -> Problem {
    Problem(AppError::bad_request(code, vi, en))
}

pub fn unauthenticated() -> Problem {
    Problem(AppError::new(
        ErrorCode::Unauthenticated,
        "unauthenticated",
        "Vui lòng đăng nhập.",
        "Please sign in (Authorization: Bearer <token> or a session).",
    ))
}
