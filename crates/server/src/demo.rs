//! Demo data: two customer organisations (Nile Logistics, paid; Dunes Trading, lapsed
//! last month), a customer in each, agents at tiers 1–3, an admin, and about fifty
//! tickets in Arabic and English across statuses, priorities and channels, with public
//! replies and internal notes. Every ticket change goes through the same apply path as a
//! push, so the change feed is populated exactly as in real use. Loading is idempotent.
//!
//! Every fifth ticket is filed under targets of zero minutes, so that a fresh demo
//! already has overdue tickets: the staff's "breaching" queue and the "overdue" marks
//! have something to show (the others follow the configured targets).
//!
//! The support terms are published as version 1 (both languages, five named
//! exclusions), accepted by each organisation with its first ticket, and the first-line
//! checklists get a default list and one per category (see `demo/terms.rs`).
//!
//! The knowledge base gets twenty published articles, ten in each language, matching
//! the tickets' problems (see `demo/articles.rs`).

mod articles;
mod terms;

use chrono::{Duration, Utc};
use tadhkira_proto::{
    Channel, Contact, Description, Escalation, FieldChange, FieldValue, MessageBody, Mutation,
    MutationEnvelope, NewMessage, NewTicket, Priority, Role, ShortText, Status, TicketTitle,
    TicketUpdate, Tier, Visibility,
};
use uuid::Uuid;

use crate::admin::{create_user, UserSpec};
use crate::config::Settings;
use crate::db::{Caller, Store, StoreError};

/// The demo password of every demo user.
pub const DEMO_PASSWORD: &str = "demo1234";
const PAID_ORG: &str = "Nile Logistics";
const LAPSED_ORG: &str = "Dunes Trading";

/// The demo sign-ins, for printing.
pub const SIGN_INS: &[(&str, &str)] = &[
    ("customer@nile.example", "customer of Nile Logistics (paid)"),
    (
        "customer@dunes.example",
        "customer of Dunes Trading (lapsed)",
    ),
    ("l1@tadhkira.example", "agent, tier 1"),
    ("l2@tadhkira.example", "agent, tier 2"),
    ("l3@tadhkira.example", "agent, tier 3"),
    ("admin@tadhkira.example", "admin"),
];

/// Titles and descriptions, English then Arabic.
const TICKETS: &[(&str, &str)] = &[
    ("Printer on the 2nd floor is offline", "The HP printer near the dispatch desk shows offline since this morning. Restarting it did not help."),
    ("Cannot sign in to the fleet portal", "Drivers get 'session expired' right after entering their password."),
    ("Invoice export to Excel is empty", "Exporting March invoices produces a file with headers only."),
    ("VPN disconnects every 10 minutes", "Remote staff in Aswan lose the VPN connection regularly."),
    ("Request: new laptop for the accountant", "Our new accountant starts on Sunday and needs a laptop with the finance tools."),
    ("Email bounces from customs broker", "Messages to our customs broker bounce with 'mailbox full'."),
    ("Warehouse scanner app crashes on start", "The barcode app on the Zebra scanners closes immediately after the update."),
    ("Shared drive is very slow", "Opening files on the S: drive takes more than a minute."),
    ("Password reset for Mona", "Mona locked her account after several attempts."),
    ("Tracking page shows wrong time zone", "Delivery times on the public tracking page are two hours off."),
    ("Backup job failed last night", "The nightly backup report says 'destination unreachable'."),
    ("Add a new user to the ERP", "Please create an ERP account for Karim in procurement."),
    ("Monitor flickers in the meeting room", "The big screen flickers when a laptop is connected over HDMI."),
    ("الطابعة لا تطبع الفواتير", "منذ صباح اليوم لا تطبع الطابعة في قسم المحاسبة أي فاتورة، وتظهر رسالة خطأ في الورق."),
    ("تعذر الدخول إلى البريد الإلكتروني", "لا أستطيع فتح بريدي من الهاتف بعد تغيير كلمة المرور."),
    ("بطء شديد في نظام المخزون", "يستغرق فتح شاشة الأصناف أكثر من دقيقتين في الفرع الرئيسي."),
    ("طلب تثبيت برنامج المحاسبة", "نحتاج إلى تثبيت برنامج المحاسبة على جهاز الموظف الجديد في قسم المالية."),
    ("انقطاع الإنترنت في المستودع", "الشبكة اللاسلكية في المستودع تنقطع كل بضع دقائق."),
    ("خطأ في تقرير المبيعات الشهري", "أرقام شهر مارس في التقرير لا تطابق الفواتير المسجلة."),
    ("الهاتف الداخلي لا يعمل", "هاتف مكتب الاستقبال لا يصدر نغمة منذ أمس."),
    ("نسيت كلمة مرور النظام", "أرجو إعادة تعيين كلمة المرور الخاصة بحسابي في نظام الشحن."),
    ("شاشة الحاسوب لا تعمل", "الشاشة سوداء تماماً رغم أن الجهاز يعمل."),
    ("مشكلة في مزامنة الملفات", "الملفات المشتركة لا تتزامن بين الفرعين منذ يومين."),
    ("طلب صلاحيات على المجلد المشترك", "يحتاج فريق المشتريات إلى صلاحية تعديل على مجلد العقود."),
    ("رسائل الواتساب لا تصل إلى العملاء", "الإشعارات الآلية للعملاء عبر واتساب متوقفة منذ الصباح."),
    ("تحديث النظام فشل", "ظهرت رسالة فشل أثناء تحديث نظام التشغيل على عدة أجهزة."),
];

