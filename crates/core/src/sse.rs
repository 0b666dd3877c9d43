//! Server-sent events read from a byte stream, as the HTML standard's event-stream parser
//! reads them: the console follows the change feed over `fetch` (which, unlike
//! `EventSource`, can send a bearer token), so it parses the stream itself.

use std::time::Duration;

/// How often the change feed sends a keep-alive comment when it has nothing to say.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// How long a reader of the feed waits in silence before it counts the connection as dead:
/// more than two keep-alives missed. A connection can die without a word (a laptop asleep, a
/// NAT mapping dropped), and WebKit does not even tell a waiting reader that the connection
/// closed.
pub const SILENCE: Duration = Duration::from_secs(12);

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// `message` when the stream named none.
    pub event: String,
    pub data: String,
    /// The last event id the stream set, carried by this and later events.
    pub id: Option<String>,
}

/// Feeds text in as it arrives, in any pieces; complete events come out.
#[derive(Debug, Default)]
pub struct SseParser {
    /// The unfinished line.
    line: String,
    /// A carriage return ended the last piece: a line feed starting the next one belongs to it.
    after_cr: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The events that `text` completes.
    pub fn push(&mut self, text: &str) -> Vec<SseEvent> {
        let mut events = Vec::new();
        for c in text.chars() {
            match c {
                '\n' if self.after_cr => self.after_cr = false,
                '\r' | '\n' => {
                    self.after_cr = c == '\r';
                    let line = std::mem::take(&mut self.line);
                    events.extend(self.line_ended(&line));
                }
                _ => {
                    self.after_cr = false;
                    self.line.push(c);
                }
            }
        }
        events
    }

    fn line_ended(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => value.clone_into(&mut self.event),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            // `retry` and unknown fields: the console keeps its own back-off.
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        Some(SseEvent {
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STREAM: &str = "retry: 1000\n: following\n\nevent: change\nid: 7\ndata: {\"seq\":7}\n\n\
                          event: reset\ndata: 9\n\ndata: a\ndata: b\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            SseEvent {
                event: "change".into(),
                data: "{\"seq\":7}".into(),
                id: Some("7".into()),
            },
            SseEvent {
                event: "reset".into(),
                data: "9".into(),
                id: Some("7".into()),
            },
            SseEvent {
                event: "message".into(),
                data: "a\nb".into(),
                id: Some("7".into()),
            },
        ]
    }

    #[test]
    fn reads_events_comments_and_multi_line_data() {
        assert_eq!(SseParser::new().push(STREAM), expected());
    }

    #[test]
    fn an_unfinished_event_waits_for_its_blank_line() {
        let mut parser = SseParser::new();
        assert_eq!(parser.push("event: change\ndata: 1\n"), []);
        assert_eq!(parser.push("\n").len(), 1);
    }

    #[test]
    fn every_line_ending_counts() {
        let crlf = STREAM.replace('\n', "\r\n");
        assert_eq!(SseParser::new().push(&crlf), expected());
        let cr = STREAM.replace('\n', "\r");
        assert_eq!(SseParser::new().push(&cr), expected());
    }

    proptest! {
        /// However the network splits the stream, the same events come out.
        #[test]
        fn any_split_gives_the_same_events(cuts in prop::collection::vec(0..STREAM.len(), 0..12), crlf in any::<bool>()) {
            let stream = if crlf { STREAM.replace('\n', "\r\n") } else { STREAM.to_owned() };
            let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut.min(stream.len())).collect();
            cuts.sort_unstable();
            let mut parser = SseParser::new();
            let mut events = Vec::new();
            let mut start = 0;
            for cut in cuts.into_iter().chain([stream.len()]) {
                events.extend(parser.push(&stream[start..cut]));
                start = cut;
            }
            prop_assert_eq!(events, expected());
        }
    }
}
