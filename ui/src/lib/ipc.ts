/**
 * The one module that calls Rust. Every Tauri command the app has is wrapped here with
 * its argument and result types, generated from the Rust types (src/generated/), so a
 * change on either side is a type error, not a runtime surprise.
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { Account } from '../generated/Account';
import type { AdminOrganisation } from '../generated/AdminOrganisation';
import type { AdminOrganisationList } from '../generated/AdminOrganisationList';
import type { AdminUser } from '../generated/AdminUser';
import type { AdminUserList } from '../generated/AdminUserList';
import type { Agreement } from '../generated/Agreement';
import type { AgreementChange } from '../generated/AgreementChange';
import type { AgreementHistory } from '../generated/AgreementHistory';
import type { AuditPage } from '../generated/AuditPage';
import type { AuditQuery } from '../generated/AuditQuery';
import type { DesignatedContacts } from '../generated/DesignatedContacts';
import type { NewAdminUser } from '../generated/NewAdminUser';
import type { NewOrganisation } from '../generated/NewOrganisation';
import type { UserChanges } from '../generated/UserChanges';
import type { Article } from '../generated/Article';
import type { ArticleHit } from '../generated/ArticleHit';
import type { Contact } from '../generated/Contact';
import type { ContactError } from '../generated/ContactError';
import type { Customer } from '../generated/Customer';
import type { EngineEvent } from '../generated/EngineEvent';
import type { FieldValue } from '../generated/FieldValue';
import type { Health } from '../generated/Health';
import type { IpcError } from '../generated/IpcError';
import type { ListQuery } from '../generated/ListQuery';
import type { Mutation } from '../generated/Mutation';
import type { NewTicketInput } from '../generated/NewTicketInput';
import type { OutboxItem } from '../generated/OutboxItem';
import type { Settings } from '../generated/Settings';
import type { SyncReport } from '../generated/SyncReport';
import type { SyncState } from '../generated/SyncState';
import type { Tier } from '../generated/Tier';
import type { TicketListPage } from '../generated/TicketListPage';
import type { TicketView } from '../generated/TicketView';
import type { User } from '../generated/User';
import type { Visibility } from '../generated/Visibility';
import type { ContactLog } from '../generated/ContactLog';
import type { LinkedUnmatched } from '../generated/LinkedUnmatched';
import type { UnmatchedMessage } from '../generated/UnmatchedMessage';
import type { WhatsAppChannel } from '../generated/WhatsAppChannel';

export type { IpcError } from '../generated/IpcError';

/** Whether a thrown value is an error from a command (as opposed to a bug in the UI). */
export function isIpcError(e: unknown): e is IpcError {
  return typeof e === 'object' && e !== null && 'kind' in e && 'message' in e;
}

/** Turns anything a command threw into an `IpcError`. */
export function asIpcError(e: unknown): IpcError {
  if (isIpcError(e)) return e;
  return { kind: 'storage', code: null, message: String(e) };
}

/** The server address to start with (`TADHKIRA_SERVER_URL` or the local demo helpdesk). */
export const defaultServerUrl = (): Promise<string> => invoke('default_server_url');

/**
 * Checks that `url` is a Tadhkira server this app can talk to; plain http:// to another
 * machine only with `insecure` (the sign-in screen's lab-use choice).
 */
export const checkServer = (url: string, insecure = false): Promise<Health> => invoke('check_server', { url, insecure });

/** The signed-in account, if any. */
export const session = (): Promise<Account | null> => invoke('session');

/** Signs in, stores the token and starts syncing (`insecure`: the lab-use choice). */
export const signIn = (server_url: string, email: string, password: string, insecure = false): Promise<Account> =>
  invoke('sign_in', { server_url, email, password, insecure });

/** Replaces a one-time password set by an admin (sign in with the new one after). */
export const replaceOneTimePassword = (server_url: string, email: string, current_password: string, new_password: string): Promise<void> =>
  invoke('replace_one_time_password', { server_url, email, current_password, new_password });

/** The signed-in user's own password change (needs the network). */
export const changePassword = (current_password: string, new_password: string): Promise<void> =>
  invoke('change_password', { current_password, new_password });

// Administration (admins only). Never queued: each needs the server, and fails with
// kind `offline` without it.

/** Every organisation with its subscription end and designated contacts. */
export const adminOrganisations = (): Promise<AdminOrganisationList> => invoke('admin_organisations');

/** Creates an organisation. */
export const adminCreateOrganisation = (neu: NewOrganisation): Promise<AdminOrganisation> =>
  invoke('admin_create_organisation', { new: neu });

/** Renames an organisation. */
export const adminRenameOrganisation = (id: string, name: string): Promise<AdminOrganisation> =>
  invoke('admin_rename_organisation', { id, name });

/** An organisation's subscription history, newest first. */
export const adminAgreements = (id: string): Promise<AgreementHistory> => invoke('admin_agreements', { id });

/** Renews, extends or lapses a subscription. */
export const adminChangeAgreement = (id: string, change: AgreementChange): Promise<Agreement> =>
  invoke('admin_change_agreement', { id, change });

/** Sets an organisation's designated contacts (none: every customer may file). */
export const adminSetContacts = (id: string, user_ids: string[]): Promise<DesignatedContacts> =>
  invoke('admin_set_contacts', { id, user_ids });

/** Every user. */
export const adminUsers = (): Promise<AdminUserList> => invoke('admin_users');

/** Creates a user with a one-time password. */
export const adminCreateUser = (neu: NewAdminUser): Promise<AdminUser> => invoke('admin_create_user', { new: neu });

/** Changes a user's role, tier, organisation or language. */
export const adminUpdateUser = (id: string, changes: UserChanges): Promise<AdminUser> =>
  invoke('admin_update_user', { id, changes });

