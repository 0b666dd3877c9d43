//! Component tests of the data table, in headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use std::{cell::Cell, rc::Rc, sync::Arc};

use allot::components::{Column, DataTable, SortBy};
use allot_core::{
    Member, MemberId, MemberStatus, ProductId, Role, selection::Selection, sort::SortKey,
};
use leptos::{mount::mount_to, prelude::*, task::tick};
use wasm_bindgen::{JsCast, closure::Closure};
use wasm_bindgen_test::*;
use web_sys::{Event, EventInit, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn member(id: i64, full_name: &str, email: &str, licenses: Vec<i64>) -> Arc<Member> {
    Arc::new(Member {
        id: MemberId(id),
        full_name: full_name.into(),
        email: email.into(),
        role: Role::Member,
        status: MemberStatus::Active,
        joined_at: 1_700_000_000,
        removed_at: None,
        removed_by: None,
        last_access_at: Some(1_700_000_000),
        licenses: licenses.into_iter().map(ProductId).collect(),
        allocate_to_user: false,
        groups: Vec::new(),
        held: Vec::new(),
    })
}

fn three_members() -> Vec<Arc<Member>> {
    vec![
        member(1, "Zoë Ångström", "zoe@example.com", vec![7]),
        member(2, "Bob Brown", "bob@example.com", vec![]),
        member(3, "Ann Zobel", "ann@acme.example", vec![7]),
    ]
}

/// Mounts a table of three members into a fresh element of the test page.
fn mount_table() -> HtmlElement {
    mount_table_of(RwSignal::new(three_members()))
}

/// Mounts a table of `members`, which the test may change, for as long as the test page.
fn mount_table_of(members: RwSignal<Vec<Arc<Member>>>) -> HtmlElement {
    let (container, handle) = mount_table_until_dropped(members);
    std::mem::forget(handle);
    container
}

/// Mounts a table of `members` until the returned handle is dropped.
fn mount_table_until_dropped(
    members: RwSignal<Vec<Arc<Member>>>,
) -> (HtmlElement, Box<dyn std::any::Any>) {
    mount_columns(
        members,
        Column::new("Licenses", |m: &Arc<Member>| m.licenses.len().to_string()),
    )
}

/// Mounts a table of `members` with a name and an email column, and `last`.
fn mount_columns(
    members: RwSignal<Vec<Arc<Member>>>,
    last: Column<Arc<Member>>,
) -> (HtmlElement, Box<dyn std::any::Any>) {
    let document = document();
    let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    let columns = vec![
        Column::new("Full name", |m: &Arc<Member>| m.full_name.clone())
            .sorted_by(|m| SortKey::text(&m.full_name))
            .class("name"),
        Column::new("Email", |m: &Arc<Member>| m.email.clone())
            .sorted_by(|m| SortKey::text(&m.email)),
        last,
    ];
    let handle = mount_to(container.clone(), move || {
        view! {
            <DataTable
                rows=Signal::from(members)
                columns
                search=RwSignal::new(String::new())
                selected=Some(RwSignal::new(Selection::default()))
                sort_by=SortBy::ascending("Full name")
                noun="active members"
            />
        }
    });
    (container, Box::new(handle))
}

/// Resolves at the browser's next animation frame.
async fn next_frame() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        window().request_animation_frame(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(frame).await.unwrap();
}

fn row_names(container: &HtmlElement) -> Vec<String> {
    let cells = container.query_selector_all("tbody td.name").unwrap();
    (0..cells.length())
        .map(|i| cells.get(i).unwrap().text_content().unwrap_or_default())
        .collect()
}

fn text_of(container: &HtmlElement, selector: &str) -> String {
    container
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is rendered"))
        .text_content()
        .unwrap_or_default()
}

fn search_box(container: &HtmlElement) -> HtmlInputElement {
    container
        .query_selector("input[type=search]")
        .unwrap()
        .unwrap()
        .unchecked_into()
}

async fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    let init = EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    tick().await;
}

async fn click(container: &HtmlElement, selector: &str) {
    let element: HtmlElement = container
        .query_selector(selector)
        .unwrap()
        .unwrap()
        .unchecked_into();
    element.click();
    tick().await;
    tick().await;
}

#[wasm_bindgen_test]
async fn renders_every_row_sorted_by_the_initial_sort() {
    let table = mount_table();
    tick().await;
    assert_eq!(
        row_names(&table),
        ["Ann Zobel", "Bob Brown", "Zoë Ångström"]
    );
    assert_eq!(text_of(&table, ".summary"), "3 active members");
    assert!(text_of(&table, "tbody").contains("ann@acme.example"));
}

