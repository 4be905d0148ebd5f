/**
 * A shared clock for countdowns: one reactive `now` that moves every minute, so
 * "due in 12 minutes" ticks in every visible list row and ticket without refetching.
 * Started by the first reader, on the minute boundary, and kept for the app's life.
 *
 * It reads the server's time as the engine knows it: the machine's clock plus the
 * offset the engine measured from the server's answers (`SyncState.server_clock_offset_ms`,
 * set with `setServerOffset`). Due times and message times are the server's, so on a
 * machine whose clock is a day off a countdown still says what the server will do.
 * Times of this machine's own (the last sync) compare with `Date.now()` instead.
 */
const state = $state({ now: Date.now(), offset: 0 });
let started = false;

function tick(): void {
  state.now = Date.now();
  // Realign to the next whole minute, so every countdown changes at the same moment.
  setTimeout(tick, 60_000 - (state.now % 60_000));
}

/** The server's current time in milliseconds, updated each minute (reactive). */
export function now(): number {
  if (!started) {
    started = true;
    setTimeout(tick, 60_000 - (Date.now() % 60_000));
  }
  return state.now + state.offset;
}

/** Takes the engine's measure of the server's clock minus this machine's. */
export function setServerOffset(ms: number): void {
  if (Number.isFinite(ms) && ms !== state.offset) {
    state.offset = ms;
    state.now = Date.now();
  }
}
