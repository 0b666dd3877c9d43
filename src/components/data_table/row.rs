//! One row in view: its tick box when the table has bulk actions, its cells, and what is
//! happening to it until the server confirms.

use leptos::prelude::*;

use super::{derived::SharedModel, selection::Ticks};

/// A row as the window lists it: the refresh that last changed it (its key, with the rest),
/// its position among the matching rows, its index in the rows, and its id.
pub(super) type InView = (u64, usize, usize, i64);

/// How a table draws its rows.
#[derive(Clone)]
pub(super) struct RowView {
    pub model: SharedModel,
    pub ticks: Ticks,
    /// Whether rows have tick boxes (the table has bulk actions).
    pub selectable: bool,
    pub classes: Vec<&'static str>,
    pub pending: Option<Callback<i64, Option<String>>>,
}

impl RowView {
    pub fn draw(&self, (_, position, index, id): InView) -> impl IntoView + use<> {
        let model = self.model.get_value();
        let checked = self.ticks.checked(id, index);
        let cells = model
            .cells(index)
            .into_iter()
            .zip(&self.classes)
            .map(|((cell, title), class)| view! { <td class=*class title=title>{cell}</td> })
            .collect_view();
        let pending = self.pending;
        let pending_label = Signal::derive(move || pending.and_then(|pending| pending.run(id)));
        let ticks = self.ticks;
        let check =
            (self.selectable).then(|| ticks.check_cell((id, index), checked, pending_label));
        view! {
            <tr
                aria-rowindex=position + 2
                class:selected=checked
                class:pending=move || pending_label.read().is_some()
                aria-busy=move || pending_label.read().is_some().then_some("true")
            >
                {check}
                {cells}
            </tr>
        }
    }
}
