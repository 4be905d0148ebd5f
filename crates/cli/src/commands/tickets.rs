//! `new`, `list` and `show`: opening a ticket and reading the local store.

use clap::Args;
use tadhkira_client::{Customer, Engine, ListQuery, NewTicketInput, Queue, Sort};
use tadhkira_proto::{Channel, Contact, Priority, Status, Tier};

use super::{after_change, bad_value, parse, unknown_choice};
use crate::i18n::{error, t};
use crate::{exit, output, Cli};

/// The fields of `tadhkira new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    #[arg(long)]
    title: String,
    #[arg(long)]
    description: String,
    #[arg(long, default_value = "normal")]
    priority: String,
    /// Default: `phone` when staff file for someone (`--for`), else `desktop`.
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    contact_name: Option<String>,
    #[arg(long)]
    contact_email: Option<String>,
    #[arg(long)]
    contact_phone: Option<String>,
    /// Staff: the customer (user id) the ticket is for.
    #[arg(long, conflicts_with = "for_whom")]
    requester: Option<uuid::Uuid>,
    /// Staff: the customer (e-mail, from the customer directory) the ticket is for; the
    /// contact details default to theirs.
    #[arg(long = "for", value_name = "EMAIL")]
    for_whom: Option<String>,
    /// Staff: why the ticket is logged although the customer's subscription has lapsed.
    #[arg(long)]
    override_reason: Option<String>,
    /// A file to attach (repeatable); copied into the data folder at once.
    #[arg(long, value_name = "FILE")]
    attach: Vec<std::path::PathBuf>,
    /// Accept the version of the support terms in force with this ticket (asked before
    /// an organisation's first ticket under a new version; `tadhkira` refuses without).
    #[arg(long)]
    accept_terms: bool,
}

/// The customer `email` names in the staff's customer directory (the last list kept
/// when offline). Customers have no `--for`: they file for themselves.
async fn customer_by_email(engine: &Engine, email: &str) -> anyhow::Result<Customer> {
    let staff = engine.account().is_some_and(|a| a.user.role.is_staff());
    if !staff {
        return Err(error("cli-error-for-needs-staff", &[]));
    }
    let wanted = email.trim().to_lowercase();
    engine
        .customer_directory()
        .await?
        .into_iter()
        .find(|c| c.user.email.to_lowercase() == wanted)
        .ok_or_else(|| error("cli-error-unknown-customer", &[("email", email.into())]))
}

/// `tadhkira new`: saves the ticket locally, syncs, and prints its number (or, while
/// it is queued, its id).
pub async fn new(cli: &Cli, engine: &Engine, a: &NewArgs) -> anyhow::Result<u8> {
    let customer = match &a.for_whom {
        Some(email) => Some(customer_by_email(engine, email).await?),
        None => None,
    };
    let on_behalf = customer.is_some() || a.requester.is_some();
    let channel = match &a.channel {
        Some(c) => parse::<Channel>("channel", c)?,
        None if on_behalf => Channel::Phone,
        None => Channel::Desktop,
    };
    // As the app's form does: the caller's contact details start as the customer's.
    let given = |typed: &Option<String>, theirs: Option<&str>| {
        typed.clone().or_else(|| theirs.map(str::to_owned))
    };
    let who = customer.as_ref().map(|c| &c.user);
    let input = NewTicketInput {
        title: a.title.clone(),
        description: a.description.clone(),
        priority: parse::<Priority>("priority", &a.priority)?,
        channel,
        category: a.category.clone(),
        contact: Contact {
            name: given(&a.contact_name, who.map(|u| u.name.as_str())),
            email: given(&a.contact_email, who.map(|u| u.email.as_str())),
            phone: given(&a.contact_phone, who.and_then(|u| u.phone.as_deref())),
        },
        checks: vec![],
        system_info: None,
        requester_id: who.map(|u| u.id).or(a.requester),
        lapsed_override: a.override_reason.clone(),
        terms_version: if a.accept_terms {
            engine.support_policy().await?.terms.map(|t| t.version)
        } else {
            None
        },
    };
    let id = engine.create_ticket_with_files(input, &a.attach).await?;
    let code = after_change(cli, engine).await?;
    let d = engine.ticket(&id.to_string()).await?;
    if cli.json {
        output::json(&serde_json::json!({
            "id": id,
            "number": (d.ticket.number > 0).then_some(d.ticket.number),
        }))?;
    } else if d.ticket.number > 0 {
        println!(
            "{}",
            t(
                "cli-ticket-created",
                &[
                    ("number", d.ticket.number.to_string().into()),
                    ("id", id.to_string().into())
                ]
            )
        );
    } else {
        println!(
            "{}",
            t("cli-ticket-queued", &[("id", id.to_string().into())])
        );
    }
    Ok(code)
}

