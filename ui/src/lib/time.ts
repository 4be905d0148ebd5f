/** Dates, relative times and durations through `Intl`, in the chosen locale and digits. */
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

/** The largest unit that fits `seconds` (at least a minute for countdowns) and the count of it. */
function split(seconds: number, smallest: Intl.RelativeTimeFormatUnit = 'second'): [Intl.RelativeTimeFormatUnit, number] {
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === smallest) return [unit, Math.round(seconds / size)];
  }
  return ['second', 0];
}

/**
 * "5 minutes ago" / "منذ ٥ دقائق" for `iso`, something that has happened, relative to
 * `now`. A time slightly ahead of this machine's clock (the server's clock, or a change
 * stamped while the minute clock ticks) reads "now", never "in 3 seconds".
 */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.min(0, Math.round((Date.parse(iso) - now) / 1000));
  const fmt = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto', numberingSystem: digits() } as Intl.RelativeTimeFormatOptions);
  const [unit, count] = split(seconds);
  return fmt.format(count, unit);
}

/** "3 hours" / "٣ ساعات": a length of time in the largest unit that fits (at least minutes). */
export function duration(seconds: number): string {
  const [unit, count] = split(Math.abs(seconds), 'minute');
  return new Intl.NumberFormat(locale(), {
    style: 'unit',
    unit,
    unitDisplay: 'long',
    numberingSystem: digits(),
  }).format(Math.max(1, Math.abs(count)));
}

/** "in 12 minutes" / "خلال ١٢ دقيقة": a countdown, never shorter than a minute. */
export function dueIn(seconds: number): string {
  const [unit, count] = split(seconds, 'minute');
  const fmt = new Intl.RelativeTimeFormat(locale(), { numeric: 'always', numberingSystem: digits() } as Intl.RelativeTimeFormatOptions);
  return fmt.format(Math.max(1, count), unit);
}

/** A full date and time for `iso`. */
export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', numberingSystem: digits() }).format(
    new Date(iso),
  );
}

/** A date alone for `iso` (a subscription's end, say), in UTC: subscriptions end at the
 * end of a UTC day, and that day must not read as the next one east of Greenwich. */
export function dateOnly(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeZone: 'UTC', numberingSystem: digits() }).format(new Date(iso));
}

/** The response-target state of a ticket, for the countdown. */
export type TargetState =
  | { state: 'none' }
  | { state: 'paused' }
  | { state: 'due'; kind: 'first_response' | 'resolution'; at: string; inText: string }
  | { state: 'overdue'; kind: 'first_response' | 'resolution'; at: string; byText: string };

/** What a ticket's response targets say at `now`: the earliest unmet target, due or overdue. */
export function targetState(
  t: { status: string; first_response_due_at: string | null; resolution_due_at: string | null; sla_paused: boolean },
  now: number,
): TargetState {
  if (t.status === 'solved' || t.status === 'closed') return { state: 'none' };
  if (t.sla_paused) return { state: 'paused' };
  const targets = (
    [
      ['first_response', t.first_response_due_at],
      ['resolution', t.resolution_due_at],
    ] as const
  )
    .filter((e): e is readonly ['first_response' | 'resolution', string] => e[1] !== null)
    .sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]));
  const next = targets[0];
  if (!next) return { state: 'none' };
  const [kind, at] = next;
  const seconds = Math.round((Date.parse(at) - now) / 1000);
  if (seconds > 0) return { state: 'due', kind, at, inText: dueIn(seconds) };
  return { state: 'overdue', kind, at, byText: duration(seconds) };
}

/** "4 hours" / "٤ ساعات", "30 minutes", "1.5 hours": a response target's length, exact
 * (never rounded to a larger unit, as a promise to a customer must not be). */
export function targetLength(minutes: number): string {
  const hours = minutes >= 60;
  return new Intl.NumberFormat(locale(), {
    style: 'unit',
    unit: hours ? 'hour' : 'minute',
    unitDisplay: 'long',
    maximumFractionDigits: 2,
    numberingSystem: digits(),
  }).format(hours ? minutes / 60 : minutes);
}

/** "8:00 AM" / "٨:٠٠ ص": a local time of day given as `HH:MM` (business hours). */
export function timeOfDay(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  const at = new Date(Date.UTC(2024, 0, 1, (h ?? 0) % 24, m ?? 0));
  return new Intl.DateTimeFormat(locale(), { timeStyle: 'short', timeZone: 'UTC', numberingSystem: digits() }).format(at);
}
