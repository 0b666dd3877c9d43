//! The JSON API's request and response bodies (`/api/v1`).
//!
//! Times are Unix seconds: compact on the wire for large organizations, and formatted in the
//! viewer's locale by the console.

use serde::{Deserialize, Serialize};

use crate::Role;
pub use crate::ids::*;

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
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
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
    /// Products allocated to this member directly, as ids into the snapshot's `products`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<ProductId>,
    /// "Allocate to User": the direct allocation is all this member may have; group rules
    /// do not apply (so with no direct license, the member can acquire none).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allocate_to_user: bool,
    /// Groups this member belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupId>,
    /// Inherited licenses the member's products have acquired: each holds a seat until
    /// released.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<ProductId>,
}

/// A group of members: the role it grants them, if any, and its license allocation rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    /// A role every member has at least; their own role counts when it is higher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The allocation rule: products every member inherits a license of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<ProductId>,
}

/// Creating a group, or saving the Edit Group panel: its name, role and exact members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub name: String,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub members: Vec<MemberId>,
}

/// The Edit Group Allocation Rule panel's products.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupRuleRequest {
    pub products: Vec<ProductId>,
}

/// The Edit License Allocation panel: the direct allocation and whether it overrides groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationRequest {
    pub allocate_to_user: bool,
    pub products: Vec<ProductId>,
}

/// What a change to groups or allocations did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupChange {
    pub group: Option<Group>,
    /// Members whose effective licenses or role changed.
    pub members_changed: u32,
    /// Inherited seats freed (their sessions ended).
    pub seats_freed: u32,
    pub seq: u64,
}

/// An organization's members at one point of its change sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembersSnapshot {
    /// The organization's change sequence number this snapshot reflects.
    pub seq: u64,
    pub products: Vec<Product>,
    /// By id. Shared: the console's tables hold the same members, and an event replaces
    /// only those it touched.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Member>))]
    pub members: Vec<std::sync::Arc<Member>>,
    /// By id.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Pending invitations, by id.
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    /// Named seats of each product, as `products` orders them.
    #[serde(default)]
    pub seats: Vec<ProductSeats>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: HealthStatus,
    pub version: String,
}

/// How the server is: both answers mean it is up (a load balancer keeps it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The database answered.
    Ok,
    /// Every database connection is at work: the database did not answer at once, but the
    /// server did.
    Busy,
}

/// An invitation as the Pending Invitations tab lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    /// Licenses granted on acceptance, as ids into the snapshot's products.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<ProductId>,
    /// Full name of the admin who sent it.
    pub invited_by: String,
    pub created_at: Timestamp,
    /// 24 hours after it was (re)sent; past it the link no longer works.
    pub expires_at: Timestamp,
    /// Past its expiry, by the server's clock (the console's may differ).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteRequest {
    /// The addresses as typed or pasted; each is validated on the server too.
    #[cfg_attr(
        feature = "openapi",
        schema(min_items = 1, max_items = 500, value_type = Vec<InviteAddress>)
    )]
    pub emails: Vec<String>,
    pub role: Role,
    /// Products to license the invitees to when they accept.
    #[serde(default)]
    pub products: Vec<ProductId>,
}

/// One address of an invitation request as typed or pasted (the schema of
/// [`InviteRequest::emails`]' items: a line of text, validated as an address on the server).
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$")]
pub struct InviteAddress(pub String);

/// What happened to one address of an invitation request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum InviteOutcome {
    Invited { invitation_id: InvitationId },
    AlreadyMember,
    AlreadyInvited,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteResult {
    pub email: String,
    #[serde(flatten)]
    pub outcome: InviteOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteResponse {
    pub results: Vec<InviteResult>,
}

/// An invitation's activation link, for "Copy link".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationLink {
    /// The path of the link on the console's origin: `/join/<token>`.
    pub path: String,
    /// The whole link, as the invitation mail has it (on the server's `--public-url`): what
    /// "Copy link" copies, wherever the console is embedded.
    pub url: String,
    pub expires_at: Timestamp,
}

/// The most ids one bulk request may name: every member of a large organization, but not
/// unbounded work.
pub const MAX_BULK_IDS: usize = 200_000;

/// Refuses more than [`MAX_BULK_IDS`] ids while reading the request.
fn bounded_ids<'de, D, Id>(ids: D) -> Result<Vec<Id>, D::Error>
where
    D: serde::Deserializer<'de>,
    Id: Deserialize<'de>,
{
    let ids = Vec::<Id>::deserialize(ids)?;
    if ids.len() > MAX_BULK_IDS {
        return Err(serde::de::Error::custom(format!(
            "a bulk request names at most {MAX_BULK_IDS} ids, not {}",
            ids.len()
        )));
    }
    Ok(ids)
}

/// Ids for a bulk operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdsRequest {
    #[serde(deserialize_with = "bounded_ids")]
    #[cfg_attr(feature = "openapi", schema(max_items = 200_000))]
    pub ids: Vec<i64>,
}

/// Members for a bulk operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberIdsRequest {
    #[serde(deserialize_with = "bounded_ids")]
    #[cfg_attr(feature = "openapi", schema(max_items = 200_000))]
    pub ids: Vec<MemberId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRoleRequest {
    #[serde(deserialize_with = "bounded_ids")]
    #[cfg_attr(feature = "openapi", schema(max_items = 200_000))]
    pub ids: Vec<MemberId>,
    pub role: Role,
}

/// The result of a bulk operation for one id: done, or why not (nothing else changes for
/// that id; the others still go through).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemResult {
    pub id: i64,
    /// `None` when it was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkResponse {
    pub results: Vec<ItemResult>,
    /// The organization's sequence number after the change.
    pub seq: u64,
}

