/** Small helpers of the admin screens. */

/** A day picked in an `<input type="date">` as the end of that day, UTC (as the server's command line reads a date). */
export function endOfDay(day: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T23:59:59Z` : null;
}

/** Whether a subscription that ends at `paidUntil` is active at `now`. */
export function active(paidUntil: string | null, now: number = Date.now()): boolean {
  return paidUntil !== null && Date.parse(paidUntil) > now;
}
