/** Arabic messages: the same keys as `en.ts`, with all six plural forms where counted. */
import type { MessageKey } from './en';
import type { Message } from './types';

export const ar: Record<MessageKey, Message> = {
  'app.name': 'تذكرة',
  'app.tagline': 'مكتب مساعدة يعمل دون اتصال',
  'lang.label': 'اللغة',
  'lang.en': 'English',
  'lang.ar': 'العربية',
  'theme.label': 'المظهر',
  'theme.system': 'حسب النظام',
  'theme.light': 'فاتح',
  'theme.dark': 'داكن',

  'signin.title': 'تسجيل الدخول',
  'signin.server': 'عنوان الخادم',
  'signin.email': 'البريد الإلكتروني',
  'signin.password': 'كلمة المرور',
  'signin.submit': 'دخول',
  'signin.submitting': 'جارٍ تسجيل الدخول…',
  'signin.check': 'فحص الخادم',
  'signin.demo_hint': 'للتجربة: customer@nile.example، كلمة المرور demo1234',

  'server.checking': 'جارٍ فحص الخادم…',
  'server.ok': 'متصل بخادم تذكرة {version}',
  'server.unknown': 'لم يُفحص الخادم بعد',

  'error.unreachable': 'تعذّر الوصول إلى الخادم. تحقّق من العنوان ومن الشبكة.',
  'error.incompatible': 'هذا الخادم ليس خادم تذكرة يستطيع هذا التطبيق التعامل معه.',
  'error.bad_url': 'يجب أن يبدأ عنوان الخادم بـ http:// أو https://.',
  'error.not_signed_in': 'يُرجى تسجيل الدخول أولًا.',
  'error.invalid': 'بعض الحقول غير صالحة.',
  'error.internal': 'حدث خطأ داخل التطبيق.',
  'error.code.invalid': 'لم يقبل الخادم الطلب.',
  'error.code.unauthorized': 'انتهت جلستك. يُرجى تسجيل الدخول من جديد.',
  'error.code.forbidden': 'ليس لديك إذن بهذا الإجراء.',
  'error.code.not_found': 'غير موجود.',
  'error.code.subscription_inactive': 'انتهى اشتراك مؤسستك: لا يمكن فتح تذاكر جديدة.',
  'error.code.depends_on_rejected': 'رُفض تغيير سابق يعتمد عليه هذا التغيير.',
  'error.code.conflict': 'يتعارض هذا التغيير مع تغيير آخر.',
  'error.code.rate_limited': 'محاولات كثيرة. يُرجى الانتظار قليلًا.',
  'error.code.too_large': 'هذا أكبر من أن يُرسل.',
  'error.code.bad_credentials': 'البريد الإلكتروني أو كلمة المرور غير صحيحة.',
  'error.code.internal': 'حدثت مشكلة في الخادم. حاول لاحقًا.',

  'sync.queued': {
    zero: 'لا تغييرات في الانتظار',
    one: 'تغيير واحد في الانتظار',
    two: 'تغييران في الانتظار',
    few: '{count} تغييرات في الانتظار',
    many: '{count} تغييرًا في الانتظار',
    other: '{count} تغيير في الانتظار',
  },
};