/// A demo user: e-mail, name, role, organisation, tier, locale.
type Person = (
    &'static str,
    &'static str,
    Role,
    Option<&'static str>,
    Option<i64>,
    &'static str,
);

fn arabic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

async fn user_caller(store: &Store, email: &str) -> anyhow::Result<Caller> {
    let (user, _) = store
        .credentials(&tadhkira_proto::Email::parse(email)?)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {email} missing"))?;
    let organisation = match user.org_id {
        Some(id) => Some(store.organisation(id).await?),
        None => None,
    };
    Ok(Caller { user, organisation })
}

async fn apply(
    store: &Store,
    settings: &Settings,
    caller: &Caller,
    mutation: Mutation,
) -> anyhow::Result<()> {
    let env = MutationEnvelope {
        id: Uuid::now_v7(),
        mutation,
    };
    let results = store.apply_batch(caller, &[env], settings, None).await?;
    if let Some(tadhkira_proto::Outcome::Rejected { code, message }) =
        results.first().map(|r| &r.outcome)
    {
        anyhow::bail!("demo mutation rejected: {code}: {message}");
    }
    Ok(())
}

/// Like [`load`], but refuses to add the demo people (with their well-known password)
/// to a database that already has other users, unless `force`: on a real helpdesk
/// that would open accounts anyone can sign in to. Demo data already loaded is fine.
pub async fn load_unless_in_use(
    store: &Store,
    settings: &Settings,
    force: bool,
) -> anyhow::Result<bool> {
    let loaded = match store.organisation_by_name(PAID_ORG).await {
        Ok(_) => true,
        Err(StoreError::NotFound) => false,
        Err(e) => return Err(e.into()),
    };
    if !loaded && !force && store.has_users().await? {
        anyhow::bail!(
            "this database already has users, so the demo data (whose sign-ins share one \
             well-known password) was not added; pass --force to add it anyway"
        );
    }
    load(store, settings).await
}

