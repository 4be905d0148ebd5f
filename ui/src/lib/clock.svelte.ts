/**
 * A shared clock for countdowns: one reactive `now` that moves every minute, so
 * "due in 12 minutes" ticks in every visible list row and ticket without refetching.
 * Started by the first reader, on the minute boundary, and kept for the app's life.
 */
const state = $state({ now: Date.now() });
let started = false;

function tick(): void {
  state.now = Date.now();
  // Realign to the next whole minute, so every countdown changes at the same moment.
  setTimeout(tick, 60_000 - (state.now % 60_000));
}

/** The current time in milliseconds, updated each minute (reactive). */
export function now(): number {
  if (!started) {
    started = true;
    setTimeout(tick, 60_000 - (Date.now() % 60_000));
  }
  return state.now;
}
