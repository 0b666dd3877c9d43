//! The typed client of the Allot JSON API.

use std::fmt;

use allot_core::{ErrorBody, MembersSnapshot, OrgId, Session, SignInRequest};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

const BASE: &str = "/api/v1";

/// Why a request failed, in the terms the console reacts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No session, or it has ended: sign in again.
    Unauthenticated,
    /// Signed in, but this account may not do that.
    Forbidden(String),
    /// Nothing there, or nothing this account can see.
    NotFound,
    /// Bad input or a broken rule (400, 409, 422, 429...): the server's words say which.
    Rejected { code: String, message: String },
    /// The server could not be reached.
    Network,
    /// The server failed (5xx) or answered something unreadable.
    Server(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthenticated => f.write_str("Your session has ended. Sign in again."),
            ApiError::Forbidden(message) | ApiError::Server(message) => f.write_str(message),
            ApiError::Rejected { message, .. } => f.write_str(message),
            ApiError::NotFound => f.write_str("This page does not exist, or you cannot see it."),
            ApiError::Network => {
                f.write_str("The Allot server cannot be reached. Check your connection and retry.")
            }
        }
    }
}

impl std::error::Error for ApiError {}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    let body = response.json::<ErrorBody>().await.ok();
    let message = body.as_ref().map(|body| body.error.message.clone());
    let code = body.as_ref().map(|body| body.error.code.as_str());
    match status {
        // A 401 with another code (wrong password) is a refusal to show, not a lost session.
        401 if code.is_none_or(|code| code == "unauthenticated") => ApiError::Unauthenticated,
        403 => ApiError::Forbidden(message.unwrap_or_else(|| "You may not do that.".into())),
        404 => ApiError::NotFound,
        400..=499 => ApiError::Rejected {
            code: body.map(|body| body.error.code).unwrap_or_default(),
            message: message.unwrap_or_else(|| format!("The request was refused ({status}).")),
        },
        _ => ApiError::Server(message.unwrap_or_else(|| {
            format!("The server failed ({status}). Nothing was changed; try again.")
        })),
    }
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let request = request.map_err(|error| ApiError::Server(error.to_string()))?;
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    if response.ok() {
        Ok(response)
    } else {
        Err(error_of(response).await)
    }
}

async fn json<T: DeserializeOwned>(
    request: Result<Request, gloo_net::Error>,
) -> Result<T, ApiError> {
    send(request)
        .await?
        .json()
        .await
        .map_err(|error| ApiError::Server(format!("Unreadable answer from the server: {error}")))
}

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

pub async fn session() -> Result<Session, ApiError> {
    json(Request::get(&url("/session")).build()).await
}

pub async fn sign_in(email: String, password: String) -> Result<Session, ApiError> {
    let body = SignInRequest {
        email,
        password,
        bearer: false,
    };
    json(Request::post(&url("/session")).json(&body)).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    send(Request::delete(&url("/session")).build())
        .await
        .map(drop)
}

pub async fn members(org: OrgId) -> Result<MembersSnapshot, ApiError> {
    json(Request::get(&url(&format!("/orgs/{org}/members"))).build()).await
}
