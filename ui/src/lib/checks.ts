/**
 * The first-line checks a customer is asked about before filing. Admins keep a checklist
 * per category in both languages (pulled into the local store, so offline too); a
 * category without one gets the default list (category ""). Before the first sync, or
 * from a server that has none, the app falls back to the three checks it always asked
 * (`CHECKS`). The ticket stores only the ids of those ticked; the ticket page lists
 * every check of its category's list, ticked or not, so staff see what was NOT tried as
 * well. Ids are stored on tickets: never rename one.
 */
import type { Checklist } from '../generated/Checklist';
import type { MessageKey } from './i18n/index.svelte';

export const CHECKS: readonly { id: string; key: MessageKey }[] = [
  { id: 'restarted', key: 'new.check.restart' },
  { id: 'network_checked', key: 'new.check.network' },
  { id: 'help_articles_read', key: 'new.check.docs' },
];

/** One check to show: its label is a message key (the built-in ones) or text. */
export type Check = { id: string; key: MessageKey | null; text: string };

/** How a category is matched (as the server and engine do): trimmed, lower-cased. */
export function categoryKey(category: string | null | undefined): string {
  return (category ?? '').trim().toLowerCase();
}

/** The checks asked for `category` in `lang`: its own list, else the default list,
 * else the built-in three. */
export function checksFor(lists: readonly Checklist[], category: string | null | undefined, lang: string): Check[] {
  const key = categoryKey(category);
  const list = lists.find((l) => categoryKey(l.category) === key) ?? lists.find((l) => categoryKey(l.category) === '');
  if (!list) return CHECKS.map((c) => ({ id: c.id, key: c.key, text: c.id }));
  return list.items.map((i) => ({ id: i.id, key: null, text: lang === 'ar' ? i.ar : i.en }));
}

/** Each check of `asked` with whether it was ticked, then any other checks the ticket
 * holds (free text from the CLI, an older app or an earlier list), as they were written. */
export function checkList(
  ticked: readonly string[],
  asked: readonly Check[] = CHECKS.map((c) => ({ id: c.id, key: c.key, text: c.id })),
): { id: string; key: MessageKey | null; text: string; done: boolean }[] {
  const known = asked.map((c) => ({ ...c, done: ticked.includes(c.id) }));
  const other = ticked
    .filter((id) => !asked.some((c) => c.id === id))
    .map((id) => ({ id, key: null, text: id, done: true }));
  return [...known, ...other];
}
