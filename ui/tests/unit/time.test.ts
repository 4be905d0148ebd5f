// Relative times and countdowns through Intl, in the chosen language and digits.
import { afterEach, describe, expect, it } from 'vitest';
import { setDigits, setLocale } from '../../src/lib/i18n/index.svelte';
import { dueIn, relativeTime } from '../../src/lib/time';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const at = (seconds: number) => new Date(NOW + seconds * 1000).toISOString();

afterEach(() => {
  setLocale('en');
  setDigits(null);
});

describe('relativeTime', () => {
  it('says how long ago, in the largest unit that fits', () => {
    setLocale('en');
    expect(relativeTime(at(-5 * 60), NOW)).toBe('5 minutes ago');
    expect(relativeTime(at(-3 * 3600), NOW)).toBe('3 hours ago');
  });

  it('reads "now" for a time a little ahead of this clock, never "in 3 seconds"', () => {
    setLocale('en');
    expect(relativeTime(at(3), NOW)).toBe('now');
    setLocale('ar');
    expect(relativeTime(at(3), NOW)).toBe('الآن');
  });

  it('uses Arabic-Indic digits in Arabic unless Latin ones are chosen', () => {
    setLocale('ar');
    expect(relativeTime(at(-5 * 60), NOW)).toBe('قبل ٥ دقائق');
    setDigits('latn');
    expect(relativeTime(at(-5 * 60), NOW)).toBe('قبل 5 دقائق');
  });
});

describe('dueIn', () => {
  it('counts down in whole minutes at least', () => {
    setLocale('en');
    expect(dueIn(20)).toBe('in 1 minute');
    expect(dueIn(2 * 3600)).toBe('in 2 hours');
  });
});
