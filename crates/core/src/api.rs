//! The JSON API's request and response bodies (`/api/v1`).
//!
//! Times are Unix seconds: compact on the wire for large organizations, and formatted in the
//! viewer's locale by the console.

use serde::{Deserialize, Serialize};

use crate::Role;

pub type OrgId = i64;
pub type AccountId = i64;
/// A membership's id: a person's identity within one organization.
pub type MemberId = i64;
pub type ProductId = i64;
/// Seconds since the Unix epoch.
pub type Timestamp = i64;

/// Every error response: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable and machine-readable, e.g. `invalid_credentials`, `forbidden`, `not_found`.
    pub code: String,
    /// For people: says what went wrong and, where it can, what to do.
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
    /// Ask for a bearer token in the body (embedding) instead of a session cookie.
    #[serde(default)]
    pub bearer: bool,
}

/// The signed-in account and the organizations it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub account: Account,
    pub organizations: Vec<OrganizationSummary>,
    /// Present only when the sign-in asked for a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: AccountId,
    pub email: String,
    pub full_name: String,
}

/// An organization as one of its members sees it in the switcher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationSummary {
    pub id: OrgId,
    pub name: String,
    /// The signed-in account's role there.
    pub role: Role,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: ProductId,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub id: MemberId,
    pub full_name: String,
    pub email: String,
    pub role: Role,
    pub status: MemberStatus,
    pub joined_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<Timestamp>,
    /// Full name of whoever removed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_access_at: Option<Timestamp>,
    /// Products this member holds a license of, as ids into the snapshot's `products`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<ProductId>,
}

/// An organization's members at one point of its change sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembersSnapshot {
    /// The organization's change sequence number this snapshot reflects.
    pub seq: u64,
    pub products: Vec<Product>,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
}
