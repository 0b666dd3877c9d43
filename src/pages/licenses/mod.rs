//! License Management: what each product's seats are doing, and the removals the product
//! document describes, each with its notice; at the foot, the License Allocations sections.

mod allocations;
mod usage;

use std::collections::HashMap;

use allot_core::{
    LicenseOverview, LicensedUser, OfflineActivation, OnlineActivation, ProductId,
    RegisteredMachine,
    format::{ago, count, until},
    licensing::{PoolKind, PoolUsage},
    paths,
    selection::Selection,
    sort::SortKey,
};
use leptos::{either::Either, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api,
    components::{
        Column, Dialog, DialogActions, Dialogs, IconButton, SortBy, TablePage, TableRow, Toasts,
        Toolbar, Unselectable, icons, selected_rows,
        tabs::{self, TabList},
    },
    context::current_organization,
    format,
    org::{Mutation, OrgState, Remote},
    pages::NotFound,
    route::{self, LicenseSection},
};

/// Expiry this close is worth a warning.
const EXPIRY_WARNING_DAYS: i64 = 30;

/// Machines, sessions and offline licenses: not in the organization's snapshot (products
/// report them), loaded by this page and again whenever the feed says they changed.
#[derive(Clone, Copy)]
struct Licenses {
    overview: Remote<LicenseOverview>,
}

impl Licenses {
    fn rows<T: Clone + Send + Sync + 'static>(
        &self,
        pick: fn(&LicenseOverview) -> &Vec<T>,
    ) -> Signal<Vec<T>> {
        let overview = self.overview.latest();
        crate::components::table_rows(move || {
            overview.with(|o| o.as_ref().map(|o| pick(o).clone()).unwrap_or_default())
        })
    }
}

#[component]
pub fn LicensesPage() -> impl IntoView {
    let params = use_params_map();
    let section = Memo::new(move |_| params.read().get("section").and_then(|s| route::parse(&s)));
    let Some(organization) = current_organization() else {
        return Either::Left(view! { <NotFound /> });
    };
    let org = organization.id;
    let state = OrgState::get();
    let licenses = Licenses {
        overview: Remote::following(move || api::licenses(org), move || state.licenses_version()),
    };
    provide_context(licenses);
    let query = use_query_map();
    let placement = crate::context::Placement::get();
    // The allocation sections stay open from tab to tab.
    let href = Callback::new(move |section: LicenseSection| {
        let path = placement.href(&format!("/orgs/{org}/{}", section.route()));
        match query.read().get("expand") {
            Some(expand) => format!("{path}?expand={}", js_sys::encode_uri_component(&expand)),
            None => path,
        }
    });
    let panel = move || {
        let Some(current) = section.get() else {
            return view! { <NotFound /> }.into_any();
        };
        let content = match current {
            LicenseSection::Users => view! { <LicensedUsers /> }.into_any(),
            LicenseSection::Online => view! { <OnlineLicenses /> }.into_any(),
            LicenseSection::Offline => view! { <OfflineLicenses /> }.into_any(),
            LicenseSection::Machines => view! { <RegisteredMachines /> }.into_any(),
        };
        tabs::tab_panel(current, content).into_any()
    };
    Either::Right(view! {
        <h1>"License Management"</h1>
        <Summary />
        <TabList label="Licenses" current=section href />
        {panel}
        <allocations::Allocations />
    })
}

/// Each product's named seats as a bar (in use, reserved by pending invitations, free) with
/// the same numbers Invite Users shows, then its pools: their seats, what holds the floating
/// and offline ones, and their expiry, marked when it is near.
#[component]
fn Summary() -> impl IntoView {
    let licenses: Licenses = expect_context();
    let products = Memo::new(move |_| {
        licenses.overview.latest().with(|overview| {
            overview
                .iter()
                .flat_map(|o| &o.products)
                .map(|product| product.id)
                .collect::<Vec<_>>()
        })
    });
    // Keyed by product: a card, and its usage chart with the range chosen, stays while the
    // seats and the overview change under it.
    view! {
        <div class="product-summaries">
            <For each=move || products.get() key=|id| *id let:id>
                <ProductCard id />
            </For>
        </div>
    }
}

