// Attachments in headless Chromium with the Tauri commands stubbed (issue 18): the
// composer of a new ticket, a reply and an internal note (picked, dropped and pasted
// files, several at once, each removable; the screenshot button only where the system
// can capture, with its confirmation; a file too large refused before any byte goes to
// Rust), the timeline's files (an image previewed from Rust's PNG, a log not; open only
// after a confirmation naming the file; save to Downloads; names shown without control
// characters), the admin's storage figure; in English and Arabic, light and dark, with
// no serious accessibility violation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT, CUSTOMER, DETAIL, LOCAL_DETAIL, signedIn } from './fixtures.mjs';
import { ORGS, asAdmin } from './admin-fixtures.mjs';
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);

// A real 2×2 PNG, as Rust's preview would answer it (a data: URL of a fresh PNG).
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAEUlEQVR4nGM4oaHxH4QZYAwASgQIXRyHR0QAAAAASUVORK5CYII=';
const PNG_URL = `data:image/png;base64,${PNG_B64}`;
const PNG_BYTES = Buffer.from(PNG_B64, 'base64');

const staged = (n, name, size, thumbnail = null) => ({ id: `0190a1b2-0000-7000-8000-00000000${String(n).padStart(4, '0')}`, name, size, thumbnail });
const SHOT = staged(1, 'screen.png', PNG_BYTES.length, PNG_URL);
const LOG = staged(2, 'app.log', 2048);
const NOTES = staged(3, 'ملاحظات.txt', 12);

const IMAGE = { id: '0190a1b2-0000-7000-8000-0000000000a1', name: 'printer-error.png', size: 153600, content_type: 'image/png', sha256: 'a'.repeat(64) };
const LOG_FILE = { id: '0190a1b2-0000-7000-8000-0000000000a2', name: 'spooler.log', size: 3 * 1024 * 1024, content_type: 'text/plain', sha256: 'b'.repeat(64) };
// A name with a bidi override and a bell that slipped through: shown without them.
const TRICKY = { id: '0190a1b2-0000-7000-8000-0000000000a3', name: 'invoice\u202Egnp.exe\u0007', size: 10, content_type: 'text/plain', sha256: 'c'.repeat(64) };
const WITH_FILES = {
  ...DETAIL,
  ticket: { ...DETAIL.ticket, attachments: [IMAGE] },
  messages: [{ ...DETAIL.messages[0], body: 'Here is the log.', attachments: [LOG_FILE, TRICKY] }, DETAIL.messages[1]],
};

/** Puts files on the page's hidden file input (the picker's "Add files"). */
async function pick(page, files) {
  await page.getByTestId('attach-input').setInputFiles(files);
}

/** Dispatches a paste of an image onto `selector`, as the clipboard would. */
async function pasteImage(page, selector, b64) {
  await page.evaluate(
    ([sel, data]) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      document.querySelector(sel).dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    [selector, b64],
  );
}

