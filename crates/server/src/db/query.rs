//! Queries that run on either database: sqlx's `query`, `query_as` and `query_scalar`, with
//! the arguments held until the query knows where it runs.

use std::marker::PhantomData;

use futures_util::{TryStreamExt, stream::BoxStream};
use sqlx::{
    Arguments, Decode, Encode, FromRow, Postgres, Sqlite, Type, postgres::PgRow, sqlite::SqliteRow,
};

use super::{Conn, Db, Tx};

/// A value bound to a placeholder. Each type that a query binds converts into one, so that
/// a role or a status is bound as the text the database stores (see `allot_core`'s
/// `as_str`s), in one place.
#[derive(Clone, Debug)]
pub enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Bool(Option<bool>),
}

macro_rules! arg_from {
    ($variant:ident: $($ty:ty => $convert:expr),* $(,)?) => {$(
        impl From<$ty> for Arg {
            fn from(value: $ty) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(Some(($convert)(value)))
            }
        }
        impl From<Option<$ty>> for Arg {
            fn from(value: Option<$ty>) -> Self {
                #[allow(clippy::redundant_closure_call)]
                Arg::$variant(value.map($convert))
            }
        }
    )*};
}

arg_from!(Int: i64 => |v| v, &i64 => |v: &i64| *v, i32 => i64::from, u32 => i64::from,
    usize => |v: usize| v as i64, u64 => |v: u64| v as i64);
arg_from!(Text: String => |v| v, &String => |v: &String| v.clone(), &str => str::to_owned,
    &&str => |v: &&str| (*v).to_owned());
arg_from!(Bytes: Vec<u8> => |v| v, &Vec<u8> => |v: &Vec<u8>| v.clone(),
    &[u8] => <[u8]>::to_vec, [u8; 32] => |v: [u8; 32]| v.to_vec(),
    &[u8; 32] => |v: &[u8; 32]| v.to_vec());
arg_from!(Bool: bool => |v| v);
// The ids, stored as their integers.
macro_rules! id_arg {
    ($($ty:ident),*) => {
        arg_from!(Int: $(allot_core::$ty => |v: allot_core::$ty| v.0),*);
    };
}
id_arg!(
    OrgId,
    AccountId,
    MemberId,
    ProductId,
    GroupId,
    TeamId,
    InvitationId,
    ActivationId,
    MachineId,
    PoolId,
    AllocationErrorId,
    AuditEntryId
);
// The enums stored as text, as `allot_core::stored` encodes them.
macro_rules! stored_arg {
    ($($ty:ty),*) => {
        arg_from!(Text: $($ty => |v: $ty| v.as_str().to_owned()),*);
    };
}
stored_arg!(
    allot_core::Role,
    allot_core::MemberStatus,
    allot_core::TeamRole,
    allot_core::InvitationStatus,
    allot_core::ActivationMode,
    allot_core::licensing::PoolKind,
    allot_core::licensing::PoolUsage,
    allot_core::AuditAction
);

/// One row's values for a multi-row INSERT, bound in order (like sqlx's `Separated`).
#[derive(Default)]
pub struct Values(Vec<Arg>);

impl Values {
    pub fn push_bind(&mut self, value: impl Into<Arg>) -> &mut Self {
        self.0.push(value.into());
        self
    }
}

/// Writes `rows` with one `head VALUES (...), (...), ...` statement per `per_statement` rows;
/// `bind` binds one row's values.
pub async fn insert_all<T>(
    conn: &mut Conn,
    head: &str,
    rows: &[T],
    per_statement: usize,
    mut bind: impl FnMut(&mut Values, &T),
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("{head} VALUES ");
        let mut args = Vec::new();
        for (i, row) in chunk.iter().enumerate() {
            let mut values = Values::default();
            bind(&mut values, row);
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&vec!["?"; values.0.len()].join(", "));
            sql.push(')');
            args.extend(values.0);
        }
        query(&sql).binds(args).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A row type both databases can decode: a tuple or a `#[derive(sqlx::FromRow)]` struct.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

