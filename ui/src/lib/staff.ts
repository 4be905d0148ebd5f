/**
 * The staff directory for the assignee filter and picker: fetched once per signed-in
 * account (the engine keeps the last list for offline use), so opening tickets asks the
 * server nothing more. A failed fetch is not kept: the next screen tries again.
 */
import type { User } from '../generated/User';
import { staffDirectory } from './ipc';

let fetched: { account: string; list: Promise<User[]> } | null = null;

/** The directory as `account` (server and user) sees it, fetched on first use. */
export function directory(account: string): Promise<User[]> {
  if (fetched?.account !== account) {
    const list = staffDirectory().catch((e: unknown) => {
      if (fetched?.list === list) fetched = null;
      throw e;
    });
    fetched = { account, list };
  }
  return fetched.list;
}

/**
 * Assignee choices by name, in the language's order: `names` (id → name, e.g. assignees
 * already seen) with the directory's staff over them, without `exclude`.
 */
export function byName(names: Record<string, string>, staff: User[], locale: string, exclude?: string): [string, string][] {
  const all: Record<string, string> = { ...names };
  for (const u of staff) all[u.id] = u.name;
  if (exclude) delete all[exclude];
  return Object.entries(all).sort(([, a], [, b]) => a.localeCompare(b, locale));
}
