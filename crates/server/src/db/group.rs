//! Group commit: the writes that arrive while one is being applied are applied
//! together, in one transaction, by [`Store::apply_grouped`].
//!
//! Why: every write takes the feed lock (`writer.rs`), so writers run one after
//! another, and each transaction is some twenty statements (the counters, the quota,
//! the look-ups, the rows, the commit with its fsync), each a hop to the database's
//! thread and back. Sixty-four REST clients creating tickets ran no faster than one:
//! they queued for the lock. Applied as one group, their tickets and rows are written
//! in the writer's multi-row statements, the look-ups are asked once, and there is one
//! commit.
//!
//! What does not change: each request's batch keeps its own meaning — its own quota
//! (taken in the group's transaction; a batch past it is answered
//! [`StoreError::OverQuota`] and applies nothing, the others go on), its own results
//! in order, and the rule that a mutation on a ticket whose create was rejected
//! earlier *in the same batch* is rejected `depends_on_rejected`. Batches of the group
//! never see each other's rejections. An answer is sent only after the commit.
//!
//! If the group's transaction fails (a database error in any batch), nothing of it was
//! written; each batch is then applied alone ([`Store::apply_batch`]), so one bad batch
//! fails by itself, as it would have without the group.
//!
//! Small batches are grouped (a REST write is one mutation; an app's push after a
//! change, a few); a batch of [`ALONE_FROM`] mutations or more is applied alone.
//!
//! The group is applied on a task of its own (the drain), so a client hanging up does
//! not cut a transaction that carries other clients' writes; a lone writer pays a task
//! hand-off, a few microseconds.

use std::sync::{Arc, Mutex};

use tadhkira_proto::{MutationEnvelope, MutationResult};
use tokio::sync::oneshot;

use super::apply::{apply_in, preload_batch};
use super::writer::Writer;
use super::{Caller, QuotaRule, Store, StoreError};
use crate::config::Settings;

/// Most mutations in one group: the largest push batch the protocol allows.
const MAX_GROUP_MUTATIONS: usize = 500;

/// A batch of this many mutations or more is applied alone: it already spreads the
/// costs of its transaction, and in a group its answer would wait for the others' (a
/// client pushing its outbox keeps two batches in flight; grouped, the second's answer
/// came with the first's and the pipeline stalled: 5–7 % slower in the bench).
const ALONE_FROM: usize = 64;

/// The writes waiting for the drain, and whether a drain is running.
#[derive(Default)]
pub(super) struct Groups {
    inner: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    batches: Vec<Pending>,
    draining: bool,
}

/// One request's batch, waiting to be applied.
struct Pending {
    caller: Caller,
    batch: Vec<MutationEnvelope>,
    settings: Arc<Settings>,
    quota: Option<QuotaRule>,
    answer: oneshot::Sender<Result<Vec<MutationResult>, StoreError>>,
}

impl Store {
    /// Applies `batch` for `caller` as [`Store::apply_batch`] does, in one transaction
    /// with the other writes that wait at the same moment (see the module's comment).
    pub async fn apply_grouped(
        &self,
        caller: &Caller,
        batch: Vec<MutationEnvelope>,
        settings: Arc<Settings>,
        quota: Option<QuotaRule>,
    ) -> Result<Vec<MutationResult>, StoreError> {
        let (answer, answered) = oneshot::channel();
        let pending = Pending {
            caller: caller.clone(),
            batch,
            settings,
            quota,
            answer,
        };
        let start_drain = {
            let mut waiting = self.groups.inner.lock().map_err(|_| poisoned())?;
            waiting.batches.push(pending);
            !std::mem::replace(&mut waiting.draining, true)
        };
        if start_drain {
            tokio::spawn(self.clone().drain());
        }
        answered.await.map_err(|_| {
            StoreError::Corrupt("the group this write was in ended without an answer".into())
        })?
    }

