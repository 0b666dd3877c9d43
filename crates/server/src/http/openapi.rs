//! The OpenAPI document, generated from the handlers' annotations and the API types.

use allot_core::paths;
use utoipa::{
    Modify, OpenApi,
    openapi::{self, ContentBuilder, PathItem, Ref, RefOr, ResponseBuilder, path::Operation},
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Allot API",
        description = "Members, invitations and licenses of organizations. Errors are \
                       `{\"error\": {\"code\", \"message\"}}`; times are Unix seconds."
    ),
    // Query parameters' types are not collected from the handlers.
    components(schemas(allot_core::api::StatusFilter)),
)]
struct ApiDoc;

/// The answers any operation of a kind can give, documented once instead of on every handler:
/// malformed input, bodies too large or not JSON, no session, not allowed, unknown or another
/// organization's ids, and a server failure.
struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, document: &mut openapi::OpenApi) {
        for (path, item) in document.paths.paths.iter_mut() {
            let signed_in = path.starts_with("/api/v1/orgs/") || path == "/api/v1/session";
            for (method, operation) in operations(item) {
                let has_body = operation.request_body.is_some();
                let has_query = operation.parameters.iter().flatten().any(|parameter| {
                    matches!(
                        parameter.parameter_in,
                        openapi::path::ParameterIn::Query | openapi::path::ParameterIn::Header
                    )
                });
                let mut shared = vec![("500", "The server failed; nothing was changed.")];
                if has_body || has_query {
                    shared.push((
                        "400",
                        "The request is malformed (`invalid_body`, `invalid_query`).",
                    ));
                }
                if has_body {
                    shared.push(("413", "The body is over 2 MB (`body_too_large`)."));
                    shared.push(("415", "The body is not JSON (`unsupported_media_type`)."));
                }
                // Signing in needs no session; every other operation of these paths does.
                if signed_in && !(path == "/api/v1/session" && method == "post") {
                    shared.push(("401", "No live session (`unauthenticated`)."));
                }
                if path.starts_with("/api/v1/orgs/") {
                    shared.push(("403", "The caller's role may not do this (`forbidden`)."));
                    shared.push((
                        "404",
                        "Nothing with these ids in an organization the caller belongs to.",
                    ));
                }
                for (status, description) in shared {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("post", item.post.as_mut()),
        ("put", item.put.as_mut()),
        ("patch", item.patch.as_mut()),
        ("delete", item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation?)))
}

fn error_response(description: &str) -> RefOr<openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// The document of the API whose routes `routes` documents (paths relative to
/// `paths::API`), with what every route shares.
pub fn document(routes: openapi::OpenApi) -> openapi::OpenApi {
    let mut document = ApiDoc::openapi().nest(paths::API, routes);
    SharedResponses.modify(&mut document);
    document
}
