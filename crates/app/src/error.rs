//! One error type at the edge of the use cases: a stable machine code (the API's problem `code`,
//! translated by the UI), an HTTP-ish kind, and messages in both languages.

use motcua_domain::form::FieldError;
use motcua_domain::lifecycle::TransitionError;
use motcua_store::StoreError;
use serde::Serialize;

/// How the edge should answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400
    BadRequest,
    /// 401
    Unauthenticated,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 409
    Conflict,
    /// 413
    TooLarge,
    /// 414
    UriTooLong,
    /// 415
    UnsupportedMediaType,
    /// 422
    Unprocessable,
    /// 423
    Locked,
    /// 429
    TooManyRequests,
    /// 500
    Internal,
    /// 503
    Unavailable,
}

#[derive(Debug, thiserror::Error)]
#[error("{code}: {message_en}")]
pub struct AppError {
    pub kind: ErrorCode,
    /// Stable snake_case code, e.g. `illegal_transition`, `unknown_procedure`.
    pub code: &'static str,
    pub message_vi: String,
    pub message_en: String,
    /// Per-field problems of a form.
    pub fields: Vec<FieldError>,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl AppError {
    pub fn new(
        kind: ErrorCode,
        code: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            code,
            message_vi: vi.into(),
            message_en: en.into(),
            fields: Vec::new(),
            source: None,
        }
    }

    pub fn not_found(what_vi: &str, what_en: &str) -> Self {
        Self::new(
            ErrorCode::NotFound,
            "not_found",
            format!("Không tìm thấy {what_vi}."),
            format!("{what_en} not found."),
        )
    }

    pub fn bad_request(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, code, vi, en)
    }

    pub fn forbidden(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, code, vi, en)
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        let mut err = Self::new(
            ErrorCode::Internal,
            "internal_error",
            "Hệ thống gặp lỗi, vui lòng thử lại sau.",
            "Something went wrong on our side; please try again later.",
        );
        err.source = Some(Box::new(e));
        err
    }

    pub fn invalid_form(fields: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            ErrorCode::Unprocessable,
            "invalid_form",
            "Một số thông tin chưa hợp lệ, vui lòng sửa theo hướng dẫn ở từng trường.",
            "Some answers need fixing; see the message on each field.",
        );
        e.fields = fields;
        e
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::internal(e)
    }
}

impl From<motcua_store::sea_orm::DbErr> for AppError {
    fn from(e: motcua_store::sea_orm::DbErr) -> Self {
        AppError::internal(StoreError::Db(e))
    }
}

impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> Self {
        use motcua_domain::lifecycle::Rejection as R;
        let kind = match e.reason {
            R::WrongRole(_) | R::WrongPlace(_) | R::NotAssignee => ErrorCode::Forbidden,
            R::WrongStatus(_)
            | R::WrongStep
            | R::SupplementAlreadyRequested
            | R::AlreadyExtended
            | R::HandoverRequired
            | R::HandoverNotNeeded
            | R::NoOpenConsultation => ErrorCode::Conflict,
            _ => ErrorCode::Unprocessable,
        };
        Self::new(
            kind,
            e.reason.code(),
            e.reason.message_vi(),
            format!("{}: {}", e.action, e.reason),
        )
    }
}
