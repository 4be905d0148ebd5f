// @ts-check
// Sample data for the browser tests, typed with the generated types as JSON carries them
// (types.ts): `npm run check` fails when a Rust type changes and these no longer match.
/** @import { Commands, Wire } from './types' */
/** @import { Account } from '../../src/generated/Account' */
/** @import { Customer } from '../../src/generated/Customer' */
/** @import { Health } from '../../src/generated/Health' */
/** @import { Organisation } from '../../src/generated/Organisation' */
/** @import { OutboxItem } from '../../src/generated/OutboxItem' */
/** @import { Settings } from '../../src/generated/Settings' */
/** @import { SyncState } from '../../src/generated/SyncState' */
/** @import { Ticket } from '../../src/generated/Ticket' */
/** @import { TicketListPage } from '../../src/generated/TicketListPage' */
/** @import { TicketRow } from '../../src/generated/TicketRow' */
/** @import { TicketView } from '../../src/generated/TicketView' */
/** @import { User } from '../../src/generated/User' */

export const SERVER = 'http://127.0.0.1:9999';

/** @type {Health} */
export const HEALTH = {
  status: 'ok',
  version: '0.1.0',
  api_version: 1,
  epoch: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  database_reachable: true,
  migrations_current: true,
};

/** @type {Wire<Organisation>} */
const ORG = { id: '0190a1b2-0000-7000-8000-000000000001', name: 'Nile Trading', paid_until: '2027-12-31T00:00:00Z' };

/** @type {Wire<Account>} */
export const CUSTOMER = {
  server_url: `${SERVER}/`,
  user: {
    id: '0190a1b2-0000-7000-8000-0000000000c1',
    email: 'customer@nile.example',
    name: 'Salma Hassan',
    role: 'customer',
    org_id: ORG.id,
    tier: null,
    locale: 'en',
    phone: '+20 100 000 0000',
  },
  organisation: ORG,
  insecure: false,
};

/** @type {Wire<Account>} */
export const AGENT = {
  server_url: `${SERVER}/`,
  user: {
    id: '0190a1b2-0000-7000-8000-0000000000a1',
    email: 'l1@tadhkira.example',
    name: 'Omar L1',
    role: 'agent',
    org_id: null,
    tier: 1,
    locale: 'en',
    phone: null,
  },
  organisation: null,
  insecure: false,
};

/** The staff directory (agents and admins), as the engine gives it: by name.
 * @type {Wire<User>[]} */
export const STAFF = [
  { ...AGENT.user, id: '0190a1b2-0000-7000-8000-0000000000a3', email: 'l3@tadhkira.example', name: 'Karim L3', tier: 3 },
  { ...AGENT.user, id: '0190a1b2-0000-7000-8000-0000000000a2', email: 'l2@tadhkira.example', name: 'Layla L2', tier: 2 },
  AGENT.user,
];

/** The customer directory as the engine gives it (by name): one paid, one lapsed.
 * @type {Wire<Customer>[]} */
export const CUSTOMERS = [
  { user: CUSTOMER.user, organisation: ORG, subscription_active: true },
  {
    user: {
      ...CUSTOMER.user,
      id: '0190a1b2-0000-7000-8000-0000000000c2',
      email: 'customer@dunes.example',
      name: 'خالد منصور',
      org_id: '0190a1b2-0000-7000-8000-000000000002',
      locale: 'ar',
      phone: null,
    },
    organisation: { id: '0190a1b2-0000-7000-8000-000000000002', name: 'Dunes Trading', paid_until: '2026-01-01T00:00:00Z' },
    subscription_active: false,
  },
];

/** @type {Wire<SyncState>} */
export const SYNC = {
  signed_in: true,
  online: true,
  syncing: false,
  live: true,
  last_sync_at: new Date(Date.now() - 5 * 60 * 1000).toISOString(),
  queued: 2,
  rejected: 1,
  last_error: null,
  server_clock_offset_ms: 0,
};

/** @type {Settings} */
export const SETTINGS = {
  language: null,
  theme: 'light',
  digits: null,
  notifications: true,
  start_minimised: false,
  alerts: { reply: true, solved: true, pending: true, reminder: true, assigned: true, escalated: true, reopened: true },
  keep_in_tray: null,
  start_at_login: false,
};

/** Payloads that would run script if the UI ever rendered ticket text as HTML. */
export const XSS_TITLE = '<img src=x onerror="window.__pwned=1">Printer offline';
export const XSS_BODY = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> still broken';

