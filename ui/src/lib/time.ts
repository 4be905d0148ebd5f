/** Dates and relative times through `Intl`, in the chosen locale and digits. */
import { digits, locale } from './i18n/index.svelte';

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "5 minutes ago" / "in 2 hours" for `iso`, relative to `now`. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const fmt = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto', numberingSystem: digits() } as Intl.RelativeTimeFormatOptions);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') return fmt.format(Math.round(seconds / size), unit);
  }
  return fmt.format(0, 'second');
}

/** A full date and time for `iso`. */
export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', numberingSystem: digits() }).format(
    new Date(iso),
  );
}
