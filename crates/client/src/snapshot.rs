//! The first sync by snapshot (issue 22): instead of paging through the change feed from
//! cursor 0, the engine asks `GET /api/v1/sync/snapshot` for the current state of
//! everything the user may see, in ONE gzip answer of length-prefixed frames (see
//! proto's [`SnapshotFrame`]), and bulk-loads it.
//!
//! Why one gzip stream of frames: the answer stays one request (no round trip per page,
//! the server builds frame n+1 while the client loads frame n), it compresses as a whole
//! (the JSON of 100k tickets repeats the same keys), the frames let the client decode
//! and load as the bytes arrive instead of holding the whole answer, and the end frame
//! plus gzip's own length and CRC trailer make a cut or damaged answer an error, never a
//! smaller snapshot.
//!
//! The loading itself is `store/snapshot.rs`'s: under a `loading` marker in the store's
//! `meta`, with the secondary indexes dropped and rebuilt at the end, one big
//! transaction per frame. A failure (network, a damaged answer) undoes the partial
//! load at once; a kill leaves the marker, and the next open undoes it. Either way the
//! next round starts the first sync again; the outbox is never touched.
//!
//! A server without the path answers 404 (`not_found`): the round then pulls page by
//! page from 0, as before (an old server keeps working with a new app, and an old app
//! never asks for a snapshot).

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tadhkira_proto::{SnapshotFrame, MAX_SNAPSHOT_FRAME};

use tadhkira_proto::User;

use crate::engine::Session;
use crate::error::{EngineError, Result};
use crate::store::Store;

/// A snapshot answer that sends nothing for this long is given up (the server sends a
/// frame at least every feed page it reads).
pub const SNAPSHOT_IDLE: Duration = Duration::from_secs(60);

/// Frames decoded ahead of the one being loaded: the network, the decompression and
/// the JSON decoding go on while the store writes.
const FRAMES_AHEAD: usize = 2;

/// Why a snapshot answer is not a whole, valid snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The gzip stream is damaged (bad header, bad data, CRC or length mismatch).
    #[error("the snapshot is damaged: {0}")]
    Corrupt(String),
    /// The answer stopped before its end frame (or its gzip trailer).
    #[error("the snapshot was cut short")]
    Truncated,
    /// A frame is not what may come at that point (no head first, a second head, a count
    /// that does not match, bytes after the end, a frame over the size bound).
    #[error("the snapshot is malformed: {0}")]
    Malformed(String),
}

