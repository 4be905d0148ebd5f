/**
 * What changed in the local store, gathered into one summary per burst so that each
 * screen reloads once. One reply makes the engine announce several events within a few
 * milliseconds (the ticket changed and the outbox count went up; then, after the push
 * and the pull that brings the reply back, the ticket changed and the count went down
 * again). Reloading on each would read the ticket about five times, and every read of a
 * ticket marks it read and recounts the tray.
 *
 * Changes wait until none has come for `SETTLE_MS` (at most `MAX_WAIT_MS` after the
 * first, so a steady stream still shows), then every subscriber gets one `Changes` and
 * decides from the ticket ids whether it concerns what it shows.
 */

/** Quiet time that ends a burst. Short enough not to be seen after a click. */
export const SETTLE_MS = 50;
/** Longest a change waits for its burst to end. */
export const MAX_WAIT_MS = 300;

/** One burst of changes. */
export type Changes = {
  /** The tickets that changed; `'all'` when the engine named none (many changed). */
  readonly tickets: ReadonlySet<string> | 'all';
  /** The outbox's queued or rejected counts changed (an answer from the server). */
  readonly outbox: boolean;
};

type Handler = (changes: Changes) => void;

const handlers = new Set<Handler>();
let tickets: Set<string> | 'all' = new Set();
let outbox = false;
let settle: ReturnType<typeof setTimeout> | null = null;
let deadline: ReturnType<typeof setTimeout> | null = null;

function flush(): void {
  if (settle !== null) clearTimeout(settle);
  if (deadline !== null) clearTimeout(deadline);
  settle = deadline = null;
  const changes: Changes = { tickets, outbox };
  tickets = new Set();
  outbox = false;
  for (const handler of [...handlers]) handler(changes);
}

function schedule(): void {
  if (settle !== null) clearTimeout(settle);
  settle = setTimeout(flush, SETTLE_MS);
  deadline ??= setTimeout(flush, MAX_WAIT_MS);
}

/** Tickets changed (an engine `tickets_changed` event, or the user's own change); no ids
 * means any ticket may have. */
export function ticketsChanged(ids: readonly string[]): void {
  if (ids.length === 0) tickets = 'all';
  else if (tickets !== 'all') for (const id of ids) tickets.add(id);
  schedule();
}

/** The outbox's counts changed. */
export function outboxChanged(): void {
  outbox = true;
  schedule();
}

/** Whether `changes` may concern ticket `id`. */
export function touches(changes: Changes, id: string): boolean {
  return changes.tickets === 'all' || changes.tickets.has(id);
}

/** Whether any ticket changed in `changes`. */
export function anyTicket(changes: Changes): boolean {
  return changes.tickets === 'all' || changes.tickets.size > 0;
}

/** Calls `handler` once per burst of changes; returns the function that stops it. */
export function onChanges(handler: Handler): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}