#[component]
fn ProductCard(id: ProductId) -> impl IntoView {
    let licenses: Licenses = expect_context();
    let state = OrgState::get();
    let now = format::now();
    let product = Memo::new(move |_| {
        licenses.overview.latest().with(|overview| {
            overview
                .iter()
                .flat_map(|o| &o.products)
                .find(|product| product.id == id)
                .cloned()
        })
    });
    let named = Memo::new(move |_| {
        state
            .seats()
            .into_iter()
            .find(|seats| seats.id == id)
            .filter(|seats| seats.seats.is_some())
    });
    let has_named = Memo::new(move |_| named.with(Option::is_some));
    // Named seats move with the feed's seat counts; floating ones with the pools' (the
    // overview reloads when licenses change).
    let named_moved = Memo::new(move |_| {
        named.with(|seats| {
            seats.as_ref().map_or(0, |seats| {
                u64::from(seats.used) << 32 | u64::from(seats.seats.unwrap_or(0))
            })
        })
    });
    let floating_moved = Memo::new(move |_| {
        product.with(|product| {
            product
                .iter()
                .flat_map(|product| &product.pools)
                .filter(|pool| pool.kind == PoolKind::Floating && pool.expires_at > now)
                .fold(0, |moved, pool| {
                    moved + (u64::from(pool.used) << 32 | u64::from(pool.seats))
                })
        })
    });
    let has_floating = Memo::new(move |_| {
        product.with(|product| {
            product
                .iter()
                .flat_map(|product| &product.pools)
                .any(|pool| pool.kind == PoolKind::Floating)
        })
    });
    let name = move || product.with(|p| p.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let pools = move || {
        product.with(|product| {
            product
                .iter()
                .flat_map(|product| &product.pools)
                .map(|pool| pool_line(pool, now))
                .collect_view()
        })
    };
    view! {
        <article class="product-summary" aria-labelledby=format!("product-{id}")>
            <h2 id=format!("product-{id}") class="clamp" title=name>{name}</h2>
            {move || named.get().map(|seats| view! {
                <p class="pool-title">"Named seats"</p>
                <SeatBar seats=seats.clone() />
                <p class="hint">{seats.usage()}</p>
            })}
            <Show when=move || has_named.get()>
                <usage::UsageChart org=state.org product=id kind=PoolKind::Named name=name() moved=named_moved />
            </Show>
            <ul class="pools">{pools}</ul>
            <Show when=move || has_floating.get()>
                <usage::UsageChart org=state.org product=id kind=PoolKind::Floating name=name() moved=floating_moved />
            </Show>
        </article>
    }
}

/// One pool: its kind, its seats and what holds them (sessions and offline licenses; named
/// seats are counted by the bar above), and its expiry.
fn pool_line(pool: &allot_core::PoolSummary, now: i64) -> impl IntoView + use<> {
    let seats = count(pool.seats as usize);
    let what = match (pool.kind, pool.usage) {
        (PoolKind::Named, PoolUsage::Online) => format!("Named, online: {seats} seats"),
        (PoolKind::Named, PoolUsage::Offline) => format!(
            "Named, offline: {} of {seats} offline licenses",
            count(pool.used as usize)
        ),
        (PoolKind::Floating, PoolUsage::Online) => format!(
            "Floating, online: {} of {seats} in use by sessions",
            count(pool.used as usize)
        ),
        (PoolKind::Floating, PoolUsage::Offline) => format!(
            "Floating, offline: {} of {seats} offline licenses",
            count(pool.used as usize)
        ),
    };
    let expired = pool.expires_at <= now;
    let soon = !expired && pool.expires_at - now < EXPIRY_WARNING_DAYS * 24 * 3600;
    let expiry = if expired {
        format!("Expired {}", format::date(pool.expires_at))
    } else {
        format!(
            "Expires {} ({})",
            format::date(pool.expires_at),
            until(now, pool.expires_at)
        )
    };
    view! {
        <li>
            <span>{what}</span>
            <span class="expiry" class:soon=soon class:expired=expired>
                {(soon || expired).then(|| view! { <span class="badge">{if expired { "Expired" } else { "Expires soon" }}</span> })}
                {expiry}
            </span>
        </li>
    }
}

/// Named seats as a bar: in use, reserved by pending invitations, free. Its name says the
/// numbers for those who cannot see it.
#[component]
fn SeatBar(seats: allot_core::ProductSeats) -> impl IntoView {
    let total = seats.seats.unwrap_or_default().max(1) as f64;
    let share = |n: u32| format!("{:.2}%", (n as f64 / total * 100.0).min(100.0));
    let free = seats.left().unwrap_or_default();
    let label = format!(
        "{} in use, {} reserved, {} free of {} seats",
        count(seats.in_use() as usize),
        count(seats.reserved as usize),
        count(free as usize),
        count(seats.seats.unwrap_or_default() as usize)
    );
    view! {
        <div class="seat-bar" role="img" aria-label=label>
            <span class="in-use" style:width=share(seats.in_use())></span>
            <span class="reserved" style:width=share(seats.reserved)></span>
        </div>
        <p class="seat-legend" aria-hidden="true">
            <span><i class="in-use"></i>{format!("{} in use", count(seats.in_use() as usize))}</span>
            <span><i class="reserved"></i>{format!("{} reserved", count(seats.reserved as usize))}</span>
            <span><i class="free"></i>{format!("{} free", count(free as usize))}</span>
        </p>
    }
}

/// What a section's removal says and does.
struct Removal<T> {
    /// Where the removal is sent: `paths::LICENSES_USERS_REMOVE`...
    path: &'static str,
    /// The dialog's title, as the document words it.
    title: &'static str,
    /// The document's notice.
    notice: &'static [&'static str],
    /// A chosen row as the dialog lists it: "QA-WS-0042 (Ana Díaz)".
    item: fn(&T) -> String,
    /// A row's short name, for the message once done.
    name: fn(&T) -> String,
    /// The message's verb and noun: ("Removed", ("licensed user", "licensed users")).
    done: (&'static str, (&'static str, &'static str)),
    /// Why a row cannot be removed (yet): it cannot be ticked, its trash button says why.
    unremovable: Unselectable<T>,
}

impl<T> Clone for Removal<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Removal<T> {}

/// The removal dialog of `removal` for the rows `chosen`: who or what, the notice, Remove.
#[component]
fn RemovalDialog<T: TableRow>(
    removal: Removal<T>,
    chosen: Vec<T>,
    on_close: Callback<()>,
    selected: RwSignal<Selection>,
) -> impl IntoView {
    let org = OrgState::get().org;
    let toasts = Toasts::get();
    let ids: Vec<i64> = chosen.iter().map(T::id).collect();
    let name_of: HashMap<i64, String> = chosen
        .iter()
        .map(|row| (row.id(), (removal.name)(row)))
        .collect();
    let remove = Mutation::new(
        move |ids: &Vec<i64>| api::remove_licenses(org, removal.path, ids.clone()),
        move |_, response| {
            let (verb, noun) = removal.done;
            toasts.report(&response, |done| {
                let names: Vec<&String> = done.iter().filter_map(|id| name_of.get(id)).collect();
                allot_core::format::done_to(verb, &names, noun, "")
            });
            selected.set(Selection::default());
            on_close.run(());
        },
    );
    let notice = removal
        .notice
        .iter()
        .map(|line| view! { <li>{*line}</li> })
        .collect_view();
    let items = chosen
        .iter()
        .map(|row| {
            let item = (removal.item)(row);
            view! { <li><span class="clamp" title=item.clone()>{item.clone()}</span></li> }
        })
        .collect_view();
    view! {
        <Dialog title=removal.title.to_owned() on_close>
            <ul class="email-list">{items}</ul>
            <div class="notice-box" role="note">
                <strong>"Notice"</strong>
                <ul class="notes">{notice}</ul>
            </div>
            <DialogActions
                on_cancel=on_close
                confirm="Remove"
                danger=true
                disabled=Signal::derive(move || remove.busy())
                on_confirm=Callback::new(move |_| remove.run(ids.clone()))
            />
        </Dialog>
    }
}

/// One section's table with a selection, a bulk Remove and a trash button per row, all
/// opening the removal dialog for the rows concerned.
fn section<T: TableRow>(
    rows: Signal<Vec<T>>,
    mut columns: Vec<Column<T>>,
    noun: &'static str,
    removal: Removal<T>,
) -> impl IntoView {
    let licenses: Licenses = expect_context();
    let search = RwSignal::new(String::new());
    let selected = RwSignal::new(Selection::default());
    let removing = RwSignal::new(None::<Vec<T>>);
    columns.push(
        Column::new("Actions", move |row: &T| {
            let label = row.label();
            let chosen = row.clone();
            view! {
                <IconButton
                    action="Remove"
                    label=format!("Remove {label}")
                    icon=icons::trash().into_any()
                    tone="danger"
                    disabled=(removal.unremovable)(row)
                    on_click=Callback::new(move |_| removing.set(Some(vec![chosen.clone()])))
                />
            }
        })
        .class("actions"),
    );
    let remove_selected = move |_| removing.set(Some(untrack(|| selected_rows(rows, selected))));
    let sort_by = SortBy::ascending(columns[0].label());
    view! {
        <TablePage
            source=licenses.overview
            what="licenses"
            rows
            columns
            search
            selected
            unselectable=removal.unremovable
            sort_by
            noun
        >
            <Toolbar slot>
                <button type="button" class="danger" disabled=move || selected.with(Selection::is_empty) on:click=remove_selected>
                    "Remove selected"
                </button>
            </Toolbar>
            <Dialogs slot>
                {move || removing.get().map(|chosen| view! {
                    <RemovalDialog removal chosen on_close=Callback::new(move |_| removing.set(None)) selected />
                })}
            </Dialogs>
        </TablePage>
    }
}

/// The Machine ID and User columns of the tables about machines.
fn machine_columns<T: 'static>(machine: fn(&T) -> &str, user: fn(&T) -> &str) -> Vec<Column<T>> {
    vec![
        Column::text("Machine ID", move |row: &T| machine(row).to_owned())
            .sorted_by(move |row| SortKey::text(machine(row)))
            .class("name"),
        Column::text("User", move |row: &T| user(row).to_owned())
            .sorted_by(move |row| SortKey::text(user(row))),
    ]
}