/// A single column's type both databases can decode.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
    + 'static
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
        + 'static
{
}

/// Where a query runs: the pool (a connection of its own, each statement committing on its
/// own) or a connection already taken, usually in a transaction.
pub enum Target<'e> {
    Pool(&'e Db),
    Conn(&'e mut Conn),
}

pub trait Executor<'e> {
    fn target(self) -> Target<'e>;
}

impl<'e> Executor<'e> for &'e Db {
    fn target(self) -> Target<'e> {
        Target::Pool(self)
    }
}

impl<'e> Executor<'e> for &'e mut Conn {
    fn target(self) -> Target<'e> {
        Target::Conn(self)
    }
}

impl<'e> Executor<'e> for &'e mut Tx {
    fn target(self) -> Target<'e> {
        Target::Conn(&mut self.0)
    }
}

/// The held arguments as `DB`'s, in order.
fn arguments<DB>(args: Vec<Arg>) -> DB::Arguments<'static>
where
    DB: sqlx::Database,
    Option<i64>: Encode<'static, DB> + Type<DB>,
    Option<String>: Encode<'static, DB> + Type<DB>,
    Option<Vec<u8>>: Encode<'static, DB> + Type<DB>,
    Option<bool>: Encode<'static, DB> + Type<DB>,
{
    let mut out = DB::Arguments::default();
    for arg in args {
        let added = match arg {
            Arg::Int(value) => out.add(value),
            Arg::Text(value) => out.add(value),
            Arg::Bytes(value) => out.add(value),
            Arg::Bool(value) => out.add(value),
        };
        added.expect("both databases take integers, text, bytes and booleans");
    }
    out
}

/// `sql` with SQLite's placeholders (`?`, `?3`) as PostgreSQL's (`$1`, `$3`); text in quotes
/// is left alone.
pub(super) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut next = 0;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(open), _) => {
                if c == open {
                    quote = None;
                }
                out.push(c);
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                let mut digits = String::new();
                while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                    digits.push(digit);
                }
                // As SQLite numbers them: a bare `?` is one past the largest number so far.
                match digits.parse::<usize>() {
                    Ok(number) => next = next.max(number),
                    Err(_) => {
                        next += 1;
                        digits = next.to_string();
                    }
                }
                out.push('$');
                out.push_str(&digits);
            }
            (None, _) => out.push(c),
        }
    }
    out
}

/// Runs `$body` with `$ex` (an sqlx executor), `$sql` and `$args` for the database `$target`
/// is on: one text of the body, compiled for each database.
macro_rules! on_target {
    ($target:expr, $sql:expr, $args:expr, |$ex:ident, $q:ident, $a:ident| $body:expr) => {{
        let sql: &str = $sql;
        match $target {
            Target::Pool(Db::Sqlite(pool)) => {
                let ($ex, $q, $a) = (pool, sql, arguments::<Sqlite>($args));
                $body
            }
            Target::Pool(Db::Postgres(pool)) => {
                let numbered = numbered(sql);
                let ($ex, $q, $a) = (pool, numbered.as_str(), arguments::<Postgres>($args));
                $body
            }
            Target::Conn(Conn::Sqlite(handle)) => {
                let ($ex, $q, $a) = (handle.connection(), sql, arguments::<Sqlite>($args));
                $body
            }
            Target::Conn(Conn::Postgres(handle)) => {
                let numbered = numbered(sql);
                let ($ex, $q, $a) = (
                    handle.connection(),
                    numbered.as_str(),
                    arguments::<Postgres>($args),
                );
                $body
            }
        }
    }};
}

