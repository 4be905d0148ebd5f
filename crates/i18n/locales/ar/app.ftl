# نصوص غلاف سطح المكتب: قائمة الدرج والإشعارات (للواجهة فهارسها الخاصة في ui/).
# المعرّفات تبدأ بـ `tray-` أو `notification-`.

## قائمة الدرج

tray-open = افتح تذكرة
tray-new-ticket = تذكرة جديدة
tray-sync-now = زامن الآن
tray-quit = إنهاء

## أيقونة الدرج: التلميح والعدد بجانبها

tray-tooltip = تذكرة
tray-tooltip-unread = { $count ->
    [0] تذكرة: لا ردود غير مقروءة
    [zero] تذكرة: لا ردود غير مقروءة
    [one] تذكرة: تذكرة واحدة فيها ردود غير مقروءة
    [two] تذكرة: تذكرتان فيهما ردود غير مقروءة
    [few] تذكرة: { $count } تذاكر فيها ردود غير مقروءة
    [many] تذكرة: { $count } تذكرة فيها ردود غير مقروءة
   *[other] تذكرة: { $count } تذكرة فيها ردود غير مقروءة
}
# العدد وحده: يظهر بجانب الأيقونة في اللوحة.
tray-unread-label = { $count }

## الإشعارات

notification-open = افتح
# ردّ واحد. $ticket رقم التذكرة (#1042).
notification-reply-title = ردّ على { $ticket }: { $title }
# ردّ على تذكرة لم يرقّمها الخادم بعد.
notification-reply-title-unnumbered = ردّ على { $title }
notification-reply-body = { $author }: { $excerpt }
# عدّة ردود من مزامنة واحدة، ملخّصة.
notification-replies-title = { $count ->
    [zero] لا ردود جديدة
    [one] ردّ جديد واحد
    [two] ردّان جديدان
    [few] { $count } ردود جديدة
    [many] { $count } ردًّا جديدًا
   *[other] { $count } ردّ جديد
}
# $tickets: أرقام التذاكر (أو عناوينها) مفصولة بـ notification-list-separator.
notification-replies-body = على { $tickets }
notification-list-separator = {"، "}

## تنبيهات الأحداث: تنبيه لكل حدث يهمّ المستخدم. $ticket رقم التذكرة (#1042)،
## و$title عنوانها، و$actor من قام بالفعل.

# جعل فريق الدعم تذكرة العميل محلولة: له أن يؤكّد أو يعيد فتحها.
notification-solved-title = حُلّت { $ticket }: { $title }
notification-solved-body = جعلها { $actor } محلولة. هل حُلّت مشكلتك؟ افتحها لتؤكّد أو لتعيد فتحها.
# جعل فريق الدعم تذكرة العميل بانتظار ردّه.
notification-pending-title = { $ticket } بانتظار ردّك: { $title }
notification-pending-body = يحتاج { $actor } إلى ردّك ليتابع.
# تذكير الخادم. $days: مدة انتظار التذكرة.
notification-reminder-title = تذكير: { $ticket } بانتظار ردّك
notification-reminder-body = { $days ->
    [zero] «{ $title }» بانتظار ردّك.
    [one] «{ $title }» بانتظار ردّك منذ يوم.
    [two] «{ $title }» بانتظار ردّك منذ يومين.
    [few] «{ $title }» بانتظار ردّك منذ { $days } أيام.
    [many] «{ $title }» بانتظار ردّك منذ { $days } يومًا.
   *[other] «{ $title }» بانتظار ردّك منذ { $days } يوم.
}
notification-assigned-title = أُسندت إليك { $ticket }: { $title }
notification-assigned-body = أسندها { $actor }.
# $tier: مستوى الدعم (L2).
notification-escalated-title = صُعّدت { $ticket } إلى { $tier }: { $title }
notification-escalated-body = { $actor }: { $reason }
# أعاد العميل فتح تذكرة محلولة.
notification-reopened-title = أُعيد فتح { $ticket }: { $title }
notification-reopened-body = يقول { $actor } إنها لم تُحلّ بعد.

## المسألة 21: تعذّرت قراءة قاعدة البيانات المحلية للحساب عند البدء فأُعيد بناؤها
## (تقرير المحرّك؛ يعرضه التطبيق وسطر الأوامر).

store-recovered-title = تعذّرت قراءة بياناتك المحلية فأُعيد بناؤها
# $reason: ما كان خاطئًا كما قالته قاعدة البيانات؛ $copy: مكان حفظ الملف التالف.
store-recovered-body = تعذّر على تطبيق تذكرة قراءة نسخة تذاكرك على هذا الحاسوب ({ $reason }). حُفظ الملف التالف في { $copy }. ستُنزَّل تذاكرك من جديد من مكتب المساعدة عند المزامنة التالية.
store-recovered-salvaged = { $count ->
    [zero] لم تكن هناك تغييرات غير مُرسلة.
    [one] حُفظ تغيير واحد غير مُرسل وسيُرسل.
    [two] حُفظ تغييران غير مُرسلين وسيُرسلان.
    [few] حُفظت { $count } تغييرات غير مُرسلة وستُرسل.
    [many] حُفظ { $count } تغييرًا غير مُرسل وسيُرسل.
   *[other] حُفظ { $count } تغيير غير مُرسل وسيُرسل.
}
# $list: المدخلات، يفصل بينها notification-list-separator.
store-recovered-lost = تعذّرت قراءة هذه التغييرات غير المُرسلة وقد فُقدت: { $list }
