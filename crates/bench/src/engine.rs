//! Figures through the offline engine (`tadhkira-client`), as the app and CLI use it:
//! pushing a filled outbox, the initial pull into an empty client, reply-to-alert
//! latency, and local reads on a large store.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use tadhkira_client::{Engine, EngineConfig, EngineEvent, ListQuery, NewTicketInput, Sort};
use tadhkira_proto::{
    MessageBody, Mutation, MutationEnvelope, NewMessage, Outcome, Priority, PushRequest,
    PushResponse, Status, Visibility,
};

/// An engine in a fresh folder, signed in to `url` as `email`.
pub async fn signed_in(url: &str, email: &str) -> Result<(Engine, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(dir.path(), EngineConfig::default()).await?;
    engine
        .sign_in(url, email, tadhkira_testkit::server::PASSWORD)
        .await
        .context("engine sign-in")?;
    Ok((engine, dir))
}

/// The engine's sync protocol as it was before issue 22 (one push batch in flight, one
/// pull page fetched ahead), measured beside the pipelined default.
pub const UNPIPELINED: (usize, usize) = (1, 1);

/// What a push from the outbox delivered, in mutations/s.
pub struct PushRates {
    /// Until the outbox was empty: every mutation sent and answered. The figure beside
    /// PouchDB's one-shot push, which ends when the server holds the documents.
    pub answered: f64,
    /// The whole sync round: the push, then the pull that brings the server's copy of
    /// what was pushed (numbers, due times) back into the store.
    pub round: f64,
}

/// Queues `tickets` × (create + reply) in the outbox, then times the sync that delivers
/// them. With `pipeline`, the engine's [push batches in flight and pull pages
/// ahead](Engine::set_sync_pipeline), and with `batch` its [mutations per
/// batch](Engine::set_sync_batches) (otherwise its defaults).
pub async fn push_outbox(
    url: &str,
    tickets: usize,
    pipeline: Option<(usize, usize)>,
    batch: Option<usize>,
) -> Result<PushRates> {
    let (engine, _dir) = signed_in(url, "customer@nile.example").await?;
    if let Some((push, pull)) = pipeline {
        engine.set_sync_pipeline(push, pull);
    }
    if let Some(batch) = batch {
        engine.set_sync_batches(batch, engine.pull_page_now());
    }
    engine.sync_now().await?; // the demo data, so the timed round only pushes ours
    for i in 0..tickets {
        let id = engine
            .create_ticket(NewTicketInput {
                title: format!("Outbox ticket {i}: mail client will not start"),
                description: "Outlook closes right after the splash screen. يغلق البرنامج فوراً."
                    .into(),
                priority: Priority::Normal,
                channel: tadhkira_proto::Channel::Desktop,
                category: None,
                contact: Default::default(),
                checks: vec![],
                system_info: None,
                requester_id: None,
                lapsed_override: None,
                terms_version: None,
            })
            .await?;
        engine
            .add_message(id, "It started after the last update.", Visibility::Public)
            .await?;
    }
    ensure!(
        engine.sync_state().queued as usize == tickets * 2,
        "outbox not filled"
    );
    // The sync state announces the queued count as each batch is answered.
    let mut events = engine.subscribe();
    let start = Instant::now();
    let emptied = tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(EngineEvent::SyncState(st)) if st.queued == 0 => return Some(start.elapsed()),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    while engine.sync_state().queued > 0 {
        engine.sync_now().await?;
    }
    let round = start.elapsed().as_secs_f64();
    let answered = tokio::time::timeout(Duration::from_secs(5), emptied)
        .await
        .context("the outbox emptied without saying so")??
        .context("the engine's events ended")?
        .as_secs_f64();
    engine.close().await;
    let n = (tickets * 2) as f64;
    Ok(PushRates {
        answered: n / answered,
        round: n / round,
    })
}

/// Times the first sync of a new staff account on a loaded server (by the snapshot,
/// the engine's default); returns the engine (for the local-read figures) and
/// tickets/s. `pipeline` as for [`push_outbox`].
pub async fn initial_pull(
    url: &str,
    tickets: usize,
    pipeline: Option<(usize, usize)>,
) -> Result<(Engine, tempfile::TempDir, f64)> {
    initial_pull_by(url, tickets, pipeline, true).await
}

