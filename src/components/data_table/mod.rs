//! The table of every list page: `DataTable` over rows of any type. Its pieces: the rows
//! seen without their type and what changed (`model`), what is derived from them, the sort
//! and the search (`derived`), ticks (`selection`), the virtual window (`window`), the
//! header (`header`) and one row (`row`).

mod derived;
mod header;
mod model;
mod row;
mod selection;
mod window;

use std::sync::Arc;

use allot_core::{
    format::count,
    selection::Selection,
    sort::{Direction, Sort, SortKey},
};
use leptos::prelude::*;

use derived::Derived;
use header::header_cells;
use model::{Head, Model, Typed};
use row::{InView, RowView};
use selection::Ticks;
use window::{ROW_HEIGHT, Scroller};

/// A table's rows computed from other state once per change of it. Read many times per
/// keystroke, so not derived on every read; never compared either, since comparing 100,000
/// rows costs as much as building them.
pub fn table_rows<T: Send + Sync + 'static>(
    compute: impl Fn() -> Vec<T> + Send + Sync + 'static,
) -> Signal<Vec<T>> {
    Memo::new_with_compare(move |_| compute(), |_, _| true).into()
}

/// The selected rows of `rows`, in their order.
pub fn selected_rows<T: TableRow>(rows: Signal<Vec<T>>, selected: RwSignal<Selection>) -> Vec<T> {
    selected.with(|selection| {
        rows.with(|rows| match selection {
            Selection::Ids(ids) => rows
                .iter()
                .filter(|r| ids.contains(&r.id()))
                .cloned()
                .collect(),
            Selection::Matching { .. } => rows
                .iter()
                .filter(|r| selection.contains(r.id(), &r.search_key()))
                .cloned()
                .collect(),
        })
    })
}

/// What a table needs to know of its rows.
pub trait TableRow: Clone + Send + Sync + 'static {
    fn id(&self) -> i64;
    /// The folded text the search bar matches (see `allot_core::search::search_key`).
    fn search_key(&self) -> String;
    /// Names the row for assistive technology: "Select {label}".
    fn label(&self) -> String;
    /// Rows shared with the organization's state (an event replaces only the rows it
    /// touched) tell an unchanged row by identity, and a few small ones by comparing them:
    /// the table then redoes, and draws again, only what changed. The table keeps a copy.
    const SHARED: bool = false;
    /// Whether this is `earlier`, unchanged (see `SHARED`).
    fn unchanged(&self, _earlier: &Self) -> bool {
        false
    }
}

type Cell<T> = Arc<dyn Fn(&T) -> AnyView + Send + Sync>;
type Key<T> = Arc<dyn Fn(&T) -> SortKey + Send + Sync>;
type Text<T> = Arc<dyn Fn(&T) -> String + Send + Sync>;

/// Why a row cannot be ticked (an unexpired offline license...), or `None` when it can.
pub type Unselectable<T> = fn(&T) -> Option<&'static str>;

/// A table's first sort, by its column's heading: `SortBy::ascending("Join date")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortBy {
    column: &'static str,
    direction: Direction,
}

impl SortBy {
    pub fn ascending(column: &'static str) -> Self {
        Self {
            column,
            direction: Direction::Ascending,
        }
    }

    pub fn descending(column: &'static str) -> Self {
        Self {
            column,
            direction: Direction::Descending,
        }
    }

    /// The sort of the columns `heads` it names; a heading no sortable column has is a
    /// mistake in the page, caught by its first test.
    fn resolve(self, heads: &[Head]) -> Sort {
        let column = heads
            .iter()
            .position(|head| head.label == self.column && head.sortable)
            .unwrap_or_else(|| panic!("no sortable column “{}”", self.column));
        Sort {
            column,
            direction: self.direction,
        }
    }
}

/// One column: its header, how its cells render and, if sortable, what it sorts by.
pub struct Column<T> {
    label: &'static str,
    class: &'static str,
    cell: Cell<T>,
    /// The cell's whole text, shown on hover when the column clips it.
    title: Option<Text<T>>,
    sort_key: Option<Key<T>>,
    /// What the cells read besides their row: every row is drawn again when it changes.
    also_reads: Option<Signal<u64>>,
}

impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        Self {
            label: self.label,
            class: self.class,
            cell: self.cell.clone(),
            title: self.title.clone(),
            sort_key: self.sort_key.clone(),
            also_reads: self.also_reads,
        }
    }
}

impl<T> Column<T> {
    pub fn new<V: IntoView + 'static>(
        label: &'static str,
        cell: impl Fn(&T) -> V + Send + Sync + 'static,
    ) -> Self {
        Self {
            label,
            class: "",
            cell: Arc::new(move |row| cell(row).into_any()),
            title: None,
            sort_key: None,
            also_reads: None,
        }
    }

    /// A column of text (a name, an email...): cut with an ellipsis when too long for the
    /// column, and shown whole on hover.
    pub fn text(label: &'static str, text: impl Fn(&T) -> String + Send + Sync + 'static) -> Self
    where
        T: 'static,
    {
        let text: Text<T> = Arc::new(text);
        let cell = text.clone();
        Self {
            label,
            class: "",
            cell: Arc::new(move |row| cell(row).into_any()),
            title: Some(text),
            sort_key: None,
            also_reads: None,
        }
    }

    /// Its heading.
    pub fn label(&self) -> &'static str {
        self.label
    }

    pub fn sorted_by(mut self, key: impl Fn(&T) -> SortKey + Send + Sync + 'static) -> Self {
        self.sort_key = Some(Arc::new(key));
        self
    }

    /// The cells also read what `revision` follows (a member's licenses are named after
    /// the groups and products): the rows are drawn again whenever it moves on.
    pub fn also_reads(mut self, revision: Signal<u64>) -> Self {
        self.also_reads = Some(revision);
        self
    }

    /// A class for the column's cells (styling, and tests find cells by it).
    pub fn class(mut self, class: &'static str) -> Self {
        self.class = class;
        self
    }
}

/// Rows with a search bar, sortable columns and, for tables with bulk actions, row selection.
/// Only the rows in view are in the DOM, so it stays fast however many rows there are;
/// `aria-rowcount` and `aria-rowindex` keep the whole list known to assistive technology.
/// On a narrow screen the table scrolls sideways in its own labelled, focusable region, with
/// the first column kept in view.
#[component]
pub fn DataTable<T: TableRow>(
    rows: Signal<Vec<T>>,
    columns: Vec<Column<T>>,
    /// The search text; the page owns it so that it can live in the URL.
    search: RwSignal<String>,
    /// The selected rows, for the page's bulk actions; a table without bulk actions has no
    /// selection.
    #[prop(optional_no_strip)]
    selected: Option<RwSignal<Selection>>,
    /// Rows no bulk action applies to cannot be ticked, and say why.
    #[prop(optional_no_strip)]
    unselectable: Option<Unselectable<T>>,
    /// The sort before the admin picks one.
    sort_by: SortBy,
    /// What the rows are, for the table's name and its counts: "active users".
    noun: &'static str,
    /// The search bar's hint, for rows that are not people ("Search by name or email").
    #[prop(optional_no_strip)]
    placeholder: Option<&'static str>,
    /// What is happening to a row this admin changed, until the server confirms it:
    /// "Removing…". The row shows it and is marked busy.
    #[prop(optional_no_strip)]
    pending: Option<Callback<i64, Option<String>>>,
    /// Called when the last rows come into view, for a page that loads more rows from the
    /// server as they are reached (the Audit Log's older entries).
    #[prop(optional_no_strip)]
    on_near_end: Option<Callback<()>>,
) -> impl IntoView {
    let model = Typed::new(rows, columns, unselectable);
    let heads = model.heads();
    table(Table {
        model: Arc::new(model),
        heads,
        search,
        selected,
        sort_by,
        noun,
        placeholder: placeholder.unwrap_or("Search by name or email"),
        pending,
        on_near_end,
    })
}

/// A table's parts without their row type: the table itself is compiled once, not once per
/// kind of row.
struct Table {
    model: Arc<dyn Model>,
    heads: Vec<Head>,
    search: RwSignal<String>,
    selected: Option<RwSignal<Selection>>,
    sort_by: SortBy,
    noun: &'static str,
    placeholder: &'static str,
    pending: Option<Callback<i64, Option<String>>>,
    on_near_end: Option<Callback<()>>,
}

