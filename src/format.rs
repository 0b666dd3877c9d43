//! Dates in the viewer's own locale, through the browser's Intl.

use allot_core::Timestamp;
use js_sys::{Array, Date, Function, Intl::DateTimeFormat, Object, Reflect};
use wasm_bindgen::JsValue;

thread_local! {
    /// Built once: constructing an Intl formatter is far dearer than using one.
    static DATE: Function = {
        let options = Object::new();
        let _ = Reflect::set(&options, &"dateStyle".into(), &"medium".into());
        DateTimeFormat::new(&Array::new(), &options).format()
    };
    static DATE_TIME: Function = {
        let options = Object::new();
        let _ = Reflect::set(&options, &"dateStyle".into(), &"medium".into());
        let _ = Reflect::set(&options, &"timeStyle".into(), &"medium".into());
        DateTimeFormat::new(&Array::new(), &options).format()
    };
}

/// "23 Nov 2026", or as the viewer's locale writes it.
pub fn date(at: Timestamp) -> String {
    let moment = Date::new(&JsValue::from_f64(at as f64 * 1000.0));
    DATE.with(|format| format.call1(&JsValue::NULL, &moment))
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

/// "23 Nov 2026, 14:02:11", or as the viewer's locale writes it.
pub fn date_time(at: Timestamp) -> String {
    let moment = Date::new(&JsValue::from_f64(at as f64 * 1000.0));
    DATE_TIME
        .with(|format| format.call1(&JsValue::NULL, &moment))
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

/// The start of `day` (`2026-11-23`) in the viewer's time zone, in Unix seconds.
pub fn day_start(day: &str) -> Option<Timestamp> {
    let millis = Date::new(&JsValue::from_str(&format!("{day}T00:00"))).get_time();
    (!millis.is_nan()).then(|| (millis / 1000.0) as Timestamp)
}

/// The browser's clock, in Unix seconds.
pub fn now() -> Timestamp {
    (Date::now() / 1000.0) as Timestamp
}
