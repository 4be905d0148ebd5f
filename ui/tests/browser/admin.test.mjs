// The admin screens (organisations, users, audit log), the password change in Settings,
// the one-time password at sign-in and the customer's lapsed notice, in headless
// Chromium with the Tauri commands stubbed: what each asks Rust to do, what it says
// offline (admin actions are never queued), both languages, no serious accessibility
// violations in ar/en × light/dark.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, ORGS, USERS, asAdmin } from './admin-fixtures.mjs';
import { AGENT, CUSTOMER, HEALTH, SERVER, SETTINGS, SYNC, signedIn } from './fixtures.mjs';
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);
const OFFLINE = { err: { kind: 'offline', code: null, message: 'connection refused' } };

describe('administration screens', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('shows administration in the navigation to admins only', async () => {
    const agent = await openApp(harness, signedIn(AGENT));
    await agent.page.getByTestId('nav-tickets').waitFor();
    assert.equal(await agent.page.getByTestId('nav-organisations').count(), 0);
    assert.equal(await agent.page.getByTestId('nav-audit').count(), 0);
    await agent.context.close();
    const admin = await openApp(harness, asAdmin());
    await admin.page.getByTestId('nav-organisations').waitFor();
    assert.equal(await admin.page.getByTestId('nav-users').count(), 1);
    assert.equal(await admin.page.getByTestId('nav-audit').count(), 1);
    await admin.context.close();
  });

  it('renews a lapsed organisation from its subscription history', async () => {
    const { page, context, errors } = await openApp(
      harness,
      asAdmin({ admin_change_agreement: { ok: { id: '0190a1b2-0000-7000-8000-0000000000e2', org_id: ORGS[0].organisation.id, action: 'renew', starts_at: '2026-12-01T00:00:00Z', ends_at: '2027-06-30T23:59:59Z', note: 'Invoice 2026-114', created_by: ADMIN.user.id, created_by_name: ADMIN.user.name, created_at: '2026-12-01T00:00:00Z' } } }),
    );
    await page.getByTestId('nav-organisations').click();
    await page.getByTestId('org-row').first().waitFor();
    assert.equal(await page.getByTestId('org-row').count(), 2);
    assert.match(await page.getByTestId('org-row').first().innerText(), /Dunes Trading.*Lapsed on June 30, 2025/s);
    assert.match(await page.getByTestId('org-row').nth(1).innerText(), /Active until December 31, 2027/);
    await page.getByTestId('org-open').first().click();
    await page.getByTestId('agreement-row').first().waitFor();
    assert.match(await page.getByTestId('agreement-row').first().innerText(), /Renew.*Invoice 2024-88.*Huda Admin/s);
    await page.getByTestId('agreement-action').selectOption('renew');
    await page.getByTestId('agreement-end').fill('2027-06-30');
    await page.getByTestId('agreement-note').fill('Invoice 2026-114');
    await page.getByTestId('agreement-submit').click();
    await page.getByText('Subscription renewed.', { exact: true }).first().waitFor();
    assert.deepEqual(await calls(page, 'admin_change_agreement'), [
      { id: ORGS[0].organisation.id, change: { action: 'renew', ends_at: '2027-06-30T23:59:59Z', note: 'Invoice 2026-114' } },
    ]);
    // A lapse needs no date.
    await page.getByTestId('agreement-action').selectOption('lapse');
    assert.equal(await page.getByTestId('agreement-end').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('creates and renames an organisation and sets its designated contacts', async () => {
    const made = { organisation: { id: '0190a1b2-0000-7000-8000-000000000003', name: 'Oasis Labs', paid_until: null }, designated_contacts: [], customers: 0, storage_files: 0, storage_bytes: 0 };
    const { page, context } = await openApp(
      harness,
      asAdmin({ admin_create_organisation: { ok: made }, admin_rename_organisation: { ok: ORGS[1] }, admin_set_contacts: { ok: { user_ids: [] } } }),
    );
    await page.getByTestId('nav-organisations').click();
    await page.getByTestId('org-new-name').fill('Oasis Labs');
    await page.getByTestId('org-create-submit').click();
    await page.getByText('Organisation created.', { exact: true }).first().waitFor();
    assert.deepEqual(await calls(page, 'admin_create_organisation'), [{ new: { name: 'Oasis Labs', paid_until: null, note: null } }]);
    // Nile Trading: its one customer is its designated contact; untick to let all file.
    await page.getByTestId('org-open').nth(1).click();
    await page.getByTestId('contact-choice').first().waitFor();
    assert.equal(await page.getByTestId('contact-choice').first().isChecked(), true);
    await page.getByTestId('contact-choice').first().uncheck();
    await page.getByTestId('contacts-save').click();
    await page.getByText('Saved.', { exact: true }).first().waitFor();
    assert.deepEqual(await calls(page, 'admin_set_contacts'), [{ id: ORGS[1].organisation.id, user_ids: [] }]);
    await page.getByTestId('org-rename').fill('Nile Trading Co');
    await page.getByTestId('org-rename-submit').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'admin_rename_organisation'));
    assert.deepEqual(await calls(page, 'admin_rename_organisation'), [{ id: ORGS[1].organisation.id, name: 'Nile Trading Co' }]);
    await context.close();
  });

  it('says that administration needs the server when offline, in both languages', async () => {
    const { page, context } = await openApp(harness, asAdmin({ admin_organisations: OFFLINE, admin_users: OFFLINE }));
    await page.getByTestId('nav-organisations').click();
    await page.getByTestId('admin-error').waitFor();
    assert.match(await page.getByTestId('admin-error').innerText(), /needs the connection to the server, and nothing here is queued/);
    await page.getByTestId('language').selectOption('ar');
    assert.match(await page.getByTestId('admin-error').innerText(), /تحتاج الإدارة إلى الاتصال بالخادم/);
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    await context.close();
  });

  it('creates an agent with a one-time password, changes a user, sets a one-time password and disables', async () => {
    const created = { user: { ...AGENT.user, id: '0190a1b2-0000-7000-8000-0000000000a9', email: 'l2new@tadhkira.example', name: 'Rania L2', tier: 2, locale: 'ar' }, org_name: null, disabled_at: null, must_change_password: true };
    const { page, context, errors } = await openApp(
      harness,
      asAdmin({
        admin_create_user: { ok: created },
        admin_update_user: { ok: USERS[1] },
        admin_one_time_password: { ok: null },
        admin_disable_user: { ok: { ...USERS[1], disabled_at: '2026-12-01T10:00:00Z' } },
      }),
    );
    await page.getByTestId('nav-users').click();
    await page.getByTestId('user-row').first().waitFor();
    assert.equal(await page.getByTestId('user-row').count(), 3);
    assert.match(await page.getByTestId('user-row').nth(2).innerText(), /Disabled since/);
    await page.getByTestId('user-new-email').fill('l2new@tadhkira.example');
    await page.getByTestId('user-new-name').fill('Rania L2');
    await page.getByTestId('user-new-role').selectOption('agent');
    await page.getByTestId('user-new-tier').selectOption('2');
    await page.getByTestId('user-new-language').selectOption('ar');
    await page.getByTestId('user-new-password').fill('first-pass-1');
    await page.getByTestId('user-create-submit').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'admin_create_user'));
    assert.deepEqual(await calls(page, 'admin_create_user'), [
      { new: { email: 'l2new@tadhkira.example', name: 'Rania L2', role: 'agent', org_id: null, tier: 2, locale: 'ar', phone: null, password: 'first-pass-1' } },
    ]);

    await page.getByTestId('user-filter').fill('salma');
    assert.equal(await page.getByTestId('user-row').count(), 1);
    await page.getByTestId('user-open').first().click();
    await page.getByTestId('user-detail').waitFor();
    await page.getByTestId('user-language').selectOption('ar');
    await page.getByTestId('user-save').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'admin_update_user'));
    assert.deepEqual(await calls(page, 'admin_update_user'), [
      { id: CUSTOMER.user.id, changes: { role: 'customer', tier: null, org_id: CUSTOMER.user.org_id, locale: 'ar' } },
    ]);
    await page.getByTestId('user-one-time').fill('temporary-1');
    await page.getByTestId('user-one-time-submit').click();
    await page.getByText('One-time password set', { exact: false }).first().waitFor();
    assert.deepEqual(await calls(page, 'admin_one_time_password'), [{ id: CUSTOMER.user.id, password: 'temporary-1' }]);
    await page.getByTestId('user-disable').click();
    await page.getByText('User disabled and signed out everywhere.', { exact: true }).first().waitFor();
    assert.deepEqual(await calls(page, 'admin_disable_user'), [{ id: CUSTOMER.user.id }]);
    // What was said follows a change of language, like the rest of the screen.
    await page.getByTestId('language').selectOption('ar');
    assert.equal(await page.getByTestId('admin-status').textContent(), 'عُطّل المستخدم وأُخرج من كل أجهزته.');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('lists the audit log with before and after, and filters it', async () => {
    const { page, context } = await openApp(harness, asAdmin());
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-row').first().waitFor();
    assert.equal(await page.getByTestId('audit-row').count(), 2);
    const renewal = await page.getByTestId('audit-row').first().innerText();
    assert.match(renewal, /Huda Admin.*subscription\.renew/s);
    assert.match(renewal, /2025-06-30T23:59:59Z.*2027-06-30T23:59:59Z/s);
    assert.equal(await page.getByTestId('audit-count').innerText(), 'Entries: 2');
    await page.getByTestId('audit-action').fill('subscription.renew');
    await page.getByTestId('audit-since').fill('2026-11-01');
    await page.getByTestId('audit-apply').click();
    await page.waitForFunction(() => window.__calls.filter(([c]) => c === 'admin_audit').length === 2);
    const [, filtered] = await calls(page, 'admin_audit');
    assert.deepEqual(filtered, { query: { action: 'subscription.renew', since: '2026-11-01T00:00:00Z', limit: 50, offset: 0 } });
    await page.getByTestId('language').selectOption('ar');
    assert.equal(await page.getByTestId('audit-count').innerText(), 'عدد القيود: ٢');
    await context.close();
  });

  it('changes the own password in Settings, checking the repeat, and says when offline', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { change_password: [OFFLINE, { ok: null }] }));
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('password-current').fill('demo1234');
    await page.getByTestId('password-new').fill('new-pass-1');
    await page.getByTestId('password-repeat').fill('new-pass-2');
    await page.getByTestId('password-submit').click();
    assert.equal(await page.getByTestId('password-problem').innerText(), 'The two new passwords differ.');
    assert.equal((await calls(page, 'change_password')).length, 0);
    await page.getByTestId('password-repeat').fill('new-pass-1');
    await page.getByTestId('password-submit').click();
    await page.getByTestId('password-error').waitFor();
    assert.match(await page.getByTestId('password-error').innerText(), /needs the connection to the server/);
    await page.getByTestId('password-submit').click();
    await page.getByTestId('password-changed').waitFor();
    assert.deepEqual(await calls(page, 'change_password'), [
      { current_password: 'demo1234', new_password: 'new-pass-1' },
      { current_password: 'demo1234', new_password: 'new-pass-1' },
    ]);
    await context.close();
  });

  it('asks for a new password when signing in with a one-time password', async () => {
    const { page, context } = await openApp(harness, {
      get_settings: { ok: SETTINGS },
      set_settings: { ok: null },
      session: { ok: null },
      default_server_url: { ok: SERVER },
      check_server: { ok: HEALTH },
      sign_in: [{ err: { kind: 'server', code: 'password_change_required', message: 'change it' } }, { ok: CUSTOMER }],
      replace_one_time_password: { ok: null },
      sync_state: { ok: SYNC },
      ...signedIn(CUSTOMER, { session: { ok: null } }),
    });
    await page.getByTestId('email').fill(CUSTOMER.user.email);
    await page.getByTestId('password').fill('temporary-1');
    await page.getByTestId('sign-in').click();
    await page.getByTestId('new-password').waitFor();
    assert.match(await page.getByTestId('signin-error').innerText(), /set by an administrator for one use/);
    await page.getByTestId('new-password').fill('my-own-pass');
    await page.getByTestId('sign-in').click();
    await page.getByTestId('ticket-list').waitFor();
    assert.deepEqual(await calls(page, 'replace_one_time_password'), [
      { server_url: SERVER, email: CUSTOMER.user.email, current_password: 'temporary-1', new_password: 'my-own-pass' },
    ]);
    const signIns = await calls(page, 'sign_in');
    assert.deepEqual(signIns.map((a) => a.password), ['temporary-1', 'my-own-pass']);
    await context.close();
  });

  it("tells a lapsed organisation's customer at once in the new-ticket form, with the end date", async () => {
    const lapsed = { ...CUSTOMER, organisation: { ...CUSTOMER.organisation, name: 'Dunes Trading', paid_until: '2025-06-30T23:59:59Z' } };
    const { page, context } = await openApp(harness, signedIn(lapsed));
    await page.getByTestId('nav-new').click();
    await page.getByTestId('own-lapsed-warning').waitFor();
    assert.match(await page.getByTestId('own-lapsed-warning').innerText(), /Dunes Trading's support subscription ended on June 30, 2025/);
    await page.getByTestId('language').selectOption('ar');
    assert.match(await page.getByTestId('own-lapsed-warning').innerText(), /انتهى اشتراك الدعم لمؤسسة Dunes Trading في ٣٠ يونيو ٢٠٢٥/);
    await context.close();
    // A paid one sees nothing of it.
    const paid = await openApp(harness, signedIn(CUSTOMER));
    await paid.page.getByTestId('nav-new').click();
    await paid.page.getByTestId('new-title').waitFor();
    assert.equal(await paid.page.getByTestId('own-lapsed-warning').count(), 0);
    await paid.context.close();
  });

  for (const [lang, theme] of [
    ['en', 'light'],
    ['en', 'dark'],
    ['ar', 'light'],
    ['ar', 'dark'],
  ]) {
    it(`the admin screens have no serious accessibility violations (${lang}, ${theme})`, async () => {
      const { page, context } = await openApp(harness, asAdmin({ change_password: { ok: null } }));
      await page.getByTestId('nav-organisations').waitFor();
      await page.getByTestId('language').selectOption(lang);
      await page.getByTestId('theme').selectOption(theme);
      const found = {};
      await page.getByTestId('nav-organisations').click();
      await page.getByTestId('org-open').first().click();
      await page.getByTestId('agreement-row').first().waitFor();
      found.organisations = await seriousA11yViolations(page);
      await page.getByTestId('nav-users').click();
      await page.getByTestId('user-open').first().click();
      await page.getByTestId('user-detail').waitFor();
      found.users = await seriousA11yViolations(page);
      await page.getByTestId('nav-audit').click();
      await page.getByTestId('audit-row').first().waitFor();
      found.audit = await seriousA11yViolations(page);
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('password-form').waitFor();
      found.settings = await seriousA11yViolations(page);
      for (const [screen, list] of Object.entries(found)) assert.deepEqual(list, [], `${screen} (${lang}, ${theme})`);
      await context.close();
    });
  }
});
