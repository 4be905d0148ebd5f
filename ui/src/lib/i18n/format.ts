/**
 * Pure message formatting: picks the plural form with `Intl.PluralRules` and fills
 * `{name}` slots. Numbers are formatted for the locale (Arabic-Indic digits in Arabic).
 */
import type { Digits } from '../../generated/Digits';
import type { Locale, Message } from './types';

export type { Digits } from '../../generated/Digits';

/** Values for a message's `{name}` slots; `count` also selects the plural form. */
export type Params = Record<string, string | number>;

// Keyed by every choice, so one added in Rust fails to compile until it is listed here.
const LISTED: Record<Digits, true> = { arab: true, latn: true };

/** Every choice of digits, in the order the settings show them. */
export const DIGITS: readonly Digits[] = Object.keys(LISTED) as Digits[];

/** The digits a locale uses unless the user chose otherwise. */
export function defaultDigits(locale: Locale): Digits {
  return locale === 'ar' ? 'arab' : 'latn';
}

/** Formats one message in `locale`. Unknown slots are left as written. */
export function formatMessage(
  locale: Locale,
  message: Message,
  params: Params = {},
  digits: Digits = defaultDigits(locale),
): string {
  let text: string;
  if (typeof message === 'string') {
    text = message;
  } else {
    const count = typeof params.count === 'number' ? params.count : 0;
    const category = new Intl.PluralRules(locale).select(count);
    text = message[category] ?? message.other;
  }
  const numbers = new Intl.NumberFormat(locale, { numberingSystem: digits });
  return text.replace(/\{(\w+)\}/g, (slot, name: string) => {
    const value = params[name];
    if (value === undefined) return slot;
    return typeof value === 'number' ? numbers.format(value) : value;
  });
}
