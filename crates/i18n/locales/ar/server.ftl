# حقل `message` في أجسام أخطاء الخادم (JSON) بلغة ترويسة Accept-Language للطلب
# (يبقى `code` القيمة الثابتة بالإنجليزية؛ وسجلات الخادم بالإنجليزية).

## رسالة لكل رمز خطأ

error-invalid = الطلب غير صالح
error-unauthorized = سجّل الدخول أولًا
error-forbidden = لا يحق لك القيام بهذا
error-not-found = غير موجود
error-subscription-inactive = اشتراك مؤسستك غير فعّال، لذا لا يمكن فتح تذاكر جديدة
error-depends-on-rejected = هذا التغيير يعتمد على تغيير سابق رُفض
error-conflict = هذا يتعارض مع سجل موجود
error-rate-limited = محاولات كثيرة جدًا؛ حاول لاحقًا
error-too-large = الطلب كبير جدًا
error-bad-credentials = البريد الإلكتروني أو كلمة المرور غير صحيحة
error-internal = تعذّر على الخادم إتمام الطلب
error-busy = الخادم مشغول؛ حاول بعد قليل
error-reopen-window-passed = لم يعد ممكنًا إعادة فتح هذه التذكرة؛ افتح تذكرة جديدة بدلًا منها
error-password-change-required = عيّن مسؤول هذه الكلمة لاستعمال واحد: اختر كلمة مرور جديدة لتسجيل الدخول
error-unsupported-type = هذا النوع من الملفات غير مقبول
error-terms-not-accepted = اقبل إصدار شروط الدعم النافذ قبل فتح هذه التذكرة
# رسالة الرمز متبوعة بتفصيل غير مترجم (بالإنجليزية).
error-with-detail = { $message }: { $detail }

## رسائل دقيقة

error-no-token = سجّل الدخول أولًا: لا يوجد رمز دخول صالح
error-too-many-sign-ins = محاولات دخول فاشلة كثيرة؛ حاول لاحقًا
error-too-many-writes = تغييرات كثيرة في وقت قصير؛ حاول لاحقًا
error-sign-in-busy = عمليات دخول كثيرة في آن واحد؛ حاول بعد قليل
error-storage-full = لا مكان على الخادم لحفظ هذا الآن؛ يبقى في قائمة الانتظار ويُرسل لاحقًا
error-request-timeout = استغرق الطلب وقتًا أطول من اللازم (وصل محتواه ببطء شديد، أو الخادم مثقل)؛ حاول بعد قليل
error-no-route = لا توجد نقطة نهاية بهذا العنوان
error-method-not-allowed = هذه الطريقة غير مسموح بها هنا
error-directory-staff-only = الدليل مخصّص لفريق الدعم
error-admin-only = الإدارة للمسؤولين فقط
error-disable-self = لا يمكنك تعطيل حسابك
error-password-unchanged = اختر كلمة مرور مختلفة عن الحالية
error-articles-staff-only = كتابة المقالات مخصّصة لفريق الدعم
error-limit-range = يجب أن يكون الحد بين 1 و{ $max }
error-query-too-long = يجب ألا يزيد نص البحث على { $max } حرفًا
error-cursor-negative = يجب ألا يكون المؤشر سالبًا
error-cursor-ahead = المؤشر {$cursor} يسبق أحدث تغيير ({$head}): استُعيد هذا الخادم من نسخة أقدم؛ اسحب من جديد من 0
error-push-too-large = عدد التغييرات في الدفعة { $count }، والحد الأقصى { $max }
error-body-too-large = جسم الطلب كبير جدًا
error-file-too-large = حجم الملف { $size } بايت، والحد الأقصى للملف { $max } بايت
error-file-empty = الملف فارغ
error-chunk-too-large = يجب ألا يزيد الجزء الواحد على { $max } بايت
error-upload-busy = هذا الرفع يستقبل جزءًا آخر الآن؛ حاول بعد قليل
error-upload-offset = لدى الخادم { $offset } بايت من هذا الرفع: أرسل ابتداءً من هناك
error-upload-overrun = بايتات أكثر من { $size } المعلنة لهذا الرفع
error-upload-hash = البايتات المستلمة لا تطابق قيمة sha256 المعلنة؛ أُلغي الرفع، فابدأه من جديد

