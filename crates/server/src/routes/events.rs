//! `GET /api/v1/events`: Server-Sent Events. Each `changes` event carries
//! `ChangesAvailable {seq}` and means "pull now"; it is sent only to callers who may see
//! something in the change. One event is sent on connect (so a client that reconnects
//! pulls at once), keep-alive comments keep proxies from closing the stream, and the
//! stream ends when the server stops, when its user opens one stream too many (the
//! oldest closes), or when its token is signed out, revoked or expires (see
//! [`crate::streams`]).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use tadhkira_proto::ChangesAvailable;
use tokio_stream::wrappers::{errors::BroadcastStreamRecvError, BroadcastStream};

use crate::auth::bearer_of;
use crate::db::Caller;
use crate::error::AppError;
use crate::state::AppState;
use crate::streams::token_lapsed;

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
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    // The extractor accepted it, so the token is there.
    let token = bearer_of(&headers).unwrap_or_default().to_owned();
    let (slot, closed) = state.streams.open(caller.user.id, &token);
    let lapsed = token_lapsed(state.store.clone(), token, state.streams.recheck_every());
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
        // The slot is held for as long as the stream is open.
        let _slot = slot;
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => {}
            _ = closed => {}
            _ = lapsed => {}
        }
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
