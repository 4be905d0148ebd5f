/**
 * Shapes of the message catalogues. A message is a string with `{name}` slots, or a
 * set of plural forms chosen by `Intl.PluralRules` for the `count` parameter (Arabic
 * uses all six: zero, one, two, few, many, other).
 */
import type { Language } from '../../generated/Language';

export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** One message of a catalogue. */
export type Message = string | PluralForms;

/** The languages the app speaks: the settings' `Language`, generated from Rust. */
export type Locale = Language;

/** Text direction of each locale (a `Record`, so a language added in Rust fails to
 * compile until it is given one). */
export const DIRECTION: Record<Locale, 'ltr' | 'rtl'> = { en: 'ltr', ar: 'rtl' };

/** Every locale, in the order the language picker shows them. */
export const LOCALES: readonly Locale[] = Object.keys(DIRECTION) as Locale[];