/// Filters of `tadhkira list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// all | mine | unassigned | my_tier | breaching
    #[arg(long, default_value = "all")]
    queue: String,
    #[arg(long)]
    status: Option<String>,
    /// Only tickets still needing work.
    #[arg(long)]
    active: bool,
    #[arg(long)]
    priority: Option<String>,
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    tier: Option<i64>,
    /// Words to find (titles, descriptions, messages).
    #[arg(long)]
    search: Option<String>,
    /// updated | priority | due
    #[arg(long, default_value = "updated")]
    sort: String,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[arg(long, default_value_t = 0)]
    offset: u32,
}

/// `tadhkira list`: one page of tickets from the local store.
pub async fn list(cli: &Cli, engine: &Engine, a: &ListArgs) -> anyhow::Result<u8> {
    let q = ListQuery {
        queue: match a.queue.as_str() {
            "all" => Queue::All,
            "mine" => Queue::Mine,
            "unassigned" => Queue::Unassigned,
            "my_tier" | "my-tier" => Queue::MyTier,
            "breaching" => Queue::Breaching,
            other => {
                return Err(unknown_choice(
                    "queue",
                    other,
                    "all, mine, unassigned, my_tier, breaching",
                ))
            }
        },
        status: a
            .status
            .as_deref()
            .map(|s| parse::<Status>("status", s))
            .transpose()?,
        active_only: a.active,
        priority: a
            .priority
            .as_deref()
            .map(|s| parse::<Priority>("priority", s))
            .transpose()?,
        channel: a
            .channel
            .as_deref()
            .map(|s| parse::<Channel>("channel", s))
            .transpose()?,
        tier: a
            .tier
            .map(Tier::parse)
            .transpose()
            .map_err(|e| bad_value("tier", e))?,
        assignee_id: None,
        search: a.search.clone(),
        sort: match a.sort.as_str() {
            "updated" => Sort::Updated,
            "priority" => Sort::Priority,
            "due" => Sort::Due,
            other => return Err(unknown_choice("sort", other, "updated, priority, due")),
        },
        offset: a.offset,
        limit: a.limit,
    };
    let page = engine.list_tickets(&q).await?;
    if cli.json {
        output::json(&page)?;
    } else {
        output::rows(&page.rows, page.total);
    }
    Ok(exit::OK)
}

/// `tadhkira show`: a ticket with its messages and timeline, marked read.
pub async fn show(cli: &Cli, engine: &Engine, ticket: &str) -> anyhow::Result<u8> {
    let d = engine.ticket(ticket).await?;
    engine.mark_read(d.ticket.id).await?;
    if cli.json {
        // The view as stored, and each first-line check with whether it was done, so a
        // script sees what was NOT tried as well.
        let mut v = serde_json::to_value(&d)?;
        v["first_line_checks"] = serde_json::to_value(output::check_list(&d.ticket.checks))?;
        output::json(&v)?;
    } else {
        output::detail(&d);
    }
    Ok(exit::OK)
}

/// `tadhkira download`: writes one attached file (checked against its hash) and
/// prints where.
pub async fn download(
    cli: &Cli,
    engine: &Engine,
    ticket: &str,
    which: &str,
    out: Option<&std::path::Path>,
) -> anyhow::Result<u8> {
    let path = engine.download_attachment(ticket, which, out).await?;
    if cli.json {
        output::json(&serde_json::json!({ "path": path }))?;
    } else {
        println!(
            "{}",
            t(
                "cli-attachment-saved",
                &[("path", path.display().to_string().into())]
            )
        );
    }
    Ok(exit::OK)
}
