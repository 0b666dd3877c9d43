//! The console's entry points for JavaScript: `dist/allot.js` (from `web/allot.js`) calls
//! `mount_console` for each `<allot-console>` or `mount(element, options)` of a host page.

use allot::{
    App, Placement,
    api::{self, Auth},
};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// Mounted once the wasm is loaded, by `allot.js`; nothing starts on its own.
fn main() {}

/// A mounted console, for `allot.js` to unmount.
#[wasm_bindgen]
pub struct ConsoleHandle {
    /// Owns everything the console set up: cleaning it up runs every `on_cleanup` (the
    /// router's window listeners, the change feed, timers) even where a pending task or a
    /// listener still holds a reference to it.
    owner: Owner,
    view: Box<dyn std::any::Any>,
}

#[wasm_bindgen]
impl ConsoleHandle {
    /// Removes the console and everything it set up on the page.
    pub fn unmount(self) {
        drop(self.view);
        self.owner.cleanup();
        api::configure(String::new(), Auth::Cookie, None, None);
    }
}

/// Mounts the console into `container` (inside `host`'s shadow root), with `options` as
/// `allot.js` passes them: `apiBase`, `basePath`, `org`, `getToken` and `prefetch`.
#[wasm_bindgen]
pub fn mount_console(
    host: web_sys::HtmlElement,
    container: web_sys::HtmlElement,
    options: JsValue,
) -> ConsoleHandle {
    let option = |name: &str| js_sys::Reflect::get(&options, &name.into()).ok();
    let text = |name: &str| option(name).and_then(|value| value.as_string());
    let api_base = text("apiBase").unwrap_or_else(|| allot_core::paths::API.to_owned());
    let auth = match option("getToken").and_then(|value| value.dyn_into::<js_sys::Function>().ok())
    {
        Some(get_token) => Auth::HostToken(get_token),
        // An API on another origin cannot take the console's cookie: its own sign-in then
        // keeps a bearer token in memory.
        None if is_other_origin(&api_base) => Auth::OwnToken,
        None => Auth::Cookie,
    };
    let org = option("org")
        .and_then(|value| value.as_f64())
        .map(|org| allot_core::OrgId(org as i64));
    let placement = Placement::new(&text("basePath").unwrap_or_default(), org);
    // `{ path, response }`: a request allot.js sent while the wasm loaded.
    let prefetched = option("prefetch").and_then(|prefetch| {
        let field = |name: &str| js_sys::Reflect::get(&prefetch, &name.into()).ok();
        let path = field("path")?.as_string()?;
        let response = field("response")?.dyn_into::<js_sys::Promise>().ok()?;
        Some((path, response))
    });
    api::configure(api_base, auth, Some(host.into()), prefetched);
    report_panics();
    let owner = Owner::new();
    let view =
        owner.with(|| leptos::mount::mount_to(container, move || view! { <App placement /> }));
    ConsoleHandle {
        owner,
        view: Box::new(view),
    }
}

/// A panic aborts the wasm, and the browser shows only "unreachable" for it: the hook puts
/// what failed, and where, in the browser's console first.
fn report_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            leptos::logging::error!("{info}");
        }))
    });
}

fn is_other_origin(api_base: &str) -> bool {
    let location = window().location();
    let here = location.origin().unwrap_or_default();
    web_sys::Url::new_with_base(api_base, &here).is_ok_and(|url| url.origin() != here)
}
