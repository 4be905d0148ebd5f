//! The demo knowledge base: ten common problems of the demo tickets (printer, VPN,
//! password reset, e-mail, Wi-Fi…), each in English and in Arabic (the Arabic one a
//! translation of the English, in its translation group), all published; plus one
//! draft and one archived article that only staff ever see.

use tadhkira_proto::{
    ArticleBody, ArticleLang, ArticleStatus, ArticleTitle, NewArticle, ShortText,
};
use uuid::Uuid;

use crate::db::{Caller, Store};

/// One demo article: title, category, tags, Markdown body.
type Demo = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
);

/// Pairs of (English, Arabic) articles.
const ARTICLES: &[(Demo, Demo)] = &[
    (
        ("Printer shows offline", "Printing", &["printer", "offline", "network"],
         "If a network printer shows **offline**:\n\n1. Check that the printer's screen shows no error (paper jam, empty tray).\n2. Switch the printer off, wait 30 seconds, and switch it on again.\n3. On your computer open *Settings → Printers*, remove the printer and add it again.\n4. Print a test page.\n\nStill offline? File a ticket with the printer's name and the floor it is on."),
        ("الطابعة لا تطبع أو تظهر غير متصلة", "الطباعة", &["طابعة", "طباعة", "شبكة"],
         "إذا كانت الطابعة لا تطبع أو تظهر **غير متصلة**:\n\n1. تأكد من عدم وجود رسالة خطأ على شاشة الطابعة (ورق عالق أو درج فارغ).\n2. أطفئ الطابعة وانتظر ٣٠ ثانية ثم شغّلها من جديد.\n3. من *الإعدادات ← الطابعات* احذف الطابعة ثم أضفها مرة أخرى.\n4. اطبع صفحة اختبار.\n\nإن بقيت المشكلة فافتح تذكرة واذكر اسم الطابعة والطابق."),
    ),
    (
        ("Paper error or jam on the printer", "Printing", &["printer", "paper", "jam"],
         "A **paper error** usually means a jam or the wrong paper size.\n\n- Open every tray and door and remove any torn paper, pulling gently in the direction of the paper path.\n- Check that the tray's guides touch the paper and that the size set on the printer matches (A4).\n- Do not use paper that is damp or curled.\n\nIf the error comes back after clearing it, file a ticket: a roller may need replacing."),
        ("رسالة خطأ في الورق على الطابعة", "الطباعة", &["طابعة", "ورق", "انحشار"],
         "رسالة **خطأ الورق** تعني غالباً ورقاً عالقاً أو مقاس ورق غير صحيح.\n\n- افتح جميع الأدراج والأبواب وأخرج أي ورق ممزق بسحبه برفق في اتجاه مسار الورق.\n- تأكد من أن موجّهات الدرج تلامس الورق وأن المقاس المضبوط في الطابعة هو A4.\n- لا تستخدم ورقاً رطباً أو منحنياً.\n\nإذا عادت الرسالة بعد إزالة الورق فافتح تذكرة، فقد تحتاج البكرة إلى استبدال."),
    ),
    (
        ("VPN keeps disconnecting", "Network", &["vpn", "remote", "disconnect"],
         "When the **VPN** drops every few minutes:\n\n1. Make sure you use the latest VPN client (*Help → Check for updates*).\n2. Switch off power saving for your Wi-Fi adapter.\n3. Prefer a cable or a stronger Wi-Fi signal; mobile hotspots often drop idle connections.\n4. Disconnect, quit the client completely and connect again.\n\nIf it still drops, file a ticket with the times it disconnected."),
        ("انقطاع اتصال الشبكة الافتراضية الخاصة (VPN)", "الشبكة", &["vpn", "عن بعد", "انقطاع"],
         "عندما ينقطع **اتصال VPN** كل بضع دقائق:\n\n1. تأكد من استخدام أحدث إصدار من برنامج VPN.\n2. أوقف خاصية توفير الطاقة لمحوّل الشبكة اللاسلكية.\n3. استخدم كابل شبكة أو إشارة لاسلكية أقوى، فنقاط الاتصال عبر الهاتف تقطع الاتصالات الخاملة.\n4. اقطع الاتصال وأغلق البرنامج تماماً ثم اتصل من جديد.\n\nإن استمر الانقطاع فافتح تذكرة واذكر أوقات الانقطاع."),
    ),
    (
        ("Reset a forgotten password", "Accounts", &["password", "reset", "locked"],
         "Forgot your password or locked your account after several attempts?\n\n1. On the sign-in page choose **Forgot password**.\n2. Enter your work e-mail; a reset link arrives within 5 minutes (check the spam folder).\n3. Choose a new password of at least 12 characters that you have not used before.\n\nA locked account unlocks by itself after 30 minutes. If you have no access to your e-mail, file a ticket from a colleague's account."),
        ("إعادة تعيين كلمة المرور المنسية", "الحسابات", &["كلمة المرور", "إعادة تعيين", "قفل الحساب"],
         "نسيت كلمة المرور أو أُقفل حسابك بعد عدة محاولات؟\n\n1. في صفحة الدخول اختر **نسيت كلمة المرور**.\n2. أدخل بريدك الإلكتروني للعمل، وسيصلك رابط إعادة التعيين خلال ٥ دقائق (راجع مجلد الرسائل غير المرغوب فيها).\n3. اختر كلمة مرور جديدة من ١٢ حرفاً على الأقل لم تستخدمها من قبل.\n\nيُفتح الحساب المقفل تلقائياً بعد ٣٠ دقيقة. إن لم تستطع الوصول إلى بريدك فافتح تذكرة من حساب زميل."),
    ),
    (
        ("E-mail on the phone stopped after a password change", "E-mail", &["email", "phone", "password"],
         "After you change your password, the mail app on your phone keeps trying the old one.\n\n- **iPhone:** *Settings → Mail → Accounts*, choose your work account and enter the new password.\n- **Android:** open the mail app, *Settings → Accounts*, sign out and sign in again.\n\nToo many tries with the old password can lock the account; if that happens, wait 30 minutes."),
        ("تعذر فتح البريد على الهاتف بعد تغيير كلمة المرور", "البريد الإلكتروني", &["بريد", "هاتف", "كلمة المرور"],
         "بعد تغيير كلمة المرور يستمر تطبيق البريد في الهاتف بمحاولة كلمة المرور القديمة.\n\n- **آيفون:** *الإعدادات ← البريد ← الحسابات*، اختر حساب العمل وأدخل كلمة المرور الجديدة.\n- **أندرويد:** افتح تطبيق البريد، *الإعدادات ← الحسابات*، سجّل الخروج ثم سجّل الدخول من جديد.\n\nكثرة المحاولات بكلمة المرور القديمة قد تقفل الحساب؛ إن حدث ذلك فانتظر ٣٠ دقيقة."),
    ),
    (
        ("E-mail bounces with \"mailbox full\"", "E-mail", &["email", "bounce", "mailbox"],
         "A bounce saying **mailbox full** comes from the *receiver's* mail server: their mailbox has no space left.\n\n- Tell the receiver by phone; only they (or their IT) can free space.\n- Send large files as a shared link instead of an attachment.\n\nIf *your* mailbox is full, empty *Deleted Items* and archive old mail."),
        ("ارتداد الرسائل بسبب امتلاء صندوق البريد", "البريد الإلكتروني", &["بريد", "ارتداد", "صندوق ممتلئ"],
         "رسالة الارتداد التي تقول **صندوق البريد ممتلئ** تأتي من خادم بريد *المستلم*: لم يبق في صندوقه مكان.\n\n- أبلغ المستلم هاتفياً؛ فهو (أو فريق تقنية المعلومات لديه) وحده يستطيع إفراغ مساحة.\n- أرسل الملفات الكبيرة كرابط مشاركة بدلاً من المرفقات.\n\nإن كان صندوق *بريدك* ممتلئاً فأفرغ مجلد المحذوفات وأرشف الرسائل القديمة."),
    ),
    (
        ("Wi-Fi keeps dropping in the warehouse", "Network", &["wifi", "wireless", "warehouse"],
         "Metal shelving and long aisles weaken **Wi-Fi** in warehouses.\n\n1. Note where the signal drops (aisle and shelf number).\n2. Forget the network on the device and join it again.\n3. Check that the scanner or laptop joins the *Warehouse* network, not the guest one.\n\nSend the places where it drops in a ticket: an access point may need moving."),
        ("انقطاع الشبكة اللاسلكية في المستودع", "الشبكة", &["واي فاي", "لاسلكي", "مستودع", "إنترنت"],
         "الرفوف المعدنية والممرات الطويلة تُضعف **الشبكة اللاسلكية** في المستودعات.\n\n1. سجّل أماكن انقطاع الإشارة (رقم الممر والرف).\n2. احذف الشبكة من الجهاز ثم اتصل بها من جديد.\n3. تأكد من أن الماسح أو الحاسوب متصل بشبكة *المستودع* وليس بشبكة الضيوف.\n\nأرسل أماكن الانقطاع في تذكرة، فقد تحتاج نقطة الوصول إلى نقل."),
    ),
    (
        ("Shared drive is slow", "Files", &["shared drive", "slow", "files"],
         "When opening files on the **S: drive** is slow:\n\n- Close files you do not need: each open file holds a lock on the server.\n- Copy very large files to your computer, work on them there, and copy them back.\n- Check your connection: over the VPN the drive is always slower.\n\nIf everyone in your office is slow at the same time, file a ticket."),
        ("بطء المجلد المشترك ومزامنة الملفات", "الملفات", &["مجلد مشترك", "بطء", "مزامنة"],
         "عندما يكون فتح الملفات على **المجلد المشترك** بطيئاً أو لا تتزامن الملفات:\n\n- أغلق الملفات التي لا تحتاجها، فكل ملف مفتوح يحجز قفلاً على الخادم.\n- انسخ الملفات الكبيرة جداً إلى جهازك واعمل عليها ثم أعدها.\n- تحقق من اتصالك، فالمجلد أبطأ دائماً عبر VPN.\n\nإذا كان البطء لدى جميع من في المكتب في الوقت نفسه فافتح تذكرة."),
    ),
    (
        ("Screen flickers or stays black", "Hardware", &["monitor", "screen", "hdmi"],
         "A **flickering** or **black** screen is most often the cable.\n\n1. Unplug the HDMI or DisplayPort cable at both ends and plug it in firmly.\n2. Try another cable or another port.\n3. On a laptop press *Win + P* (or *Fn* + the display key) and choose *Duplicate*.\n4. Check that the screen's input source matches the port you use.\n\nIf the screen stays black with a known-good cable, file a ticket."),
        ("الشاشة ترمش أو تبقى سوداء", "الأجهزة", &["شاشة", "hdmi", "عرض"],
         "**رمشة الشاشة** أو بقاؤها **سوداء** سببها في الغالب الكابل.\n\n1. افصل كابل HDMI أو DisplayPort من الطرفين ثم صِله بإحكام.\n2. جرّب كابلاً آخر أو منفذاً آخر.\n3. في الحاسوب المحمول اضغط *Win + P* واختر *تكرار*.\n4. تأكد من أن مصدر الإدخال في الشاشة يطابق المنفذ المستخدم.\n\nإن بقيت الشاشة سوداء مع كابل سليم فافتح تذكرة."),
    ),
    (
        ("Scanner app closes right after an update", "Hardware", &["scanner", "barcode", "update"],
         "If the barcode app on a **Zebra scanner** closes at start after an update:\n\n1. Restart the scanner (hold the power button, choose *Restart*).\n2. In *Settings → Apps*, open the scanner app, choose *Storage* and *Clear cache* (not *Clear data*).\n3. Open the app again and sign in.\n\nIf it still closes, file a ticket with the scanner's serial number."),
        ("تطبيق الماسح الضوئي يغلق بعد التحديث", "الأجهزة", &["ماسح", "باركود", "تحديث"],
         "إذا كان تطبيق الباركود على **ماسح Zebra** يغلق عند التشغيل بعد التحديث:\n\n1. أعد تشغيل الماسح (اضغط زر التشغيل مطولاً واختر *إعادة التشغيل*).\n2. من *الإعدادات ← التطبيقات* افتح تطبيق الماسح واختر *التخزين* ثم *مسح ذاكرة التخزين المؤقت* (وليس مسح البيانات).\n3. افتح التطبيق من جديد وسجّل الدخول.\n\nإن استمر الإغلاق فافتح تذكرة واذكر الرقم التسلسلي للماسح."),
    ),
];

