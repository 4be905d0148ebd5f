// The response-policy screen (issue 16): an admin reads the targets in effect, sets
// business hours (days, hours, time zone, holidays) and saves them as the next version,
// and is told that only tickets filed from then on follow it; offline it says that
// administration needs the server; only admins see it; both languages; no serious
// accessibility violations in ar/en × light/dark. Headless Chromium, Tauri commands
// stubbed (what the screen asks Rust to do is checked call by call).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asAdmin } from './admin-fixtures.mjs';
import { AGENT, CUSTOMER, signedIn } from './fixtures.mjs';
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

/** @import { AdminPolicy } from '../../src/generated/AdminPolicy' */
/** @import { Wire } from './types' */

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);
const OFFLINE = { err: { kind: 'offline', code: null, message: 'connection refused' } };

const target = (first, resolution) => ({ first_response_minutes: first, resolution_minutes: resolution });

/** Version 1: the configuration's defaults on a wall clock. @type {Wire<AdminPolicy>} */
const WALL = {
  policy: {
    version: 1,
    targets: { urgent: target(60, 480), high: target(240, 1440), normal: target(480, 2880), low: target(1440, 7200) },
    business_hours: null,
    effective_from: '2026-11-01T08:00:00Z',
  },
  active_on_older: 0,
};

/** What the server answers after the change below. @type {Wire<AdminPolicy>} */
const BUSINESS = {
  policy: {
    version: 2,
    targets: { ...WALL.policy.targets, urgent: target(30, 240) },
    business_hours: { time_zone: 'Asia/Riyadh', days: ['monday', 'tuesday', 'wednesday', 'thursday', 'sunday'], opens: '08:00', closes: '24:00', holidays: ['2026-12-02', '2026-12-03'] },
    effective_from: '2026-12-01T09:00:00Z',
  },
  active_on_older: 3,
};