impl From<SnapshotError> for EngineError {
    fn from(e: SnapshotError) -> Self {
        EngineError::Incompatible(e.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expecting {
    Head,
    Body,
    Done,
}

/// Decodes a snapshot answer as its bytes arrive: [`SnapshotDecoder::push`] takes the
/// compressed bytes and answers the frames completed by them, in order;
/// [`SnapshotDecoder::finish`] checks that the stream ended where it should. A frame is
/// only answered whole and valid, and at most [`MAX_SNAPSHOT_FRAME`] bytes of JSON are
/// ever held for one.
#[derive(Debug)]
pub struct SnapshotDecoder {
    gz: flate2::write::GzDecoder<Vec<u8>>,
    /// Bytes of the decompressed buffer already decoded.
    at: usize,
    expecting: Expecting,
    changes: u64,
    /// The end frame, held back until [`SnapshotDecoder::finish`] has checked the
    /// gzip trailer.
    end: Option<SnapshotFrame>,
}

impl Default for SnapshotDecoder {
    fn default() -> Self {
        Self {
            gz: flate2::write::GzDecoder::new(Vec::new()),
            at: 0,
            expecting: Expecting::Head,
            changes: 0,
            end: None,
        }
    }
}

impl SnapshotDecoder {
    /// Takes the next compressed bytes; answers the frames they complete (never the end
    /// frame: [`SnapshotDecoder::finish`] answers it).
    pub fn push(
        &mut self,
        compressed: &[u8],
    ) -> std::result::Result<Vec<SnapshotFrame>, SnapshotError> {
        use std::io::Write;
        let mut rest = compressed;
        while !rest.is_empty() {
            match self.gz.write(rest) {
                // The gzip stream ended and bytes are left over.
                Ok(0) => {
                    return Err(SnapshotError::Malformed(
                        "bytes after the end of the gzip stream".into(),
                    ))
                }
                Ok(n) => rest = &rest[n..],
                Err(e) => return Err(SnapshotError::Corrupt(e.to_string())),
            }
            if self.gz.get_ref().len() - self.at > MAX_SNAPSHOT_FRAME + 4 {
                // Decode as we go, so the buffer never holds much more than a frame.
                break;
            }
        }
        // What was decompressed, out of the decoder's own buffer.
        self.gz
            .flush()
            .map_err(|e| SnapshotError::Corrupt(e.to_string()))?;
        let mut frames = self.frames()?;
        if !rest.is_empty() {
            frames.extend(self.push(rest)?);
        }
        Ok(frames)
    }

    /// The stream is over: checks the gzip trailer and that the end frame came, last;
    /// answers the frames still undelivered, the end frame last.
    pub fn finish(mut self) -> std::result::Result<Vec<SnapshotFrame>, SnapshotError> {
        let finished = self.gz.try_finish();
        if let Err(e) = finished {
            return Err(match self.expecting {
                Expecting::Done => SnapshotError::Corrupt(e.to_string()),
                _ => match self.frames() {
                    Err(e) => e,
                    Ok(_) => SnapshotError::Truncated,
                },
            });
        }
        // Frames completed by the last bytes.
        let mut frames = self.frames()?;
        match (self.expecting, self.end.take()) {
            (Expecting::Done, Some(end)) if self.gz.get_ref().len() == self.at => {
                frames.push(end);
                Ok(frames)
            }
            (Expecting::Done, _) => {
                Err(SnapshotError::Malformed("bytes after the end frame".into()))
            }
            _ => Err(SnapshotError::Truncated),
        }
    }

    /// Decodes every whole frame in the buffer.
    fn frames(&mut self) -> std::result::Result<Vec<SnapshotFrame>, SnapshotError> {
        let mut frames = Vec::new();
        loop {
            let buf = self.gz.get_ref();
            let avail = &buf[self.at..];
            if avail.is_empty() {
                break;
            }
            if self.expecting == Expecting::Done {
                return Err(SnapshotError::Malformed("bytes after the end frame".into()));
            }
            if avail.len() < 4 {
                break;
            }
            let len = u32::from_be_bytes([avail[0], avail[1], avail[2], avail[3]]) as usize;
            if len > MAX_SNAPSHOT_FRAME {
                return Err(SnapshotError::Malformed(format!(
                    "a frame of {len} bytes (at most {MAX_SNAPSHOT_FRAME})"
                )));
            }
            if avail.len() < 4 + len {
                break;
            }
            let frame: SnapshotFrame = serde_json::from_slice(&avail[4..4 + len])
                .map_err(|e| SnapshotError::Malformed(format!("a frame: {e}")))?;
            self.at += 4 + len;
            match (&frame, self.expecting) {
                (SnapshotFrame::Head { .. }, Expecting::Head) => {
                    self.expecting = Expecting::Body;
                    frames.push(frame);
                }
                (SnapshotFrame::Changes(c), Expecting::Body) => {
                    self.changes += c.len() as u64;
                    frames.push(frame);
                }
                (SnapshotFrame::End { changes }, Expecting::Body) => {
                    if *changes != self.changes {
                        return Err(SnapshotError::Malformed(format!(
                            "the end frame counts {changes} changes, the frames carried {}",
                            self.changes
                        )));
                    }
                    self.expecting = Expecting::Done;
                    self.end = Some(frame);
                }
                (_, Expecting::Head) => {
                    return Err(SnapshotError::Malformed("no head frame first".into()))
                }
                (_, _) => return Err(SnapshotError::Malformed("a second head frame".into())),
            }
        }
        // Drop what was decoded, now and then (not after every frame: it moves bytes).
        if self.at > (1 << 20) && self.at * 2 > self.gz.get_ref().len() {
            let at = self.at;
            self.gz.get_mut().drain(..at);
            self.at = 0;
        }
        Ok(frames)
    }
}

/// Reads the answer's body into frames for [`load`], [`FRAMES_AHEAD`] at most waiting;
/// the end frame only once the stream has ended whole.
async fn read_frames<S, B, E>(body: S, tx: tokio::sync::mpsc::Sender<Result<SnapshotFrame>>)
where
    S: futures::Stream<Item = std::result::Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut body = std::pin::pin!(body);
    let mut decoder = SnapshotDecoder::default();
    loop {
        let chunk = match tokio::time::timeout(SNAPSHOT_IDLE, body.next()).await {
            Err(_) => Err(EngineError::Offline(format!(
                "the snapshot sent nothing for {} s",
                SNAPSHOT_IDLE.as_secs()
            ))),
            Ok(None) => break,
            Ok(Some(Err(e))) => Err(EngineError::Offline(format!("the snapshot broke off: {e}"))),
            Ok(Some(Ok(bytes))) => decoder.push(bytes.as_ref()).map_err(EngineError::from),
        };
        match chunk {
            Ok(frames) => {
                for f in frames {
                    if tx.send(Ok(f)).await.is_err() {
                        return;
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        }
    }
    match decoder.finish() {
        Ok(frames) => {
            for f in frames {
                if tx.send(Ok(f)).await.is_err() {
                    return;
                }
            }
        }
        Err(e) => {
            let _ = tx.send(Err(e.into())).await;
        }
    }
}

/// Aborts the reading task when the first sync ends, one way or another.
struct Reader(tokio::task::JoinHandle<()>);

impl Drop for Reader {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The first sync by snapshot: answers `None` when the server has no snapshot (then
/// the caller pulls page by page from 0), else the number of changes loaded (see
/// [`load`]).
pub(crate) async fn first_sync(s: &Arc<Session>) -> Result<Option<u64>> {
    let Some(resp) = s.api.snapshot().await? else {
        tracing::info!("the server has no snapshot; pulling page by page");
        return Ok(None);
    };
    load(&s.store, &s.account.user, resp.bytes_stream())
        .await
        .map(Some)
}

/// Loads a snapshot answer's body into `store` as it arrives; answers the number of
/// changes loaded. The store's cursor is then the snapshot's, and the next pull
/// continues from it. On any failure the partial load is undone before the error is
/// answered (the outbox and the tickets it names untouched).
pub(crate) async fn load<S, B, E>(store: &Store, me: &User, body: S) -> Result<u64>
where
    S: futures::Stream<Item = std::result::Result<B, E>> + Send + 'static,
    B: AsRef<[u8]> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel(FRAMES_AHEAD);
    let _reader = Reader(tokio::spawn(read_frames(body, tx)));
    let ended = || EngineError::Offline("the snapshot stopped before its end".into());
    let (epoch, cursor) = match rx.recv().await.ok_or_else(ended)?? {
        SnapshotFrame::Head { epoch, cursor } => (epoch, cursor),
        _ => return Err(SnapshotError::Malformed("no head frame first".into()).into()),
    };
    let started = std::time::Instant::now();
    let mut load = store.begin_snapshot(epoch).await?;
    let loaded: Result<()> = async {
        loop {
            match rx.recv().await.ok_or_else(ended)?? {
                SnapshotFrame::Changes(changes) => {
                    store.load_snapshot_changes(&mut load, &changes, me).await?
                }
                SnapshotFrame::End { .. } => break,
                SnapshotFrame::Head { .. } => {
                    return Err(SnapshotError::Malformed("a second head frame".into()).into())
                }
            }
        }
        store.finish_snapshot(&load, cursor, me).await
    }
    .await;
    match loaded {
        Ok(()) => {
            tracing::info!(
                changes = load.changes,
                cursor,
                ms = started.elapsed().as_millis() as u64,
                "snapshot loaded"
            );
            Ok(load.changes)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the snapshot failed; undoing its partial load");
            if let Err(undo) = store.abandon_snapshot().await {
                tracing::error!(error = %undo, "could not undo the partial snapshot; the next open will");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use tadhkira_proto::{ArticleWithdrawn, Change, Entity};
    use uuid::Uuid;

    /// The bytes of these frames, as the server writes them.
    pub fn encode(frames: &[SnapshotFrame]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for f in frames {
            let json = serde_json::to_vec(f).unwrap();
            gz.write_all(&(json.len() as u32).to_be_bytes()).unwrap();
            gz.write_all(&json).unwrap();
        }
        gz.finish().unwrap()
    }

    fn sample(n: usize) -> Vec<SnapshotFrame> {
        let changes: Vec<Change> = (0..n)
            .map(|i| Change {
                seq: i as i64 + 1,
                entity: Entity::ArticleWithdrawn(ArticleWithdrawn {
                    id: Uuid::from_u128(i as u128),
                }),
            })
            .collect();
        let mut frames = vec![SnapshotFrame::Head {
            epoch: Uuid::nil(),
            cursor: n as i64,
        }];
        for c in changes.chunks(3) {
            frames.push(SnapshotFrame::Changes(c.to_vec()));
        }
        frames.push(SnapshotFrame::End { changes: n as u64 });
        frames
    }

    fn decode(
        bytes: &[u8],
        cuts: &[usize],
    ) -> std::result::Result<Vec<SnapshotFrame>, SnapshotError> {
        let mut d = SnapshotDecoder::default();
        let mut out = Vec::new();
        let mut from = 0;
        for &to in cuts.iter().chain([bytes.len()].iter()) {
            let to = to.clamp(from, bytes.len());
            out.extend(d.push(&bytes[from..to])?);
            from = to;
        }
        out.extend(d.finish()?);
        Ok(out)
    }

    #[test]
    fn a_whole_snapshot_decodes_in_any_pieces() {
        let frames = sample(10);
        let bytes = encode(&frames);
        assert_eq!(decode(&bytes, &[]).unwrap(), frames);
        let every: Vec<usize> = (0..bytes.len()).collect();
        assert_eq!(decode(&bytes, &every).unwrap(), frames);
    }

    #[test]
    fn a_cut_snapshot_is_an_error_wherever_it_is_cut() {
        let bytes = encode(&sample(10));
        for len in 0..bytes.len() {
            let e = decode(&bytes[..len], &[len / 2]).unwrap_err();
            assert!(
                matches!(e, SnapshotError::Truncated | SnapshotError::Corrupt(_)),
                "cut at {len}: {e:?}"
            );
        }
    }

    #[test]
    fn a_damaged_or_out_of_order_snapshot_is_an_error() {
        let frames = sample(4);
        let bytes = encode(&frames);
        // Every single flipped byte: an error, never a different snapshot.
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x5a;
            if let Ok(got) = decode(&bad, &[]) {
                assert_eq!(got, frames, "byte {i} flipped changed the snapshot");
            }
        }
        // No head first; a wrong count; a second head; bytes after the end.
        let no_head = encode(&frames[1..]);
        assert!(matches!(
            decode(&no_head, &[]),
            Err(SnapshotError::Malformed(_))
        ));
        let mut wrong = frames.clone();
        *wrong.last_mut().unwrap() = SnapshotFrame::End { changes: 3 };
        assert!(matches!(
            decode(&encode(&wrong), &[]),
            Err(SnapshotError::Malformed(_))
        ));
        let mut two_heads = frames.clone();
        two_heads.insert(1, frames[0].clone());
        assert!(matches!(
            decode(&encode(&two_heads), &[]),
            Err(SnapshotError::Malformed(_))
        ));
        let mut after = frames.clone();
        after.push(frames[1].clone());
        assert!(matches!(
            decode(&encode(&after), &[]),
            Err(SnapshotError::Malformed(_))
        ));
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(b"more");
        assert!(decode(&trailing, &[]).is_err());
    }

    /// Fuzz target of the snapshot decoder (outside input): any bytes, cut anywhere,
    /// never panic, never hold more than one frame over the bound, and decode to the
    /// same frames as the same bytes in one piece; a valid snapshot with random bytes
    /// changed is either an error or the same snapshot.
    #[test]
    fn fuzz_snapshot_decoder_any_bytes() {
        bolero::check!()
            .with_type::<(Vec<u8>, Vec<u16>)>()
            .for_each(|(bytes, cuts)| {
                let mut points: Vec<usize> = cuts
                    .iter()
                    .map(|c| usize::from(*c) % (bytes.len() + 1))
                    .collect();
                points.sort_unstable();
                let whole = decode(bytes, &[]);
                let pieces = decode(bytes, &points);
                assert_eq!(whole.is_ok(), pieces.is_ok(), "{whole:?} / {pieces:?}");
                if let (Ok(a), Ok(b)) = (whole, pieces) {
                    assert_eq!(a, b);
                }
            });
    }

    #[test]
    fn fuzz_snapshot_decoder_damaged_snapshots() {
        let frames = sample(7);
        let valid = encode(&frames);
        bolero::check!()
            .with_type::<Vec<(u16, u8)>>()
            .for_each(|edits| {
                let mut bad = valid.clone();
                for (at, byte) in edits {
                    let i = usize::from(*at) % bad.len();
                    bad[i] = *byte;
                }
                if let Ok(got) = decode(&bad, &[bad.len() / 3]) {
                    assert_eq!(got, frames);
                }
            });
    }
}
