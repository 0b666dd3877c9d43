//! License Usage: a product's named or floating seats in use against their quota over the
//! last 24 hours, 30 days or 12 months, drawn as SVG: the peak, the average and the days at
//! quota above it, the quota's changes marked, each point focusable with its values, a data
//! table to read instead, and the series as CSV.

use allot_core::{
    OrgId, ProductId,
    format::count,
    licensing::PoolKind,
    usage::{UsagePoint, UsageRange, UsageSeries},
};
use leptos::prelude::*;

use crate::{
    api,
    components::{LoadStatus, Toasts},
    format,
    org::Remote,
};

/// The drawing's own units; it scales to its box.
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 120.0;
const TOP: f64 = 8.0;

/// The usage of `product`'s seats of `kind`. `moved` changes when their count or quota does
/// (the change feed's news): the series loads again then.
#[component]
pub fn UsageChart(
    org: OrgId,
    product: ProductId,
    kind: PoolKind,
    name: String,
    #[prop(into)] moved: Signal<u64>,
) -> impl IntoView {
    let range = RwSignal::new(UsageRange::Day);
    let series = Remote::following(
        move || api::usage(org, product, kind, range.get()),
        move || moved.get(),
    );
    let (title, seats) = match kind {
        PoolKind::Named => ("Seat usage", "Seats"),
        PoolKind::Floating => ("Floating seat usage", "Floating seats"),
    };
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
                        &format!("usage-{}-{}", kind.as_str(), series.range.as_str()),
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
                    view! { <li>{quota_change(series.range, kind, change)}</li> }
                })
                .collect_view();
            view! {
                <p class="usage-facts">{facts}</p>
                {drawing(&series, kind, &format!("{seats} of {} in use", name.get_value()))}
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
        <section class="usage" aria-label=move || name.with_value(|name| format!("{title} of {name}"))>
            <div class="usage-header">
                <h3>{title}</h3>
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
        UsageRange::Month => format::date(start),
        UsageRange::Year => format::month(start),
    }
}

/// The series as SVG, called `what` ("Seats of … in use"): seats in use as a stepped area,
/// the quota as a dashed line, its changes marked, a focusable point per step that says its
/// values.
fn drawing(series: &UsageSeries, kind: PoolKind, what: &str) -> impl IntoView + use<> {
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
    // Where the quota changed: at the start of the step it changed in. The list under the
    // chart says the same to a screen reader.
    let changes = series
        .quota_changes
        .iter()
        .map(|change| {
            let at = points
                .iter()
                .rposition(|point| point.start <= change.start)
                .unwrap_or_default();
            let x = format!("{:.1}", at as f64 * step);
            view! {
                <line class="usage-quota-change" x1=x.clone() x2=x y1="0" y2=HEIGHT.to_string() aria-hidden="true">
                    <title>{quota_change(range, kind, change)}</title>
                </line>
            }
        })
        .collect_view();
    view! {
        <svg
            class="usage-chart"
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            preserveAspectRatio="none"
            role="group"
            aria-label=format!("{what}, {}", range.label().to_lowercase())
        >
            <path class="usage-area" d=area />
            <path class="usage-line" d=used />
            <path class="usage-quota" d=quota />
            {changes}
            {dots}
        </svg>
    }
}

/// A change of the quota, as the list under the chart and its mark on the chart say it.
fn quota_change(range: UsageRange, kind: PoolKind, change: &UsagePoint) -> String {
    let to = change
        .quota
        .map_or(format!("no {} seats", kind.as_str()), |quota| {
            format!("{} seats", count(quota as usize))
        });
    // A change happens on a day, even in the 12-month view of whole months.
    let when = match range {
        UsageRange::Day => format::date_time(change.start),
        UsageRange::Month | UsageRange::Year => format::date(change.start),
    };
    format!("{when}: quota now {to}")
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