describe('response targets and business hours', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('is in the navigation of admins only', async () => {
    for (const account of [AGENT, CUSTOMER]) {
      const { page, context } = await openApp(harness, signedIn(account));
      await page.getByTestId('nav-tickets').waitFor();
      assert.equal(await page.getByTestId('nav-targets').count(), 0, account.user.role);
      await context.close();
    }
    const { page, context } = await openApp(harness, asAdmin({ admin_policy: { ok: WALL } }));
    await page.getByTestId('nav-targets').click();
    await page.getByTestId('policy-form').waitFor();
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Response targets and business hours');
    await context.close();
  });

  it('sets business hours and new targets as the next version, and says only new tickets follow it', async () => {
    const { page, context, errors } = await openApp(harness, asAdmin({ admin_policy: { ok: WALL }, admin_change_policy: { ok: BUSINESS } }));
    await page.getByTestId('nav-targets').click();
    await page.getByTestId('policy-form').waitFor();
    assert.match(await page.getByTestId('policy-version').innerText(), /Version 1, in effect since/);
    assert.match(await page.getByTestId('policy-applies').innerText(), /applies to tickets filed after you save it/);
    assert.equal(await page.getByTestId('policy-older').count(), 0);
    // Version 1's targets, in hours.
    assert.equal(await page.getByTestId('target-urgent-first').inputValue(), '1');
    assert.equal(await page.getByTestId('target-low-resolution').inputValue(), '120');
    assert.match(await page.getByTestId('policy-wall').innerText(), /around the clock/);

    await page.getByTestId('target-urgent-first').fill('0.5');
    await page.getByTestId('target-urgent-resolution').fill('4');
    await page.getByTestId('business-on').check();
    await page.getByTestId('policy-tz').fill('Asia/Riyadh');
    await page.getByTestId('policy-opens').fill('08:00');
    // Midnight at the end of the day: 00:00 in the time field, 24:00 on the wire.
    await page.getByTestId('policy-closes').fill('00:00');
    await page.getByTestId('day-friday').uncheck();
    await page.getByTestId('day-sunday').check();
    for (const day of ['2026-12-03', '2026-12-02', '2026-12-03']) {
      await page.getByTestId('holiday-date').fill(day);
      await page.getByTestId('holiday-add').click();
    }
    assert.equal(await page.getByTestId('holiday').count(), 2, 'a date once');
    assert.match(await page.getByTestId('holiday').first().innerText(), /December 2, 2026/);
    await page.getByTestId('policy-save').click();
    await page.getByTestId('policy-saved').waitFor();
    assert.deepEqual(await calls(page, 'admin_change_policy'), [
      {
        change: {
          targets: { ...WALL.policy.targets, urgent: target(30, 240) },
          business_hours: { time_zone: 'Asia/Riyadh', days: ['monday', 'tuesday', 'wednesday', 'thursday', 'sunday'], opens: '08:00', closes: '24:00', holidays: ['2026-12-02', '2026-12-03'] },
        },
      },
    ]);
    assert.equal(await page.getByTestId('policy-saved').innerText(), 'Saved as version 2. New tickets follow it; 3 open tickets keep their earlier due times.');
    assert.match(await page.getByTestId('policy-version').innerText(), /Version 2/);
    assert.match(await page.getByTestId('policy-older').innerText(), /3 open tickets follow an earlier version; their due times do not move/);
    assert.equal(await page.getByTestId('policy-closes').inputValue(), '00:00');

    // In Arabic: the same screen, right to left, Arabic-Indic digits, Arabic day names.
    await page.getByTestId('language').selectOption('ar');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.match(await page.getByTestId('policy-version').innerText(), /الإصدار ٢/);
    assert.match(await page.getByTestId('policy-older').innerText(), /٣ تذاكر مفتوحة تتبع إصدارًا سابقًا/);
    assert.match(await page.getByTestId('policy-days').innerText(), /الأحد/);
    assert.match(await page.getByTestId('policy-applies').innerText(), /يسري التغيير على التذاكر المقدَّمة بعد حفظه/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows the reason of a refused change, and goes back to a wall clock', async () => {
    const refused = { err: { kind: 'server', code: 'invalid', message: 'targets.urgent.resolution_minutes = 30: resolution cannot be due before the first response' } };
    const { page, context } = await openApp(harness, asAdmin({ admin_policy: { ok: BUSINESS }, admin_change_policy: refused }));
    await page.getByTestId('nav-targets').click();
    await page.getByTestId('policy-form').waitFor();
    assert.equal(await page.getByTestId('business-on').isChecked(), true);
    assert.equal(await page.getByTestId('policy-tz').inputValue(), 'Asia/Riyadh');
    assert.equal(await page.getByTestId('day-friday').isChecked(), false);
    assert.equal(await page.getByTestId('holiday').count(), 2);
    await page.getByTestId('holiday-remove').first().click();
    await page.getByTestId('target-urgent-resolution').fill('0.5');
    await page.getByTestId('policy-save').click();
    await page.getByTestId('admin-error').waitFor();
    assert.match(await page.getByTestId('admin-error').innerText(), /targets\.urgent\.resolution_minutes = 30/);
    await page.getByTestId('business-on').uncheck();
    await page.getByTestId('target-urgent-resolution').fill('4');
    await page.getByTestId('policy-save').click();
    await page.waitForFunction(() => window.__calls.filter(([c]) => c === 'admin_change_policy').length === 2);
    const sent = await calls(page, 'admin_change_policy');
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[0].change.business_hours.holidays, ['2026-12-03']);
    assert.equal(sent[0].change.targets.urgent.resolution_minutes, 30);
    assert.equal(sent[1].change.business_hours, null);
    await context.close();
  });

  it('says that administration needs the server when offline, in both languages', async () => {
    const { page, context } = await openApp(harness, asAdmin({ admin_policy: OFFLINE }));
    await page.getByTestId('nav-targets').click();
    await page.getByTestId('admin-error').waitFor();
    assert.match(await page.getByTestId('admin-error').innerText(), /needs the connection to the server, and nothing here is queued/);
    assert.equal(await page.getByTestId('policy-form').count(), 0);
    await page.getByTestId('language').selectOption('ar');
    assert.match(await page.getByTestId('admin-error').innerText(), /تحتاج الإدارة إلى الاتصال بالخادم/);
    await context.close();
  });

  for (const [lang, theme] of [
    ['en', 'light'],
    ['en', 'dark'],
    ['ar', 'light'],
    ['ar', 'dark'],
  ]) {
    it(`has no serious accessibility violations (${lang}, ${theme})`, async () => {
      const { page, context } = await openApp(harness, asAdmin({ admin_policy: { ok: BUSINESS } }));
      await page.getByTestId('nav-targets').waitFor();
      await page.getByTestId('language').selectOption(lang);
      await page.getByTestId('theme').selectOption(theme);
      await page.getByTestId('nav-targets').click();
      await page.getByTestId('holiday').first().waitFor();
      assert.deepEqual(await seriousA11yViolations(page), [], `business hours (${lang}, ${theme})`);
      await page.getByTestId('business-on').uncheck();
      assert.deepEqual(await seriousA11yViolations(page), [], `wall clock (${lang}, ${theme})`);
      await context.close();
    });
  }
});
