//! The framing of the live-event stream (`GET /api/v1/events`, Server-Sent Events): the
//! bytes as they arrive, cut into events at each blank line, and which of them are
//! `changes` events (the only kind that wakes the sync loop; the server also sends
//! keep-alive comments).
//!
//! Outside input, so bounded: an event may be at most [`MAX_EVENT_BYTES`]; a stream that
//! sends more without a blank line is answered [`Oversized`] and the caller drops it
//! (the sync loop reconnects with its backoff), rather than buffering without end.
//! Bytes are kept as bytes until an event is complete, so a character cut between two
//! network reads is never mangled. The server ends lines with `\n`; a `\r` before it is
//! tolerated.

/// The longest event kept while waiting for its end (a `changes` event is a few dozen
/// bytes; the server's biggest is well under 1 KiB).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// The stream sent more than [`MAX_EVENT_BYTES`] without ending an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oversized;

/// The bytes of an event not yet complete.
#[derive(Debug, Default)]
pub struct EventFrames {
    pending: Vec<u8>,
}

impl EventFrames {
    /// Takes the next bytes of the stream; answers how many `changes` events they
    /// completed.
    pub fn push(&mut self, bytes: &[u8]) -> Result<usize, Oversized> {
        self.pending.extend_from_slice(bytes);
        let mut changes = 0;
        let mut start = 0;
        while let Some(end) = find_blank_line(&self.pending[start..]) {
            if is_changes(&self.pending[start..start + end]) {
                changes += 1;
            }
            start += end + 2;
        }
        self.pending.drain(..start);
        if self.pending.len() > MAX_EVENT_BYTES {
            self.pending.clear();
            return Err(Oversized);
        }
        Ok(changes)
    }
}

/// Where the first `\n\n` starts.
fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == b"\n\n")
}

/// Whether one event's lines name the event type `changes`.
fn is_changes(event: &[u8]) -> bool {
    event
        .split(|b| *b == b'\n')
        .any(|line| line.strip_suffix(b"\r").unwrap_or(line) == b"event: changes")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGES: &[u8] = b"event: changes\ndata: {\"seq\":7}\n\n";

    #[test]
    fn counts_changes_events_and_skips_comments_and_other_kinds() {
        let mut f = EventFrames::default();
        assert_eq!(f.push(b": keep-alive\n\n"), Ok(0));
        assert_eq!(f.push(CHANGES), Ok(1));
        assert_eq!(
            f.push(b"event: hello\ndata: 1\n\nevent: changes\r\ndata: 2\r\n\n"),
            Ok(1)
        );
        // Cut anywhere, even inside a line: counted once it is complete.
        assert_eq!(f.push(&CHANGES[..9]), Ok(0));
        assert_eq!(f.push(&CHANGES[9..]), Ok(1));
        assert_eq!(f.push(b"data: no type\n\n"), Ok(0));
    }

    #[test]
    fn an_event_without_end_is_refused_past_the_bound() {
        let mut f = EventFrames::default();
        let big = vec![b'x'; MAX_EVENT_BYTES];
        assert_eq!(f.push(&big), Ok(0));
        assert_eq!(f.push(b"y"), Err(Oversized));
        // What follows starts afresh.
        assert_eq!(f.push(CHANGES), Ok(1));
    }

    /// Fuzz target (issue 21): any bytes, cut at any points, never panic, never keep more
    /// than the bound, and count the same events as the same bytes in one piece.
    #[test]
    fn fuzz_any_bytes_cut_anywhere_frame_alike() {
        bolero::check!()
            .with_type::<(Vec<u8>, Vec<u16>)>()
            .for_each(|(bytes, cuts)| {
                let mut whole = EventFrames::default();
                let expected = whole.push(bytes);
                let mut pieces = EventFrames::default();
                let mut points: Vec<usize> = cuts
                    .iter()
                    .map(|c| usize::from(*c) % (bytes.len() + 1))
                    .collect();
                points.sort_unstable();
                let mut total = Ok(0);
                let mut from = 0;
                for to in points.into_iter().chain([bytes.len()]) {
                    if let Ok(n) = pieces.push(&bytes[from..to]) {
                        total = total.map(|t| t + n);
                    } else {
                        total = Err(Oversized);
                    }
                    assert!(pieces.pending.len() <= MAX_EVENT_BYTES);
                    from = to;
                }
                // (An event longer than the bound may pass in one piece and not in
                // several; any other difference is a framing bug.)
                if let (Ok(expected), Ok(total)) = (expected, total) {
                    assert_eq!(total, expected);
                }
            });
    }
}
