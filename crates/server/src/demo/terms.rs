//! The demo's support terms (version 1, in English and Arabic, with named exclusions)
//! and first-line checklists: a default list (the three checks the form always asked)
//! and one for each demo category (hardware, software). Both go through the same store
//! calls as the admin API, so they are audited and reach clients through the feed.

use tadhkira_proto::{
    CheckItem, ChecklistChange, Exclusion, ShortText, TermsContent, TermsPage, TermsPages,
};
use uuid::Uuid;

use crate::db::Store;

const EN: [&str; 5] = [
    "Support covers the software and equipment listed in your subscription: Windows and macOS computers, the office printers and scanners, the office network (Wi-Fi, cabling, VPN access), e-mail accounts and the business applications we installed.\n\nWe diagnose problems, restore service, answer how-to questions about these systems and apply the updates they need.",
    "Some requests fall outside these terms. When a ticket does, we resolve it as outside the support terms and tell you which exclusion applies; you may still order the work separately.",
    "We do not recover data from a device that was not backed up by us. Response and resolution targets count from the moment a ticket reaches us and pause while we wait for your answer. Work on site is done during business hours unless agreed in writing. Replacement parts are charged separately.",
    "Keep your subscription paid. Name the contacts who may file tickets for your organisation. Give us remote or physical access when a ticket needs it, and answer our questions within five working days. Keep backups of your own data and tell us before you change your network or install new software on managed computers.",
    "File tickets in the Tadhkira app at any time; they wait in the app's outbox when you are offline and reach us when you are back online. Phone +20 2 5555 0100 and WhatsApp +20 100 555 0100 from Sunday to Thursday, 09:00–17:00 Cairo time; e-mail support@tadhkira.example. Urgent outages are handled every day from 08:00 to 22:00.",
];

const AR: [&str; 5] = [
    "يشمل الدعم البرامج والأجهزة المذكورة في اشتراككم: أجهزة الحاسوب بنظامي ويندوز وماك، وطابعات المكتب والماسحات الضوئية، وشبكة المكتب (الشبكة اللاسلكية والكابلات والاتصال عبر VPN)، وحسابات البريد الإلكتروني، وتطبيقات العمل التي قمنا بتثبيتها.\n\nنقوم بتشخيص الأعطال وإعادة الخدمة والإجابة عن أسئلة الاستخدام الخاصة بهذه الأنظمة وتثبيت التحديثات اللازمة لها.",
    "بعض الطلبات لا تدخل ضمن هذه الشروط. عندئذٍ نغلق التذكرة بوصفها خارج شروط الدعم ونوضح لكم الاستثناء الذي ينطبق عليها، ويمكنكم طلب العمل بشكل منفصل.",
    "لا نسترجع البيانات من جهاز لم نتولَّ نسخه احتياطياً. تُحتسب أهداف الاستجابة والحل من لحظة وصول التذكرة إلينا، وتتوقف أثناء انتظار ردّكم. يتم العمل في الموقع خلال ساعات العمل ما لم يُتفق كتابةً على غير ذلك. قطع الغيار تُحتسب بشكل منفصل.",
    "الحفاظ على سداد الاشتراك. تسمية جهات الاتصال المخوّلة بفتح التذاكر باسم مؤسستكم. تمكيننا من الوصول عن بُعد أو في الموقع عند الحاجة، والرد على أسئلتنا خلال خمسة أيام عمل. الاحتفاظ بنسخ احتياطية من بياناتكم، وإبلاغنا قبل تغيير الشبكة أو تثبيت برامج جديدة على الأجهزة التي ندعمها.",
    "افتحوا التذاكر من تطبيق تذكرة في أي وقت؛ تنتظر في صندوق الصادر عند انقطاع الاتصال وتصلنا عند عودته. الهاتف ‎+20 2 5555 0100‎ وواتساب ‎+20 100 555 0100‎ من الأحد إلى الخميس، من ٩:٠٠ إلى ١٧:٠٠ بتوقيت القاهرة؛ البريد الإلكتروني support@tadhkira.example. تُعالج الأعطال العاجلة يومياً من ٨:٠٠ إلى ٢٢:٠٠.",
];

