/**
 * Types of the browser tests' IPC stubs, for fixtures.mjs to check itself against (with
 * JSDoc; `npm run check` covers both files). Each command's answer has the type
 * lib/ipc.ts gives its wrapper — generated from the Rust types — as JSON carries it, so a
 * Rust change the fixtures no longer match fails the check instead of the browser tests
 * passing against stale data. Type-only: nothing here runs.
 */
import type { EngineEvent } from '../../src/generated/EngineEvent';
import type { IpcError } from '../../src/generated/IpcError';
import type { TicketRow } from '../../src/generated/TicketRow';
import type { UpdateError } from '../../src/generated/UpdateError';
import type { UpdateOffer } from '../../src/generated/UpdateOffer';
import type * as ipc from '../../src/lib/ipc';
import type { NavigateTarget } from '../../src/lib/ipc';

/**
 * `T` as it arrives through IPC's JSON: ts-rs types Rust's 64-bit integers `bigint`, but
 * JSON delivers them as numbers (the UI takes both).
 */
export type Wire<T> = T extends bigint
  ? number
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** A shell event the harness delivers: its name and payload. */
export type ShellEvent = ['engine-event', Wire<EngineEvent>] | ['open-ticket', string] | ['navigate', NavigateTarget];

/** One answer of a stubbed command, optionally after a delay, with the events the shell
 * would deliver before it answers and after (harness.mjs). */
type Answer<T> = ({ ok: T } | { err: IpcError }) & { delayMs?: number; events?: ShellEvent[]; eventsAfter?: ShellEvent[] };

/** The update commands refuse with their own error (src-tauri/src/updates.rs). */
type UpdateAnswer<T> = ({ ok: T } | { err: UpdateError }) & { delayMs?: number };
type UpdateStub<T> = UpdateAnswer<T> | UpdateAnswer<T>[];

/** A command's stub: one answer, or answers used in turn (the last one repeats). */
export type Stub<T> = Answer<T> | Answer<T>[];

/** The stub of the command `lib/ipc.ts` wraps in `F` (`null` for nothing, as JSON has it). */
type Of<F> = F extends (...args: never[]) => Promise<infer R> ? Stub<Wire<[R] extends [void] ? null : R>> : never;

/** The stub table of a page: every Tauri command the UI calls, by its Rust name. */
export type Commands = {
  app_version?: Of<typeof ipc.appVersion>;
  check_update?: UpdateStub<Wire<UpdateOffer> | null>;
  install_update?: UpdateStub<null>;
  default_server_url?: Of<typeof ipc.defaultServerUrl>;
  check_server?: Of<typeof ipc.checkServer>;
  session?: Of<typeof ipc.session>;
  sign_in?: Of<typeof ipc.signIn>;
  sign_out?: Of<typeof ipc.signOut>;
  sync_state?: Of<typeof ipc.syncState>;
  sync_now?: Of<typeof ipc.syncNow>;
  /** Or a large store whose rows the harness makes on demand from `row`. */
  list_tickets?: Of<typeof ipc.listTickets> | { pages: { row: Wire<TicketRow>; total: number } };
  list_painted?: Of<typeof ipc.listPainted>;
  ticket?: Of<typeof ipc.ticket>;
  create_ticket?: Of<typeof ipc.createTicket>;
  add_message?: Of<typeof ipc.addMessage>;
  update_ticket?: Of<typeof ipc.updateTicket>;
  escalate?: Of<typeof ipc.escalate>;
  outbox?: Of<typeof ipc.outbox>;
  store_recovery?: Of<typeof ipc.storeRecovery>;
  dismiss_store_recovery?: Of<typeof ipc.dismissStoreRecovery>;
  resend?: Of<typeof ipc.resend>;
  discard?: Of<typeof ipc.discard>;
  system_info?: Of<typeof ipc.systemInfo>;
  check_contact?: Of<typeof ipc.checkContact>;
  get_settings?: Of<typeof ipc.getSettings>;
  set_settings?: Of<typeof ipc.setSettings>;
  token_storage?: Of<typeof ipc.tokenStorage>;
  staff_directory?: Of<typeof ipc.staffDirectory>;
  customer_directory?: Of<typeof ipc.customerDirectory>;
  replace_one_time_password?: Of<typeof ipc.replaceOneTimePassword>;
  change_password?: Of<typeof ipc.changePassword>;
  admin_organisations?: Of<typeof ipc.adminOrganisations>;
  admin_create_organisation?: Of<typeof ipc.adminCreateOrganisation>;
  admin_rename_organisation?: Of<typeof ipc.adminRenameOrganisation>;
  admin_agreements?: Of<typeof ipc.adminAgreements>;
  admin_change_agreement?: Of<typeof ipc.adminChangeAgreement>;
  admin_set_contacts?: Of<typeof ipc.adminSetContacts>;
  admin_users?: Of<typeof ipc.adminUsers>;
  admin_create_user?: Of<typeof ipc.adminCreateUser>;
  admin_update_user?: Of<typeof ipc.adminUpdateUser>;
  admin_disable_user?: Of<typeof ipc.adminDisableUser>;
  admin_one_time_password?: Of<typeof ipc.adminOneTimePassword>;
  admin_audit?: Of<typeof ipc.adminAudit>;
  admin_policy?: Of<typeof ipc.adminPolicy>;
  admin_change_policy?: Of<typeof ipc.adminChangePolicy>;
  related_articles?: Of<typeof ipc.relatedArticles>;
  article?: Of<typeof ipc.article>;
  deflect?: Of<typeof ipc.deflect>;
  open_link?: Of<typeof ipc.openLink>;
  articles?: Of<typeof ipc.articles>;
  create_article?: Of<typeof ipc.createArticle>;
  update_article?: Of<typeof ipc.updateArticle>;
  article_versions?: Of<typeof ipc.articleVersions>;
  restore_article_version?: Of<typeof ipc.restoreArticleVersion>;
  // Issue 16: support terms and checklists.
  support_policy?: Of<typeof ipc.supportPolicy>;
  checklists?: Of<typeof ipc.checklists>;
  acceptances?: Of<typeof ipc.acceptances>;
  resolve_out_of_scope?: Of<typeof ipc.resolveOutOfScope>;
  admin_terms?: Of<typeof ipc.adminTerms>;
  admin_save_terms_draft?: Of<typeof ipc.adminSaveTermsDraft>;
  admin_publish_terms?: Of<typeof ipc.adminPublishTerms>;
  admin_checklists?: Of<typeof ipc.adminChecklists>;
  admin_save_checklist?: Of<typeof ipc.adminSaveChecklist>;
  admin_acceptances?: Of<typeof ipc.adminAcceptances>;
  log_contact?: Of<typeof ipc.logContact>;
  unmatched?: Of<typeof ipc.unmatched>;
  link_unmatched?: Of<typeof ipc.linkUnmatched>;
  person_from_unmatched?: Of<typeof ipc.personFromUnmatched>;
  whatsapp_channel?: Of<typeof ipc.whatsappChannel>;
};
