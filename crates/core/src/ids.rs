//! Typed ids: an organization's, an account's, a member's... are different things that all
//! happen to be numbers, so that one cannot be passed where another is meant. On the wire,
//! in URLs and in the database each is its plain integer.

use std::{fmt, num::ParseIntError, str::FromStr};

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize,
            Deserialize,
        )]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl FromStr for $name {
            type Err = ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }
    )*

        #[cfg(feature = "sqlx")]
        mod database {
            use sqlx_core::{database::Database, decode::Decode, error::BoxDynError, types::Type};

            use super::*;

            $(
                impl<DB: Database> Type<DB> for $name
                where
                    i64: Type<DB>,
                {
                    fn type_info() -> DB::TypeInfo {
                        <i64 as Type<DB>>::type_info()
                    }

                    fn compatible(ty: &DB::TypeInfo) -> bool {
                        <i64 as Type<DB>>::compatible(ty)
                    }
                }

                impl<'r, DB: Database> Decode<'r, DB> for $name
                where
                    i64: Decode<'r, DB>,
                {
                    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                        <i64 as Decode<DB>>::decode(value).map(Self)
                    }
                }
            )*
        }
    };
}

ids! {
    OrgId,
    AccountId,
    /// A membership's id: a person's identity within one organization.
    MemberId,
    ProductId,
    GroupId,
    TeamId,
    InvitationId,
    /// An online session's or an offline license's id.
    ActivationId,
    /// A registered machine's id.
    MachineId,
    /// A license pool's id.
    PoolId,
    AllocationErrorId,
    AuditEntryId,
}