/// (key, English, Arabic).
const EXCLUSIONS: [(&str, &str, &str); 5] = [
    (
        "personal_devices",
        "Personal devices not listed in the subscription",
        "الأجهزة الشخصية غير المدرجة في الاشتراك",
    ),
    (
        "third_party_software",
        "Software we did not install or do not support",
        "برامج لم نقم بتثبيتها أو لا ندعمها",
    ),
    (
        "physical_damage",
        "Physical damage, liquid spills and misuse",
        "الأضرار المادية وانسكاب السوائل وسوء الاستخدام",
    ),
    (
        "data_recovery",
        "Recovering data that was not backed up by us",
        "استرجاع بيانات لم نتولَّ نسخها احتياطياً",
    ),
    (
        "training",
        "Training and consulting beyond how-to questions",
        "التدريب والاستشارات بما يتجاوز أسئلة الاستخدام",
    ),
];

fn pages(texts: [&str; 5]) -> anyhow::Result<TermsPages> {
    let [scope, exclusions, limitations, obligations, channels] = texts;
    Ok(TermsPages {
        scope: TermsPage::parse(scope)?,
        exclusions: TermsPage::parse(exclusions)?,
        limitations: TermsPage::parse(limitations)?,
        obligations: TermsPage::parse(obligations)?,
        channels: TermsPage::parse(channels)?,
    })
}

/// The demo's version 1 of the support terms.
pub fn content() -> anyhow::Result<TermsContent> {
    let exclusions = EXCLUSIONS
        .iter()
        .map(|(key, en, ar)| {
            Ok(Exclusion {
                key: (*key).into(),
                en: ShortText::parse(en)?,
                ar: ShortText::parse(ar)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let content = TermsContent {
        en: pages(EN)?,
        ar: pages(AR)?,
        exclusions,
    };
    content.check()?;
    Ok(content)
}

fn item(id: &str, en: &str, ar: &str) -> anyhow::Result<CheckItem> {
    Ok(CheckItem {
        id: id.into(),
        en: ShortText::parse(en)?,
        ar: ShortText::parse(ar)?,
    })
}

/// Publishes version 1 and saves the checklists, as the admin `by`.
pub async fn load(store: &Store, by: Uuid) -> anyhow::Result<()> {
    store.save_terms_draft(by, &content()?).await?;
    store
        .publish_terms(by)
        .await?
        .map_err(|r| anyhow::anyhow!("demo terms refused: {}", r.message))?;
    // The default list is the three checks the form always asked, same ids (tickets
    // store them) and same words.
    let restarted = || {
        item(
            "restarted",
            "Restarted the application or device",
            "إعادة تشغيل التطبيق أو الجهاز",
        )
    };
    let lists = [
        (
            "",
            vec![
                restarted()?,
                item(
                    "network_checked",
                    "Checked the network connection",
                    "التحقق من اتصال الشبكة",
                )?,
                item(
                    "help_articles_read",
                    "Looked in the help articles",
                    "البحث في مقالات المساعدة",
                )?,
            ],
        ),
        (
            "hardware",
            vec![
                restarted()?,
                item(
                    "cables_checked",
                    "Checked the power and the cables",
                    "التحقق من الكهرباء والكابلات",
                )?,
                item(
                    "error_noted",
                    "Wrote down the error on the screen or panel",
                    "تدوين رسالة الخطأ الظاهرة على الشاشة أو اللوحة",
                )?,
            ],
        ),
        (
            "software",
            vec![
                restarted()?,
                item(
                    "app_updated",
                    "Installed the latest updates",
                    "تثبيت آخر التحديثات",
                )?,
                item(
                    "help_articles_read",
                    "Looked in the help articles",
                    "البحث في مقالات المساعدة",
                )?,
            ],
        ),
    ];
    for (category, items) in lists {
        let change = ChecklistChange {
            category: category.into(),
            items,
        };
        change.check()?;
        store.save_checklist(by, &change).await?;
    }
    Ok(())
}
