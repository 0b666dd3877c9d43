//! The one error type of requests and operations: one variant per kind of failure, each with
//! its HTTP status, answered as the API's error body `{"error": {"code", "message"}}`
//! (`allot_core::ErrorBody`). Operations below `http` return it too, so that a refusal keeps
//! its code and sentence on its way out.

use allot_core::{ErrorBody, ErrorDetail};
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// Why a refusal happened: a stable code for programs and a sentence for people.
#[derive(Debug)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

/// Every way a request can fail.
#[derive(Debug)]
pub enum ApiError {
    /// 400: malformed, or a value breaks a rule.
    BadRequest(Problem),
    /// 401: no live session, or credentials that do not match.
    Unauthenticated(Problem),
    /// 403: the caller may not do this.
    Forbidden(Problem),
    /// 404: nothing there, or nothing the caller may see (the same answer, so that other
    /// organizations' ids reveal nothing).
    NotFound(Problem),
    /// 405.
    MethodNotAllowed,
    /// 409: the current state refuses it (seats, a taken name, no longer pending...).
    Conflict(Problem),
    /// 410: a link or session that worked once and no longer does.
    Gone(Problem),
    /// 413.
    PayloadTooLarge(Problem),
    /// 415.
    UnsupportedMediaType(Problem),
    /// 422: well-formed, but the values cannot be used.
    Unprocessable(Problem),
    /// 429: too many attempts; wait.
    TooManyRequests(Problem),
    /// 503: the server is too busy for it now.
    Unavailable(Problem),
    /// 500: the database failed (logged; the client learns only that nothing changed).
    Database(sqlx::Error),
    /// 500: anything else that should not happen.
    Internal,
}

pub type ApiResult<T> = Result<T, ApiError>;

fn problem(code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        code,
        message: message.into(),
    }
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest(problem(code, message))
    }

    pub fn unauthenticated() -> Self {
        Self::unauthenticated_because("unauthenticated", "Sign in to continue.")
    }

    pub fn unauthenticated_because(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unauthenticated(problem(code, message))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(problem("forbidden", message))
    }

    pub fn forbidden_because(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden(problem(code, message))
    }

    /// Also the answer for another organization's ids, so that nothing about them leaks.
    pub fn not_found() -> Self {
        Self::not_found_because(
            "not_found",
            "Nothing exists at this address, or you cannot see it.",
        )
    }

    pub fn not_found_because(code: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound(problem(code, message))
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict(problem(code, message))
    }

    pub fn gone(code: &'static str, message: impl Into<String>) -> Self {
        Self::Gone(problem(code, message))
    }

    pub fn payload_too_large(code: &'static str, message: impl Into<String>) -> Self {
        Self::PayloadTooLarge(problem(code, message))
    }

    pub fn unsupported_media_type(code: &'static str, message: impl Into<String>) -> Self {
        Self::UnsupportedMediaType(problem(code, message))
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unprocessable(problem(code, message))
    }

    pub fn too_many_requests(code: &'static str, message: impl Into<String>) -> Self {
        Self::TooManyRequests(problem(code, message))
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unavailable(problem(code, message))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn problem(&self) -> Option<&Problem> {
        match self {
            Self::BadRequest(problem)
            | Self::Unauthenticated(problem)
            | Self::Forbidden(problem)
            | Self::NotFound(problem)
            | Self::Conflict(problem)
            | Self::Gone(problem)
            | Self::PayloadTooLarge(problem)
            | Self::UnsupportedMediaType(problem)
            | Self::Unprocessable(problem)
            | Self::TooManyRequests(problem)
            | Self::Unavailable(problem) => Some(problem),
            Self::MethodNotAllowed | Self::Database(_) | Self::Internal => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match (self, self.problem()) {
            (_, Some(problem)) => problem.code,
            (Self::MethodNotAllowed, _) => "method_not_allowed",
            _ => "internal",
        }
    }

    pub fn message(&self) -> &str {
        match (self, self.problem()) {
            (_, Some(problem)) => &problem.message,
            (Self::MethodNotAllowed, _) => "This address does not accept that method.",
            _ => "Something went wrong on the server; nothing was changed. Try again.",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Database(error) = &self {
            tracing::error!(%error, "database error");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.message().to_owned(),
            },
        };
        (self.status(), Json(body)).into_response()
    }
}

/// A name or password that the account rules refuse: bad input, with the rule's words.
impl From<allot_core::account::Refused> for ApiError {
    fn from(refused: allot_core::account::Refused) -> Self {
        Self::bad_request(refused.code, refused.message)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}
