/**
 * Shapes of the message catalogues. A message is a string with `{name}` slots, or a
 * set of plural forms chosen by `Intl.PluralRules` for the `count` parameter (Arabic
 * uses all six: zero, one, two, few, many, other).
 */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** One message of a catalogue. */
export type Message = string | PluralForms;

/** The languages the app speaks. */
export type Locale = 'en' | 'ar';

/** Every locale, in the order the language picker shows them. */
export const LOCALES: readonly Locale[] = ['en', 'ar'];

/** Text direction of each locale. */
export const DIRECTION: Record<Locale, 'ltr' | 'rtl'> = { en: 'ltr', ar: 'rtl' };
