//! `GET /api/v1/events`: Server-Sent Events. Each `changes` event carries
//! `ChangesAvailable {seq}` and means "pull now"; it is sent only to callers who may see
//! something in the change. One event is sent on connect (so a client that reconnects
//! pulls at once), keep-alive comments keep proxies from closing the stream, and the
//! stream ends when the server stops.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use tadhkira_proto::ChangesAvailable;
use tokio_stream::wrappers::{errors::BroadcastStreamRecvError, BroadcastStream};

use crate::db::Caller;
use crate::error::AppError;
use crate::state::AppState;

fn changes_event(seq: i64) -> Event {
    Event::default()
        .event("changes")
        .json_data(ChangesAvailable { seq })
        .unwrap_or_else(|_| Event::default().event("changes"))
}

/// `GET /api/v1/events`.
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let receiver = state.store.subscribe();
    let head = state.store.head_seq().await?;
    let store = state.store.clone();
    let live = BroadcastStream::new(receiver).filter_map(move |notice| {
        let (store, caller) = (store.clone(), caller.clone());
        async move {
            let seq = match notice {
                Ok(n) => n.seq_for(&caller),
                // Missed notices: say "pull" anyway with the head; the pull filters.
                Err(BroadcastStreamRecvError::Lagged(_)) => store.head_seq().await.ok(),
            };
            seq.map(|s| Ok(changes_event(s)))
        }
    });
    let mut shutdown = state.shutdown.clone();
    let stopped = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    let stream = futures::stream::once(futures::future::ready(Ok(changes_event(head))))
        .chain(live)
        .take_until(stopped);
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    ))
}