#[wasm_bindgen_test]
async fn a_changed_row_takes_its_new_place_and_is_found_by_its_new_name() {
    let members = RwSignal::new(three_members());
    let table = mount_table_of(members);
    let search = search_box(&table);
    // Searched once, so that the keys exist and are then redone for the changed row only.
    type_into(&search, "zo").await;
    type_into(&search, "").await;
    // As an event does: a new member in its place, the others the very same.
    members.update(|members| {
        members[1] = member(2, "Aaron Brown", "bob@example.com", vec![]);
    });
    tick().await;
    tick().await;
    assert_eq!(
        row_names(&table),
        ["Aaron Brown", "Ann Zobel", "Zoë Ångström"]
    );
    type_into(&search, "aaron").await;
    assert_eq!(row_names(&table), ["Aaron Brown"]);
    type_into(&search, "zo").await;
    assert_eq!(row_names(&table), ["Ann Zobel", "Zoë Ångström"]);
}

/// The `<tr>` elements drawn now, in order.
fn row_elements(container: &HtmlElement) -> Vec<web_sys::Element> {
    let rows = container
        .query_selector_all("tbody tr[aria-rowindex]")
        .unwrap();
    (0..rows.length())
        .map(|i| rows.item(i).unwrap().unchecked_into())
        .collect()
}

#[wasm_bindgen_test]
async fn a_change_to_one_row_leaves_the_other_rows_elements_in_place() {
    let members = RwSignal::new(three_members());
    let table = mount_table_of(members);
    tick().await;
    let before = row_elements(&table);
    // Bob's email changes (his place stays): only his row is drawn again.
    members.update(|members| {
        members[1] = member(2, "Bob Brown", "robert@example.com", vec![]);
    });
    tick().await;
    tick().await;
    let after = row_elements(&table);
    assert_eq!(
        row_names(&table),
        ["Ann Zobel", "Bob Brown", "Zoë Ångström"]
    );
    assert!(text_of(&table, "tbody").contains("robert@example.com"));
    // A person's click on Ann's or Zoë's row is not lost to a row drawn anew beneath it.
    assert!(
        after[0].is_same_node(Some(&before[0])),
        "Ann's row was kept"
    );
    assert!(
        !after[1].is_same_node(Some(&before[1])),
        "Bob's row was drawn again"
    );
    assert!(
        after[2].is_same_node(Some(&before[2])),
        "Zoë's row was kept"
    );
    // A new member ahead of them: the rows move, and each is drawn in its new place.
    members.update(|members| members.push(member(4, "Aaron Able", "aaron@example.com", vec![])));
    tick().await;
    tick().await;
    assert_eq!(
        row_names(&table),
        ["Aaron Able", "Ann Zobel", "Bob Brown", "Zoë Ångström"]
    );
}

#[wasm_bindgen_test]
async fn cells_drawn_from_more_than_their_row_follow_that_too() {
    let members = RwSignal::new(three_members());
    // As a member's licenses are named after the products: read untracked, as the console does.
    let product = RwSignal::new("Studio".to_owned());
    let revision = Memo::new(move |n: Option<&u64>| {
        product.track();
        n.map_or(0, |n| n + 1)
    });
    let licenses = Column::new("Licenses", move |m: &Arc<Member>| {
        if m.licenses.is_empty() {
            "None".to_owned()
        } else {
            product.get_untracked()
        }
    })
    .also_reads(revision.into());
    let (table, handle) = mount_columns(members, licenses);
    std::mem::forget(handle);
    tick().await;
    assert!(text_of(&table, "tbody").contains("Studio"));
    product.set("Studio Enterprise".to_owned());
    tick().await;
    tick().await;
    assert!(text_of(&table, "tbody").contains("Studio Enterprise"));
}

#[wasm_bindgen_test]
async fn filters_on_every_keystroke_ignoring_case_and_accents() {
    let table = mount_table();
    let search = search_box(&table);
    type_into(&search, "ZO").await;
    assert_eq!(row_names(&table), ["Ann Zobel", "Zoë Ångström"]);
    type_into(&search, "zoe").await;
    assert_eq!(row_names(&table), ["Zoë Ångström"]);
    assert_eq!(text_of(&table, ".summary"), "1 of 3 active members match");
    type_into(&search, "@acme").await;
    assert_eq!(row_names(&table), ["Ann Zobel"]);
    type_into(&search, "nobody").await;
    assert!(row_names(&table).is_empty());
    assert!(text_of(&table, ".empty").contains("No active members match"));
    type_into(&search, "").await;
    assert_eq!(row_names(&table).len(), 3);
}

