# رسائل عميل سطر الأوامر `tadhkira`.
# المعرّفات تبدأ بـ `cli-`. المتغيّر $count عدد يختار صيغة الجمع (ست صيغ في العربية).

cli-tickets-count =
    { $count ->
        [zero] لا توجد تذاكر
        [one] تذكرة واحدة
        [two] تذكرتان
        [few] { $count } تذاكر
        [many] { $count } تذكرة
       *[other] { $count } تذكرة
    }
