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
cli-signed-out = تم تسجيل الخروج
cli-whoami = { $name } <{ $email }> على { $server }
cli-ticket-created = #{ $number } { $id }
cli-ticket-queued = في الانتظار { $id }
cli-message-saved = الرسالة { $id }
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
       *[other] { $value }
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
