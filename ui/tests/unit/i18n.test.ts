// The message catalogues: same keys in both languages, complete plural forms, matching
// slots, and plural selection that follows each language's rules.
import { describe, expect, it } from 'vitest';
import { ar } from '../../src/lib/i18n/ar';
import { en } from '../../src/lib/i18n/en';
import { formatMessage } from '../../src/lib/i18n/format';
import type { Locale, Message } from '../../src/lib/i18n/types';

const catalogues: Record<Locale, Record<string, Message>> = { en, ar };

function slots(m: Message): string[] {
  const texts = typeof m === 'string' ? [m] : Object.values(m);
  const found = new Set<string>();
  for (const text of texts) for (const s of text?.matchAll(/\{(\w+)\}/g) ?? []) found.add(s[1] ?? '');
  found.delete('count');
  return [...found].sort();
}

describe('message catalogues', () => {
  it('have exactly the same keys in English and Arabic', () => {
    expect(Object.keys(ar).sort()).toEqual(Object.keys(en).sort());
  });

  for (const locale of ['en', 'ar'] as const) {
    it(`${locale}: every plural message has every form the language uses`, () => {
      const needed = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      for (const [key, m] of Object.entries(catalogues[locale])) {
        if (typeof m === 'string') continue;
        for (const category of needed) expect(m[category], `${locale} ${key} ${category}`).toBeTruthy();
      }
    });

    it(`${locale}: no message is empty`, () => {
      for (const [key, m] of Object.entries(catalogues[locale])) {
        const texts = typeof m === 'string' ? [m] : Object.values(m);
        for (const text of texts) expect(text?.trim(), key).toBeTruthy();
      }
    });
  }

  it('use the same {slots} in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(slots(ar[key]), key).toEqual(slots(en[key]));
    }
  });
});

describe('formatMessage', () => {
  it('picks the six Arabic plural forms', () => {
    const m = ar['sync.queued'];
    expect(formatMessage('ar', m, { count: 0 })).toBe('لا تغييرات في الانتظار');
    expect(formatMessage('ar', m, { count: 1 })).toBe('تغيير واحد في الانتظار');
    expect(formatMessage('ar', m, { count: 2 })).toBe('تغييران في الانتظار');
    expect(formatMessage('ar', m, { count: 3 })).toBe('٣ تغييرات في الانتظار');
    expect(formatMessage('ar', m, { count: 11 })).toBe('١١ تغييرًا في الانتظار');
    expect(formatMessage('ar', m, { count: 100 })).toBe('١٠٠ تغيير في الانتظار');
  });

  it('picks English one/other and formats numbers', () => {
    expect(formatMessage('en', en['sync.queued'], { count: 1 })).toBe('1 change queued');
    expect(formatMessage('en', en['sync.queued'], { count: 1200 })).toBe('1,200 changes queued');
  });

  it('fills named slots and leaves unknown ones visible', () => {
    expect(formatMessage('en', 'v{version} {missing}', { version: '1.2' })).toBe('v1.2 {missing}');
  });
});

describe('digits', () => {
  it('uses Latin digits in Arabic when asked', () => {
    expect(formatMessage('ar', ar['sync.queued'], { count: 3 }, 'latn')).toBe('3 تغييرات في الانتظار');
  });
});
