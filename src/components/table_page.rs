use allot_core::selection::Selection;
use leptos::prelude::*;

use super::{Column, DataTable, LoadStatus, Loadable, SortBy, TableRow, Unselectable};

/// Controls above the table: its bulk actions.
#[slot]
pub struct Toolbar {
    children: ChildrenFn,
}

/// What the toolbar opens (dialogs, panels), drawn after the table.
#[slot]
pub struct Dialogs {
    children: ChildrenFn,
}

/// A tab of rows from the server: its toolbar, the load status of `source` while there are no
/// rows (or a failed reload above them), the table once loaded, and its dialogs.
#[component]
pub fn TablePage<T: TableRow, S: Loadable>(
    /// Where the rows come from.
    source: S,
    /// What loads, for the status: "members".
    what: &'static str,
    rows: Signal<Vec<T>>,
    columns: Vec<Column<T>>,
    search: RwSignal<String>,
    sort_by: SortBy,
    noun: &'static str,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] selected: Option<RwSignal<Selection>>,
    #[prop(optional)] unselectable: Option<Unselectable<T>>,
    #[prop(optional)] pending: Option<Callback<i64, Option<String>>>,
    #[prop(optional)] toolbar: Option<Toolbar>,
    #[prop(optional)] dialogs: Option<Dialogs>,
) -> impl IntoView {
    let columns = StoredValue::new(columns);
    view! {
        {toolbar.map(|toolbar| view! { <div class="bulk-actions">{(toolbar.children)()}</div> })}
        <LoadStatus source what />
        <Show when=move || source.is_loaded()>
            <DataTable
                rows
                columns=columns.get_value()
                search
                sort_by
                noun
                placeholder
                selected
                unselectable
                pending
            />
        </Show>
        {dialogs.map(|dialogs| (dialogs.children)())}
    }
}