    /// Applies the waiting writes, a group at a time, until none is left.
    async fn drain(self) {
        // Whatever ends this task (a panic too), the next write starts a new drain and
        // no write waits for an answer that will not come.
        let mut ends = DrainEnds {
            store: self.clone(),
            early: true,
        };
        loop {
            let group = {
                let Ok(mut waiting) = self.groups.inner.lock() else {
                    return;
                };
                let mut size = 0;
                let take = waiting
                    .batches
                    .iter()
                    .take_while(|p| {
                        size += p.batch.len();
                        p.batch.len() < ALONE_FROM && size <= MAX_GROUP_MUTATIONS
                    })
                    .count()
                    .max(1);
                let take = take.min(waiting.batches.len());
                if take == 0 {
                    waiting.draining = false;
                    ends.early = false;
                    return;
                }
                waiting.batches.drain(..take).collect::<Vec<_>>()
            };
            self.apply_group(group).await;
        }
    }

    async fn apply_group(&self, group: Vec<Pending>) {
        if group.len() > 1 {
            match self.try_group(&group).await {
                Ok(answers) => {
                    for (p, answer) in group.into_iter().zip(answers) {
                        let _ = p.answer.send(answer);
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, batches = group.len(), "a group write failed; applying its batches one by one");
                }
            }
        }
        for p in group {
            let answer = self
                .apply_batch(&p.caller, &p.batch, &p.settings, p.quota)
                .await;
            let _ = p.answer.send(answer);
        }
    }

    /// The group in one transaction: each batch's answer, or the error that rolled the
    /// whole group back.
    async fn try_group(
        &self,
        group: &[Pending],
    ) -> Result<Vec<Result<Vec<MutationResult>, StoreError>>, StoreError> {
        let mut w = Writer::begin(self).await?;
        let mut refused = Vec::with_capacity(group.len());
        for p in group {
            refused.push(match p.quota {
                Some(rule) => match w
                    .take_write_quota(rule, p.caller.user.id, p.batch.len())
                    .await
                {
                    Ok(()) => None,
                    Err(StoreError::OverQuota(wait)) => Some(wait),
                    Err(e) => return Err(e),
                },
                None => None,
            });
        }
        let admitted = group
            .iter()
            .zip(&refused)
            .filter(|(_, r)| r.is_none())
            .flat_map(|(p, _)| &p.batch);
        preload_batch(&mut w, admitted).await?;
        let mut answers = Vec::with_capacity(group.len());
        for (p, refused) in group.iter().zip(refused) {
            answers.push(match refused {
                Some(wait) => Err(StoreError::OverQuota(wait)),
                None => Ok(apply_in(&mut w, &p.caller, &p.batch, &p.settings).await?),
            });
        }
        w.commit(self).await?;
        Ok(answers)
    }
}

/// If the drain ends early (a panic), resets its flag, so the next write starts a new
/// drain, and answers the writes still waiting with an error (their senders dropped).
struct DrainEnds {
    store: Store,
    early: bool,
}

impl Drop for DrainEnds {
    fn drop(&mut self) {
        if !self.early {
            return;
        }
        let Ok(mut waiting) = self.store.groups.inner.lock() else {
            return;
        };
        waiting.draining = false;
        waiting.batches.clear();
    }
}

fn poisoned() -> StoreError {
    StoreError::Corrupt("the queue of writes is unusable after a panic".into())
}

#[cfg(test)]
mod tests {
    use tadhkira_proto::{
        Email, ErrorCode, MessageBody, Mutation, NewMessage, Outcome, Visibility,
    };
    use uuid::Uuid;

    use super::*;
    use crate::config::{Argon2Params, DatabaseUrl};