fn table(table: Table) -> impl IntoView {
    let Table {
        model,
        heads,
        search,
        selected,
        sort_by,
        noun,
        placeholder,
        pending,
        on_near_end,
    } = table;
    let model = StoredValue::new(model);
    let selectable = selected.is_some();
    let selected = selected.unwrap_or_else(|| RwSignal::new(Selection::default()));
    let sort = RwSignal::new(sort_by.resolve(&heads));
    let derived = Derived::new(model, sort, search);
    let ticks = Ticks::new(selected, model, derived);
    let matching_len = move || derived.matching_len();
    let scroller = Scroller::new(matching_len);
    if let Some(callback) = on_near_end {
        scroller.on_near_end(matching_len, callback);
    }
    let window = scroller.window;
    // The rows read first: a memo checked after another that already pulled it would not
    // report its change (the window depends on it too).
    let rows_in_view = move || {
        // Read, not only tracked: reading runs the refresh that stamps the rows.
        derived.version.get();
        derived.matching.with(|positions| {
            let window = window.get();
            let model = model.get_value();
            (window.start..window.end)
                .map(|position| {
                    let index = positions[position];
                    (model.stamp(index), position, index, model.id(index))
                })
                .collect::<Vec<InView>>()
        })
    };
    let rows = RowView {
        model,
        ticks,
        selectable,
        classes: heads.iter().map(|head| head.class).collect(),
        pending,
    };
    let summary = move || {
        let total = derived.ids.with(Vec::len);
        if search.read().trim().is_empty() {
            format!("{} {noun}", count(total))
        } else {
            format!("{} of {} {noun} match", count(matching_len()), count(total))
        }
    };
    let empty = move || {
        (matching_len() == 0).then(|| {
            let query = search.read().trim().to_owned();
            let text = if query.is_empty() {
                format!("There are no {noun}.")
            } else {
                format!("No {noun} match “{query}”.")
            };
            view! { <p class="empty">{text}</p> }
        })
    };
    let body = NodeRef::<leptos::html::Tbody>::new();
    let (on_focus_in, on_focus_out) = scroller.keep_focus(body);
    let column_count = heads.len() + usize::from(selectable);
    // Below this width the table scrolls sideways instead of squeezing its columns.
    let min_width = format!("{}rem", heads.len() * 9 + 3);
    let spacer = |rows: usize| format!("{}px", rows * ROW_HEIGHT);

    view! {
        <div class="table-toolbar">
            <input
                type="search"
                class="search"
                aria-label=format!("Search {noun}")
                placeholder=placeholder
                on:input=move |ev| search.set(event_target_value(&ev))
                prop:value=search
            />
            <p class="summary" role="status">{summary}</p>
            {selectable.then(|| ticks.status())}
        </div>
        // Focusable and named: on a narrow screen it scrolls sideways, by keyboard too.
        <div
            class="table-scroll"
            node_ref=scroller.area
            tabindex="0"
            role="region"
            aria-label=format!("Table of {noun}")
            style:--fill-height=move || scroller.fill_height()
            on:scroll=move |ev| scroller.on_scroll(ev)
        >
            <table
                aria-label=noun
                aria-rowcount=move || matching_len() + 1
                class:selectable=selectable
                style:min-width=min_width
            >
                <thead>
                    <tr aria-rowindex="1">
                        {selectable.then(|| ticks.select_all_cell(noun))}
                        {header_cells(&heads, sort)}
                    </tr>
                </thead>
                <tbody node_ref=body on:focusin=on_focus_in on:focusout=on_focus_out>
                    <tr class="spacer" aria-hidden="true">
                        <td colspan=column_count style:height=move || spacer(window.get().rows_above())></td>
                    </tr>
                    <For each=rows_in_view key=|row| *row children=move |row| rows.draw(row) />
                    <tr class="spacer" aria-hidden="true">
                        <td colspan=column_count style:height=move || spacer(window.get().rows_below())></td>
                    </tr>
                </tbody>
            </table>
            {empty}
        </div>
    }
}
