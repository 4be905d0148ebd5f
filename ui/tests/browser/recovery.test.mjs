// The notice of a damaged local database rebuilt at start (issue 21), in headless
// Chromium with the Tauri commands stubbed: what happened, when, why, where the damaged
// file is kept, how many unsent changes were saved and which were lost, above every
// screen until dismissed; both languages; no serious accessibility violations in
// ar/en × light/dark.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CUSTOMER, signedIn } from './fixtures.mjs';
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

/** @import { StoreRecovery } from '../../src/generated/StoreRecovery' */
/** @import { Wire } from './types' */

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);

/** @type {Wire<StoreRecovery>} */
const REPORT = {
  at: '2026-12-06T07:30:00Z',
  reason: 'database disk image is malformed',
  kept_copy: '/home/salma/.local/share/app.tadhkira.desktop/engine/accounts/u1/local.db.damaged-20261206T073000Z',
  salvaged: 3,
  unreadable: ['entry 12: add_message on ticket 0190a1b2', 'entry 13'],
};

describe('a rebuilt local database', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('says what happened, what was saved and lost, on every screen until dismissed', async () => {
    const { page, context, errors } = await openApp(harness, signedIn(CUSTOMER, { store_recovery: { ok: REPORT }, dismiss_store_recovery: { ok: null } }));
    const notice = page.getByTestId('store-recovery');
    await notice.waitFor();
    assert.match(await notice.innerText(), /Your local data could not be read and has been rebuilt/);
    assert.match(await notice.innerText(), /When the app started on Dec 6, 2026/);
    assert.equal(await page.getByTestId('recovery-reason').innerText(), 'database disk image is malformed');
    assert.equal(await page.getByTestId('recovery-copy').innerText(), REPORT.kept_copy);
    assert.equal(await page.getByTestId('recovery-salvaged').innerText(), '3 unsent changes were saved and will be sent.');
    assert.deepEqual(await page.getByTestId('recovery-lost').locator('li').allInnerTexts(), REPORT.unreadable);
    // Above another screen too.
    await page.getByTestId('nav-outbox').click();
    await page.getByTestId('store-recovery').waitFor();

    await page.getByTestId('language').selectOption('ar');
    assert.match(await notice.innerText(), /تعذّرت قراءة بياناتك المحلية وأُعيد بناؤها/);
    assert.equal(await page.getByTestId('recovery-salvaged').innerText(), 'حُفظت ٣ تغييرات لم تُرسل بعد وستُرسل.');

    await page.getByTestId('recovery-dismiss').click();
    await notice.waitFor({ state: 'detached' });
    assert.equal((await calls(page, 'dismiss_store_recovery')).length, 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows nothing when the database opened as it was', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('nav-tickets').waitFor();
    await page.getByTestId('ticket-list').waitFor();
    assert.equal(await page.getByTestId('store-recovery').count(), 0);
    assert.equal((await calls(page, 'store_recovery')).length, 1);
    await context.close();
  });

  for (const lang of ['en', 'ar']) {
    for (const theme of ['light', 'dark']) {
      it(`has no serious accessibility violations (${lang}, ${theme})`, async () => {
        const { page, context } = await openApp(harness, signedIn(CUSTOMER, { store_recovery: { ok: REPORT } }));
        await page.getByTestId('store-recovery').waitFor();
        await page.getByTestId('language').selectOption(lang);
        await page.getByTestId('theme').selectOption(theme);
        assert.deepEqual(await seriousA11yViolations(page), []);
        await context.close();
      });
    }
  }
});
