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
  /** Staff: the knowledge base's articles, drafts and archived ones too. */
  | { name: 'kb' }
  /** Staff: the article editor; `id: null` writes a new one (a translation of
   * `translation_of` when given). */
  | { name: 'article-edit'; id: string | null; translation_of?: string }
  /** An article opened from a link in a ticket; `back` is where "Back" returns. */
  | { name: 'article'; id: string; back: Screen }
  /** Admin: response targets and business hours. */
  | { name: 'targets' }
  | { name: 'policy' }
  | { name: 'terms' }
  | { name: 'checklists' }
  | { name: 'unmatched' };

/** The current screen. */
export const nav = $state<{ screen: Screen }>({ screen: { name: 'tickets' } });

/** Shows `screen`. */
export function go(screen: Screen): void {
  nav.screen = screen;
}
