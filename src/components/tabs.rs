//! The WAI-ARIA tabs pattern for the pages' tab lists: only the selected tab is in the Tab
//! order; the arrow keys, Home and End move between tabs and open the one they reach.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// `tabindex` of a tab: the selected one takes focus from the Tab key, the others from the
/// arrow keys.
pub fn tab_index(selected: bool) -> &'static str {
    if selected { "0" } else { "-1" }
}

/// The `keydown` handler of a `role="tablist"` element.
pub fn arrow_keys(ev: leptos::ev::KeyboardEvent) {
    let Some(list) = ev
        .current_target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Ok(tabs) = list.query_selector_all("[role=\"tab\"]") else {
        return;
    };
    let tabs: Vec<HtmlElement> = (0..tabs.length())
        .filter_map(|i| tabs.get(i)?.dyn_into().ok())
        .collect();
    let Some(current) = ev
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Node>().ok())
        .and_then(|target| tabs.iter().position(|tab| tab.contains(Some(&target))))
    else {
        return;
    };
    let last = tabs.len().saturating_sub(1);
    let next = match ev.key().as_str() {
        "ArrowRight" => (current + 1) % tabs.len(),
        "ArrowLeft" => current.checked_sub(1).unwrap_or(last),
        "Home" => 0,
        "End" => last,
        _ => return,
    };
    ev.prevent_default();
    let _ = tabs[next].focus();
    tabs[next].click();
}
