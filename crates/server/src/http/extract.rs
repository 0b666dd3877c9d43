//! Extractors whose refusals use the API's error shape.

use std::{convert::Infallible, net::SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::{StatusCode, request::Parts},
    middleware::Next,
    response::Response,
};
use serde::{Serialize, de::DeserializeOwned};

use crate::error::ApiError;

/// Like `axum::Json`, but a missing content type, an oversized body (413) or a malformed one
/// answers `{"error": {...}}` saying what is wrong, and so does a string of the request
/// holding a character no stored text may hold (`allot_core::text`), naming its field (fields
/// the request type does not read are ignored, as JSON Schema allows). Whole numbers written with a fraction
/// (`3.0`) are read as integers, as JSON Schema's `integer` allows (serde_json's
/// `float_roundtrip` parses them exactly).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Serialize> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let value = match axum::Json::<serde_json::Value>::from_request(request, state).await {
            Ok(axum::Json(value)) => value,
            Err(JsonRejection::MissingJsonContentType(_)) => {
                return Err(ApiError::unsupported_media_type(
                    "unsupported_media_type",
                    "Send the request body as JSON (Content-Type: application/json).",
                ));
            }
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::payload_too_large(
                    "body_too_large",
                    "The request body is too large: at most 2 MB.",
                ));
            }
            Err(rejection) => return Err(invalid_body(rejection.body_text())),
        };
        let request = T::deserialize(whole_numbers(value))
            .map_err(|error| invalid_body(error.to_string()))?;
        // What the request reads, as it reads it: written back out, its strings are checked.
        let read = serde_json::to_value(&request).map_err(|_| ApiError::Internal)?;
        if let Some((field, character)) = forbidden_character(&read, String::new()) {
            return Err(ApiError::bad_request(
                "control_character",
                format!(
                    "{field} holds a control character (U+{:04X}): send one line of visible text.",
                    u32::from(character)
                ),
            ));
        }
        Ok(Self(request))
    }
}

fn invalid_body(why: String) -> ApiError {
    ApiError::bad_request(
        "invalid_body",
        format!("The request body is not valid: {why}"),
    )
}

/// The first string in `value` with a character no stored text may hold: where it is (`name`,
/// `emails[3]`) and the character. Passwords are left alone: they are hashed, never stored or
/// shown, and any character a person chose is theirs.
fn forbidden_character(value: &serde_json::Value, at: String) -> Option<(String, char)> {
    use serde_json::Value;
    match value {
        Value::String(text) => allot_core::text::forbidden_character(text).map(|character| {
            (
                if at.is_empty() { "The body".into() } else { at },
                character,
            )
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| forbidden_character(item, format!("{at}[{index}]"))),
        Value::Object(fields) => fields
            .iter()
            .filter(|(name, _)| name.as_str() != "password")
            .find_map(|(name, field)| {
                let path = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                forbidden_character(field, path)
            }),
        _ => None,
    }
}

/// `value` with every number that is a whole number in `i64`'s range as an integer.
fn whole_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            // ±2^63 as floats: an integer literal out of `i64`'s range parses as a float
            // that rounds to one of them, so both bounds are left out (and -2^63 itself is
            // parsed as an integer in the first place).
            const BOUND: f64 = 9_223_372_036_854_775_808.0;
            if float.fract() == 0.0 && float > -BOUND && float < BOUND {
                Value::from(float as i64)
            } else {
                Value::Number(number)
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(name, field)| (name, whole_numbers(field)))
                .collect(),
        ),
        other => other,
    }
}

/// Like `axum::extract::Path`; a path that does not parse (`/orgs/abc/...`) names nothing,
/// so it answers 404 like any other unknown address.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|_| ApiError::not_found())
    }
}

/// Like `axum::extract::Query`; a query string that does not parse answers 400 in the API's
/// error shape, saying what is wrong.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("The query string is not valid: {}", rejection.body_text()),
                )
            })
    }
}

/// The address of the client a request comes from, as throttling knows it: the peer's IP, or
/// behind a load balancer (`--trust-forwarded-for`) the last address of `X-Forwarded-For`,
/// the one the balancer added.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .cloned()
            .unwrap_or_else(|| ClientAddr("unknown".into())))
    }
}

/// Works out each request's [`ClientAddr`].
pub async fn client_addr(trust_forwarded_for: bool, mut request: Request, next: Next) -> Response {
    let forwarded = trust_forwarded_for
        .then(|| request.headers().get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|list| list.rsplit(',').next())
        .map(|address| address.trim().to_owned())
        .filter(|address| !address.is_empty());
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip().to_string());
    if let Some(address) = forwarded.or(peer) {
        request.extensions_mut().insert(ClientAddr(address));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn control_characters_are_found_with_their_field() {
        let found = |value| forbidden_character(&value, String::new());
        assert_eq!(
            found(json!({ "name": "a\u{0}b" })),
            Some(("name".into(), '\0'))
        );
        assert_eq!(
            found(json!({ "emails": ["a@b.co", "c\u{1b}@d.co"] })),
            Some(("emails[1]".into(), '\u{1b}'))
        );
        assert_eq!(
            found(json!({ "a": { "b": "x\u{202e}y" } })),
            Some(("a.b".into(), '\u{202e}'))
        );
        assert_eq!(found(json!({ "name": "Zoë 李", "n": 3 })), None);
    }

    #[test]
    fn whole_numbers_with_a_fraction_become_integers() {
        assert_eq!(
            whole_numbers(json!({ "ids": [3.0, 4, -2.0], "x": 1.5, "n": { "m": 1e3 } })),
            json!({ "ids": [3, 4, -2], "x": 1.5, "n": { "m": 1000 } })
        );
        assert!(
            whole_numbers(json!(1e19)).is_f64(),
            "outside i64 stays as it was"
        );
    }
}
