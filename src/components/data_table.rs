use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use allot_core::{
    format::count,
    search::SearchQuery,
    selection::{Rows, SelectAll, Selection},
    sort::{Direction, Sort, SortKey, resort, sort_rows},
    window::RowWindow,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Must equal `--allot-row-height` in style/main.css: the window math counts in rows.
const ROW_HEIGHT: usize = 44;
/// The scroll area's height before it is first measured.
const DEFAULT_VIEWPORT: f64 = 640.0;
/// Left free below a table at the foot of the window, for notices (px).
const NOTICE_STRIP: i32 = 88;
/// How close to the last row the window comes before more rows are asked for.
const NEAR_END_ROWS: usize = 10;
/// The least height of a table's scroll area (px).
const MIN_AREA: i32 = 288;
/// Searches remembered per table, so that deleting a letter (or typing past a deletion)
/// starts from an earlier result instead of every row.
const REMEMBERED_SEARCHES: usize = 12;

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

/// A column's header, without its row type.
#[derive(Clone, Copy)]
struct Head {
    label: &'static str,
    class: &'static str,
    sortable: bool,
}

/// A table's rows and columns seen without their type: `DataTable<T>` wraps them in one, so
/// that the table itself is compiled once, not once per kind of row.
trait Model: Send + Sync {
    /// Subscribes the caller to the rows, and to what the cells also read.
    fn track(&self);
    /// Takes note of a change of the rows: which ones changed, when that can be told (all of
    /// them when what the cells also read changed).
    fn refresh(&self);
    fn len(&self) -> usize;
    fn ids(&self) -> Vec<i64>;
    /// Each row's folded search key, redone only for the rows that changed.
    fn keys(&self) -> Arc<Vec<Arc<str>>>;
    /// Row indexes in the order of `sort`, re-sorting only the rows that changed.
    fn sorted(&self, sort: Sort) -> Arc<Vec<usize>>;
    fn id(&self, index: usize) -> i64;
    /// The refresh that last changed the row at `index`: its view is drawn again only then
    /// (or when it moves), so a change to one row leaves the others' elements in place.
    fn stamp(&self, index: usize) -> u64;
    fn label(&self, index: usize) -> String;
    /// Why the row cannot be ticked, if it cannot.
    fn why_not(&self, index: usize) -> Option<&'static str>;
    /// Whether some rows may not be ticked.
    fn has_unselectable(&self) -> bool;
    /// The row's cells: content and, for text, its whole text.
    fn cells(&self, index: usize) -> Vec<(AnyView, Option<String>)>;
}

struct Typed<T: Send + Sync + 'static> {
    rows: Signal<Vec<T>>,
    columns: Vec<Column<T>>,
    unselectable: Option<Unselectable<T>>,
    cache: Mutex<Cache<T>>,
}

/// What the table derived from its rows, and what changed since.
struct Cache<T> {
    /// Bumped by each refresh.
    version: u64,
    /// The rows as of the last refresh, when shared (holding them costs a pointer each).
    rows: Vec<T>,
    /// The rows the last refresh found changed, when the others kept their ids and places.
    changed: Option<Vec<usize>>,
    /// Each row's `Model::stamp`, by index.
    stamps: Vec<u64>,
    /// The columns' `also_reads` as of the last refresh.
    also_read: Vec<u64>,
    keys: Option<(u64, Arc<Vec<Arc<str>>>)>,
    order: Option<(u64, Sort, Arc<Vec<usize>>)>,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Self {
            version: 0,
            rows: Vec::new(),
            changed: None,
            stamps: Vec::new(),
            also_read: Vec::new(),
            keys: None,
            order: None,
        }
    }
}