#[wasm_bindgen_test]
async fn select_all_covers_the_matching_rows_and_counts_the_selection() {
    let table = mount_table();
    tick().await;
    click(&table, "input[aria-label=\"Select Bob Brown\"]").await;
    assert_eq!(text_of(&table, ".selection"), "1 selected");
    let select_all: HtmlInputElement = table
        .query_selector("thead input[type=checkbox]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(select_all.indeterminate());

    let search = search_box(&table);
    type_into(&search, "zo").await;
    select_all.click();
    tick().await;
    assert_eq!(text_of(&table, ".selection"), "3 selected");
    assert!(select_all.checked());
    select_all.click();
    tick().await;
    assert_eq!(
        text_of(&table, ".selection"),
        "1 selected",
        "the hidden selection stays"
    );
}

#[wasm_bindgen_test]
async fn clicking_a_header_sorts_and_says_so() {
    let table = mount_table();
    tick().await;
    click(&table, "thead th:nth-child(3) button").await;
    assert_eq!(
        row_names(&table),
        ["Ann Zobel", "Bob Brown", "Zoë Ångström"]
    );
    let email_header = table
        .query_selector("thead th:nth-child(3)")
        .unwrap()
        .unwrap();
    assert_eq!(
        email_header.get_attribute("aria-sort").as_deref(),
        Some("ascending")
    );
    click(&table, "thead th:nth-child(3) button").await;
    assert_eq!(
        row_names(&table),
        ["Zoë Ångström", "Bob Brown", "Ann Zobel"]
    );
    assert_eq!(
        email_header.get_attribute("aria-sort").as_deref(),
        Some("descending")
    );
}

#[wasm_bindgen_test]
async fn a_table_gone_before_its_next_frame_leaves_no_error() {
    // Leaving a page right after it drew its table (WebKit does, now and then): the
    // frame the table asked for to measure itself comes when the table is gone.
    let errors = Rc::new(Cell::new(0));
    let count = errors.clone();
    let on_error = Closure::<dyn Fn()>::new(move || count.set(count.get() + 1));
    let on_error = on_error.as_ref().unchecked_ref();
    window()
        .add_event_listener_with_callback("error", on_error)
        .unwrap();
    let (table, handle) = mount_table_until_dropped(RwSignal::new(three_members()));
    drop(handle);
    next_frame().await;
    next_frame().await;
    window()
        .remove_event_listener_with_callback("error", on_error)
        .unwrap();
    assert_eq!(table.child_element_count(), 0, "the table is gone");
    assert_eq!(errors.get(), 0, "uncaught errors after the table was gone");
}

#[wasm_bindgen_test]
async fn reaching_the_last_rows_asks_for_more_once_each_time() {
    let members: Vec<Arc<Member>> = (1..=300)
        .map(|i| {
            member(
                i,
                &format!("Member {i:03}"),
                &format!("m{i}@example.com"),
                vec![],
            )
        })
        .collect();
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = asked.clone();
    let asked = move || asked.load(std::sync::atomic::Ordering::Relaxed);
    let document = document();
    let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    let handle = mount_to(container.clone(), move || {
        let on_near_end = Callback::new(move |()| {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        view! {
            <DataTable
                rows=Signal::from(RwSignal::new(members))
                columns=vec![Column::new("Full name", |m: &Arc<Member>| m.full_name.clone())
                    .sorted_by(|m| SortKey::text(&m.full_name))]
                search=RwSignal::new(String::new())
                sort_by=SortBy::ascending("Full name")
                noun="members"
                on_near_end=Some(on_near_end)
            />
        }
    });
    next_frame().await;
    let area: HtmlElement = container
        .query_selector(".table-scroll")
        .unwrap()
        .unwrap()
        .unchecked_into();
    // The console's style sheet is not on the test page: the scroll area gets its height here.
    area.style().set_property("height", "300px").unwrap();
    area.style().set_property("overflow", "auto").unwrap();
    let scroll_to = |top: i32| {
        let area = area.clone();
        async move {
            area.set_scroll_top(top);
            area.dispatch_event(&Event::new("scroll").unwrap()).unwrap();
            // The table's effects run after the event's turn: let them before the next step.
            next_frame().await;
        }
    };
    scroll_to(0).await;
    assert_eq!(asked(), 0, "the first rows are not the last");
    scroll_to(area.scroll_height()).await;
    assert_eq!(asked(), 1, "the last rows came into view");
    scroll_to(area.scroll_height() - area.client_height() - 10).await;
    assert_eq!(asked(), 1, "still near the end: asked once");
    scroll_to(0).await;
    scroll_to(area.scroll_height()).await;
    assert_eq!(asked(), 2, "reached again");
    drop(handle);
}
