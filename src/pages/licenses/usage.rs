//! License Usage: a product's seats in use against its quota over the last 24 hours, 30 days
//! or 12 months, drawn as SVG: the peak, the average and the days at quota above it, the
//! quota's changes marked, each point focusable with its values, a data table to read
//! instead, and the series as CSV.

use allot_core::{
    OrgId, ProductId,
    format::count,
    usage::{UsagePoint, UsageRange, UsageSeries},
};
use leptos::prelude::*;

use crate::{
    api,
    components::{LoadStatus, Toasts},
    format,
    org::{OrgState, Remote},
};

/// The drawing's own units; it scales to its box.
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;
const TOP: f64 = 8.0;

#[component]
pub fn UsageChart(org: OrgId, product: ProductId, name: String) -> impl IntoView {
    let state = OrgState::get();
    let range = RwSignal::new(UsageRange::Day);
    // Loaded again when the range changes, or when the feed moves the product's count.
    let moved = Memo::new(move |_| {
        state
            .seats()
            .iter()
            .find(|seats| seats.id == product)
            .map_or(0, |seats| {
                u64::from(seats.used) << 32 | u64::from(seats.seats.unwrap_or(0))
            })
    });
    let series = Remote::following(
        move || api::usage(org, product, range.get()),
        move || moved.get(),
    );
    let latest = series.latest();
    let name = StoredValue::new(name);
    let toasts = Toasts::get();
    let export = move |_| {
        let Some(series) = latest.get_untracked() else {
            return;
        };
        let mut csv = String::from("Start,Seats in use (peak),Quota\r\n");
        for point in &series.points {
            let quota = point
                .quota
                .map(|quota| quota.to_string())
                .unwrap_or_default();
            csv.push_str(&format!(
                "{},{},{quota}\r\n",
                allot_core::csv::iso_datetime(point.start),
                point.peak
            ));
        }
        let parts = js_sys::Array::of1(&csv.into());
        match web_sys::Blob::new_with_str_sequence(&parts) {
            Ok(file) => {
                let file_name = name.with_value(|name| {
                    allot_core::csv::file_name(
                        name,
                        &format!("usage-{}", series.range.as_str()),
                        "csv",
                        format::now(),
                    )
                });
                crate::dom::save_file(&file, &file_name)
            }
            Err(_) => toasts.error("The usage could not be exported.".to_owned()),
        }
    };
    let range_buttons = UsageRange::ALL
        .iter()
        .map(|&choice| {
            view! {
                <button
                    type="button"
                    class="secondary"
                    aria-pressed=move || (range.get() == choice).to_string()
                    on:click=move |_| range.set(choice)
                >
                    {choice.label()}
                </button>
            }
        })
        .collect_view();
    let table_open = RwSignal::new(false);
    let body = move || {
        latest.get().map(|series| {
            let facts = format!(
                "Peak {} · average {} · {} at quota",
                count(series.peak as usize),
                series.average,
                allot_core::format::plural(series.days_at_quota as usize, "day", "days"),
            );
            let changes = series
                .quota_changes
                .iter()
                .map(|change| {
                    let to = change.quota.map_or("no named seats".to_owned(), |q| format!("{} seats", count(q as usize)));
                    view! { <li>{format!("{}: quota now {to}", label(series.range, change.start))}</li> }
                })
                .collect_view();
            view! {
                <p class="usage-facts">{facts}</p>
                {drawing(&series, &name.get_value())}
                {(!series.quota_changes.is_empty()).then(|| view! { <ul class="hint quota-changes">{changes}</ul> })}
                <details class="usage-table" prop:open=move || table_open.get() on:toggle=move |ev| table_open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                    <summary>"Data table"</summary>
                    // Drawn when opened: most never open it, and it would weigh on every page.
                    {move || table_open.get().then(|| latest.with(|series| series.as_ref().map(table)))}
                </details>
            }
        })
    };
    view! {
        <section class="usage" aria-label=move || name.with_value(|name| format!("Seat usage of {name}"))>
            <div class="usage-header">
                <h3>"Seat usage"</h3>
                <div role="group" aria-label="Range" class="usage-ranges">{range_buttons}</div>
                <button type="button" class="link" on:click=export disabled=move || latest.with(Option::is_none)>
                    "Export CSV"
                </button>
            </div>
            // Its place kept while it loads: what is below does not move.
            <div class="usage-body">
                <LoadStatus source=series what="the usage" />
                {body}
            </div>
        </section>
    }
}

/// When a point starts, as its range reads it.
fn label(range: UsageRange, start: i64) -> String {
    match range {
        UsageRange::Day => format::date_time(start),
        UsageRange::Month | UsageRange::Year => format::date(start),
    }
}

/// The series as SVG: seats in use as a stepped area, the quota as a dashed line, a focusable
/// point per step that says its values.
fn drawing(series: &UsageSeries, name: &str) -> impl IntoView + use<> {
    let points = &series.points;
    let top = points
        .iter()
        .map(|point| point.peak.max(point.quota.unwrap_or_default()))
        .max()
        .unwrap_or_default()
        .max(1) as f64;
    let step = WIDTH / points.len().max(1) as f64;
    let y = |value: u32| TOP + (HEIGHT - TOP) * (1.0 - f64::from(value) / top);
    let stepped = |value: fn(&UsagePoint) -> Option<u32>| -> String {
        let mut path = String::new();
        for (i, point) in points.iter().enumerate() {
            let Some(value) = value(point) else {
                continue;
            };
            let (x, y) = (i as f64 * step, y(value));
            let command = if path.is_empty() { 'M' } else { 'L' };
            path.push_str(&format!("{command}{x:.1},{y:.1}H{:.1}", x + step));
        }
        path
    };
    let used = stepped(|point| Some(point.peak));
    let area = format!("{used}V{HEIGHT}H0Z");
    let quota = stepped(|point| point.quota);
    let range = series.range;
    let dots = points
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let quota = point
                .quota
                .map_or(String::new(), |q| format!(" of {}", count(q as usize)));
            let said = format!(
                "{}: {} seats in use{quota}",
                label(range, point.start),
                count(point.peak as usize)
            );
            view! {
                <circle
                    class="usage-point"
                    cx=format!("{:.1}", i as f64 * step + step / 2.0)
                    cy=format!("{:.1}", y(point.peak))
                    r="4"
                    tabindex="0"
                    role="img"
                    aria-label=said.clone()
                >
                    <title>{said.clone()}</title>
                </circle>
            }
        })
        .collect_view();
    view! {
        <svg
            class="usage-chart"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            preserveAspectRatio="none"
            role="group"
            aria-label=format!("Seats of {name} in use, {}", range.label().to_lowercase())
        >
            <path class="usage-area" d=area />
            <path class="usage-line" d=used />
            <path class="usage-quota" d=quota />
            {dots}
        </svg>
    }
}

/// The series as a table, for reading the numbers.
fn table(series: &UsageSeries) -> impl IntoView + use<> {
    let range = series.range;
    let rows = series
        .points
        .iter()
        .map(|point| {
            view! {
                <tr>
                    <td>{label(range, point.start)}</td>
                    <td>{count(point.peak as usize)}</td>
                    <td>{point.quota.map(|q| count(q as usize)).unwrap_or_else(|| "—".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="usage-data">
            <thead>
                <tr><th scope="col">"From"</th><th scope="col">"Seats in use (peak)"</th><th scope="col">"Quota"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