/** Disables a user (tokens revoked, live streams closed, history kept). */
export const adminDisableUser = (id: string): Promise<AdminUser> => invoke('admin_disable_user', { id });

/** Sets a one-time password for a user. */
export const adminOneTimePassword = (id: string, password: string): Promise<void> =>
  invoke('admin_one_time_password', { id, password });

/** A page of the audit log, newest first. */
export const adminAudit = (query: AuditQuery): Promise<AuditPage> => invoke('admin_audit', { query });

/** Signs out and forgets the token. */
export const signOut = (): Promise<void> => invoke('sign_out');

/** The current sync state. */
export const syncState = (): Promise<SyncState> => invoke('sync_state');

/** Runs a sync round now. */
export const syncNow = (): Promise<SyncReport> => invoke('sync_now');

/** One page of the ticket list. */
export const listTickets = (query: ListQuery): Promise<TicketListPage> => invoke('list_tickets', { query });

/** Tells the app the list's first rows are on screen (the benchmark's launch figure). */
export const listPainted = (): Promise<void> => invoke('list_painted');

/** A ticket with its timeline (by id or `#number`); marks it read. */
export const ticket = (reference: string): Promise<TicketView> => invoke('ticket', { reference });

/** Files a ticket (queued at once); returns its id. */
export const createTicket = (input: NewTicketInput): Promise<string> => invoke('create_ticket', { input });

/** Adds a reply or an internal note. */
export const addMessage = (ticket_id: string, body: string, visibility: Visibility): Promise<string> =>
  invoke('add_message', { ticket_id, body, visibility });

/** Changes fields of a ticket. */
export const updateTicket = (ticket_id: string, values: FieldValue[]): Promise<void> =>
  invoke('update_ticket', { ticket_id, values });

/** Escalates a ticket to `to_tier`. */
export const escalate = (ticket_id: string, to_tier: Tier, reason: string): Promise<void> =>
  invoke('escalate', { ticket_id, to_tier, reason });

/** The published articles most related to what is typed, the user's language first
 * (from the local store; works offline). */
export const relatedArticles = (text: string, lang: string, limit = 5): Promise<ArticleHit[]> =>
  invoke('related_articles', { text, lang, limit });

/** One article from the local store. */
export const article = (id: string): Promise<Article> => invoke('article', { id });

/** "This solved it": queues one deflection of the article. */
export const deflect = (article_id: string): Promise<string> => invoke('deflect', { article_id });

/** Opens a web or mail address in the system's browser (the UI confirms first). */
export const openLink = (url: string): Promise<void> => invoke('open_link', { url });

/** Queued and rejected local changes. */
export const outbox = (): Promise<OutboxItem[]> => invoke('outbox');

/** Sends a rejected change again, optionally edited. */
export const resend = (id: string, edited: Mutation | null): Promise<void> => invoke('resend', { id, edited });

/** Drops a queued or rejected change. */
export const discard = (id: string): Promise<void> => invoke('discard', { id });

/** The system information a ticket may carry, to show before sending. */
export const systemInfo = (locale: string): Promise<string> => invoke('system_info', { locale });

/** The stored settings. */
export const getSettings = (): Promise<Settings> => invoke('get_settings');

/** Stores the settings. */
export const setSettings = (settings: Settings): Promise<void> => invoke('set_settings', { settings });

/** Where the API token is kept: `keychain` or `file`. */
export const tokenStorage = (): Promise<string> => invoke('token_storage');

/** The staff a ticket can be assigned to, by name (the last list kept when offline). */
export const staffDirectory = (): Promise<User[]> => invoke('staff_directory');

/** The problems of contact details by the rule the engine and server apply (empty when
 * they are fine); pure, so it answers offline. */
export const checkContact = (contact: Contact): Promise<ContactError[]> => invoke('check_contact', { contact });

/** The customers staff can file a ticket for, by name, with their organisation and
 * whether it is paid (the last list kept when offline; empty for customers). */
export const customerDirectory = (): Promise<Customer[]> => invoke('customer_directory');

/** Calls `handler` for every engine event (ticket changes, alerts, sync state). */
export const onEngineEvent = (handler: (e: EngineEvent) => void): Promise<UnlistenFn> =>
  listen<EngineEvent>('engine-event', (e) => handler(e.payload));

/** Calls `handler` with a ticket id when a notification is clicked. */
export const onOpenTicket = (handler: (id: string) => void): Promise<UnlistenFn> =>
  listen<string>('open-ticket', (e) => handler(e.payload));

/** The screens the shell can ask for (the tray's "New ticket", for one). */
export type NavigateTarget = 'new-ticket' | 'tickets' | 'outbox' | 'settings';

/** Calls `handler` when the shell asks for a screen (`navigate` event). */
export const onNavigate = (handler: (target: NavigateTarget) => void): Promise<UnlistenFn> =>
  listen<NavigateTarget>('navigate', (e) => handler(e.payload));

// Channels (issue 19).

/** Staff: logs a call or a remote session on a ticket (queued like any change). */
export const logContact = (log: ContactLog): Promise<string> => invoke('log_contact', { log });

/** Staff: the server's unmatched queue (online only). */
export const unmatched = (): Promise<UnmatchedMessage[]> => invoke('unmatched');

/** Staff: places an unmatched message as a customer's (online only). */
export const linkUnmatched = (id: string, customer_id: string, save_address: boolean): Promise<LinkedUnmatched> =>
  invoke('link_unmatched', { id, customer_id, save_address });

/** Staff: the WhatsApp channel's template and window. */
export const whatsappChannel = (): Promise<WhatsAppChannel> => invoke('whatsapp_channel');
