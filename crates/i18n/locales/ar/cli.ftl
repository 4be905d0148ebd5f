# رسائل عميل سطر الأوامر `tadhkira` (نص المساعدة يبقى بالإنجليزية: من clap).
# المعرّفات تبدأ بـ `cli-`. المتغيّر $count عدد يختار صيغة الجمع (ست صيغ في العربية).
# على البرامج النصية قراءة `--json`؛ هذه الأسطر للناس.

## الأعداد

cli-tickets-count =
    { $count ->
        [zero] لا توجد تذاكر
        [one] تذكرة واحدة
        [two] تذكرتان
        [few] { $count } تذاكر
        [many] { $count } تذكرة
       *[other] { $count } تذكرة
    }
cli-list-count = { $shown } من { $total }
cli-articles-count =
    { $count ->
        [zero] لا توجد مقالات
        [one] مقالة واحدة
        [two] مقالتان
        [few] { $count } مقالات
        [many] { $count } مقالة
       *[other] { $count } مقالة
    }
cli-outbox-count =
    { $count ->
        [zero] لا توجد إدخالات
        [one] إدخال واحد
        [two] إدخالان
        [few] { $count } إدخالات
        [many] { $count } إدخالًا
       *[other] { $count } إدخال
    }

## النتائج وأسطر الحالة

cli-password-prompt = كلمة المرور لـ { $email }:
cli-signed-in = تم تسجيل الدخول باسم { $name } ({ $role }) على { $server }
cli-article-meta = اللغة { $lang } · { $category } · الإصدار { $version } · كتبها { $author }
cli-article-no-category = بلا تصنيف
cli-signed-out = تم تسجيل الخروج
cli-whoami = { $name } <{ $email }> على { $server }
cli-ticket-created = #{ $number } { $id }
cli-ticket-queued = في الانتظار { $id }
cli-message-saved = الرسالة { $id }
cli-attachment-saved = حُفظ في { $path }
cli-attachment-line =   📎 { $n }. { $name } ({ $size })
cli-attachment-queued =   📎 { $n }. { $name } ({ $size }، في الانتظار)
cli-sync-summary = أُرسل { $pushed } (قُبل { $accepted }، رُفض { $rejected })، سُحب { $pulled }، في الانتظار { $queued }، مرفوض { $held }
cli-sync-offline =
    تعذّر الوصول إلى الخادم ({ $reason })؛ { $count ->
        [zero] لا تغييرات في الانتظار
        [one] يبقى تغيير واحد في الانتظار
        [two] يبقى تغييران في الانتظار
        [few] تبقى { $count } تغييرات في الانتظار
        [many] يبقى { $count } تغييرًا في الانتظار
       *[other] يبقى { $count } تغيير في الانتظار
    }
cli-some-rejected = رُفضت بعض التغييرات؛ راجع `tadhkira outbox`
cli-saved-offline = حُفظ محليًا؛ تعذّر الوصول إلى الخادم ({ $reason })، ويبقى التغيير في الانتظار
cli-saved-sync-failed = حُفظ محليًا؛ فشلت المزامنة: { $error }
cli-watching = المتابعة باسم { $email }

## تفاصيل التذكرة والقوائم

cli-number-queued = (في الانتظار)
cli-detail-fields = الحالة { $status }  الأولوية { $priority }  المستوى { $tier }  القناة { $channel }  المسؤول { $assignee }
cli-detail-requester = صاحب الطلب { $name } ({ $org })
cli-none = لا شيء
cli-detail-contact = جهة التواصل { $contact }
cli-detail-category = الفئة { $category }
cli-detail-checks = الفحوص الأولية:
cli-detail-system-info = معلومات النظام:
cli-detail-no-system-info = معلومات النظام: لم تُرفق
cli-nobody = لا أحد
cli-timeline-reply = ردّ من { $author }: { $body }
cli-timeline-note = ملاحظة داخلية من { $author }: { $body }
cli-event-created = { $actor } أنشأها عبر { $channel }
cli-event-status = { $actor } الحالة { $from } ← { $to }
cli-event-priority = { $actor } الأولوية { $from } ← { $to }
cli-event-assigned = { $actor } أسندها إلى { $name }
cli-event-category = { $actor } التصنيف { $category }
cli-event-title = { $actor } العنوان ← { $title }
cli-event-escalated = { $actor } صعّدها إلى { $tier }: { $reason }
cli-event-overwritten = { $actor } استبدل { $field } (كانت { $value })
cli-event-lapsed-override = { $actor } سجّلها رغم أن اشتراك { $org } غير ساري: { $reason }
cli-event-auto-closed = أُغلقت تلقائيًا بعد { $days } أيام من حلّها
cli-event-pending-reminder = ذُكِّر العميل بعد { $days } أيام من انتظار ردّه
cli-outbox-line = { $id }  { $kind }  التذكرة { $ticket }  { $state }
cli-outbox-queued = في الانتظار
cli-outbox-rejected = مرفوض
cli-outbox-rejected-because = مرفوض ({ $code }: { $message })