    async fn demo_store(dir: &std::path::Path) -> (Store, Arc<Settings>) {
        let url = DatabaseUrl(format!("sqlite://{}?mode=rwc", dir.join("t.db").display()));
        let store = Store::connect(&url).await.expect("store");
        let settings = Arc::new(Settings {
            argon2: Argon2Params {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..Settings::default()
        });
        crate::demo::load(&store, &settings)
            .await
            .expect("demo data");
        (store, settings)
    }

    async fn caller(store: &Store, email: &str) -> Caller {
        let email = Email::parse(email).expect("e-mail");
        let (user, _) = store
            .credentials(&email)
            .await
            .expect("credentials")
            .expect("a demo user");
        let organisation = match user.org_id {
            Some(id) => Some(store.organisation(id).await.expect("organisation")),
            None => None,
        };
        Caller { user, organisation }
    }

    fn create(id: Uuid) -> MutationEnvelope {
        let mut ticket = tadhkira_testkit::load::new_ticket(0);
        ticket.id = id;
        MutationEnvelope {
            id: Uuid::now_v7(),
            mutation: Mutation::CreateTicket(ticket),
        }
    }

    fn reply(ticket_id: Uuid) -> MutationEnvelope {
        MutationEnvelope {
            id: Uuid::now_v7(),
            mutation: Mutation::AddMessage(NewMessage {
                id: Uuid::now_v7(),
                ticket_id,
                body: MessageBody::parse("Any news?").expect("body"),
                visibility: Visibility::Public,
                attachments: vec![],
            }),
        }
    }

    type Answered = oneshot::Receiver<Result<Vec<MutationResult>, StoreError>>;

    fn pending(
        caller: &Caller,
        batch: Vec<MutationEnvelope>,
        settings: &Arc<Settings>,
        quota: Option<QuotaRule>,
    ) -> (Pending, Answered) {
        let (answer, answered) = oneshot::channel();
        let p = Pending {
            caller: caller.clone(),
            batch,
            settings: Arc::clone(settings),
            quota,
            answer,
        };
        (p, answered)
    }

    fn codes(answer: Result<Vec<MutationResult>, StoreError>) -> Vec<String> {
        answer
            .expect("an answer, not an error")
            .into_iter()
            .map(|r| match r.outcome {
                Outcome::Applied { .. } => "applied".to_owned(),
                Outcome::Duplicate { .. } => "duplicate".to_owned(),
                Outcome::Rejected { code, .. } => code.to_string(),
            })
            .collect()
    }

    async fn count(store: &Store, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&store.pool)
            .await
            .expect("count")
    }

