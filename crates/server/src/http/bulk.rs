//! The answer of every bulk change: one result per id, done or refused (saying why) while the
//! others go on, one audit event and change event for what was done (none when nothing was),
//! and the organization's sequence number after it.

use allot_core::{
    AccountId, BulkResponse, ErrorDetail, ItemResult, OrgId, audit::AuditDetail,
    rules::RuleViolation,
};
use axum::Json;

use crate::{
    change,
    db::Db,
    error::{ApiError, ApiResult},
};

/// Why one id of a bulk change was not done: refused (reported for that id while the others
/// go on), or failed (the whole request fails and nothing changes).
pub enum ItemError {
    Refused(ErrorDetail),
    Failed(ApiError),
}

pub fn refused(code: &str, message: impl Into<String>) -> ItemError {
    ItemError::Refused(ErrorDetail {
        code: code.to_owned(),
        message: message.into(),
    })
}

impl From<RuleViolation> for ItemError {
    fn from(violation: RuleViolation) -> Self {
        refused(violation.code(), violation.message())
    }
}

impl From<ApiError> for ItemError {
    fn from(error: ApiError) -> Self {
        ItemError::Failed(error)
    }
}

impl From<sqlx::Error> for ItemError {
    fn from(error: sqlx::Error) -> Self {
        ItemError::Failed(error.into())
    }
}

impl From<ErrorDetail> for ItemError {
    fn from(detail: ErrorDetail) -> Self {
        ItemError::Refused(detail)
    }
}

/// A bulk change under way: the organization's write transaction, one result per id so far,
/// and what each done one gave (for the change's own writes and its audit entry). Every bulk
/// change is `begin`, `add` per id as it is judged, its writes, and `finish`.
pub struct Bulk<T> {
    pub tx: change::WriteTx,
    results: Vec<ItemResult>,
    pub done: Vec<T>,
}

impl<T> Bulk<T> {
    /// Begins a change of `ids` ids on the organization's data (see `change::begin`).
    pub async fn begin(db: &Db, org_id: OrgId, ids: usize) -> ApiResult<Self> {
        Ok(Self {
            tx: change::begin(db, org_id).await?,
            results: Vec::with_capacity(ids),
            done: Vec::new(),
        })
    }

    /// Adds id's outcome; a failure fails the whole request.
    pub fn add(
        &mut self,
        id: impl Into<i64>,
        outcome: Result<T, impl Into<ItemError>>,
    ) -> ApiResult<()> {
        let error = match outcome.map_err(Into::into) {
            Ok(value) => {
                self.done.push(value);
                None
            }
            Err(ItemError::Refused(detail)) => Some(detail),
            Err(ItemError::Failed(error)) => return Err(error),
        };
        self.results.push(ItemResult {
            id: id.into(),
            error,
        });
        Ok(())
    }

    /// Records what `actor` changed, as `detail` tells it from the done ones (no event when
    /// none was done or `detail` finds nothing changed: refusals alone are no event),
    /// commits, and answers.
    pub async fn finish(
        self,
        actor: AccountId,
        detail: impl FnOnce(Vec<T>) -> Option<AuditDetail>,
    ) -> ApiResult<Json<BulkResponse>> {
        let detail = match self.done.is_empty() {
            true => None,
            false => detail(self.done),
        };
        let seq = match detail {
            Some(detail) => self.tx.finish(Some(actor), detail).await?,
            None => self.tx.finish_unchanged().await?,
        };
        Ok(Json(BulkResponse {
            results: self.results,
            seq,
        }))
    }
}
