//! The OpenAPI document, generated from the handlers' annotations and the API types.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Allot API",
        description = "Members, invitations and licenses of organizations. Errors are \
                       `{\"error\": {\"code\", \"message\"}}`; times are Unix seconds."
    ),
    paths(
        super::health,
        super::session::sign_in,
        super::session::current,
        super::session::sign_out,
        super::members::list,
    )
)]
struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