/// [`initial_pull`], by the snapshot or (`snapshot` false) page by page from 0, as
/// before the snapshot and as against an older server.
pub async fn initial_pull_by(
    url: &str,
    tickets: usize,
    pipeline: Option<(usize, usize)>,
    snapshot: bool,
) -> Result<(Engine, tempfile::TempDir, f64)> {
    let (engine, dir) = signed_in(url, "l1@tadhkira.example").await?;
    engine.set_first_sync_snapshot(snapshot);
    if let Some((push, pull)) = pipeline {
        engine.set_sync_pipeline(push, pull);
    }
    let start = Instant::now();
    loop {
        let report = engine.sync_now().await?;
        if report.pulled == 0 {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let total = engine
        .list_tickets(&ListQuery {
            limit: 1,
            ..Default::default()
        })
        .await?
        .total;
    ensure!(
        total as usize >= tickets,
        "pulled {total} tickets, expected {tickets}"
    );
    Ok((engine, dir, tickets as f64 / secs))
}

/// A later pull into the store `engine` already holds (its first sync done): each run,
/// `changes` new mutations (tickets with 3 replies each, by the user of `token`) are
/// pushed over the wire, then the one sync that brings them is timed; milliseconds per
/// run.
pub async fn incremental_pull(
    engine: &Engine,
    url: &str,
    token: &str,
    changes: usize,
    runs: usize,
) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        crate::load::push_wire(url, token, crate::load::creations(changes.div_ceil(4), 3)).await?;
        let start = Instant::now();
        let report = engine.sync_now().await?;
        out.push(start.elapsed().as_secs_f64() * 1000.0);
        ensure!(
            report.pulled as usize >= changes,
            "pulled {} changes, expected at least {changes}",
            report.pulled
        );
    }
    Ok(out)
}

/// Median milliseconds of `runs` calls of `f`.
async fn time_ms<F, Fut>(runs: usize, mut f: F) -> Result<Vec<f64>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f().await?;
        out.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(out)
}

/// First page of a filtered, sorted list; milliseconds per run.
pub async fn list_first_page(engine: &Engine, runs: usize) -> Result<Vec<f64>> {
    time_ms(runs, || async {
        let q = ListQuery {
            status: Some(Status::Open),
            priority: Some(Priority::Normal),
            sort: Sort::Priority,
            limit: 50,
            ..Default::default()
        };
        engine.list_tickets(&q).await?;
        Ok(())
    })
    .await
}

/// Full-text search for one word; milliseconds per run.
pub async fn search(engine: &Engine, word: &str, runs: usize) -> Result<Vec<f64>> {
    time_ms(runs, || async {
        let q = ListQuery {
            search: Some(word.to_owned()),
            limit: 50,
            ..Default::default()
        };
        let page = engine.list_tickets(&q).await?;
        ensure!(page.total > 0, "search for {word:?} found nothing");
        Ok(())
    })
    .await
}

/// A word that finds one ticket of a load of `tickets` (`load::new_ticket` titles ticket
/// `i` "Bench ticket {i}: …"): the last one's index. A typical search, next to the worst
/// case of a word found in every ticket.
pub fn one_ticket_word(tickets: usize) -> String {
    tickets.saturating_sub(1).to_string()
}

/// How the agent's replies reach the server in [`reply_to_alert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyPath {
    /// As the staff app sends them: one mutation in a `POST /api/v1/sync/push`, answered
    /// with its result (the path the app-to-app figure is about, and the one PouchDB's
    /// peer is compared with: a document put, answered with its revision).
    AppPush,
    /// `POST /api/v1/tickets/{id}/messages`, the integrations' path, answered with the
    /// ticket's whole detail (which grows with every reply on the probe ticket).
    Rest,
}

/// An agent replies `replies` times on a customer's ticket, by `path`; the customer's
/// engine (background sync with live events) raises an alert for each. Returns each
/// reply's latency in milliseconds, from sending the reply to the alert. The customer's
/// engine talks to `customer_url`, the agent to `agent_url` (the same server, or two
/// processes of one cluster).
pub async fn reply_to_alert(
    customer_url: &str,
    agent_url: &str,
    replies: usize,
    path: ReplyPath,
) -> Result<Vec<f64>> {
    let (customer, _dir) = signed_in(customer_url, "customer@nile.example").await?;
    let ticket = customer
        .create_ticket(NewTicketInput {
            title: "Latency probe ticket".into(),
            description: "Replies to this ticket are timed.".into(),
            priority: Priority::High,
            channel: tadhkira_proto::Channel::Desktop,
            category: None,
            contact: Default::default(),
            checks: vec![],
            system_info: None,
            requester_id: None,
            lapsed_override: None,
            terms_version: None,
        })
        .await?;
    customer.sync_now().await?;
    let mut events = customer.subscribe();
    customer.start_background_sync();
    // Wait until the live stream is connected.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !customer.sync_state().live {
        ensure!(Instant::now() < deadline, "live events never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let agent_token = login_token(agent_url, "l1@tadhkira.example").await?;
    let http = reqwest::Client::new();
    // The agent's installation, as its app would name itself in every push.
    let agent_client = uuid::Uuid::now_v7();
    let mut out = Vec::with_capacity(replies);
    for i in 0..replies {
        let message = NewMessage {
            id: uuid::Uuid::now_v7(),
            ticket_id: ticket,
            body: MessageBody::parse(format!("Reply {i}: please try again now."))?,
            visibility: Visibility::Public,
            attachments: Vec::new(),
        };
        let request = match path {
            ReplyPath::AppPush => {
                http.post(format!("{agent_url}/api/v1/sync/push"))
                    .json(&PushRequest {
                        client_id: agent_client,
                        mutations: vec![MutationEnvelope {
                            id: uuid::Uuid::now_v7(),
                            mutation: Mutation::AddMessage(message),
                        }],
                    })
            }
            ReplyPath::Rest => http
                .post(format!("{agent_url}/api/v1/tickets/{ticket}/messages"))
                .json(&message),
        };
        let start = Instant::now();
        // The reply's own answer is not what is timed (the alert is): it is awaited
        // after the alert, and its status checked.
        let sending = tokio::spawn(request.bearer_auth(&agent_token).send());
        let got = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match events.recv().await {
                    Ok(EngineEvent::Alert(_)) => return Ok(()),
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(e) => return Err(anyhow::anyhow!("engine events closed: {e}")),
                }
            }
        })
        .await;
        let elapsed = start.elapsed();
        let resp = sending.await??;
        ensure!(
            resp.status().is_success(),
            "reply answered {}",
            resp.status()
        );
        if path == ReplyPath::AppPush {
            let answer: PushResponse = resp.json().await?;
            ensure!(
                matches!(
                    answer.results.first().map(|r| &r.outcome),
                    Some(Outcome::Applied { .. })
                ),
                "reply {i} was not applied: {:?}",
                answer.results
            );
        }
        ensure!(got.is_ok(), "no alert within 5 s for reply {i}");
        got.map_err(|_| anyhow::anyhow!("timeout"))??;
        out.push(elapsed.as_secs_f64() * 1000.0);
    }
    customer.stop_background_sync();
    customer.close().await;
    Ok(out)
}

