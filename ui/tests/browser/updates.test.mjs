// Updates of the app (issue 23): after sign-in a newer release from the helpdesk shows
// "What's new in X.Y.Z" with its notes, and nothing is installed until the user clicks
// "Install and restart"; a package refused for its signature says so in plain words and
// the dialog stays; "Later" asks nothing of Rust; Settings shows the version and checks
// on demand (up to date, or why it cannot); both languages; no serious accessibility
// violations in en-light and ar-dark. Headless Chromium, Tauri commands stubbed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT, CUSTOMER, signedIn } from './fixtures.mjs';
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

/** @import { UpdateOffer } from '../../src/generated/UpdateOffer' */

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);

/** @type {UpdateOffer} */
const OFFER = {
  version: '0.2.0',
  current_version: '0.1.0',
  notes: 'Faster sync.\nReplies arrive sooner.',
  date: '2026-12-06T10:00:00Z',
};
const REFUSED = { err: { kind: 'signature', message: 'minisign: invalid signature' } };

describe('updates of the app', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('shows what is new after sign-in and installs nothing until asked', async () => {
    const { page, context, errors } = await openApp(harness, signedIn(CUSTOMER, { check_update: { ok: OFFER } }));
    const dialog = page.getByTestId('update-dialog');
    await dialog.waitFor();
    assert.equal(await page.getByTestId('update-version').innerText(), "What's new in 0.2.0");
    assert.equal(await page.getByTestId('update-notes').innerText(), OFFER.notes);
    assert.match(await dialog.innerText(), /You have version 0\.1\.0/);
    await page.getByTestId('update-later').click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(await calls(page, 'install_update'), []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('says plainly that an update not signed by Tadhkira was not installed', async () => {
    for (const [lang, colorScheme, says] of [
      ['en', 'light', 'This update is not signed by Tadhkira; it was not installed. You still have version 0.1.0.'],
      ['ar', 'dark', 'هذا التحديث غير موقَّع من تذكرة؛ لم يُثبَّت. ما زال لديك الإصدار 0.1.0.'],
    ]) {
      const commands = signedIn(AGENT, { check_update: { ok: OFFER }, install_update: { ...REFUSED, delayMs: 50 } });
      commands.get_settings = { ok: { ...commands.get_settings.ok, language: lang, theme: colorScheme } };
      const { page, context } = await openApp(harness, commands, { colorScheme });
      await page.getByTestId('update-dialog').waitFor();
      await page.getByTestId('update-install').click();
      const error = page.getByTestId('update-error');
      await error.waitFor();
      assert.ok((await error.innerText()).startsWith(says), await error.innerText());
      assert.equal(await error.getAttribute('data-kind'), 'signature');
      // The dialog stays, with its buttons usable again; one install was asked.
      assert.equal(await page.getByTestId('update-install').isEnabled(), true);
      assert.equal((await calls(page, 'install_update')).length, 1);
      assert.deepEqual(await seriousA11yViolations(page), [], `${lang}-${colorScheme}`);
      if (process.env.TADHKIRA_SCREENSHOTS) {
        await page.screenshot({ path: `${process.env.TADHKIRA_SCREENSHOTS}/update-refused-${lang}-${colorScheme}.png` });
      }
      await context.close();
    }
  });

  it('shows the version in Settings and checks for updates on demand', async () => {
    const { page, context } = await openApp(
      harness,
      signedIn(CUSTOMER, {
        check_update: [{ ok: null }, { ok: null }, { err: { kind: 'not_packaged', message: 'not installed from a package' } }, { ok: OFFER }],
      }),
    );
    await page.getByTestId('nav-settings').click();
    assert.equal(await page.getByTestId('app-version').innerText(), '0.1.0');
    await page.getByTestId('check-updates').click();
    await page.getByTestId('updates-newest').waitFor();
    await page.getByTestId('check-updates').click();
    const error = page.getByTestId('updates-error');
    await error.waitFor();
    assert.match(await error.innerText(), /not installed from a package/);
    await page.getByTestId('check-updates').click();
    await page.getByTestId('update-dialog').waitFor();
    assert.equal(await page.getByTestId('update-version').innerText(), "What's new in 0.2.0");
    assert.deepEqual(await seriousA11yViolations(page), []);
    if (process.env.TADHKIRA_SCREENSHOTS) {
      await page.screenshot({ path: `${process.env.TADHKIRA_SCREENSHOTS}/update-offered-en-light.png` });
    }
    await context.close();
  });
});
