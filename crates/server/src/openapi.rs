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
        super::feed::changes,
        super::invitations::products,
        super::invitations::list,
        super::invitations::create,
        super::invitations::resend,
        super::invitations::link,
        super::invitations::revoke,
        super::invitations::preview,
        super::invitations::accept,
        super::allocation_errors::list,
        super::allocation_errors::retry,
        super::allocation_errors::dismiss,
        super::member_changes::remove,
        super::member_changes::restore,
        super::member_changes::change_role,
        super::export::members_csv,
        super::teams::list,
        super::teams::create,
        super::teams::rename,
        super::teams::delete,
        super::teams::set_member,
        super::teams::remove_member,
        super::license_api::activate,
        super::license_api::heartbeat,
        super::license_api::release,
        super::license_api::public_key,
        super::license_admin::overview,
        super::license_admin::remove_users,
        super::license_admin::remove_online,
        super::license_admin::remove_offline,
        super::license_admin::remove_machines,
        super::groups::create,
        super::groups::update,
        super::groups::delete,
        super::groups::set_rule,
        super::groups::release,
        super::groups::set_allocation,
    )
)]
struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
