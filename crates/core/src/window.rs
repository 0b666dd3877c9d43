//! Which rows of a long list to put in the DOM: those in view plus a margin, so that the
//! page holds a fixed number of rows however many there are.

/// Rows rendered beyond each edge of the viewport, so that fast scrolling and Tab into the
/// next row find a row already there.
pub const OVERSCAN: usize = 8;

/// The rows `start..end` of `total` to render, and the space the others take above and below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowWindow {
    pub start: usize,
    pub end: usize,
    pub total: usize,
}

impl RowWindow {
    /// The window for a viewport `height` pixels tall scrolled `scroll_top` pixels down a
    /// list of `total` rows, each `row_height` pixels tall.
    pub fn new(total: usize, row_height: f64, scroll_top: f64, height: f64) -> Self {
        let first_visible = (scroll_top.max(0.0) / row_height) as usize;
        let visible = (height.max(0.0) / row_height).ceil() as usize + 1;
        let start = first_visible.saturating_sub(OVERSCAN).min(total);
        let end = (first_visible + visible + OVERSCAN).min(total);
        Self { start, end, total }
    }

    pub fn rows_above(&self) -> usize {
        self.start
    }

    pub fn rows_below(&self) -> usize {
        self.total - self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn top_of_the_list() {
        let window = RowWindow::new(1000, 40.0, 0.0, 400.0);
        assert_eq!((window.start, window.end), (0, 11 + OVERSCAN));
        assert_eq!(window.rows_below(), 1000 - 11 - OVERSCAN);
    }

    #[test]
    fn scrolled_to_the_end() {
        let window = RowWindow::new(1000, 40.0, 40.0 * 990.0, 400.0);
        assert_eq!(window.end, 1000);
        assert_eq!(window.start, 990 - OVERSCAN);
    }

    #[test]
    fn short_and_empty_lists_render_whole() {
        assert_eq!(RowWindow::new(5, 40.0, 0.0, 400.0).end, 5);
        let empty = RowWindow::new(0, 40.0, 500.0, 400.0);
        assert_eq!((empty.start, empty.end), (0, 0));
    }

    proptest! {
        #[test]
        fn the_window_covers_the_viewport_with_a_bounded_row_count(
            total in 0usize..200_000, scroll in 0f64..10_000_000.0, height in 0f64..3000.0,
        ) {
            let row = 40.0;
            let window = RowWindow::new(total, row, scroll, height);
            prop_assert!(window.start <= window.end && window.end <= total);
            prop_assert!(window.end - window.start <= (height / row).ceil() as usize + 1 + 2 * OVERSCAN);
            let first_visible = ((scroll / row) as usize).min(total);
            let last_visible = (((scroll + height) / row) as usize).min(total);
            prop_assert!(window.start <= first_visible);
            prop_assert!(window.end >= last_visible);
        }
    }
}