#[component]
fn LicensedUsers() -> impl IntoView {
    let licenses: Licenses = expect_context();
    let state = OrgState::get();
    let now = format::now();
    let columns = vec![
        Column::text("User", |u: &LicensedUser| u.full_name.clone())
            .sorted_by(|u| SortKey::text(&u.full_name))
            .class("name"),
        Column::text("Email", |u: &LicensedUser| u.email.clone())
            .sorted_by(|u| SortKey::text(&u.email)),
        Column::new("Products", move |u: &LicensedUser| {
            state.product_list(u.products.clone(), "")
        }),
        Column::new("Machines", |u: &LicensedUser| u.machines.to_string())
            .sorted_by(|u| SortKey::Number(Some(u.machines.into()))),
        Column::new("Last use", move |u: &LicensedUser| {
            u.last_used_at.map_or("Never".to_owned(), |at| ago(now, at))
        })
        .sorted_by(|u| SortKey::Number(u.last_used_at)),
    ];
    section(
        licenses.rows(|o| &o.licensed_users),
        columns,
        "licensed users",
        Removal {
            path: paths::LICENSES_USERS_REMOVE,
            title: "Remove",
            notice: &[
                "By clicking Remove, you immediately terminate the current session that User is working on with their online licenses. You should remove a Licensed User with caution.",
                "Removing a Licensed User working with an offline license does not revoke the license.",
                "Their machine IDs are also removed from Registered Machines, and their licenses become available again. They can still use the free product.",
            ],
            item: |u| format!("{} ({})", u.full_name, u.email),
            name: |u| u.full_name.clone(),
            done: ("Removed", ("licensed user", "licensed users")),
            unremovable: |_| None,
        },
    )
}

