// @ts-check
// Sample data of the admin screens' browser tests, typed with the generated types (see
// fixtures.mjs).
/** @import { Commands, Wire } from './types' */
/** @import { Account } from '../../src/generated/Account' */
/** @import { AdminOrganisation } from '../../src/generated/AdminOrganisation' */
/** @import { AdminUser } from '../../src/generated/AdminUser' */
/** @import { AgreementHistory } from '../../src/generated/AgreementHistory' */
/** @import { AuditPage } from '../../src/generated/AuditPage' */
import { AGENT, CUSTOMER, SERVER, signedIn } from './fixtures.mjs';

/** @type {Wire<Account>} */
export const ADMIN = {
  server_url: `${SERVER}/`,
  user: { id: '0190a1b2-0000-7000-8000-0000000000ad', email: 'admin@tadhkira.example', name: 'Huda Admin', role: 'admin', org_id: null, tier: null, locale: 'en', phone: null },
  organisation: null,
  insecure: false,
};

const NILE = /** @type {NonNullable<Wire<Account>['organisation']>} */ (CUSTOMER.organisation);

/** @type {Wire<AdminOrganisation>[]} */
export const ORGS = [
  { organisation: { id: '0190a1b2-0000-7000-8000-000000000002', name: 'Dunes Trading', paid_until: '2025-06-30T23:59:59Z' }, designated_contacts: [], customers: 1, storage_files: 0, storage_bytes: 0 },
  { organisation: NILE, designated_contacts: [CUSTOMER.user.id], customers: 1, storage_files: 2, storage_bytes: 1572864 },
];

/** @type {Wire<AdminUser>[]} */
export const USERS = [
  { user: AGENT.user, org_name: null, disabled_at: null, must_change_password: false },
  { user: CUSTOMER.user, org_name: NILE.name, disabled_at: null, must_change_password: false },
  {
    user: { ...CUSTOMER.user, id: '0190a1b2-0000-7000-8000-0000000000c2', email: 'faris@dunes.example', name: 'Faris Dunes', org_id: ORGS[0].organisation.id },
    org_name: 'Dunes Trading',
    disabled_at: '2026-11-01T10:00:00Z',
    must_change_password: false,
  },
];

/** @type {Wire<AgreementHistory>} */
export const DUNES_HISTORY = {
  organisation: ORGS[0].organisation,
  agreements: [
    { id: '0190a1b2-0000-7000-8000-0000000000e1', org_id: ORGS[0].organisation.id, action: 'renew', starts_at: '2024-07-01T00:00:00Z', ends_at: '2025-06-30T23:59:59Z', note: 'Invoice 2024-88', created_by: ADMIN.user.id, created_by_name: ADMIN.user.name, created_at: '2024-06-20T09:00:00Z' },
  ],
};

/** @type {Wire<AuditPage>} */
export const AUDIT = {
  entries: [
    { id: '0190a1b2-0000-7000-8000-0000000000f2', at: '2026-11-30T08:00:00Z', actor_id: ADMIN.user.id, actor_name: ADMIN.user.name, action: 'subscription.renew', target_kind: 'organisation', target_id: ORGS[0].organisation.id, before: '{"name":"Dunes Trading","paid_until":"2025-06-30T23:59:59Z"}', after: '{"name":"Dunes Trading","paid_until":"2027-06-30T23:59:59Z","action":"renew","note":"Invoice 2026-114"}' },
    { id: '0190a1b2-0000-7000-8000-0000000000f1', at: '2026-11-29T08:00:00Z', actor_id: AGENT.user.id, actor_name: AGENT.user.name, action: 'ticket.lapsed_override', target_kind: 'ticket', target_id: '0190a1b2-0000-7000-8000-0000000000t1', before: null, after: '{"number":1042}' },
  ],
  total: 2,
};

/** An admin's session with the admin commands stubbed.
 * @param {Commands} [extra]
 * @returns {Commands} */
export function asAdmin(extra = {}) {
  return signedIn(ADMIN, {
    admin_organisations: { ok: { organisations: ORGS } },
    admin_users: { ok: { users: USERS } },
    admin_agreements: { ok: DUNES_HISTORY },
    admin_audit: { ok: AUDIT },
    admin_acceptances: { ok: { acceptances: [] } },
    ...extra,
  });
}
