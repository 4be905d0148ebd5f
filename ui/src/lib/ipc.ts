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
import type { AdminPolicy } from '../generated/AdminPolicy';
import type { PolicyChange } from '../generated/PolicyChange';
import type { DesignatedContacts } from '../generated/DesignatedContacts';
import type { NewAdminUser } from '../generated/NewAdminUser';
import type { NewOrganisation } from '../generated/NewOrganisation';
import type { UserChanges } from '../generated/UserChanges';
import type { Article } from '../generated/Article';
import type { ArticleChanges } from '../generated/ArticleChanges';
import type { ArticleVersion } from '../generated/ArticleVersion';
import type { NewArticle } from '../generated/NewArticle';
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
import type { StoreRecovery } from '../generated/StoreRecovery';
import type { Settings } from '../generated/Settings';
import type { StagedFile } from '../generated/StagedFile';
import type { SyncReport } from '../generated/SyncReport';
import type { SyncState } from '../generated/SyncState';
import type { Tier } from '../generated/Tier';
import type { TicketListPage } from '../generated/TicketListPage';
import type { TicketView } from '../generated/TicketView';
import type { User } from '../generated/User';
import type { Visibility } from '../generated/Visibility';
import type { ContactLog } from '../generated/ContactLog';
import type { LinkedUnmatched } from '../generated/LinkedUnmatched';
import type { NewPersonFromUnmatched } from '../generated/NewPersonFromUnmatched';
import type { PersonFromUnmatched } from '../generated/PersonFromUnmatched';
import type { UnmatchedMessage } from '../generated/UnmatchedMessage';
import type { WhatsAppChannel } from '../generated/WhatsAppChannel';
import type { AppVersion } from '../generated/AppVersion';
import type { UpdateError } from '../generated/UpdateError';
import type { UpdateOffer } from '../generated/UpdateOffer';

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

/** The response policy in effect (targets, business hours) and how many active tickets follow an older version. */
export const adminPolicy = (): Promise<AdminPolicy> => invoke('admin_policy');

/** Makes the next version of the response policy; only tickets filed from now on follow it. */
export const adminChangePolicy = (change: PolicyChange): Promise<AdminPolicy> => invoke('admin_change_policy', { change });

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

/** Files a ticket (queued at once, with the staged `files`); returns its id. */
export const createTicket = (input: NewTicketInput, files: string[] = []): Promise<string> =>
  invoke('create_ticket', files.length ? { input, files } : { input });

/** Adds a reply or an internal note (with the staged `files`). */
export const addMessage = (ticket_id: string, body: string, visibility: Visibility, files: string[] = []): Promise<string> =>
  invoke('add_message', files.length ? { ticket_id, body, visibility, files } : { ticket_id, body, visibility });

// Attachments (issue 18).

/** Stages a file added to a composer: its bytes are copied into the account's folder
 * before this answers (the original may then move or go). */
export const stageFile = (name: string, bytes: Uint8Array): Promise<StagedFile> =>
  invoke('stage_file', bytes, { headers: { 'x-file-name': encodeURIComponent(name) } });

/** Takes a staged file off its composer. */
export const unstageFile = (id: string): Promise<void> => invoke('unstage_file', { id });

/** Whether this system can capture the screen ("attach a screenshot"). */
export const screenshotSupported = (): Promise<boolean> => invoke('screenshot_supported');

/** Hides the window, captures the screen, and stages the picture (to confirm). */
export const captureScreenshot = (): Promise<StagedFile> => invoke('capture_screenshot');

/** A preview of an image file of a ticket (a `data:image/png` URL), or null. */
export const attachmentPreview = (ticket: string, sha256: string, max_side: number): Promise<string | null> =>
  invoke('attachment_preview', { ticket, sha256, max_side });

/** Opens a file of a ticket with the system's application (the UI confirms first). */
export const openAttachment = (ticket: string, sha256: string): Promise<void> => invoke('open_attachment', { ticket, sha256 });

/** Saves a copy of a file of a ticket in Downloads; answers where. */
export const saveAttachment = (ticket: string, sha256: string): Promise<string> => invoke('save_attachment', { ticket, sha256 });

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

/** The articles in the local store, newest first: published ones, or (staff, `all`)
 * drafts and archived ones too. Works offline. */
export const articles = (all = false): Promise<Article[]> => invoke('articles', { all });

// Writing articles (staff). Never queued: each needs the server's answer, and fails with
// kind `offline` without it; the editor keeps the text and says so.

/** Writes a new article; answers it as the server stored it. */
export const createArticle = (neu: NewArticle): Promise<Article> => invoke('create_article', { new: neu });

/** Saves changes to an article (refused `conflict` over a newer version). */
export const updateArticle = (id: string, changes: ArticleChanges): Promise<Article> =>
  invoke('update_article', { id, changes });