# issue 16 (support terms)
error-no-terms = لم تُنشر شروط الدعم بعد
# issue 19: channels (WhatsApp, the unmatched queue)
error-channel-not-configured = قناة { $channel } غير مُعدّة على هذا الخادم
error-channel-bad-signature = توقيع الـ webhook مفقود أو غير مطابق
error-channel-verify-token = رمز التحقق للـ webhook غير مطابق
error-unmatched-staff-only = لا يطّلع على الرسائل غير المطابَقة ويضعها في مكانها إلا فريق الدعم
error-unmatched-placed = وُضعت هذه الرسالة على تذكرة من قبل
error-unmatched-not-customer = الشخص المراد الربط به ليس عميلًا
error-unmatched-person-id-taken = معرّف هذا الشخص يخص شخصًا آخر: افتح النموذج من جديد
error-unmatched-no-organisation = لا توجد مؤسسة بهذا المعرّف
error-unmatched-organisation-lapsed = اشتراك الدعم لـ { $org } غير ساري: لا يمكن فتح تذكرة لشخص جديد منها
error-unmatched-bad-phone = رقم الهاتف غير صالح (اكتبه مع رمز الدولة، مثل ‎+20 100 123 4567)
error-unmatched-address-taken = { $address } يخص { $name } من قبل: اربط الرسالة به بدلًا من ذلك
whatsapp-subscription-inactive = مرحبًا { $name }، شكرًا لرسالتك. اشتراك الدعم لـ { $org } غير ساري حاليًا، لذا لا يمكننا فتح تذكرة لها. يُرجى التواصل مع مدير حسابكم لتجديده.
email-subscription-inactive =
    مرحبًا { $name }،

    شكرًا لرسالتك الإلكترونية، فقد وصلتنا. غير أن اشتراك الدعم لـ { $org } غير ساري حاليًا، لذا لم نتمكن من فتح تذكرة لها.

    يُرجى التواصل مع مدير حسابكم لتجديد الاشتراك. وحين يعود ساريًا، راسلنا من جديد وسنتابع طلبك.

    هذه رسالة آلية.
whatsapp-media-refused = [ملف { $kind } تعذّر حفظه: { $reason }]
whatsapp-unsupported = [رسالة واتساب من نوع { $kind } لا يستطيع مكتب الدعم عرضها]
email-file-refused = [{ $name }: ملف تعذّر حفظه ({ $reason })؛ وهو موجود في الرسالة الأصلية]
email-unreadable = [رسالة بريد إلكتروني تعذّرت قراءتها ({ $reason })؛ الرسالة الأصلية مرفقة]
email-too-large = [رسالة بريد إلكتروني حجمها { $size } بايت، أكبر من الحد { $max } بايت؛ نُقلت دون قراءة إلى المجلد { $folder }]

# issue 23: releases of the desktop app
error-update-field-missing = الحقل { $field } مفقود
error-update-version = ‏{ $version } ليس رقم إصدار مثل 1.2.3
error-update-notes-too-long = ملاحظات الإصدار لا تزيد على { $max } حرفًا
error-update-too-large = الحزمة أكبر من { $max } بايت، وهو أقصى ما يقبله هذا الخادم
error-update-signature-malformed = التوقيع ليس توقيع minisign بترميز base64 (نص ملف ‎.sig الخاص بالحزمة كما يكتبه Tauri)
error-update-signature = توقيع الحزمة لا يتحقق بالمفتاح العام للتحديثات على هذا الخادم: لم تُوقَّع بالمفتاح السري للتحديثات، أو غُيِّرت بعد توقيعها؛ لم يُنشر شيء
error-update-signed-version = وُقِّعت الحزمة على أنها الإصدار { $signed } لا { $version }: سترفضها التطبيقات؛ وقّعها على أنها الإصدار { $version }
