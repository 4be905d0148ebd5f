// The sign-in screen in headless Chromium with the Tauri commands stubbed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CUSTOMER, HEALTH, SERVER, SETTINGS, SYNC, PAGE } from './fixtures.mjs';
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

const SIGNED_OUT = { get_settings: { ok: { ...SETTINGS, theme: 'system' } }, set_settings: { ok: null }, session: { ok: null } };

describe('sign-in screen', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('checks the default server at once and shows that it is healthy', async () => {
    const { page, errors, context } = await openApp(harness, {
      ...SIGNED_OUT,
      default_server_url: { ok: SERVER },
      check_server: { ok: HEALTH },
    });
    const status = page.getByTestId('server-status');
    await status.and(page.locator('[data-state="ok"]')).waitFor();
    assert.match(await status.innerText(), /Connected to Tadhkira server 0\.1\.0/);
    assert.equal(await page.getByTestId('server-url').inputValue(), SERVER);
    const calls = await page.evaluate(() => window.__calls);
    assert.deepEqual(
      calls.filter(([c]) => c === 'check_server'),
      [['check_server', { url: SERVER, insecure: false }]],
    );
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('says the server is unreachable, by error kind, and re-checks on demand', async () => {
    const { page, context } = await openApp(harness, {
      ...SIGNED_OUT,
      default_server_url: { ok: SERVER },
      check_server: [
        { err: { kind: 'offline', code: null, message: 'connection refused' } },
        { ok: HEALTH },
      ],
    });
    const status = page.getByTestId('server-status');
    await page.locator('[data-testid="server-status"][data-state="error"]').waitFor();
    assert.match(await status.innerText(), /cannot be reached/);
    assert.doesNotMatch(await status.innerText(), /connection refused/);
    await page.getByTestId('check-server').click();
    await page.locator('[data-testid="server-status"][data-state="ok"]').waitFor();
    await context.close();
  });

  it('shows an incompatible server in Arabic after switching language', async () => {
    const { page, context } = await openApp(harness, {
      ...SIGNED_OUT,
      default_server_url: { ok: SERVER },
      check_server: { err: { kind: 'incompatible', code: null, message: 'v2' } },
    });
    await page.locator('[data-testid="server-status"][data-state="error"]').waitFor();
    await page.getByTestId('language').selectOption('ar');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
    assert.match(await page.getByTestId('server-status').innerText(), /ليس خادم تذكرة/);
    assert.equal(await page.locator('h1').innerText(), 'تسجيل الدخول');
    await context.close();
  });

  it('switches language and theme at run time without a reload', async () => {
    const { page, context } = await openApp(harness, {
      ...SIGNED_OUT,
      default_server_url: { ok: SERVER },
      check_server: { ok: HEALTH },
    });
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.getByTestId('theme').selectOption('light');
    const light = await bg();
    await page.getByTestId('theme').selectOption('dark');
    const dark = await bg();
    assert.notEqual(light, dark);
    await page.getByTestId('language').selectOption('ar');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    await page.getByTestId('language').selectOption('en');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'ltr');
    assert.equal(await page.locator('h1').innerText(), 'Sign in');
    assert.equal(await page.evaluate(() => window.__sameDocument), true);
    await context.close();
  });

  it('signs in and shows the ticket list; a wrong password is said by its code', async () => {
    const { page, context } = await openApp(harness, {
      ...SIGNED_OUT,
      default_server_url: { ok: SERVER },
      check_server: { ok: HEALTH },
      sign_in: [
        { err: { kind: 'server', code: 'bad_credentials', message: 'bad_credentials: nope' } },
        { ok: CUSTOMER },
      ],
      sync_state: { ok: SYNC },
      list_tickets: { ok: PAGE },
    });
    await page.getByTestId('email').fill('customer@nile.example');
    await page.getByTestId('password').fill('wrong');
    await page.getByTestId('sign-in').click();
    const error = page.getByTestId('signin-error');
    await error.waitFor();
    assert.equal(await error.innerText(), 'The e-mail or password is wrong.');
    await page.getByTestId('password').fill('demo1234');
    await page.getByTestId('sign-in').click();
    await page.getByTestId('ticket-list').waitFor();
    const calls = await page.evaluate(() => window.__calls.filter(([c]) => c === 'sign_in'));
    assert.deepEqual(calls[1], ['sign_in', { server_url: SERVER, email: 'customer@nile.example', password: 'demo1234', insecure: false }]);
    assert.equal(await page.getByTestId('insecure-warning').count(), 0, 'no warning over a safe connection');
    assert.match(await page.getByTestId('signed-in-as').innerText(), /Salma Hassan/);
    await context.close();
  });

  it('refuses plain HTTP to another machine by its kind, and warns while lab use is on', async () => {
    const remote = 'http://192.0.2.1:8080';
    const { page, context } = await openApp(harness, {
      ...SIGNED_OUT,
      default_server_url: { ok: remote },
      check_server: [
        { err: { kind: 'plain_http_refused', code: null, message: 'refusing plain http:// to 192.0.2.1' } },
        { ok: HEALTH },
      ],
      sign_in: { ok: { ...CUSTOMER, server_url: `${remote}/`, insecure: true } },
      sync_state: { ok: SYNC },
      list_tickets: { ok: PAGE },
    });
    const status = page.getByTestId('server-status');
    await page.locator('[data-testid="server-status"][data-state="error"]').waitFor();
    assert.match(await status.innerText(), /unencrypted http:\/\/ to another machine/);
    assert.equal(await page.getByTestId('insecure-hint').count(), 0);
    await page.getByTestId('insecure').check();
    await page.locator('[data-testid="server-status"][data-state="ok"]').waitFor();
    assert.match(await page.getByTestId('insecure-hint').innerText(), /unencrypted/);
    await page.getByTestId('email').fill('customer@nile.example');
    await page.getByTestId('password').fill('demo1234');
    await page.getByTestId('sign-in').click();
    await page.getByTestId('ticket-list').waitFor();
    const calls = await page.evaluate(() => window.__calls.filter(([c]) => c === 'check_server' || c === 'sign_in'));
    assert.deepEqual(calls.at(-2), ['check_server', { url: remote, insecure: true }]);
    assert.deepEqual(calls.at(-1), ['sign_in', { server_url: remote, email: 'customer@nile.example', password: 'demo1234', insecure: true }]);
    const warning = page.getByTestId('insecure-warning');
    assert.equal(await warning.innerText(), 'Unencrypted connection (lab use)');
    await page.getByTestId('language').selectOption('ar');
    assert.equal(await warning.innerText(), 'اتصال غير مشفّر (للاستخدام المخبري)');
    await context.close();
  });

  for (const [lang, theme] of [
    ['en', 'light'],
    ['ar', 'dark'],
    ['en', 'dark'],
    ['ar', 'light'],
  ]) {
    it(`has no serious accessibility violations (${lang}, ${theme})`, async () => {
      const { page, context } = await openApp(harness, {
        ...SIGNED_OUT,
      default_server_url: { ok: SERVER },
        check_server: { err: { kind: 'offline', code: null, message: 'x' } },
      });
      await page.locator('[data-testid="server-status"][data-state="error"]').waitFor();
      await page.getByTestId('language').selectOption(lang);
      await page.getByTestId('theme').selectOption(theme);
      assert.deepEqual(await seriousA11yViolations(page), []);
      await context.close();
    });
  }
});