/// What an invitee sees before accepting (public: anyone holding the link).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    pub organization: String,
    pub invited_by: String,
    pub email: String,
    pub role: Role,
    /// Whether an account with this email exists (then it signs in rather than signs up).
    pub account_exists: bool,
    pub expires_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptRequest {
    /// Required for a new account; ignored for an existing one.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub full_name: Option<String>,
    /// The new account's password (at least 12 characters), or the existing account's to
    /// sign in.
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<TeamMember>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    Admin,
    Member,
}

impl TeamRole {
    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Member => "Member",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    pub member_id: MemberId,
    pub role: TeamRole,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamName {
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 80,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMemberRequest {
    pub role: TeamRole,
}

/// A product's named seats: what Invite Users, allocations and License Management all count
/// and show, from the one computation on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductSeats {
    pub id: ProductId,
    pub name: String,
    /// Seats of the product's unexpired named pools; `None` when it has none (floating
    /// seats are taken by sessions, not by allocation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
    /// Seats held by active members plus those promised to pending invitations.
    pub used: u32,
    /// Of `used`, the seats promised to pending invitations.
    #[serde(default)]
    pub reserved: u32,
}

/// A license a member should have had but could not get, with why; admins retry or dismiss it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationError {
    pub id: AllocationErrorId,
    pub member_id: MemberId,
    pub member_name: String,
    pub product_id: ProductId,
    pub product_name: String,
    pub reason: String,
    pub created_at: Timestamp,
}

// License API: what licensed products send and receive.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivationMode {
    /// A session the product heartbeats and the server can end.
    Online,
    /// A signed license the product checks on its own until it expires.
    Offline,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivateRequest {
    pub product_id: ProductId,
    /// The product's stable identifier of the machine it runs on.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub machine_id: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub hostname: String,
    pub mode: ActivationMode,
}

/// An activation: online, with how often to heartbeat; offline, with its signed license.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivateResponse {
    pub activation_id: ActivationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_interval_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<SignedLicense>,
}

/// An offline license: `payload` is the JSON of an [`OfflineLicense`], `signature` the
/// base64 Ed25519 signature of its bytes by the key of `GET /api/v1/license/public-key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedLicense {
    pub payload: String,
    pub signature: String,
}

/// What an offline license grants; signed as it is serialized.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineLicense {
    pub activation_id: ActivationId,
    pub org_id: OrgId,
    pub member_email: String,
    pub product_id: ProductId,
    pub product: String,
    pub machine_id: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivationRef {
    pub activation_id: ActivationId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeartbeatResponse {
    /// `active`: keep going.
    pub status: String,
}

/// The key that verifies offline licenses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicensePublicKey {
    /// `ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, base64.
    pub public_key: String,
}

// License Management: what the Owner and Admins see and remove.

/// The License Management page of an organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenseOverview {
    /// The organization's change sequence number this overview reflects.
    pub seq: u64,
    pub products: Vec<ProductLicenses>,
    pub licensed_users: Vec<LicensedUser>,
    /// Live online sessions.
    pub online: Vec<OnlineActivation>,
    /// Offline licenses not yet removed, expired ones included (those can be removed).
    pub offline: Vec<OfflineActivation>,
    pub machines: Vec<RegisteredMachine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductLicenses {
    pub id: ProductId,
    pub name: String,
    pub pools: Vec<PoolSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolSummary {
    pub id: PoolId,
    pub kind: crate::licensing::PoolKind,
    pub usage: crate::licensing::PoolUsage,
    pub seats: u32,
    /// Named online: the product's licensed active members; floating online: live sessions;
    /// offline: unexpired offline licenses.
    pub used: u32,
    pub starts_at: Timestamp,
    pub expires_at: Timestamp,
}

/// An active member holding licenses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicensedUser {
    pub member_id: MemberId,
    pub full_name: String,
    pub email: String,
    pub products: Vec<ProductId>,
    /// Registered machines.
    pub machines: u32,
    /// When one of their machines was last heard from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnlineActivation {
    pub activation_id: ActivationId,
    pub machine_id: String,
    pub hostname: String,
    pub member_id: MemberId,
    pub member_name: String,
    pub product_id: ProductId,
    pub started_at: Timestamp,
    pub last_heartbeat_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineActivation {
    pub activation_id: ActivationId,
    pub machine_id: String,
    pub hostname: String,
    pub member_id: MemberId,
    pub member_name: String,
    pub product_id: ProductId,
    pub expires_at: Timestamp,
    /// Expired: an offline license cannot be removed before.
    pub removable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisteredMachine {
    pub id: MachineId,
    pub machine_id: String,
    pub hostname: String,
    pub member_id: MemberId,
    pub member_name: String,
    pub registered_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// Which members to export: the Active Users tab, the Removed Users tab, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Active,
    Removed,
    #[default]
    All,
}

impl StatusFilter {
    /// The status to keep, or `None` for every member.
    pub fn status(self) -> Option<MemberStatus> {
        match self {
            StatusFilter::Active => Some(MemberStatus::Active),
            StatusFilter::Removed => Some(MemberStatus::Removed),
            StatusFilter::All => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_requests_are_bounded() {
        let ids: Vec<i64> = (0..=MAX_BULK_IDS as i64).collect();
        let json = serde_json::json!({ "ids": ids }).to_string();
        let error = serde_json::from_str::<IdsRequest>(&json).unwrap_err();
        assert!(error.to_string().contains("at most 200000 ids"), "{error}");
        let json = serde_json::json!({ "ids": ids[1..] }).to_string();
        assert!(serde_json::from_str::<IdsRequest>(&json).is_ok());
    }
}