impl<T: TableRow> Typed<T> {
    fn row<R>(&self, index: usize, read: impl FnOnce(&T) -> R) -> R {
        self.rows.with_untracked(|rows| read(&rows[index]))
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache<T>> {
        // Nothing panics while holding it; a poisoned cache is still a cache.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T: TableRow> Model for Typed<T> {
    fn track(&self) {
        self.rows.track();
        for revision in self.columns.iter().filter_map(|column| column.also_reads) {
            revision.track();
        }
    }

    fn refresh(&self) {
        let mut cache = self.cache();
        cache.version += 1;
        let version = cache.version;
        let also_read: Vec<u64> = (self.columns.iter())
            .filter_map(|column| column.also_reads.map(|revision| revision.get_untracked()))
            .collect();
        let all = cache.also_read != also_read;
        cache.also_read = also_read;
        if !T::SHARED {
            cache.changed = None;
            cache.stamps = vec![version; self.len()];
            return;
        }
        self.rows.with_untracked(|rows| {
            if all {
                cache.changed = None;
                cache.stamps = vec![version; rows.len()];
                cache.rows = rows.clone();
                return;
            }
            let same_places = rows.len() == cache.rows.len()
                && rows
                    .iter()
                    .zip(&cache.rows)
                    .all(|(now, then)| now.id() == then.id());
            if same_places {
                let changed: Vec<usize> = (0..rows.len())
                    .filter(|&i| !rows[i].unchanged(&cache.rows[i]))
                    .collect();
                for &i in &changed {
                    cache.stamps[i] = version;
                }
                cache.changed = Some(changed);
            } else {
                // Rows came, went or moved: each keeps its stamp if it is still itself.
                let earlier: HashMap<i64, (&T, u64)> = cache
                    .rows
                    .iter()
                    .zip(&cache.stamps)
                    .map(|(row, &stamp)| (row.id(), (row, stamp)))
                    .collect();
                let stamps = rows
                    .iter()
                    .map(|row| match earlier.get(&row.id()) {
                        Some((then, stamp)) if row.unchanged(then) => *stamp,
                        _ => version,
                    })
                    .collect();
                cache.stamps = stamps;
                cache.changed = None;
            }
            cache.rows = rows.clone();
        });
    }

    fn len(&self) -> usize {
        self.rows.with_untracked(Vec::len)
    }

    fn ids(&self) -> Vec<i64> {
        self.rows
            .with_untracked(|rows| rows.iter().map(T::id).collect())
    }

    fn keys(&self) -> Arc<Vec<Arc<str>>> {
        let mut cache = self.cache();
        let version = cache.version;
        let keys = self
            .rows
            .with_untracked(|rows| match (&cache.keys, &cache.changed) {
                (Some((at, keys)), _) if *at == version => keys.clone(),
                (Some((at, keys)), Some(changed)) if at + 1 == version => {
                    let mut keys = Vec::clone(keys);
                    for &i in changed {
                        keys[i] = rows[i].search_key().into();
                    }
                    Arc::new(keys)
                }
                _ => Arc::new(rows.iter().map(|row| row.search_key().into()).collect()),
            });
        cache.keys = Some((version, keys.clone()));
        keys
    }

    fn sorted(&self, sort: Sort) -> Arc<Vec<usize>> {
        let mut cache = self.cache();
        let version = cache.version;
        let order = self.rows.with_untracked(|rows| {
            let Some(key) = &self.columns[sort.column].sort_key else {
                return Arc::new((0..rows.len()).collect());
            };
            match (&cache.order, &cache.changed) {
                (Some((at, by, order)), _) if *at == version && *by == sort => order.clone(),
                (Some((at, by, order)), Some(changed)) if at + 1 == version && *by == sort => {
                    let mut order = Vec::clone(order);
                    let (key, id) = (|i: usize| key(&rows[i]), |i: usize| rows[i].id());
                    resort(&mut order, changed, key, id, sort.direction);
                    Arc::new(order)
                }
                _ => Arc::new(sort_rows(rows, |row| key(row), T::id, sort.direction)),
            }
        });
        cache.order = Some((version, sort, order.clone()));
        order
    }

    fn id(&self, index: usize) -> i64 {
        self.row(index, T::id)
    }

    fn stamp(&self, index: usize) -> u64 {
        self.cache().stamps.get(index).copied().unwrap_or_default()
    }

    fn label(&self, index: usize) -> String {
        self.row(index, T::label)
    }

    fn why_not(&self, index: usize) -> Option<&'static str> {
        let why = self.unselectable?;
        self.row(index, why)
    }

    fn has_unselectable(&self) -> bool {
        self.unselectable.is_some()
    }

    fn cells(&self, index: usize) -> Vec<(AnyView, Option<String>)> {
        self.row(index, |row| {
            self.columns
                .iter()
                .map(|column| {
                    let title = column.title.as_ref().map(|title| title(row));
                    ((column.cell)(row), title)
                })
                .collect()
        })
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
    let heads: Vec<Head> = columns
        .iter()
        .map(|column| Head {
            label: column.label,
            class: column.class,
            sortable: column.sort_key.is_some(),
        })
        .collect();
    let model: Arc<dyn Model> = Arc::new(Typed {
        rows,
        columns,
        unselectable,
        cache: Mutex::new(Cache::default()),
    });
    table(Table {
        model,
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

/// What the table derives from its rows and the search, read together by the selection.
#[derive(Clone, Copy)]
struct Derived {
    ids: Memo<Vec<i64>>,
    keys: Memo<Arc<Vec<Arc<str>>>>,
    query: Memo<SearchQuery>,
    /// Row indexes that match, in the sort order.
    matching: Memo<Arc<Vec<usize>>>,
}

impl Derived {
    fn with<R>(&self, read: impl FnOnce(&Rows<Arc<str>>) -> R) -> R {
        self.ids.with(|ids| {
            self.keys.with(|keys| {
                self.query.with(|query| {
                    self.matching.with(|matching| {
                        read(&Rows {
                            ids,
                            keys,
                            query,
                            matching,
                        })
                    })
                })
            })
        })
    }

    fn with_untracked<R>(&self, read: impl FnOnce(&Rows<Arc<str>>) -> R) -> R {
        untrack(|| self.with(read))
    }
}

/// Earlier results of the search over one order of the rows (one version, one sort).
#[derive(Default)]
struct Searches {
    order: Option<Arc<Vec<usize>>>,
    results: Vec<(SearchQuery, Arc<Vec<usize>>)>,
}

impl Searches {
    /// Forgets the results of another order of the rows.
    fn over(&mut self, order: &Arc<Vec<usize>>) {
        if !self.order.as_ref().is_some_and(|o| Arc::ptr_eq(o, order)) {
            self.order = Some(order.clone());
            self.results.clear();
        }
    }

    /// The result of `query` if remembered, else the smallest remembered result that holds
    /// all its matches (`query` narrows it), to filter instead of every row.
    fn start_for(&self, query: &SearchQuery) -> (Option<Arc<Vec<usize>>>, bool) {
        if let Some((_, exact)) = self.results.iter().find(|(q, _)| q == query) {
            return (Some(exact.clone()), true);
        }
        let base = self
            .results
            .iter()
            .filter(|(q, _)| query.narrows(q))
            .min_by_key(|(_, result)| result.len())
            .map(|(_, result)| result.clone());
        (base, false)
    }

    fn remember(&mut self, query: SearchQuery, result: Arc<Vec<usize>>) {
        if self.results.len() == REMEMBERED_SEARCHES {
            self.results.remove(0);
        }
        self.results.push((query, result));
    }
}

fn changed<T>(a: Option<&Arc<T>>, b: Option<&Arc<T>>) -> bool {
    !matches!((a, b), (Some(a), Some(b)) if Arc::ptr_eq(a, b))
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
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(DEFAULT_VIEWPORT);
    let read = move || model.get_value();

    // Bumped on every change of the rows, or of what the cells also read: positions index
    // one version of them.
    let version = Memo::new(move |previous: Option<&u64>| {
        let model = read();
        model.track();
        model.refresh();
        previous.map_or(0, |n| n + 1)
    });
    let ids = Memo::new(move |_| {
        version.track();
        read().ids()
    });
    // Folded when first searched, then again only for the rows that change, so that each
    // keystroke folds only the query.
    let keys = Memo::new_with_compare(
        move |_| {
            version.track();
            read().keys()
        },
        changed,
    );
    let sorted = Memo::new_with_compare(
        move |_| {
            version.track();
            read().sorted(sort.get())
        },
        changed,
    );
    let query = Memo::new(move |_| SearchQuery::new(&search.read()));
    let searches = StoredValue::new(Searches::default());
    let matching = Memo::new_with_compare(
        move |_| {
            let sorted = sorted.get();
            let query = query.get();
            if query.is_empty() {
                return sorted;
            }
            searches.update_value(|s| s.over(&sorted));
            let (start, exact) = searches.with_value(|s| s.start_for(&query));
            if exact && let Some(result) = start {
                return result;
            }
            let result = keys.with(|keys| {
                let matches = |&&i: &&usize| query.matches(&keys[i]);
                let from = start.unwrap_or(sorted);
                Arc::new(from.iter().filter(matches).copied().collect::<Vec<_>>())
            });
            searches.update_value(|s| s.remember(query, result.clone()));
            result
        },
        changed,
    );
    let derived = Derived {
        ids,
        keys,
        query,
        matching,
    };
    let matching_len = move || matching.with(|m| m.len());
    let has_unselectable = read().has_unselectable();
    // The matching rows select-all applies to, when some rows cannot be ticked.
    let selectable_matching = move || {
        let model = read();
        matching.with_untracked(|m| {
            m.iter()
                .filter(|&&i| model.why_not(i).is_none())
                .map(|&i| model.id(i))
                .collect::<Vec<_>>()
        })
    };
    // Nothing selected needs no keys: the table's first paint does not wait for them.
    let selected_count = Memo::new(move |_| {
        selected.with(|s| match s.is_empty() {
            true => 0,
            false => derived.with(|rows| s.count(rows)),
        })
    });
    let all_state = Memo::new(move |_| {
        selected.with(|s| match s.is_empty() {
            true => SelectAll::Unchecked,
            false => derived.with(|rows| s.state(rows)),
        })
    });
    // Rows that went away (removed elsewhere, revoked...) leave the selection too.
    Effect::new(move |_| {
        version.track();
        if selected.with_untracked(Selection::is_empty) {
            return;
        }
        let model = read();
        let present: HashSet<i64> = (0..model.len())
            .filter(|&i| model.why_not(i).is_none())
            .map(|i| model.id(i))
            .collect();
        selected.update(|s| derived.with_untracked(|rows| s.retain(&present, rows)));
    });
    let window = Memo::new(move |_| {
        RowWindow::new(
            matching_len(),
            ROW_HEIGHT as f64,
            scroll_top.get(),
            viewport.get(),
        )
    });
    if let Some(on_near_end) = on_near_end {
        // Once each time the window reaches the last rows, not on every scroll near them.
        let near_end = Memo::new(move |_| window.get().end + NEAR_END_ROWS >= matching_len());
        Effect::new(move |was_near: Option<bool>| {
            let near = near_end.get();
            if near && was_near == Some(false) {
                on_near_end.run(());
            }
            near
        });
    }
    // The rows read first: a memo checked after another that already pulled it would not
    // report its change (the window depends on it too).
    let rows_in_view = move || {
        // Read, not only tracked: reading runs the refresh that stamps the rows.
        version.get();
        matching.with(|positions| {
            let window = window.get();
            let model = read();
            (window.start..window.end)
                .map(|position| {
                    let index = positions[position];
                    (model.stamp(index), position, index, model.id(index))
                })
                .collect::<Vec<_>>()
        })
    };

    let summary = move || {
        let total = ids.with(Vec::len);
        if search.read().trim().is_empty() {
            format!("{} {noun}", count(total))
        } else {
            format!("{} of {} {noun} match", count(matching_len()), count(total))
        }
    };

    let header_cells = heads
        .iter()
        .enumerate()
        .map(|(index, head)| {
            let Head {
                label,
                class,
                sortable,
            } = *head;
            if !sortable {
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
        .collect_view();
    let classes: Vec<&'static str> = heads.iter().map(|head| head.class).collect();

    let row = move |(_, position, index, id): (u64, usize, usize, i64)| {
        let model = read();
        let checked = Memo::new(move |_| {
            selected.with(|s| match s {
                Selection::Ids(ids) => ids.contains(&id),
                Selection::Matching { .. } => keys.with(|keys| s.contains(id, &keys[index])),
            })
        });
        let cells = model
            .cells(index)
            .into_iter()
            .zip(&classes)
            .map(|((cell, title), class)| view! { <td class=*class title=title>{cell}</td> })
            .collect_view();
        let pending_label = move || pending.and_then(|pending| pending.run(id));
        let why_not = model.why_not(index);
        let check = selectable.then(|| {
            let label = model.label(index);
            let name = match why_not {
                Some(why) => format!("Select {label} ({why})"),
                None => format!("Select {label}"),
            };
            let toggle = move |_| {
                selected.update(|s| {
                    derived.with_untracked(|rows| s.toggle(id, &rows.keys[index], rows))
                })
            };
            view! {
                <td class="check" title=why_not>
                    <label class="hit">
                        <input
                            type="checkbox"
                            aria-label=name
                            disabled=why_not.is_some()
                            prop:checked=checked
                            on:change=toggle
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
            // The frame can come after the table is gone (its page left meanwhile).
            let row = body
                .try_get_untracked()
                .flatten()
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
    // Whole pixels, in integers: formatting floats would cost the console their code.
    let area = NodeRef::<leptos::html::Div>::new();
    let fill_height = RwSignal::new(None::<i32>);
    let measure = move || {
        // A frame can come after the table is gone (its page left meanwhile).
        let Some(area) = area.try_get_untracked().flatten() else {
            return;
        };
        let page = leptos::prelude::window();
        let top = area.get_bounding_client_rect().top() + page.scroll_y().unwrap_or_default();
        let height = page
            .inner_height()
            .ok()
            .and_then(|height| height.as_f64())
            .unwrap_or_default();
        fill_height.set(Some(((height - top) as i32 - NOTICE_STRIP).max(MIN_AREA)));
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
            {selectable.then(|| view! {
                <p class="selection" role="status">
                    {move || (selected_count.get() > 0).then(|| format!("{} selected", count(selected_count.get())))}
                </p>
                <button
                    type="button"
                    class="secondary"
                    hidden=move || selected_count.get() == 0
                    on:click=move |_| selected.set(Selection::default())
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
                aria-rowcount=move || matching_len() + 1
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
                                disabled=move || has_unselectable && selectable_matching().is_empty()
                                on:change=move |_| {
                                    let only = has_unselectable.then(selectable_matching);
                                    selected.update(|s| derived.with_untracked(|rows| s.toggle_all(rows, only)));
                                }
                            />
                        </label></th> })}
                        {header_cells}
                    </tr>
                </thead>
                <tbody node_ref=body on:focusin=on_focus_in on:focusout=on_focus_out>
                    <tr class="spacer" aria-hidden="true">
                        <td colspan=column_count style:height=move || spacer(window.get().rows_above())></td>
                    </tr>
                    <For each=rows_in_view key=|row| *row children=row />
                    <tr class="spacer" aria-hidden="true">
                        <td colspan=column_count style:height=move || spacer(window.get().rows_below())></td>
                    </tr>
                </tbody>
            </table>
            {empty}
        </div>
    }
}
