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
    /// Months of usage start at midnight UTC: read in UTC, or they would read as the month
    /// before west of Greenwich.
    static MONTH: Function = {
        let options = Object::new();
        let _ = Reflect::set(&options, &"month".into(), &"long".into());
        let _ = Reflect::set(&options, &"year".into(), &"numeric".into());
        let _ = Reflect::set(&options, &"timeZone".into(), &"UTC".into());
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
    DATE.with(|format| with(format, at))
}

/// "23 Nov 2026, 14:02:11", or as the viewer's locale writes it.
pub fn date_time(at: Timestamp) -> String {
    DATE_TIME.with(|format| with(format, at))
}

/// The UTC calendar month of `at`, "November 2026", or as the viewer's locale writes it.
pub fn month(at: Timestamp) -> String {
    MONTH.with(|format| with(format, at))
}

fn with(format: &Function, at: Timestamp) -> String {
    let moment = Date::new(&JsValue::from_f64(at as f64 * 1000.0));
    format
        .call1(&JsValue::NULL, &moment)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

/// The start of `day` (`2026-11-23`) in the viewer's time zone, in Unix seconds.
pub fn day_start(day: &str) -> Option<Timestamp> {
    let millis = Date::new(&JsValue::from_str(&format!("{day}T00:00"))).get_time();
    (!millis.is_nan()).then(|| (millis / 1000.0) as Timestamp)
}

/// The start of the day after `day` (`2026-11-23`) in the viewer's time zone, in Unix
/// seconds: the end of `day`, 23 or 25 hours after its start when the clocks change.
pub fn day_end(day: &str) -> Option<Timestamp> {
    let date = Date::new(&JsValue::from_str(&format!("{day}T00:00")));
    if date.get_time().is_nan() {
        return None;
    }
    date.set_date(date.get_date() + 1);
    Some((date.get_time() / 1000.0) as Timestamp)
}

/// The browser's clock, in Unix seconds.
pub fn now() -> Timestamp {
    (Date::now() / 1000.0) as Timestamp
}
