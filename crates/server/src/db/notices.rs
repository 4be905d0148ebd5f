//! Change notices on their way to the SSE streams, merged when they come faster than
//! the streams can be told.
//!
//! Every commit that writes to the feed sends a [`Notice`]; every open event stream
//! (`routes/events.rs`) turns the ones its caller may see into a "pull now" event. With
//! many streams that fan-out is the server's main cost: 64 clients creating tickets
//! while 1,000 staff streams listened got 21.5 creates/s (debug) against 287 without
//! streams, because each create woke and wrote to all 1,000 streams.
//!
//! A "pull now" only needs the newest seq — the pull brings everything up to it — so
//! notices that arrive while one is being fanned out can be merged into one: the
//! newest seq, each organisation's newest seq, `all` if any said so. One forwarding
//! task takes the notices from an unbounded queue, merges whatever is queued, sends the
//! result to the streams' broadcast channel, and then waits a gap that grows with the
//! number of streams ([`gap_for`]), so that fanning out takes at most a share of the
//! machine. With a handful of streams the gap is below a millisecond and a notice goes
//! straight through (a reply still reaches an alert in a few milliseconds); with
//! 10,000 streams a stream hears at most a few times a second, and no change waits
//! longer than [`MAX_GAP`] to be announced.
//!
//! Nothing is lost by merging: a stream that is told the newest seq pulls up to it.

use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use super::feed::Notice;

/// What fanning one notice out costs per stream, about (a debug build on the 2-core
/// machine: waking the stream's task, the event's JSON, its write to the socket).
const COST_PER_STREAM: Duration = Duration::from_micros(20);
/// Fanning out may take a quarter of the time: the gap after a fan-out is three times
/// what the fan-out cost.
const GAP_FACTOR: u32 = 3;
/// The longest a committed change waits before its streams are told.
pub const MAX_GAP: Duration = Duration::from_millis(250);
/// Below this a gap is not worth a timer.
const NO_GAP: Duration = Duration::from_millis(1);

/// The wait after telling `streams` streams of a change.
pub fn gap_for(streams: usize) -> Duration {
    let streams = u32::try_from(streams).unwrap_or(u32::MAX);
    COST_PER_STREAM
        .saturating_mul(streams)
        .saturating_mul(GAP_FACTOR)
        .min(MAX_GAP)
}

/// Folds `later` into `into`: the newest seq overall and per organisation.
pub fn merge(into: &mut Notice, later: Notice) {
    into.seq = into.seq.max(later.seq);
    into.all |= later.all;
    for (org, seq) in later.orgs {
        match into.orgs.iter_mut().find(|(o, _)| *o == org) {
            Some((_, s)) => *s = (*s).max(seq),
            None => into.orgs.push((org, seq)),
        }
    }
}

/// Where committed changes are announced: [`Notices::send`] queues a notice for the
/// forwarding task; [`Notices::subscribe`] gives a stream its receiver. The task ends
/// when every sender is dropped.
#[derive(Clone)]
pub struct Notices {
    queue: mpsc::UnboundedSender<Notice>,
    streams: broadcast::Sender<Notice>,
}

impl Notices {
    /// Starts the forwarding task (needs a tokio runtime).
    pub fn start() -> Self {
        let (queue, mut queued) = mpsc::unbounded_channel::<Notice>();
        let (streams, _) = broadcast::channel(1024);
        let out = streams.clone();
        tokio::spawn(async move {
            while let Some(mut notice) = queued.recv().await {
                while let Ok(later) = queued.try_recv() {
                    merge(&mut notice, later);
                }
                let listening = out.receiver_count();
                // No receiver is fine: nobody is listening.
                let _ = out.send(notice);
                let gap = gap_for(listening);
                if gap >= NO_GAP {
                    tokio::time::sleep(gap).await;
                }
            }
        });
        Notices { queue, streams }
    }

    /// Announces a commit (a closed queue means the server is stopping: nothing to tell).
    pub fn send(&self, notice: Notice) {
        let _ = self.queue.send(notice);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.streams.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn notice(seq: i64, orgs: &[(Uuid, i64)]) -> Notice {
        Notice {
            seq,
            orgs: orgs.to_vec(),
            all: false,
        }
    }

    #[test]
    fn merging_keeps_the_newest_seq_overall_and_per_organisation() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut n = notice(7, &[(a, 7), (b, 5)]);
        merge(&mut n, notice(9, &[(b, 9), (c, 8)]));
        merge(&mut n, notice(8, &[(a, 6)]));
        assert_eq!(n.seq, 9);
        assert_eq!(n.orgs, vec![(a, 7), (b, 9), (c, 8)]);
        assert!(!n.all);
        merge(
            &mut n,
            Notice {
                seq: 3,
                orgs: vec![],
                all: true,
            },
        );
        assert!(n.all, "one 'tell everyone' makes the merged notice one");
        assert_eq!(n.seq, 9);
    }

    #[test]
    fn the_gap_grows_with_the_streams_and_is_bounded() {
        assert!(gap_for(1) < NO_GAP, "one stream: no wait at all");
        assert!(gap_for(10) < NO_GAP);
        assert_eq!(gap_for(1_000), Duration::from_millis(60));
        assert_eq!(gap_for(10_000), MAX_GAP);
        assert_eq!(gap_for(usize::MAX), MAX_GAP);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn notices_queued_meanwhile_reach_a_stream_as_one() {
        let notices = Notices::start();
        let mut rx = notices.subscribe();
        let org = Uuid::now_v7();
        // All sent before the forwarding task runs (one thread, no await between).
        for seq in 1..=100 {
            notices.send(notice(seq, &[(org, seq)]));
        }
        let got = rx.recv().await.unwrap();
        assert_eq!(got.seq, 100);
        assert_eq!(got.orgs, vec![(org, 100)]);
        // One stream: the next notice goes straight through, alone.
        notices.send(notice(101, &[]));
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("the next notice arrives")
            .unwrap();
        assert_eq!(got.seq, 101);
        assert!(rx.try_recv().is_err(), "nothing else was sent");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn with_many_streams_a_burst_after_a_fan_out_waits_for_the_gap() {
        let notices = Notices::start();
        let mut receivers: Vec<_> = (0..1_000).map(|_| notices.subscribe()).collect();
        notices.send(notice(1, &[]));
        assert_eq!(receivers[0].recv().await.unwrap().seq, 1);
        // The burst is sent within the gap (60 ms) the first fan-out started.
        let sent = std::time::Instant::now();
        for seq in 2..=50 {
            notices.send(notice(seq, &[]));
            tokio::task::yield_now().await;
        }
        let got = receivers[0].recv().await.unwrap();
        assert_eq!(got.seq, 50, "the burst came as one notice");
        assert!(
            sent.elapsed() >= gap_for(1_000) - Duration::from_millis(1),
            "it waited for the gap after the first fan-out: {:?}",
            sent.elapsed()
        );
        assert!(receivers[999].try_recv().is_ok());
        assert!(receivers[0].try_recv().is_err());
    }
}
