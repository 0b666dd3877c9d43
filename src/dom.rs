//! The page around the console: focus through shadow roots, keys, and files to save.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The element that has focus, looking into shadow roots (the console lives in one, where
/// `document.activeElement` is only its host).
pub fn active_element() -> Option<web_sys::Element> {
    let mut active = document().active_element()?;
    while let Some(inner) = active.shadow_root().and_then(|root| root.active_element()) {
        active = inner;
    }
    Some(active)
}

/// The key `ev` names, as `KeyboardEvent.key` spells it. WebKitGTK reports Shift+Tab as
/// "Unidentified" (GTK calls it ISO_Left_Tab), with the key's code still "Tab".
pub fn key(ev: &web_sys::KeyboardEvent) -> String {
    match ev.key() {
        key if key == "Unidentified" && ev.code() == "Tab" => "Tab".to_owned(),
        key => key,
    }
}

/// Whether focus fell back to the page, as when the focused element was removed: to the body,
/// or to the console's host element with nothing focused inside it.
pub fn focus_lost() -> bool {
    let body: Option<web_sys::Element> = document().body().map(Into::into);
    match active_element() {
        None => true,
        Some(active) => Some(&active) == body.as_ref() || active.shadow_root().is_some(),
    }
}

/// Offers `file` to the person as a download named `name`.
pub fn save_file(file: &web_sys::Blob, name: &str) {
    let Ok(url) = web_sys::Url::create_object_url_with_blob(file) else {
        return;
    };
    if let Ok(link) = document().create_element("a")
        && let Ok(link) = link.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        link.set_href(&url);
        link.set_download(name);
        link.click();
    }
    // After the click has started the download.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(1),
    );
}
