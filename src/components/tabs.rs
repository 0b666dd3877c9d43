//! The WAI-ARIA tabs pattern for the pages' tab lists: only the selected tab is in the Tab
//! order; the arrow keys, Home and End move between tabs and open the one they reach.

use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// A tab of a page, with its segment of the URL.
pub trait Tab: Copy + PartialEq + Send + Sync + 'static {
    const ALL: &'static [Self];
    fn segment(self) -> &'static str;
    fn label(self) -> &'static str;
}

/// The page's tabs as links (each tab is a URL), `current` selected.
#[component]
pub fn TabList<K: Tab>(
    /// Names the list: "Users".
    label: &'static str,
    current: Memo<Option<K>>,
    /// Where each tab leads (read reactively: it may carry the page's search).
    href: Callback<K, String>,
) -> impl IntoView {
    let links = K::ALL
        .iter()
        .map(|&tab| {
            let selected = move || current.get() == Some(tab);
            view! {
                <A
                    href=move || href.run(tab)
                    attr:role="tab"
                    attr:id=format!("tab-{}", tab.segment())
                    attr:aria-selected=move || selected().to_string()
                    attr:tabindex=move || tab_index(selected())
                >
                    {tab.label()}
                </A>
            }
        })
        .collect_view();
    view! { <div role="tablist" aria-label=label on:keydown=arrow_keys>{links}</div> }
}

/// The panel of the tab `current`, or what `content` draws when none matches.
pub fn tab_panel<K: Tab>(current: K, content: AnyView) -> impl IntoView {
    view! {
        <section role="tabpanel" aria-labelledby=format!("tab-{}", current.segment())>
            {content}
        </section>
    }
}

/// `tabindex` of a tab: the selected one takes focus from the Tab key, the others from the
/// arrow keys.
fn tab_index(selected: bool) -> &'static str {
    if selected { "0" } else { "-1" }
}

/// The `keydown` handler of a `role="tablist"` element.
fn arrow_keys(ev: leptos::ev::KeyboardEvent) {
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
