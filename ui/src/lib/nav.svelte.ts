/** Which screen is shown: a tiny router kept as reactive state (no URLs needed). */
export type Screen =
  | { name: 'tickets' }
  | { name: 'new' }
  | { name: 'ticket'; id: string }
  | { name: 'outbox' }
  | { name: 'settings' }
  | { name: 'shortcuts' }
  | { name: 'organisations' }
  | { name: 'users' }
  | { name: 'audit' }
  | { name: 'unmatched' };

/** The current screen. */
export const nav = $state<{ screen: Screen }>({ screen: { name: 'tickets' } });

/** Shows `screen`. */
export function go(screen: Screen): void {
  nav.screen = screen;
}