/// Signs `email` in at `url` (the demo password) and answers the token.
pub async fn login_token(url: &str, email: &str) -> Result<String> {
    let resp: tadhkira_proto::LoginResponse = reqwest::Client::new()
        .post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": tadhkira_testkit::server::PASSWORD}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(resp.token)
}

/// Publishes `articles` knowledge-base articles (half Arabic, half English, on a mix of
/// topics) through the REST API as an agent, pulls them into a customer's engine, and
/// times the new-ticket form's related-articles query for an Arabic and an English
/// title; milliseconds per run of each.
pub async fn related_articles(
    url: &str,
    agent_token: &str,
    articles: usize,
    runs: usize,
) -> Result<(Vec<f64>, Vec<f64>)> {
    const EN: [&str; 6] = [
        "Printer shows offline on the second floor",
        "VPN keeps disconnecting for remote staff",
        "Reset a forgotten password and unlock the account",
        "E-mail bounces with mailbox full",
        "Wi-Fi drops in the warehouse aisles",
        "Shared drive is slow when opening files",
    ];
    const AR: [&str; 6] = [
        "الطابعة لا تطبع وتظهر غير متصلة",
        "انقطاع اتصال الشبكة الافتراضية الخاصة",
        "إعادة تعيين كلمة المرور المنسية",
        "ارتداد الرسائل بسبب امتلاء صندوق البريد",
        "انقطاع الشبكة اللاسلكية في المستودع",
        "بطء المجلد المشترك عند فتح الملفات",
    ];
    let http = reqwest::Client::new();
    for i in 0..articles {
        let (title, lang) = if i % 2 == 0 {
            (EN[(i / 2) % EN.len()], "en")
        } else {
            (AR[(i / 2) % AR.len()], "ar")
        };
        let body = format!(
            "## {title}\n\n1. Restart the device ({i}).\n2. Check the cable and the network.\n\
             3. أعد تشغيل الجهاز وتحقق من الكابل والشبكة.\n\nStill failing? File a ticket."
        );
        http.post(format!("{url}/api/v1/articles"))
            .bearer_auth(agent_token)
            .json(&serde_json::json!({
                "title": format!("{title} ({i})"), "body": body, "lang": lang,
                "category": "Bench", "status": "published"
            }))
            .send()
            .await?
            .error_for_status()?;
    }
    let (engine, _dir) = signed_in(url, "customer@nile.example").await?;
    engine.sync_now().await?;
    let stored = engine.articles(false).await?.len();
    ensure!(
        stored >= articles,
        "pulled {stored} articles, expected {articles}"
    );
    let query = |text: &'static str, lang: &'static str| {
        let engine = engine.clone();
        move || {
            let engine = engine.clone();
            async move {
                let hits = engine.related_articles(text, Some(lang), 5).await?;
                ensure!(!hits.is_empty(), "no related article for {text:?}");
                Ok(())
            }
        }
    };
    let ar = time_ms(runs, query("الطابعه لا تطبع", "ar")).await?;
    let en = time_ms(runs, query("Printer is offline and will not print", "en")).await?;
    engine.close().await;
    Ok((ar, en))
}