cli-status =
    { $value ->
        [new] جديدة
        [open] مفتوحة
        [pending] بانتظار العميل
        [on_hold] معلّقة
        [solved] محلولة
        [closed] مغلقة
       *[other] { $value }
    }
cli-priority =
    { $value ->
        [low] منخفضة
        [normal] عادية
        [high] عالية
        [urgent] عاجلة
       *[other] { $value }
    }
cli-channel =
    { $value ->
        [desktop] تطبيق سطح المكتب
        [portal] البوابة
        [email] البريد الإلكتروني
        [phone] الهاتف
        [remote] جلسة عن بُعد
        [whatsapp] واتساب
        [other] حضور شخصي / غير ذلك
       *[unknown] { $value }
    }
cli-check =
    { $value ->
        [restarted] أعاد تشغيل التطبيق أو الجهاز
        [network_checked] تحقق من الاتصال بالشبكة
        [help_articles_read] اطّلع على مقالات المساعدة
       *[unknown] { $value }
    }
cli-role =
    { $value ->
        [customer] عميل
        [agent] موظف دعم
        [admin] مدير
       *[other] { $value }
    }

## الأخطاء (تُطبع بعد `tadhkira: ` على الخطأ القياسي)

cli-error-no-data-dir = لا يوجد مجلد بيانات للمستخدم هنا؛ مرّر --data-dir
cli-error-bad-value = { $what }: { $error }
cli-error-unknown-choice = { $what }: قيمة غير معروفة { $value } ({ $choices })
cli-error-no-outbox-entry = لا يوجد إدخال في صندوق الصادر { $id }
cli-error-edit-kind = --body يعدّل ردًا أو ملاحظة، و--title يعدّل إنشاء تذكرة
cli-error-not-signed-in = لم يتم تسجيل الدخول (سجّل الدخول بـ `tadhkira login`)
cli-error-locked = مجلد البيانات { $dir } مستخدم من عملية تذكرة أخرى
cli-error-invalid = مدخل غير صالح: { $detail }
cli-error-not-found = غير موجود: { $detail }
cli-error-offline = تعذّر الوصول إلى الخادم: { $detail }
cli-error-server = { $code }: { $message }
cli-error-incompatible = خادم غير متوافق: { $detail }
cli-error-storage = التخزين المحلي: { $detail }
cli-error-disk-full = القرص ممتلئ: لم يُحفظ شيء من هذا الأمر، وما حُفظ قبله سليم. أفرغ بعض المساحة ثم أعد تشغيله ({ $detail })
cli-error-plain-http = رُفض اتصال http:// غير المشفّر بـ { $host }: كانت كلمة المرور والرمز سيعبران الشبكة دون تشفير. استخدم https://، أو --insecure للاستخدام المخبري فقط
cli-warning-insecure = تحذير: اتصال HTTP غير مشفّر بـ { $server }: كلمة المرور والرمز يعبران الشبكة دون تشفير (للاستخدام المخبري فقط)
cli-error-for-needs-staff = الخيار --for للموظفين حين يفتحون تذكرة نيابة عن عميل؛ العملاء يفتحون تذاكرهم بأنفسهم
cli-error-unknown-customer = لا يوجد عميل بالبريد { $email } في دليل العملاء

