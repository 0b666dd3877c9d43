use std::{collections::HashSet, sync::Arc};

use allot_core::{
    format::count,
    search::SearchQuery,
    selection::{SelectAll, select_all_state, toggle, toggle_all},
    sort::{Direction, Sort, SortKey, sort_rows},
    window::RowWindow,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Must equal `--allot-row-height` in style/main.css: the window math counts in rows.
const ROW_HEIGHT: f64 = 44.0;
/// The scroll area's height before it is first measured.
const DEFAULT_VIEWPORT: f64 = 640.0;
/// Left free below a table at the foot of the window, for notices (px).
const NOTICE_STRIP: f64 = 88.0;
/// The least height of a table's scroll area (px).
const MIN_AREA: f64 = 288.0;

/// A table's rows computed from other state once per change of it. Read many times per
/// keystroke, so not derived on every read; never compared either, since comparing 100,000
/// rows costs as much as building them.
pub fn table_rows<T: Send + Sync + 'static>(
    compute: impl Fn() -> Vec<T> + Send + Sync + 'static,
) -> Signal<Vec<T>> {
    Memo::new_with_compare(move |_| compute(), |_, _| true).into()
}

/// The rows whose ids are selected, in the order of `rows`.
pub fn selected_rows<T: TableRow>(
    rows: Signal<Vec<T>>,
    selected: RwSignal<HashSet<i64>>,
) -> Vec<T> {
    selected.with(|ids| {
        rows.with(|rows| {
            rows.iter()
                .filter(|row| ids.contains(&row.id()))
                .cloned()
                .collect()
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

    /// The sort of `columns` it names; a heading no sortable column has is a mistake in the
    /// page, caught by its first test.
    fn resolve<T>(self, columns: &[Column<T>]) -> Sort {
        let column = columns
            .iter()
            .position(|c| c.label == self.column && c.sort_key.is_some())
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
}

impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        Self {
            label: self.label,
            class: self.class,
            cell: self.cell.clone(),
            title: self.title.clone(),
            sort_key: self.sort_key.clone(),
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
    /// Ids of the selected rows, for the page's bulk actions; a table without bulk actions
    /// has no selection.
    #[prop(optional_no_strip)]
    selected: Option<RwSignal<HashSet<i64>>>,
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
) -> impl IntoView {
    let sort = RwSignal::new(sort_by.resolve(&columns));
    let placeholder = placeholder.unwrap_or("Search by name or email");
    let columns = StoredValue::new(columns);
    let selectable = selected.is_some();
    let selected = selected.unwrap_or_else(|| RwSignal::new(HashSet::new()));
    let can_select = move |row: &T| unselectable.is_none_or(|why| why(row).is_none());
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(DEFAULT_VIEWPORT);

    // Folded once per load, so each keystroke only folds the query.
    let keys =
        Memo::new(move |_| rows.with(|rows| rows.iter().map(T::search_key).collect::<Vec<_>>()));
    let sorted = Memo::new(move |_| {
        let sort = sort.get();
        columns.with_value(|columns| {
            rows.with(|rows| match &columns[sort.column].sort_key {
                Some(key) => sort_rows(rows, |row| key(row), T::id, sort.direction),
                None => (0..rows.len()).collect(),
            })
        })
    });
    // Bumped whenever the rows or their order change: positions in `matching` index the
    // sorted rows of one such version.
    let version = Memo::new(move |previous: Option<&u64>| {
        sorted.track();
        keys.track();
        previous.map_or(0, |n| n + 1)
    });
    let last_query = StoredValue::new(None::<(u64, SearchQuery)>);
    let matching = Memo::new(move |previous: Option<&Vec<usize>>| {
        let query = SearchQuery::new(&search.read());
        let version = version.get();
        // Typing on only narrows: filter the previous matches instead of every row.
        let narrowing = last_query.with_value(
            |last| matches!(last, Some((at, last)) if *at == version && query.narrows(last)),
        );
        last_query.set_value(Some((version, query.clone())));
        if query.is_empty() {
            return sorted.get();
        }
        keys.with(|keys| {
            let matches = |&&i: &&usize| query.matches(&keys[i]);
            match previous.filter(|_| narrowing) {
                Some(previous) => previous.iter().filter(matches).copied().collect(),
                None => sorted.with(|sorted| sorted.iter().filter(matches).copied().collect()),
            }
        })
    });
    // The matching rows select-all applies to.
    let matching_ids = move || {
        rows.with(|rows| {
            matching.with(|positions| {
                positions
                    .iter()
                    .map(|&i| &rows[i])
                    .filter(|row| can_select(row))
                    .map(T::id)
                    .collect::<Vec<_>>()
            })
        })
    };
    // Whether every row matches and can be ticked: then, as the selection holds only present
    // rows, counting it is enough, without looking up each of 100,000 ids.
    let all_match =
        move || unselectable.is_none() && matching.with(Vec::len) == rows.with(Vec::len);
    let all_state = Memo::new(move |_| {
        let count = selected.with(HashSet::len);
        if count == 0 {
            SelectAll::Unchecked
        } else if all_match() {
            if count == rows.with(Vec::len) {
                SelectAll::Checked
            } else {
                SelectAll::Mixed
            }
        } else {
            selected.with(|selected| select_all_state(&matching_ids(), selected))
        }
    });
    // Rows that went away (removed elsewhere, revoked...) leave the selection too.
    Effect::new(move |_| {
        rows.track();
        if selected.with_untracked(HashSet::is_empty) {
            return;
        }
        let present: HashSet<i64> = rows.with(|rows| {
            rows.iter()
                .filter(|row| can_select(row))
                .map(T::id)
                .collect()
        });
        if selected.with_untracked(|selected| selected.iter().any(|id| !present.contains(id))) {
            selected.update(|selected| selected.retain(|id| present.contains(id)));
        }
    });
    let window = Memo::new(move |_| {
        RowWindow::new(
            matching.with(Vec::len),
            ROW_HEIGHT,
            scroll_top.get(),
            viewport.get(),
        )
    });
    // Bumped on every load, so that rows whose data changed are drawn again.
    let generation = Memo::new(move |previous: Option<&u64>| {
        rows.track();
        previous.map_or(0, |n| n + 1)
    });
    let rows_in_view = move || {
        let window = window.get();
        let generation = generation.get();
        matching.with(|positions| {
            rows.with(|rows| {
                (window.start..window.end)
                    .map(|position| (generation, position, rows[positions[position]].clone()))
                    .collect::<Vec<_>>()
            })
        })
    };

    let summary = move || {
        let total = rows.with(Vec::len);
        if search.read().trim().is_empty() {
            format!("{} {noun}", count(total))
        } else {
            format!(
                "{} of {} {noun} match",
                count(matching.with(Vec::len)),
                count(total)
            )
        }
    };
    let selected_count = move || selected.with(HashSet::len);

    let header_cells = columns.with_value(|columns| {
        columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let label = column.label;
                let class = column.class;
                if column.sort_key.is_none() {
                    return view! { <th scope="col" class=class>{label}</th> }.into_any();
                }
                let direction = move || sort.get().direction_of(index);
                let aria_sort = move || match direction() {
                    Some(Direction::Ascending) => "ascending",
                    Some(Direction::Descending) => "descending",
                    None => "none",
                };
                let indicator = move || match direction() {
                    Some(Direction::Ascending) => "▲",
                    Some(Direction::Descending) => "▼",
                    None => "",
                };
                view! {
                    <th scope="col" class=class aria-sort=aria_sort>
                        <button type="button" class="sort" on:click=move |_| sort.update(|sort| *sort = sort.clicked(index))>
                            {label}
                            <span class="sort-indicator" aria-hidden="true">{indicator}</span>
                        </button>
                    </th>
                }
                .into_any()
            })
            .collect_view()
    });

    let row = move |(_, position, row): (u64, usize, T)| {
        let id = row.id();
        let checked = Memo::new(move |_| selected.with(|selected| selected.contains(&id)));
        let cells = columns.with_value(|columns| {
            columns
                .iter()
                .map(|column| {
                    let title = column.title.as_ref().map(|title| title(&row));
                    view! { <td class=column.class title=title>{(column.cell)(&row)}</td> }
                })
                .collect_view()
        });
        let pending_label = move || pending.and_then(|pending| pending.run(id));
        let why_not = unselectable.and_then(|why| why(&row));
        let check = selectable.then(|| {
            let label = row.label();
            let name = match why_not {
                Some(why) => format!("Select {label} ({why})"),
                None => format!("Select {label}"),
            };
            view! {
                <td class="check" title=why_not>
                    <label class="hit">
                        <input
                            type="checkbox"
                            aria-label=name
                            disabled=why_not.is_some()
                            prop:checked=checked
                            on:change=move |_| selected.update(|selected| toggle(id, selected))
                        />
                    </label>
                    {move || pending_label().map(|label| view! { <span class="pending-label">{label}</span> })}
                </td>
            }
        });
        view! {
            <tr
                aria-rowindex=position + 2
                class:selected=checked
                class:pending=move || pending_label().is_some()
                aria-busy=move || pending_label().is_some().then_some("true")
            >
                {check}
                {cells}
            </tr>
        }
    };

    // Keyboard focus on a row survives the window moving under it: scrolling to the focused
    // row can redraw it, which drops focus to the page, so it is put back on the same row.
    let body = NodeRef::<leptos::html::Tbody>::new();
    let focused_position = StoredValue::new(None::<usize>);
    let on_focus_in = move |ev: leptos::ev::FocusEvent| {
        let row = event_target::<web_sys::Element>(&ev).closest("tr[aria-rowindex]");
        let position = row
            .ok()
            .flatten()
            .and_then(|row| row.get_attribute("aria-rowindex")?.parse::<usize>().ok());
        focused_position.set_value(position.map(|index| index - 2));
    };
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        // Focus going elsewhere on purpose (not lost with a redrawn row) is left alone.
        if ev.related_target().is_some() {
            focused_position.set_value(None);
        }
    };
    Effect::new(move |_| {
        window.track();
        let Some(position) = focused_position.get_value() else {
            return;
        };
        let restore = move || {
            let selector = format!("tr[aria-rowindex=\"{}\"] :is(input, button)", position + 2);
            let row = body
                .get_untracked()
                .and_then(|body| body.query_selector(&selector).ok().flatten());
            if let (true, Some(row)) = (crate::dom::focus_lost(), row)
                && let Ok(row) = row.dyn_into::<web_sys::HtmlElement>()
            {
                let _ = row.focus();
            }
        };
        // At once, so that a key pressed right after the redraw still finds the row focused;
        // and after the next frame, for redraws that come later.
        restore();
        request_animation_frame(restore);
    });

    // The scroll area reaches down to a strip left free at the foot of the window, where
    // notices appear, whatever is above it on the page; measured when drawn and on resize.
    let area = NodeRef::<leptos::html::Div>::new();
    let fill_height = RwSignal::new(None::<f64>);
    let measure = move || {
        let Some(area) = area.get_untracked() else {
            return;
        };
        let page = leptos::prelude::window();
        let top = area.get_bounding_client_rect().top() + page.scroll_y().unwrap_or_default();
        let height = page
            .inner_height()
            .ok()
            .and_then(|height| height.as_f64())
            .unwrap_or_default();
        fill_height.set(Some((height - top - NOTICE_STRIP).max(MIN_AREA)));
        viewport.set(area.client_height() as f64);
    };
    area.on_load(move |_| request_animation_frame(measure));
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let on_scroll = move |ev: leptos::ev::Event| {
        let area = event_target::<web_sys::Element>(&ev);
        scroll_top.set(area.scroll_top() as f64);
        viewport.set(area.client_height() as f64);
    };
    let empty = move || {
        matching.with(Vec::is_empty).then(|| {
            let query = search.read().trim().to_owned();
            let text = if query.is_empty() {
                format!("There are no {noun}.")
            } else {
                format!("No {noun} match “{query}”.")
            };
            view! { <p class="empty">{text}</p> }
        })
    };
    let column_count = columns.with_value(Vec::len) + usize::from(selectable);
    // Below this width the table scrolls sideways instead of squeezing its columns.
    let min_width = format!("{}rem", columns.with_value(Vec::len) * 9 + 3);

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
            {selectable.then(|| view! {
                <p class="selection" role="status">
                    {move || (selected_count() > 0).then(|| format!("{} selected", count(selected_count())))}
                </p>
                <button
                    type="button"
                    class="secondary"
                    hidden=move || selected_count() == 0
                    on:click=move |_| selected.update(HashSet::clear)
                >
                    "Clear selection"
                </button>
            })}
        </div>
        // Focusable and named: on a narrow screen it scrolls sideways, by keyboard too.
        <div
            class="table-scroll"
            node_ref=area
            tabindex="0"
            role="region"
            aria-label=format!("Table of {noun}")
            style:--fill-height=move || fill_height.get().map(|height| format!("{height}px"))
            on:scroll=on_scroll
        >
            <table
                aria-label=noun
                aria-rowcount=move || matching.with(Vec::len) + 1
                class:selectable=selectable
                style:min-width=min_width
            >
                <thead>
                    <tr aria-rowindex="1">
                        {selectable.then(|| view! { <th scope="col" class="check"><label class="hit">
                            <input
                                type="checkbox"
                                aria-label=format!("Select all matching {noun}")
                                prop:checked=move || all_state.get() == SelectAll::Checked
                                prop:indeterminate=move || all_state.get() == SelectAll::Mixed
                                disabled=move || unselectable.is_some() && matching_ids().is_empty()
                                on:change=move |_| {
                                    if !all_match() {
                                        let ids = matching_ids();
                                        selected.update(|selected| toggle_all(&ids, selected));
                                    } else if all_state.get_untracked() == SelectAll::Checked {
                                        selected.update(HashSet::clear);
                                    } else {
                                        selected.set(rows.with(|rows| rows.iter().map(T::id).collect()));
                                    }
                                }
                            />
                        </label></th> })}
                        {header_cells}
                    </tr>
                </thead>
                <tbody node_ref=body on:focusin=on_focus_in on:focusout=on_focus_out>
                    <tr class="spacer" aria-hidden="true">
                        <td colspan=column_count style:height=move || format!("{}px", window.get().rows_above() as f64 * ROW_HEIGHT)></td>
                    </tr>
                    <For each=rows_in_view key=|(generation, position, row)| (*generation, *position, row.id()) children=row />
                    <tr class="spacer" aria-hidden="true">
                        <td colspan=column_count style:height=move || format!("{}px", window.get().rows_below() as f64 * ROW_HEIGHT)></td>
                    </tr>
                </tbody>
            </table>
            {empty}
        </div>
    }
}
