/**
 * The staff's directories: the staff for the assignee filter and picker, the customers
 * for "for whom" on the new-ticket form. Each is fetched once per signed-in account (the
 * engine keeps the last list for offline use), so opening screens asks the server nothing
 * more; the ticket list fetches both, so a form opened offline later still has them. A
 * failed fetch is not kept: the next screen tries again.
 */
import type { Customer } from '../generated/Customer';
import type { User } from '../generated/User';
import { customerDirectory, staffDirectory } from './ipc';

/** `fetch`, answered once per account key (`server user`) until it fails or is forgotten. */
function oncePerAccount<T>(fetch: () => Promise<T>): [(account: string) => Promise<T>, () => void] {
  let fetched: { account: string; list: Promise<T> } | null = null;
  const get = (account: string): Promise<T> => {
    if (fetched?.account !== account) {
      const list = fetch().catch((e: unknown) => {
        if (fetched?.list === list) fetched = null;
        throw e;
      });
      fetched = { account, list };
    }
    return fetched.list;
  };
  return [get, () => (fetched = null)];
}

/** The staff directory as `account` (server and user) sees it, fetched on first use. */
export const [directory] = oncePerAccount(staffDirectory);

/** The customer directory as `account` (server and user) sees it, fetched on first use. */
export const [customers, forgetCustomers]: [(account: string) => Promise<Customer[]>, () => void] = oncePerAccount(customerDirectory);

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