/// Loads the demo data unless it is there already; answers whether it loaded.
pub async fn load(store: &Store, settings: &Settings) -> anyhow::Result<bool> {
    match store.organisation_by_name(PAID_ORG).await {
        Ok(_) => return Ok(false),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let now = Utc::now();
    store
        .create_organisation(PAID_ORG, Some(now + Duration::days(365)))
        .await?;
    store
        .create_organisation(LAPSED_ORG, Some(now - Duration::days(30)))
        .await?;
    let people: [Person; 6] = [
        (
            "customer@nile.example",
            "Sara Adel",
            Role::Customer,
            Some(PAID_ORG),
            None,
            "en",
        ),
        (
            "customer@dunes.example",
            "خالد منصور",
            Role::Customer,
            Some(LAPSED_ORG),
            None,
            "ar",
        ),
        (
            "l1@tadhkira.example",
            "Omar Hassan",
            Role::Agent,
            None,
            Some(1),
            "en",
        ),
        (
            "l2@tadhkira.example",
            "ليلى إبراهيم",
            Role::Agent,
            None,
            Some(2),
            "ar",
        ),
        (
            "l3@tadhkira.example",
            "Youssef Nabil",
            Role::Agent,
            None,
            Some(3),
            "en",
        ),
        (
            "admin@tadhkira.example",
            "Admin",
            Role::Admin,
            None,
            None,
            "en",
        ),
    ];
    for (email, name, role, org, tier, locale) in people {
        let spec = UserSpec {
            email: email.into(),
            name: name.into(),
            role,
            org: org.map(Into::into),
            tier,
            locale: locale.into(),
            phone: Some("+20 2 5555 0100".into()),
        };
        create_user(store, settings, spec, DEMO_PASSWORD).await?;
    }
    let nile = user_caller(store, "customer@nile.example").await?;
    let dunes = user_caller(store, "customer@dunes.example").await?;
    let l1 = user_caller(store, "l1@tadhkira.example").await?;
    let l2 = user_caller(store, "l2@tadhkira.example").await?;
    let l3 = user_caller(store, "l3@tadhkira.example").await?;
    let admin = user_caller(store, "admin@tadhkira.example").await?;
    // The terms come first: each organisation's first ticket accepts version 1.
    terms::load(store, admin.user.id).await?;
    let priorities = [
        Priority::Normal,
        Priority::High,
        Priority::Low,
        Priority::Urgent,
    ];
    for i in 0..50usize {
        let (title, description) = TICKETS[i % TICKETS.len()];
        let ar = arabic(title);
        // Dunes has lapsed: its tickets were logged by an agent on the customer's behalf.
        let lapsed = i % 3 == 0;
        let customer = if lapsed { &dunes } else { &nile };
        let filer = if lapsed { &l1 } else { &nile };
        let id = Uuid::now_v7();
        let new = NewTicket {
            id,
            title: TicketTitle::parse(title)?,
            description: Description::parse(description)?,
            priority: priorities[i % priorities.len()],
            channel: if lapsed {
                [
                    Channel::Phone,
                    Channel::Remote,
                    Channel::Email,
                    Channel::Other,
                ][(i / 3) % 4]
            } else {
                [
                    Channel::Desktop,
                    Channel::Portal,
                    Channel::Whatsapp,
                    Channel::Email,
                ][i % 4]
            },
            category: Some(ShortText::parse(if i % 2 == 0 {
                "hardware"
            } else {
                "software"
            })?),
            contact: Contact {
                name: Some(customer.user.name.clone()),
                email: Some(customer.user.email.clone()),
                phone: customer.user.phone.clone(),
            },
            checks: vec![ShortText::parse(if ar {
                "أعدت تشغيل الجهاز"
            } else {
                "Restarted the device"
            })?],
            system_info: Some("Windows 11 23H2, Tadhkira 0.1.0".into()),
            requester_id: lapsed.then_some(customer.user.id),
            // Logged while the renewal is being processed: the override says so.
            lapsed_override: lapsed
                .then(|| {
                    ShortText::parse(if ar {
                        "التجديد قيد المعالجة لدى قسم المالية"
                    } else {
                        "Renewal is being processed by finance"
                    })
                })
                .transpose()?,
            attachments: vec![],
            // Recorded with each organisation's first ticket; later ones add nothing.
            terms_version: Some(1),
        };
        let overdue = i % 5 == 1;
        apply(store, settings, filer, Mutation::CreateTicket(new)).await?;
        if overdue {
            // Due the moment they were filed, so the demo shows breaches at once.
            store.make_due_at_filing(id).await?;
        }
        let target = Status::ALL[i % Status::ALL.len()];
        if target == Status::New {
            continue;
        }
        let reply = if ar {
            "شكراً لتواصلك معنا، نعمل على حل المشكلة الآن."
        } else {
            "Thanks for reporting this, we are looking into it now."
        };
        apply(
            store,
            settings,
            &l1,
            message(id, reply, Visibility::Public)?,
        )
        .await?;
        apply(
            store,
            settings,
            &l1,
            update(id, FieldValue::Assignee(Some(l1.user.id))),
        )
        .await?;
        if i % 4 == 1 {
            let answer = if ar {
                "شكراً، المشكلة ما زالت قائمة لدينا."
            } else {
                "Thank you, the problem is still there on our side."
            };
            apply(
                store,
                settings,
                customer,
                message(id, answer, Visibility::Public)?,
            )
            .await?;
        }
        if i % 5 == 0 || i % 7 == 0 {
            let note = if ar {
                "ملاحظة داخلية: يبدو أنها مشكلة في إعدادات الشبكة لدى العميل."
            } else {
                "Internal: looks like the customer's switch config again; check the port VLAN."
            };
            apply(
                store,
                settings,
                &l2,
                message(id, note, Visibility::Internal)?,
            )
            .await?;
        }
        if i % 7 == 0 {
            let reason = ShortText::parse("Needs network access on the customer's site")?;
            apply(
                store,
                settings,
                &l1,
                Mutation::Escalate(Escalation {
                    ticket_id: id,
                    to_tier: Tier::L2,
                    reason,
                }),
            )
            .await?;
            if i % 14 == 0 {
                let reason = ShortText::parse("Vendor bug suspected; needs L3 analysis")?;
                apply(
                    store,
                    settings,
                    &l2,
                    Mutation::Escalate(Escalation {
                        ticket_id: id,
                        to_tier: Tier::L3,
                        reason,
                    }),
                )
                .await?;
                apply(
                    store,
                    settings,
                    &l3,
                    update(id, FieldValue::Assignee(Some(l3.user.id))),
                )
                .await?;
            }
        }
        apply(store, settings, &l1, update(id, FieldValue::Status(target))).await?;
    }
    articles::load(store, &l2).await?;
    Ok(true)
}

fn message(ticket_id: Uuid, body: &str, visibility: Visibility) -> anyhow::Result<Mutation> {
    Ok(Mutation::AddMessage(NewMessage {
        id: Uuid::now_v7(),
        ticket_id,
        body: MessageBody::parse(body)?,
        visibility,
        attachments: vec![],
    }))
}

fn update(ticket_id: Uuid, value: FieldValue) -> Mutation {
    // Demo changes are made by someone who just saw the ticket: no stale versions.
    Mutation::UpdateTicket(TicketUpdate {
        ticket_id,
        changes: vec![FieldChange {
            value,
            seen_version: i64::MAX,
        }],
    })
}