#[component]
fn OnlineLicenses() -> impl IntoView {
    let licenses: Licenses = expect_context();
    let state = OrgState::get();
    let now = format::now();
    let mut columns = machine_columns(|a: &OnlineActivation| &a.machine_id, |a| &a.member_name);
    columns.extend([
        Column::new("Product", move |a: &OnlineActivation| {
            state.product_name(a.product_id)
        }),
        Column::new("Started", move |a: &OnlineActivation| {
            ago(now, a.started_at)
        })
        .sorted_by(|a| SortKey::Number(Some(a.started_at))),
        Column::new("Last heartbeat", move |a: &OnlineActivation| {
            ago(now, a.last_heartbeat_at)
        })
        .sorted_by(|a| SortKey::Number(Some(a.last_heartbeat_at))),
    ]);
    section(
        licenses.rows(|o| &o.online),
        columns,
        "online licenses",
        Removal {
            path: paths::LICENSES_ONLINE_REMOVE,
            title: "Remove license",
            notice: &[
                "By clicking Remove, you immediately terminate the current session that machine ID is working on. You should remove a license from a machine ID with caution.",
                "The license is then available to be attributed again; the user can still use the free product.",
            ],
            item: |a| format!("{} ({})", a.machine_id, a.member_name),
            name: |a| a.machine_id.clone(),
            done: ("Removed the license of", ("machine", "machines")),
            unremovable: |_| None,
        },
    )
}