/** @type {Wire<TicketRow>} */
export const ROW = {
  id: '0190a1b2-0000-7000-8000-0000000000f1',
  number: 1042,
  title: XSS_TITLE,
  status: 'open',
  priority: 'high',
  channel: 'desktop',
  tier: 1,
  org_name: ORG.name,
  requester_name: 'Salma Hassan',
  assignee_id: null,
  assignee_name: null,
  updated_at: new Date(Date.now() - 60 * 60 * 1000).toISOString(),
  resolution_due_at: new Date(Date.now() + 3 * 60 * 60 * 1000).toISOString(),
  first_response_due_at: null,
  sla_paused: false,
  breaching: false,
  unread: true,
  pending_changes: 0,
  has_rejected: false,
};

/** @type {Wire<TicketRow>} */
export const ROW_AR = {
  ...ROW,
  id: '0190a1b2-0000-7000-8000-0000000000f2',
  number: 1043,
  title: 'الطابعة لا تعمل في مكتب الإسكندرية',
  status: 'new',
  priority: 'urgent',
  unread: false,
  first_response_due_at: new Date(Date.now() - 3 * 60 * 60 * 1000 - 60 * 1000).toISOString(),
  breaching: true,
  pending_changes: 1,
};

/** @type {Wire<TicketListPage>} */
export const PAGE = { rows: [ROW, ROW_AR], total: 2 };

/** @type {Wire<Ticket>} */
export const TICKET = {
  id: ROW.id,
  number: 1042,
  org_id: ORG.id,
  org_name: ORG.name,
  requester_id: CUSTOMER.user.id,
  requester_name: 'Salma Hassan',
  created_by: CUSTOMER.user.id,
  title: XSS_TITLE,
  description: XSS_BODY,
  priority: 'high',
  status: 'open',
  channel: 'desktop',
  category: 'Printing',
  contact: { name: 'Salma Hassan', email: 'customer@nile.example', phone: null },
  checks: ['restarted'],
  system_info: null,
  tier: 1,
  assignee_id: null,
  assignee_name: null,
  first_response_due_at: null,
  first_response_at: null,
  resolution_due_at: ROW.resolution_due_at,
  solved_at: null,
  reopen_until: null,
  attachments: [],
  sla_paused_at: null,
  created_at: new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString(),
  updated_at: ROW.updated_at,
  versions: { title: 1, status: 1, priority: 1, assignee: 1, category: 1, tier: 1 },
};

/** @type {Wire<TicketView>} */
export const DETAIL = {
  ticket: TICKET,
  messages: [
    {
      id: '0190a1b2-0000-7000-8000-0000000000m1',
      ticket_id: TICKET.id,
      author_id: AGENT.user.id,
      author_name: 'Omar L1',
      author_role: 'agent',
      body: XSS_BODY,
      visibility: 'public',
      created_at: new Date(Date.now() - 90 * 60 * 1000).toISOString(),
      attachments: [],
      delivery: null,
    },
    {
      id: '0190a1b2-0000-7000-8000-0000000000m2',
      ticket_id: TICKET.id,
      author_id: AGENT.user.id,
      author_name: 'Omar L1',
      author_role: 'agent',
      body: 'Customer seems to use an old driver.',
      visibility: 'internal',
      created_at: new Date(Date.now() - 80 * 60 * 1000).toISOString(),
      attachments: [],
      delivery: null,
    },
  ],
  events: [
    {
      id: '0190a1b2-0000-7000-8000-0000000000e1',
      ticket_id: TICKET.id,
      actor_id: AGENT.user.id,
      actor_name: 'Omar L1',
      kind: { type: 'status_changed', from: 'new', to: 'open' },
      created_at: new Date(Date.now() - 85 * 60 * 1000).toISOString(),
    },
  ],
  pending: [],
  local_only: false,
};

/** A ticket filed offline, queued: its creation as the outbox holds it. */
/** @type {Wire<OutboxItem>} */
const QUEUED_CREATE = {
  id: '0190a1b2-0000-7000-8000-0000000000o1',
  seq: 1,
  ticket_id: TICKET.id,
  kind: 'create_ticket',
  state: 'queued',
  error: null,
  depends_on: null,
  created_at: new Date().toISOString(),
  mutation: {
    type: 'create_ticket',
    data: {
      id: TICKET.id,
      title: 'VPN drops every hour',
      description: 'Since Monday.',
      priority: 'normal',
      channel: 'desktop',
      category: null,
      contact: { name: 'Salma Hassan', email: 'customer@nile.example', phone: null },
      checks: [],
      system_info: null,
      requester_id: null,
      lapsed_override: null,
        attachments: [],
    },
  },
};

/** @type {Wire<TicketView>} */
export const LOCAL_DETAIL = {
  ...DETAIL,
  ticket: { ...TICKET, number: 0, title: 'VPN drops every hour', description: 'Since Monday.' },
  messages: [],
  events: [],
  local_only: true,
  pending: [QUEUED_CREATE],
};

