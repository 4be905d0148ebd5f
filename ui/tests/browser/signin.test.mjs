// The sign-in screen in headless Chromium with the Tauri commands stubbed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HEALTH, openApp, seriousA11yViolations, startHarness } from './harness.mjs';

const SERVER = 'http://127.0.0.1:9999';

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
      [['check_server', { url: SERVER }]],
    );
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('says the server is unreachable, by error kind, and re-checks on demand', async () => {
    const { page, context } = await openApp(harness, {
      default_server_url: { ok: SERVER },
      check_server: [
        { err: { kind: 'unreachable', code: null, message: 'connection refused' } },
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

  for (const [lang, theme] of [
    ['en', 'light'],
    ['ar', 'dark'],
    ['en', 'dark'],
    ['ar', 'light'],
  ]) {
    it(`has no serious accessibility violations (${lang}, ${theme})`, async () => {
      const { page, context } = await openApp(harness, {
        default_server_url: { ok: SERVER },
        check_server: { err: { kind: 'unreachable', code: null, message: 'x' } },
      });
      await page.locator('[data-testid="server-status"][data-state="error"]').waitFor();
      await page.getByTestId('language').selectOption(lang);
      await page.getByTestId('theme').selectOption(theme);
      assert.deepEqual(await seriousA11yViolations(page), []);
      await context.close();
    });
  }
});
