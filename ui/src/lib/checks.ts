/**
 * The first-line checks a customer is asked about before filing. The ticket stores only
 * the ids of those ticked; the ticket page lists every one, ticked or not, so staff see
 * what was NOT tried as well. Ids are stored on tickets: never rename one.
 */
import type { MessageKey } from './i18n/index.svelte';

export const CHECKS: readonly { id: string; key: MessageKey }[] = [
  { id: 'restarted', key: 'new.check.restart' },
  { id: 'network_checked', key: 'new.check.network' },
  { id: 'help_articles_read', key: 'new.check.docs' },
];

/** Each known check with whether it was ticked, then any other checks the ticket holds
 * (free text from the CLI or an older app), as they were written. */
export function checkList(ticked: readonly string[]): { id: string; key: MessageKey | null; text: string; done: boolean }[] {
  const known = CHECKS.map((c) => ({ id: c.id, key: c.key, text: c.id, done: ticked.includes(c.id) }));
  const other = ticked
    .filter((id) => !CHECKS.some((c) => c.id === id))
    .map((id) => ({ id, key: null, text: id, done: true }));
  return [...known, ...other];
}
