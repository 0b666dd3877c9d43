//! The virtual window: which rows are in the DOM, the scroll area's height, and keyboard
//! focus kept on a row while the window moves under it.

use allot_core::window::RowWindow;
use leptos::{html, prelude::*};
use wasm_bindgen::JsCast;

/// Must equal `--allot-row-height` in style/main.css: the window math counts in rows.
pub(super) const ROW_HEIGHT: usize = 44;
/// The scroll area's height before it is first measured.
const DEFAULT_VIEWPORT: f64 = 640.0;
/// Left free below a table at the foot of the window, for notices (px).
const NOTICE_STRIP: i32 = 88;
/// How close to the last row the window comes before more rows are asked for.
const NEAR_END_ROWS: usize = 10;
/// The least height of a table's scroll area (px).
const MIN_AREA: i32 = 288;

/// The scroll area and the rows it shows.
#[derive(Clone, Copy)]
pub(super) struct Scroller {
    pub area: NodeRef<html::Div>,
    pub window: Memo<RowWindow>,
    scroll_top: RwSignal<f64>,
    viewport: RwSignal<f64>,
    /// The area's height: it reaches down to a strip left free at the foot of the window,
    /// where notices appear, whatever is above it on the page.
    fill_height: RwSignal<Option<i32>>,
}

impl Scroller {
    /// A window over `len` rows, measured when drawn and on resize.
    pub fn new(len: impl Fn() -> usize + Send + Sync + 'static) -> Self {
        let scroll_top = RwSignal::new(0.0);
        let viewport = RwSignal::new(DEFAULT_VIEWPORT);
        let window = Memo::new(move |_| {
            RowWindow::new(len(), ROW_HEIGHT as f64, scroll_top.get(), viewport.get())
        });
        let scroller = Self {
            area: NodeRef::new(),
            window,
            scroll_top,
            viewport,
            fill_height: RwSignal::new(None),
        };
        scroller
            .area
            .on_load(move |_| request_animation_frame(move || scroller.measure()));
        let resize = window_event_listener(leptos::ev::resize, move |_| scroller.measure());
        on_cleanup(move || resize.remove());
        scroller
    }

    /// Whole pixels, in integers: formatting floats would cost the console their code.
    fn measure(self) {
        // A frame can come after the table is gone (its page left meanwhile).
        let Some(area) = self.area.try_get_untracked().flatten() else {
            return;
        };
        let page = leptos::prelude::window();
        let top = area.get_bounding_client_rect().top() + page.scroll_y().unwrap_or_default();
        let height = page
            .inner_height()
            .ok()
            .and_then(|height| height.as_f64())
            .unwrap_or_default();
        (self.fill_height).set(Some(((height - top) as i32 - NOTICE_STRIP).max(MIN_AREA)));
        self.viewport.set(area.client_height() as f64);
    }

    pub fn on_scroll(self, ev: leptos::ev::Event) {
        let area = event_target::<web_sys::Element>(&ev);
        self.scroll_top.set(area.scroll_top() as f64);
        self.viewport.set(area.client_height() as f64);
    }

    /// The area's height as a style value, once measured.
    pub fn fill_height(self) -> Option<String> {
        self.fill_height.get().map(|height| format!("{height}px"))
    }

    /// Runs `callback` once each time the window reaches the last rows, not on every scroll
    /// near them.
    pub fn on_near_end(
        self,
        len: impl Fn() -> usize + Send + Sync + 'static,
        callback: Callback<()>,
    ) {
        let window = self.window;
        let near_end = Memo::new(move |_| window.get().end + NEAR_END_ROWS >= len());
        Effect::new(move |was_near: Option<bool>| {
            let near = near_end.get();
            if near && was_near == Some(false) {
                callback.run(());
            }
            near
        });
    }

    /// Keeps keyboard focus on a row of `body` when the window moves under it: scrolling to
    /// the focused row can redraw it, which drops focus to the page, so it is put back on the
    /// same row. Returns the body's focus-in and focus-out handlers.
    pub fn keep_focus(
        self,
        body: NodeRef<html::Tbody>,
    ) -> (
        impl Fn(leptos::ev::FocusEvent) + Copy,
        impl Fn(leptos::ev::FocusEvent) + Copy,
    ) {
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
        let window = self.window;
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
            // At once, so that a key pressed right after the redraw still finds the row
            // focused; and after the next frame, for redraws that come later.
            restore();
            request_animation_frame(restore);
        });
        (on_focus_in, on_focus_out)
    }
}