/** @type {Wire<OutboxItem>[]} */
export const OUTBOX = [
  QUEUED_CREATE,
  {
    id: '0190a1b2-0000-7000-8000-0000000000o2',
    seq: 2,
    ticket_id: TICKET.id,
    kind: 'add_message',
    state: 'rejected',
    error: { code: 'subscription_inactive', message: 'lapsed' },
    depends_on: null,
    created_at: new Date().toISOString(),
    mutation: {
      type: 'add_message',
      data: { id: '0190a1b2-0000-7000-8000-0000000000o2', ticket_id: TICKET.id, body: '<b>not bold</b> reply', visibility: 'public', attachments: [] },
    },
  },
];

/**
 * Stubs for a signed-in session.
 * @param {Wire<Account>} [account]
 * @param {Commands} [extra] stubs to add or replace
 * @returns {Commands}
 */
export function signedIn(account = CUSTOMER, extra = {}) {
  return {
    get_settings: { ok: SETTINGS },
    set_settings: { ok: null },
    session: { ok: account },
    sync_state: { ok: SYNC },
    sync_now: { ok: { pushed: 0, accepted: 0, rejected: 0, pulled: 0, alerts: 0 } },
    list_tickets: { ok: PAGE },
    ticket: { ok: DETAIL },
    outbox: { ok: OUTBOX },
    token_storage: { ok: 'file' },
    staff_directory: { ok: STAFF },
    customer_directory: { ok: account.user.role === 'customer' ? [] : CUSTOMERS },
    system_info: { ok: 'OS: linux (x86_64)\nApp: Tadhkira 0.1.0\nLocale: en' },
    check_contact: { ok: [] },
    related_articles: { ok: [] },
    // Issue 16: no terms published, no checklists (the form asks the built-in checks).
    support_policy: { ok: { terms: null, organisation: account.organisation, accepted: null, acceptance_queued: false, must_accept: false, targets: null } },
    checklists: { ok: [] },
    // Issue 21: the local database opened as it was (no recovery report).
    store_recovery: { ok: null },
    // Issue 23: an installed .deb, the newest version (no "What's new" on start).
    app_version: { ok: { version: '0.1.0', target: 'linux-x86_64-deb' } },
    check_update: { ok: null },
    ...extra,
  };
}

/** A ticket filed while the organisation's subscription had lapsed: rejected, editable.
 * @type {Wire<OutboxItem>} */
export const REJECTED_CREATE = {
  id: '0190a1b2-0000-7000-8000-0000000000o3',
  seq: 3,
  ticket_id: '0190a1b2-0000-7000-8000-0000000000f3',
  kind: 'create_ticket',
  state: 'rejected',
  error: { code: 'subscription_inactive', message: 'lapsed' },
  depends_on: null,
  created_at: new Date().toISOString(),
  mutation: {
    type: 'create_ticket',
    data: {
      id: '0190a1b2-0000-7000-8000-0000000000f3',
      title: 'Scanner jams',
      description: 'Every second page.',
      priority: 'normal',
      channel: 'desktop',
      category: null,
      contact: { name: 'Salma Hassan', email: 'customer@nile.example', phone: null },
      checks: ['restarted'],
      system_info: null,
      requester_id: null,
      lapsed_override: null,
        attachments: [],
    },
  },
};

/**
 * The shell events of one reply on ticket `id`, in the order the engine sends them (see
 * `Engine::after_local_change` and `sync::sync_round`): `before` while `add_message`
 * runs (the local change, and the outbox count going up), `after` once it answered (the
 * round the change woke: the push, then the pull that brings the reply back and the
 * count down; then the round the server's live event starts, which pulls nothing new).
 * @param {string} id
 * @returns {{ before: import('./types').ShellEvent[], after: import('./types').ShellEvent[] }}
 */
export function replyEvents(id) {
  const synced = new Date().toISOString();
  return {
    before: [
      ['engine-event', { type: 'tickets_changed', data: { ticket_ids: [id] } }],
      ['engine-event', { type: 'sync_state', data: { ...SYNC, queued: SYNC.queued + 1 } }],
    ],
    after: [
      ['engine-event', { type: 'sync_state', data: { ...SYNC, queued: SYNC.queued + 1, syncing: true } }],
      ['engine-event', { type: 'tickets_changed', data: { ticket_ids: [id] } }],
      ['engine-event', { type: 'sync_state', data: { ...SYNC, last_sync_at: synced } }],
      ['engine-event', { type: 'sync_state', data: { ...SYNC, last_sync_at: synced, syncing: true } }],
      ['engine-event', { type: 'sync_state', data: { ...SYNC, last_sync_at: new Date().toISOString() } }],
    ],
  };
}
