/**
 * The UI's language: the current locale as reactive state, `t()` to translate a key,
 * and the document's `lang`/`dir` kept in step, so switching needs no reload.
 */
import { ar } from './ar';
import { en, type MessageKey } from './en';
import { defaultDigits, formatMessage, type Digits, type Params } from './format';
import { DIRECTION, type Locale, type Message } from './types';

export type { MessageKey } from './en';
export type { Locale } from './types';
export type { Digits } from './format';

const CATALOGUES: Record<Locale, Record<MessageKey, Message>> = { en, ar };

const state = $state<{ locale: Locale; digits: Digits | null }>({ locale: 'en', digits: null });

/** The current locale. */
export function locale(): Locale {
  return state.locale;
}

/** Switches the language at run time and updates `<html lang dir>`. */
export function setLocale(next: Locale): void {
  state.locale = next;
  if (typeof document !== 'undefined') {
    document.documentElement.lang = next;
    document.documentElement.dir = DIRECTION[next];
  }
}

/** The digits numbers are shown with: the user's choice, else the locale's usual ones. */
export function digits(): Digits {
  return state.digits ?? defaultDigits(state.locale);
}

/** Chooses Arabic-Indic or Latin digits (`null`: the locale's usual ones). */
export function setDigits(next: Digits | null): void {
  state.digits = next;
}

/** The text of `key` in the current locale. */
export function t(key: MessageKey, params?: Params): string {
  return formatMessage(state.locale, CATALOGUES[state.locale][key], params, digits());
}

/** A number formatted for the current locale and digits (`i64`s arrive as numbers in JSON
 * even though ts-rs types them `bigint`). */
export function n(value: number | bigint): string {
  return new Intl.NumberFormat(state.locale, { numberingSystem: digits() }).format(value);
}

/** A ticket's number as people quote it: `#1042` (`#١٠٤٢`), never with group separators. */
export function ticketNumber(value: number | bigint): string {
  return `#${new Intl.NumberFormat(state.locale, { numberingSystem: digits(), useGrouping: false }).format(value)}`;
}