## --help (crates/cli/src/help.rs)

cli-help = عميل مكتب المساعدة تذكرة (يعمل دون اتصال)
cli-help-usage = الاستخدام:
cli-help-options = الخيارات
cli-help-arguments = المعاملات
cli-help-commands = الأوامر
cli-help-help = اعرض المساعدة
cli-help-version = اعرض الإصدار
cli-help-data-dir = مجلد البيانات (قاعدة البيانات المحلية، الحساب، رمز الدخول)
cli-help-json = اطبع JSON بدلًا من النص
cli-help-offline = لا تحاول المزامنة بعد التغيير (يبقى في الانتظار)
cli-help-mute = تنبيهات لا تُعرض، مفصولة بفواصل: reply وsolved وpending وreminder وassigned وescalated وreopened
cli-help-lang = اللغة: en أو ar (وإلا TADHKIRA_LANG، وإلا LC_ALL / LC_MESSAGES / LANG، وإلا الإنجليزية)
cli-help-login = سجّل الدخول إلى خادم
cli-help-login-server = عنوان الخادم، مثل https://help.example.com (http:// غير المشفّر لهذا الجهاز فقط)
cli-help-login-email = بريدك الإلكتروني
cli-help-login-password = كلمة المرور (وإلا TADHKIRA_PASSWORD، وإلا تُطلب دون إظهارها في الطرفية، وإلا تُقرأ من الإدخال القياسي)
cli-help-login-insecure = اسمح بـ http:// غير المشفّر إلى جهاز آخر (للاستخدام المخبري فقط: كلمة المرور والرمز يعبران الشبكة دون تشفير)
cli-help-logout = سجّل الخروج (تبقى البيانات المحلية)
cli-help-whoami = من المسجّل دخوله
cli-help-new = افتح تذكرة جديدة
cli-help-new-title = سطر واحد واضح: ما المشكلة وأين
cli-help-new-description = ماذا حدث، وما الذي توقعته، وما الذي جرّبته
cli-help-new-priority = low أو normal أو high أو urgent
cli-help-new-channel = desktop أو portal أو email أو phone أو remote أو whatsapp أو other (حضور شخصي)
cli-help-new-category = فئة، مثل network
cli-help-new-contact-name = اسم جهة التواصل (وإلا الاسم في ملفك)
cli-help-new-contact-email = بريد جهة التواصل (وإلا البريد في ملفك)
cli-help-new-contact-phone = هاتف جهة التواصل (وإلا الهاتف في ملفك)
cli-help-new-requester = للموظفين: العميل (معرّف المستخدم) الذي تُفتح له التذكرة
cli-help-new-for-whom = للموظفين: العميل (البريد الإلكتروني) الذي تُفتح له التذكرة؛ بيانات التواصل افتراضيًا بياناته والقناة الهاتف
cli-help-new-override-reason = للموظفين: سبب تسجيل التذكرة رغم انتهاء اشتراك العميل (مطلوب حينها)
cli-help-new-attach = ملف يُرفق (يمكن تكراره): لقطة شاشة أو سجل؛ يُنسخ إلى مجلد البيانات فورًا
cli-help-list = اعرض التذاكر من المخزن المحلي
cli-help-list-queue = all أو mine أو unassigned أو my_tier أو breaching
cli-help-list-status = هذه الحالة فقط
cli-help-list-active = التذاكر التي ما زالت تحتاج إلى عمل فقط
cli-help-list-priority = هذه الأولوية فقط
cli-help-list-channel = هذه القناة فقط
cli-help-list-tier = هذا المستوى فقط (من 1 إلى 3)
cli-help-list-search = كلمات للبحث عنها (العناوين، الأوصاف، الرسائل)
cli-help-list-sort = updated أو priority أو due
cli-help-list-limit = عدد التذاكر المعروضة
cli-help-list-offset = عدد التذاكر التي تُتخطّى أولًا
cli-help-show = اعرض تذكرة (#1042 أو 1042 أو معرّفها) برسائلها وسجلها الزمني
cli-help-show-ticket = #1042 أو 1042 أو معرّف التذكرة
cli-help-reply = ردّ على تذكرة (ردّ علني)
cli-help-reply-ticket = #1042 أو 1042 أو معرّف التذكرة
cli-help-reply-body = نص الردّ
cli-help-reply-attach = ملف يُرفق (يمكن تكراره)؛ يُنسخ إلى مجلد البيانات فورًا
cli-help-note = أضف ملاحظة داخلية (للموظفين)
cli-help-note-ticket = #1042 أو 1042 أو معرّف التذكرة
cli-help-note-body = نص الملاحظة
cli-help-note-attach = ملف يُرفق (يمكن تكراره)؛ يُنسخ إلى مجلد البيانات فورًا
cli-help-download = تنزيل ملف مرفق بتذكرة (يُتحقق منه ببصمة SHA-256)
cli-help-download-ticket = #1042 أو 1042 أو معرّف التذكرة
cli-help-download-attachment = رقم الملف في tadhkira show (من 1) أو معرّفه أو اسمه
cli-help-download-out = أين يُكتب: مجلد (يحتفظ الملف باسمه فيه) أو مسار ملف (الافتراضي: المجلد الحالي)
cli-help-status = غيّر حالة تذكرة
cli-help-status-ticket = #1042 أو 1042 أو معرّف التذكرة
cli-help-status-status = new أو open أو pending أو on_hold أو solved أو closed
cli-help-update = غيّر حقول تذكرة
cli-help-update-ticket = #1042 أو 1042 أو معرّف التذكرة
cli-help-update-status = new أو open أو pending أو on_hold أو solved أو closed
cli-help-update-priority = low أو normal أو high أو urgent
cli-help-update-assignee = me أو none أو معرّف مستخدم
cli-help-update-title = عنوان جديد
cli-help-escalate = صعّد تذكرة إلى مستوى أعلى
cli-help-escalate-ticket = #1042 أو 1042 أو معرّف التذكرة
cli-help-escalate-tier = المستوى الذي تُسلَّم إليه (2 أو 3)
cli-help-escalate-reason = لماذا تحتاج إلى ذلك المستوى
cli-help-sync = أرسل التغييرات المنتظرة واجلب الجديد الآن
cli-help-outbox = التغييرات المنتظرة والمرفوضة
cli-help-outbox-list = اعرض العناصر (الافتراضي)
cli-help-outbox-resend = أعد وضع عنصر مرفوض في الانتظار، بعد تعديله إن شئت
cli-help-outbox-resend-id = معرّف العنصر (من tadhkira outbox)
cli-help-outbox-resend-body = نص جديد لردّ أو ملاحظة
cli-help-outbox-resend-title = عنوان جديد لإنشاء تذكرة
cli-help-outbox-discard = احذف عنصرًا (حذف إنشاء تذكرة يزيل التذكرة المحلية)
cli-help-outbox-discard-id = معرّف العنصر (من tadhkira outbox)
cli-help-watch = ابقَ متصلًا واطبع التنبيهات فور وصولها
cli-help-articles = مقالات قاعدة المعرفة من المخزن المحلي (المنشورة؛ لفريق الدعم: ‎--all)
cli-help-articles-search = رتّب المقالات المنشورة حسب هذا النص كما تفعل اقتراحات التطبيق
cli-help-articles-all = لفريق الدعم: المسودات والمقالات المؤرشفة أيضًا
cli-help-article = اعرض مقالة من قاعدة المعرفة بمعرّفها
cli-help-article-id = معرّف المقالة

# issue 16 (support terms)
cli-event-out-of-scope = { $actor } أغلقها بوصفها خارج شروط الدعم: { $exclusion }
cli-event-terms-accepted = { $actor } وافق على الإصدار { $version } من شروط الدعم مع هذه التذكرة
cli-help-new-accept-terms = الموافقة على إصدار شروط الدعم الساري مع هذه التذكرة (مطلوبة قبل أول تذكرة لمؤسستك بعد إصدار جديد)
# issue 19: channels (a logged call or remote session)
cli-event-contact-logged = سجّل { $actor } تواصلًا عبر { $channel } ({ $direction }، { $minutes } دقيقة): { $notes }