/// Creates the demo articles as `author` (an agent).
pub(super) async fn load(store: &Store, author: &Caller) -> anyhow::Result<()> {
    let text = |s: &str| ShortText::parse(s);
    for (en, ar) in ARTICLES {
        let en_id = Uuid::now_v7();
        for (i, &(title, category, tags, body)) in [en, ar].into_iter().enumerate() {
            let new = NewArticle {
                id: Some(if i == 0 { en_id } else { Uuid::now_v7() }),
                title: ArticleTitle::parse(title)?,
                body: ArticleBody::parse(body)?,
                lang: if i == 0 {
                    ArticleLang::En
                } else {
                    ArticleLang::Ar
                },
                translation_of: (i == 1).then_some(en_id),
                category: Some(text(category)?),
                tags: tags
                    .iter()
                    .map(ShortText::parse)
                    .collect::<Result<_, _>>()?,
                status: Some(ArticleStatus::Published),
            };
            store
                .create_article(author, &new)
                .await?
                .map_err(|r| anyhow::anyhow!(r.message))?;
        }
    }
    let staff_only = [
        (
            "Replacing the toner (draft)",
            "Steps for replacing the toner on the 2nd-floor HP printer. *To be completed.*",
            ArticleStatus::Draft,
        ),
        (
            "Old VPN client set-up (retired)",
            "How to install the VPN client we used until last year.",
            ArticleStatus::Archived,
        ),
    ];
    for (title, body, status) in staff_only {
        let new = NewArticle {
            id: None,
            title: ArticleTitle::parse(title)?,
            body: ArticleBody::parse(body)?,
            lang: ArticleLang::En,
            translation_of: None,
            category: None,
            tags: vec![],
            status: Some(status),
        };
        store
            .create_article(author, &new)
            .await?
            .map_err(|r| anyhow::anyhow!(r.message))?;
    }
    Ok(())
}