/** The kept former versions of an article, newest first. */
export const articleVersions = (id: string): Promise<ArticleVersion[]> => invoke('article_versions', { id });

/** Restores a kept version (itself a save: the current text becomes a version too). */
export const restoreArticleVersion = (id: string, version: number): Promise<Article> =>
  invoke('restore_article_version', { id, version });

/** Queued and rejected local changes. */
export const outbox = (): Promise<OutboxItem[]> => invoke('outbox');
/** The report of a damaged local database rebuilt at start, until dismissed. */
export const storeRecovery = (): Promise<StoreRecovery | null> => invoke('store_recovery');
export const dismissStoreRecovery = (): Promise<void> => invoke('dismiss_store_recovery');

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

// The support terms and first-line checklists (issue 16). The first four read the local
// store (offline too); the admin ones need the server and are never queued.
import type { AdminTerms } from '../generated/AdminTerms';
import type { Checklist } from '../generated/Checklist';
import type { ChecklistChange } from '../generated/ChecklistChange';
import type { ChecklistList } from '../generated/ChecklistList';
import type { SupportPolicy } from '../generated/SupportPolicy';
import type { SupportTerms } from '../generated/SupportTerms';
import type { TermsAcceptance } from '../generated/TermsAcceptance';
import type { TermsAcceptanceList } from '../generated/TermsAcceptanceList';
import type { TermsContent } from '../generated/TermsContent';

/** The Support policy: the terms in force, the organisation, whether the next ticket must accept them. */
export const supportPolicy = (): Promise<SupportPolicy> => invoke('support_policy');

/** The first-line checklists, the default (category "") first. */
export const checklists = (): Promise<Checklist[]> => invoke('checklists');

/** The acceptances of the terms in the local store (staff: every organisation's). */
export const acceptances = (): Promise<TermsAcceptance[]> => invoke('acceptances');

/** Staff: resolves a ticket as outside the support terms under one exclusion (queued). */
export const resolveOutOfScope = (ticket_id: string, exclusion: string): Promise<void> =>
  invoke('resolve_out_of_scope', { ticket_id, exclusion });

/** The terms in force and the draft (admins). */
export const adminTerms = (): Promise<AdminTerms> => invoke('admin_terms');

/** Saves the draft of the next version (admins). */
export const adminSaveTermsDraft = (content: TermsContent): Promise<AdminTerms> => invoke('admin_save_terms_draft', { content });

/** Publishes the draft as the next version (admins). */
export const adminPublishTerms = (): Promise<SupportTerms> => invoke('admin_publish_terms');

/** Every checklist (admins). */
export const adminChecklists = (): Promise<ChecklistList> => invoke('admin_checklists');

/** Replaces one category's checklist (admins). */
export const adminSaveChecklist = (change: ChecklistChange): Promise<Checklist> => invoke('admin_save_checklist', { change });

/** An organisation's acceptances of the terms (admins). */
export const adminAcceptances = (id: string): Promise<TermsAcceptanceList> => invoke('admin_acceptances', { id });

// Channels (issue 19).

/** Staff: logs a call or a remote session on a ticket (queued like any change). */
export const logContact = (log: ContactLog): Promise<string> => invoke('log_contact', { log });

/** Staff: the server's unmatched queue (online only). */
export const unmatched = (): Promise<UnmatchedMessage[]> => invoke('unmatched');

/** Staff: places an unmatched message as a customer's (online only). */
export const linkUnmatched = (id: string, customer_id: string, save_address: boolean): Promise<LinkedUnmatched> =>
  invoke('link_unmatched', { id, customer_id, save_address });

/** Staff: makes the sender of an unmatched message a new customer; the message becomes their ticket (online only). */
export const personFromUnmatched = (id: string, person: NewPersonFromUnmatched): Promise<PersonFromUnmatched> =>
  invoke('person_from_unmatched', { id, person });

/** Staff: the WhatsApp channel's template and window. */
export const whatsappChannel = (): Promise<WhatsAppChannel> => invoke('whatsapp_channel');

// Updates of the app from the central helpdesk (src-tauri/src/updates.rs).

/** This copy's version, and its target when it was installed from a package. */
export const appVersion = (): Promise<AppVersion> => invoke('app_version');

/** A newer release for this copy from the signed-in helpdesk, or null when it is the newest. */
export const checkUpdate = (): Promise<UpdateOffer | null> => invoke('check_update');

/**
 * Downloads the release the last check found, verifies its signature, installs it and
 * restarts the app (so on success this never resolves). Nothing is installed on error.
 */
export const installUpdate = (): Promise<void> => invoke('install_update');

/** Turns anything an update command threw into an `UpdateError`. */
export function asUpdateError(e: unknown): UpdateError {
  if (typeof e === 'object' && e !== null && 'kind' in e && 'message' in e) return e as UpdateError;
  return { kind: 'unreachable', message: String(e) };
}