#[component]
fn OfflineLicenses() -> impl IntoView {
    let licenses: Licenses = expect_context();
    let state = OrgState::get();
    let now = format::now();
    let mut columns = machine_columns(|a: &OfflineActivation| &a.machine_id, |a| &a.member_name);
    columns.extend([
        Column::new("Product", move |a: &OfflineActivation| {
            state.product_name(a.product_id)
        }),
        Column::new("Expires", move |a: &OfflineActivation| {
            if a.removable {
                "Expired".to_owned()
            } else {
                // Why its Remove is disabled, where the admin looks.
                format!(
                    "{} ({}); cannot be removed before it expires",
                    format::date(a.expires_at),
                    until(now, a.expires_at)
                )
            }
        })
        .sorted_by(|a| SortKey::Number(Some(a.expires_at))),
    ]);
    view! {
        <p class="hint">"You cannot remove an offline license from a machine until the license is expired."</p>
        {section(licenses.rows(|o| &o.offline), columns, "offline licenses", Removal {
            path: paths::LICENSES_OFFLINE_REMOVE,
            title: "Clear expired offline licenses",
            notice: &["These offline licenses have expired; clearing them only tidies the list."],
            item: |a| format!("{} ({})", a.machine_id, a.member_name),
            name: |a| a.machine_id.clone(),
            done: ("Cleared the expired offline license of", ("machine", "machines")),
            unremovable: |a| (!a.removable).then_some("it cannot be removed before it expires"),
        })}
    }
}

#[component]
fn RegisteredMachines() -> impl IntoView {
    let licenses: Licenses = expect_context();
    let now = format::now();
    let columns = vec![
        Column::text("Machine ID", |m: &RegisteredMachine| m.machine_id.clone())
            .sorted_by(|m| SortKey::text(&m.machine_id))
            .class("name"),
        Column::text("Hostname", |m: &RegisteredMachine| m.hostname.clone())
            .sorted_by(|m| SortKey::text(&m.hostname)),
        Column::text("User", |m: &RegisteredMachine| m.member_name.clone())
            .sorted_by(|m| SortKey::text(&m.member_name)),
        Column::new("Registered", |m: &RegisteredMachine| {
            format::date(m.registered_at)
        })
        .sorted_by(|m| SortKey::Number(Some(m.registered_at))),
        Column::new("Last seen", move |m: &RegisteredMachine| {
            ago(now, m.last_seen_at)
        })
        .sorted_by(|m| SortKey::Number(Some(m.last_seen_at))),
    ];
    section(
        licenses.rows(|o| &o.machines),
        columns,
        "registered machines",
        Removal {
            path: paths::LICENSES_MACHINES_REMOVE,
            title: "Deactivate Machine",
            notice: &[
                "This removes the license associated with the machine ID and ends its online sessions now. The license is then available to be attributed again.",
                "The user who had this machine ID can still use the free product.",
            ],
            item: |m| format!("{} ({}, {})", m.machine_id, m.hostname, m.member_name),
            name: |m| m.machine_id.clone(),
            done: ("Deactivated", ("machine", "machines")),
            unremovable: |_| None,
        },
    )
}
