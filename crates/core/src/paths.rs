//! The API's paths, under `API`, each declared once: the server routes and documents every
//! endpoint from its handler's `#[utoipa::path(path = paths::…)]`, and the console fills the
//! same templates in (`fill`). Parameters are written `{name}`, as OpenAPI and axum write them.

use std::fmt::Display;

/// Where the API is served.
pub const API: &str = "/api/v1";

pub const HEALTH: &str = "/health";
pub const SESSION: &str = "/session";
pub const INVITATION: &str = "/invitations/{token}";
pub const INVITATION_ACCEPT: &str = "/invitations/{token}/accept";
pub const LICENSE_PUBLIC_KEY: &str = "/license/public-key";

pub const MEMBERS: &str = "/orgs/{org_id}/members";
pub const MEMBERS_EXPORT_CSV: &str = "/orgs/{org_id}/members/export.csv";
pub const MEMBERS_REMOVE: &str = "/orgs/{org_id}/members/remove";
pub const MEMBERS_RESTORE: &str = "/orgs/{org_id}/members/restore";
pub const MEMBERS_ROLE: &str = "/orgs/{org_id}/members/role";
pub const MEMBER_ALLOCATION: &str = "/orgs/{org_id}/members/{member_id}/allocation";
pub const CHANGES: &str = "/orgs/{org_id}/changes";

pub const INVITATIONS: &str = "/orgs/{org_id}/invitations";
pub const INVITATIONS_REVOKE: &str = "/orgs/{org_id}/invitations/revoke";
pub const INVITATION_LINK: &str = "/orgs/{org_id}/invitations/{id}/link";
pub const INVITATION_RESEND: &str = "/orgs/{org_id}/invitations/{id}/resend";
pub const PRODUCTS: &str = "/orgs/{org_id}/products";

pub const TEAMS: &str = "/orgs/{org_id}/teams";
pub const TEAM: &str = "/orgs/{org_id}/teams/{team_id}";
pub const TEAM_MEMBER: &str = "/orgs/{org_id}/teams/{team_id}/members/{member_id}";

pub const GROUPS: &str = "/orgs/{org_id}/groups";
pub const GROUP: &str = "/orgs/{org_id}/groups/{group_id}";
pub const GROUP_RULE: &str = "/orgs/{org_id}/groups/{group_id}/rule";
pub const GROUP_RELEASE: &str = "/orgs/{org_id}/groups/{group_id}/release";

pub const ALLOCATION_ERRORS: &str = "/orgs/{org_id}/allocation-errors";
pub const ALLOCATION_ERROR: &str = "/orgs/{org_id}/allocation-errors/{id}";
pub const ALLOCATION_ERROR_RETRY: &str = "/orgs/{org_id}/allocation-errors/{id}/retry";

pub const LICENSE_ACTIVATE: &str = "/orgs/{org_id}/license/activate";
pub const LICENSE_HEARTBEAT: &str = "/orgs/{org_id}/license/heartbeat";
pub const LICENSE_RELEASE: &str = "/orgs/{org_id}/license/release";

pub const LICENSES: &str = "/orgs/{org_id}/licenses";
pub const LICENSES_USERS_REMOVE: &str = "/orgs/{org_id}/licenses/users/remove";
pub const LICENSES_ONLINE_REMOVE: &str = "/orgs/{org_id}/licenses/online/remove";
pub const LICENSES_OFFLINE_REMOVE: &str = "/orgs/{org_id}/licenses/offline/remove";
pub const LICENSES_MACHINES_REMOVE: &str = "/orgs/{org_id}/licenses/machines/remove";
pub const PRODUCT_USAGE: &str = "/orgs/{org_id}/products/{product_id}/usage";

pub const AUDIT: &str = "/orgs/{org_id}/audit";
pub const AUDIT_EXPORT_CSV: &str = "/orgs/{org_id}/audit/export.csv";
pub const AUDIT_EXPORT_JSONL: &str = "/orgs/{org_id}/audit/export.jsonl";

/// `template` with its parameters replaced by `args`, in order:
/// `fill(TEAM, &[&org, &team])` is `/orgs/3/teams/7`. Ids and tokens need no escaping.
pub fn fill(template: &str, args: &[&dyn Display]) -> String {
    let mut path = String::with_capacity(template.len() + 8 * args.len());
    let mut args = args.iter();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').unwrap_or(rest.len() - open - 1);
        match args.next() {
            Some(arg) => path.push_str(&arg.to_string()),
            None => debug_assert!(false, "{template} takes more arguments"),
        }
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    debug_assert!(args.next().is_none(), "{template} takes fewer arguments");
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_filled_in_order() {
        assert_eq!(
            fill(TEAM_MEMBER, &[&3, &7, &42]),
            "/orgs/3/teams/7/members/42"
        );
        assert_eq!(fill(HEALTH, &[]), "/health");
        assert_eq!(
            fill(INVITATION_ACCEPT, &[&"abc"]),
            "/invitations/abc/accept"
        );
        assert_eq!(
            fill(AUDIT_EXPORT_JSONL, &[&1]),
            "/orgs/1/audit/export.jsonl"
        );
    }
}