/// `fetch_one`, `fetch_optional` and `fetch_all` for a query whose rows sqlx's `$with`
/// (`query_as_with` or `query_scalar_with`) reads as `O`s.
macro_rules! fetchers {
    ($with:ident) => {
        pub async fn fetch_one<'e>(self, on: impl Executor<'e>) -> Result<O, sqlx::Error> {
            on_target!(on.target(), self.sql, self.args, |ex, sql, args| {
                sqlx::$with(sql, args).fetch_one(ex).await
            })
        }

        pub async fn fetch_optional<'e>(
            self,
            on: impl Executor<'e>,
        ) -> Result<Option<O>, sqlx::Error> {
            on_target!(on.target(), self.sql, self.args, |ex, sql, args| {
                sqlx::$with(sql, args).fetch_optional(ex).await
            })
        }

        pub async fn fetch_all<'e>(self, on: impl Executor<'e>) -> Result<Vec<O>, sqlx::Error> {
            on_target!(on.target(), self.sql, self.args, |ex, sql, args| {
                sqlx::$with(sql, args).fetch_all(ex).await
            })
        }
    };
}

/// A statement whose rows are not read.
#[must_use = "a query does nothing until it is executed"]
pub struct Query<'q> {
    sql: &'q str,
    args: Vec<Arg>,
}

/// A query whose rows are read as `O`s.
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryAs<'q, O> {
    sql: &'q str,
    args: Vec<Arg>,
    row: PhantomData<fn() -> O>,
}

/// A query whose rows are one column, read as `O`s.
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryScalar<'q, O> {
    sql: &'q str,
    args: Vec<Arg>,
    value: PhantomData<fn() -> O>,
}

pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
    }
}

pub fn query_as<O: Record>(sql: &str) -> QueryAs<'_, O> {
    QueryAs {
        sql,
        args: Vec::new(),
        row: PhantomData,
    }
}

pub fn query_scalar<O: Scalar>(sql: &str) -> QueryScalar<'_, O> {
    QueryScalar {
        sql,
        args: Vec::new(),
        value: PhantomData,
    }
}

/// What a statement did.
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

impl Query<'_> {
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    pub fn binds(mut self, values: impl IntoIterator<Item = Arg>) -> Self {
        self.args.extend(values);
        self
    }

    pub async fn execute<'e>(self, on: impl Executor<'e>) -> Result<Done, sqlx::Error> {
        let rows_affected = on_target!(on.target(), self.sql, self.args, |ex, sql, args| {
            sqlx::query_with(sql, args)
                .execute(ex)
                .await?
                .rows_affected()
        });
        Ok(Done { rows_affected })
    }
}

impl<'q, O: Record> QueryAs<'q, O> {
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    pub fn binds(mut self, values: impl IntoIterator<Item = Arg>) -> Self {
        self.args.extend(values);
        self
    }

    fetchers!(query_as_with);

    /// The rows one at a time, as the database yields them.
    pub fn fetch<'e>(self, on: &'e Db) -> BoxStream<'e, Result<O, sqlx::Error>>
    where
        'q: 'e,
    {
        let Self { sql, args, .. } = self;
        Box::pin(async_stream::try_stream! {
            match on {
                Db::Sqlite(pool) => {
                    let mut rows = sqlx::query_as_with(sql, arguments::<Sqlite>(args)).fetch(pool);
                    while let Some(row) = rows.try_next().await? {
                        yield row;
                    }
                }
                Db::Postgres(pool) => {
                    let sql = numbered(sql);
                    let mut rows = sqlx::query_as_with(&sql, arguments::<Postgres>(args)).fetch(pool);
                    while let Some(row) = rows.try_next().await? {
                        yield row;
                    }
                }
            }
        })
    }
}

impl<O: Scalar> QueryScalar<'_, O> {
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    fetchers!(query_scalar_with);
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            numbered("SELECT ?, '?', ?3, \"a?\" FROM t WHERE x = ? AND y = ?12"),
            "SELECT $1, '?', $3, \"a?\" FROM t WHERE x = $4 AND y = $12"
        );
    }
}