    #[tokio::test]
    async fn batches_of_one_group_keep_their_own_quota_and_their_own_rejections() {
        let dir = tempfile::tempdir().expect("dir");
        let (store, settings) = demo_store(dir.path()).await;
        let nile = caller(&store, "customer@nile.example").await;
        let dunes = caller(&store, "customer@dunes.example").await;
        let tickets_before = count(&store, "SELECT COUNT(*) FROM tickets").await;
        let head_before = count(&store, "SELECT MAX(seq) FROM changes").await;
        // Room for two writes, then none.
        let quota = Some(QuotaRule::new(1, 2));
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let (first, first_answer) = pending(&nile, vec![create(a), create(b)], &settings, quota);
        let (over, over_answer) = pending(&nile, vec![create(Uuid::now_v7())], &settings, quota);
        // The lapsed organisation's create is rejected; its reply in the same batch
        // depends on it, a reply in the next batch just finds no ticket.
        let lapsed_ticket = Uuid::now_v7();
        let (lapsed, lapsed_answer) = pending(
            &dunes,
            vec![create(lapsed_ticket), reply(lapsed_ticket)],
            &settings,
            None,
        );
        let (later, later_answer) = pending(&dunes, vec![reply(lapsed_ticket)], &settings, None);
        let (on_a, on_a_answer) = pending(&nile, vec![reply(a)], &settings, None);
        store
            .apply_group(vec![first, over, lapsed, later, on_a])
            .await;

        assert_eq!(
            codes(first_answer.await.expect("answered")),
            ["applied", "applied"]
        );
        assert!(
            matches!(
                over_answer.await.expect("answered"),
                Err(StoreError::OverQuota(_))
            ),
            "the third write is past the burst of two"
        );
        let lapsed_codes = codes(lapsed_answer.await.expect("answered"));
        assert_ne!(lapsed_codes[0], "applied", "{lapsed_codes:?}");
        assert_eq!(
            lapsed_codes[1],
            ErrorCode::DependsOnRejected.to_string(),
            "{lapsed_codes:?}"
        );
        assert_eq!(
            codes(later_answer.await.expect("answered")),
            [ErrorCode::NotFound.to_string()]
        );
        assert_eq!(codes(on_a_answer.await.expect("answered")), ["applied"]);
        // Two tickets and one reply, nothing of the refused or rejected batches; the
        // feed has no gap.
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM tickets").await,
            tickets_before + 2
        );
        let head = count(&store, "SELECT MAX(seq) FROM changes").await;
        assert_eq!(
            count(
                &store,
                &format!("SELECT COUNT(*) FROM changes WHERE seq > {head_before}")
            )
            .await,
            head - head_before
        );
        store.close().await;
    }

    #[tokio::test]
    async fn a_group_whose_transaction_fails_applies_its_batches_one_by_one() {
        let dir = tempfile::tempdir().expect("dir");
        let (store, settings) = demo_store(dir.path()).await;
        let nile = caller(&store, "customer@nile.example").await;
        let article: String = sqlx::query_scalar(
            "SELECT id FROM articles WHERE status = 'published' ORDER BY id LIMIT 1",
        )
        .fetch_one(&store.pool)
        .await
        .expect("a published demo article");
        // Counting a deflection now fails in the database, and takes its group down.
        sqlx::query("ALTER TABLE article_deflections RENAME TO deflections_moved")
            .execute(&store.pool)
            .await
            .expect("rename");
        let ticket = Uuid::now_v7();
        let (good, good_answer) = pending(&nile, vec![create(ticket)], &settings, None);
        let deflect = MutationEnvelope {
            id: Uuid::now_v7(),
            mutation: Mutation::Deflect(tadhkira_proto::Deflection {
                article_id: Uuid::parse_str(&article).expect("article id"),
            }),
        };
        let (bad, bad_answer) = pending(&nile, vec![deflect], &settings, None);
        store.apply_group(vec![good, bad]).await;

        assert_eq!(codes(good_answer.await.expect("answered")), ["applied"]);
        assert!(
            matches!(
                bad_answer.await.expect("answered"),
                Err(StoreError::Database(_))
            ),
            "the failing batch fails alone"
        );
        assert_eq!(
            count(
                &store,
                &format!("SELECT COUNT(*) FROM tickets WHERE id = '{ticket}'")
            )
            .await,
            1
        );
        store.close().await;
    }

    #[tokio::test]
    async fn concurrent_writes_are_each_answered_once_with_their_own_results() {
        let dir = tempfile::tempdir().expect("dir");
        let (store, settings) = demo_store(dir.path()).await;
        let nile = caller(&store, "customer@nile.example").await;
        let mut writes = Vec::new();
        for _ in 0..40 {
            let (store, settings, nile) = (store.clone(), settings.clone(), nile.clone());
            writes.push(tokio::spawn(async move {
                let id = Uuid::now_v7();
                let batch = vec![create(id), reply(id)];
                let results = store
                    .apply_grouped(&nile, batch.clone(), settings, None)
                    .await
                    .expect("applied");
                assert_eq!(
                    results.iter().map(|r| r.id).collect::<Vec<_>>(),
                    batch.iter().map(|e| e.id).collect::<Vec<_>>()
                );
                match &results[0].outcome {
                    Outcome::Applied { result } => {
                        assert_eq!(result.ticket_id, id);
                        result.ticket_number
                    }
                    other => panic!("not applied: {other:?}"),
                }
            }));
        }
        let mut numbers = Vec::new();
        for w in writes {
            numbers.push(w.await.expect("write task"));
        }
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), 40, "every ticket has a number of its own");
        store.close().await;
    }
}