/** Drops files (name → text content, or a size in bytes) onto `selector`. */
async function drop(page, selector, files) {
  await page.evaluate(
    ([sel, list]) => {
      const dt = new DataTransfer();
      for (const [name, content] of list) {
        dt.items.add(new File([typeof content === 'number' ? new Uint8Array(content) : content], name));
      }
      const target = document.querySelector(sel);
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    [selector, files],
  );
}

describe('attachments', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('files a new ticket with several picked files, one removed before sending', async () => {
    const { page, context, errors } = await openApp(
      harness,
      signedIn(CUSTOMER, {
        stage_file: [{ ok: SHOT }, { ok: LOG }, { ok: NOTES }],
        unstage_file: { ok: null },
        create_ticket: { ok: LOCAL_DETAIL.ticket.id },
        ticket: { ok: LOCAL_DETAIL },
      }),
    );
    await page.getByTestId('nav-new').click();
    await page.getByTestId('new-title').fill('Printer offline');
    await page.getByTestId('new-description').fill('See the screenshot and the log.');
    // No capture facility reported: no screenshot button.
    assert.equal(await page.getByTestId('attach-screenshot').count(), 0);
    await pick(page, [
      { name: 'screen.png', mimeType: 'image/png', buffer: PNG_BYTES },
      { name: 'app.log', mimeType: 'text/plain', buffer: Buffer.alloc(2048, 'x') },
      { name: 'ملاحظات.txt', mimeType: 'text/plain', buffer: Buffer.from('hello world!') },
    ]);
    await page.getByTestId('staged-file').nth(2).waitFor();
    assert.deepEqual(await page.getByTestId('staged-name').allInnerTexts(), ['screen.png', 'app.log', 'ملاحظات.txt']);
    assert.match(await page.getByTestId('staged-file').nth(1).innerText(), /2 KiB/);
    // The thumbnail is Rust's PNG; only the image has one.
    assert.equal(await page.getByTestId('staged-thumbnail').count(), 1);
    assert.equal(await page.getByTestId('staged-thumbnail').getAttribute('src'), PNG_URL);
    // Every file's bytes went to Rust, whole, with its name.
    const sent = await page.evaluate(() => window.__calls.filter(([c]) => c === 'stage_file').map(([, a]) => a.length));
    assert.deepEqual(sent, [PNG_BYTES.length, 2048, 12]);
    // The log taken off again: its staged copy is removed.
    await page.getByRole('button', { name: 'Remove app.log' }).click();
    assert.deepEqual(await page.getByTestId('staged-name').allInnerTexts(), ['screen.png', 'ملاحظات.txt']);
    assert.deepEqual(await calls(page, 'unstage_file'), [{ id: LOG.id }]);
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('ticket-number').waitFor();
    const [call] = await calls(page, 'create_ticket');
    assert.equal(call.input.title, 'Printer offline');
    assert.deepEqual(call.files, [SHOT.id, NOTES.id]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('sends a reply with a pasted image and a dropped log; refuses a file too large before reading it', async () => {
    const { page, context, errors } = await openApp(
      harness,
      signedIn(CUSTOMER, {
        stage_file: [{ ok: SHOT }, { ok: LOG }],
        add_message: { ok: '0190a1b2-0000-7000-8000-0000000000m9' },
      }),
    );
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('reply-body').fill('The printer shows this.');
    await pasteImage(page, '[data-testid="reply-body"]', PNG_B64);
    await page.getByTestId('staged-file').first().waitFor();
    // The clipboard calls every image "image.png": it is named for when it was pasted.
    const [[, first]] = await page.evaluate(() => window.__calls.filter(([c]) => c === 'stage_file').map(([c, a]) => [c, Array.from(a.slice(0, 8))]));
    assert.deepEqual(first, [...PNG_BYTES.subarray(0, 8)]);
    await drop(page, 'form.reply', [['app.log', 'x'.repeat(2048)]]);
    await page.getByTestId('staged-file').nth(1).waitFor();
    // 101 MiB dropped: refused in the UI, nothing sent to Rust.
    await drop(page, 'form.reply', [['huge.bin', 101 * 1024 * 1024]]);
    await page.getByTestId('attach-error').waitFor();
    assert.match(await page.getByTestId('attach-error').innerText(), /huge\.bin is too large to attach \(more than 100 MiB\)/);
    assert.equal((await calls(page, 'stage_file')).length, 2);
    await page.getByTestId('send-reply').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'add_message'));
    const [msg] = await calls(page, 'add_message');
    assert.deepEqual(msg, { ticket_id: DETAIL.ticket.id, body: 'The printer shows this.', visibility: 'public', files: [SHOT.id, LOG.id] });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="staged-file"]').length === 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('attaches a confirmed screenshot to an internal note where the system can capture; a declined one is removed', async () => {
    const { page, context, errors } = await openApp(
      harness,
      signedIn(AGENT, {
        screenshot_supported: { ok: true },
        capture_screenshot: [{ ok: SHOT }, { ok: { ...SHOT, id: '0190a1b2-0000-7000-8000-000000000099' } }],
        unstage_file: { ok: null },
        add_message: { ok: '0190a1b2-0000-7000-8000-0000000000m8' },
      }),
    );
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('internal-note').check();
    await page.getByTestId('reply-body').fill('Driver dialog as I see it.');
    await page.getByTestId('attach-screenshot').click();
    await page.getByTestId('screenshot-confirm').waitFor();
    assert.equal(await page.getByTestId('screenshot-confirm').locator('img').getAttribute('src'), PNG_URL);
    await page.getByTestId('screenshot-keep').click();
    await page.getByTestId('staged-file').waitFor();
    // A second one, declined: removed at once.
    await page.getByTestId('attach-screenshot').click();
    await page.getByTestId('screenshot-discard').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'unstage_file'));
    assert.deepEqual(await calls(page, 'unstage_file'), [{ id: '0190a1b2-0000-7000-8000-000000000099' }]);
    assert.equal(await page.getByTestId('staged-file').count(), 1);
    await page.getByTestId('send-reply').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'add_message'));
    const [msg] = await calls(page, 'add_message');
    assert.equal(msg.visibility, 'internal');
    assert.deepEqual(msg.files, [SHOT.id]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('previews an image in the timeline, opens a file only after naming it, saves to Downloads', async () => {
    const { page, context, errors } = await openApp(
      harness,
      signedIn(AGENT, {
        ticket: { ok: WITH_FILES },
        attachment_preview: { ok: PNG_URL },
        open_attachment: { ok: null },
        save_attachment: { ok: '/home/omar/Downloads/spooler.log' },
      }),
    );
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('attachment-preview').waitFor();
    // Only the PNG was asked for a preview; the log and the other file never.
    assert.deepEqual(await calls(page, 'attachment_preview'), [{ ticket: DETAIL.ticket.id, sha256: IMAGE.sha256, max_side: 480 }]);
    assert.equal(await page.getByTestId('attachment-preview').count(), 1);
    assert.equal(await page.getByTestId('attachment-preview').getAttribute('alt'), 'Image printer-error.png');
    assert.deepEqual(await page.getByTestId('attachment-name').allInnerTexts(), ['printer-error.png', 'spooler.log', 'invoicegnp.exe']);
    // Open: nothing happens before the confirmation, which names the file.
    await page.getByRole('button', { name: 'Open spooler.log' }).click();
    await page.getByTestId('open-confirm').waitFor();
    assert.match(await page.getByTestId('open-confirm').innerText(), /Open this file with the system's application\?\s*spooler\.log \(3 MiB\)/);
    assert.deepEqual(await calls(page, 'open_attachment'), []);
    await page.getByTestId('open-cancel').click();
    assert.deepEqual(await calls(page, 'open_attachment'), []);
    await page.getByRole('button', { name: 'Open spooler.log' }).click();
    await page.getByTestId('open-yes').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'open_attachment'));
    assert.deepEqual(await calls(page, 'open_attachment'), [{ ticket: DETAIL.ticket.id, sha256: LOG_FILE.sha256 }]);
    await page.getByRole('button', { name: 'Save spooler.log to Downloads' }).click();
    await page.getByTestId('attachment-notice').waitFor();
    assert.equal(await page.getByTestId('attachment-notice').innerText(), 'Saved to /home/omar/Downloads/spooler.log');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows each organisation\'s storage to the admin', async () => {
    const { page, context, errors } = await openApp(harness, asAdmin());
    await page.getByTestId('nav-organisations').click();
    await page.getByTestId('org-row').first().waitFor();
    assert.deepEqual(await page.getByTestId('org-storage').allInnerTexts(), ['0 files, 0 bytes', '2 files, 1.5 MiB']);
    assert.equal(ORGS.length, 2);
    assert.deepEqual(errors, []);
    await context.close();
  });

  for (const [lang, theme] of [
    ['en', 'light'],
    ['ar', 'dark'],
  ]) {
    it(`the composers and the timeline's files have no serious accessibility violations (${lang}, ${theme})`, async () => {
      const { page, context } = await openApp(
        harness,
        signedIn(AGENT, {
          ticket: { ok: WITH_FILES },
          attachment_preview: { ok: PNG_URL },
          screenshot_supported: { ok: true },
          stage_file: [{ ok: SHOT }, { ok: LOG }, { ok: NOTES }],
        }),
      );
      await page.getByTestId('ticket-list').waitFor();
      await page.getByTestId('language').selectOption(lang);
      await page.getByTestId('theme').selectOption(theme);
      await page.getByTestId('ticket-row').first().click();
      await page.getByTestId('attachment-preview').waitFor();
      await pick(page, [
        { name: 'screen.png', mimeType: 'image/png', buffer: PNG_BYTES },
        { name: 'app.log', mimeType: 'text/plain', buffer: Buffer.alloc(2048, 'x') },
      ]);
      await page.getByTestId('staged-file').nth(1).waitFor();
      await page.getByTestId('attachment-open').nth(1).click();
      await page.getByTestId('open-confirm').waitFor();
      const detail = await seriousA11yViolations(page);
      if (lang === 'ar') {
        assert.equal(await page.getByTestId('attach-add').innerText(), 'إضافة ملفات');
        assert.equal(await page.getByTestId('attach-screenshot').innerText(), 'إرفاق لقطة شاشة');
      }
      await page.getByTestId('nav-new').click();
      await page.locator('main h1').waitFor();
      await pick(page, [{ name: 'ملاحظات.txt', mimeType: 'text/plain', buffer: Buffer.from('hello world!') }]);
      await page.getByTestId('staged-file').waitFor();
      const form = await seriousA11yViolations(page);
      assert.deepEqual({ detail, form }, { detail: [], form: [] });
      await context.close();
    });
  }
});
