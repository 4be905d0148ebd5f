// The knowledge base in the new-ticket form, in headless Chromium with the Tauri
// commands stubbed: typing asks the engine for related articles (debounced, with what
// was typed and the user's language) and shows them with the matching words marked;
// an article's Markdown is rendered without any of its HTML (no script, no image
// fetched), a link asks before opening; "This solved it" files nothing and records one
// deflection. In English and in Arabic.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CUSTOMER, signedIn } from './fixtures.mjs';
import { openApp, startHarness } from './harness.mjs';

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);

const PRINTER_ID = '0190a1b2-0000-7000-8000-0000000000d1';

/** The printer article as the engine finds it for "الطابعه لا تطبع": segments, no markup. */
const PRINTER_HIT = {
  id: PRINTER_ID,
  lang: 'ar',
  category: 'الطباعة',
  title: [
    { text: 'الطابعة', highlighted: true },
    { text: ' ', highlighted: false },
    { text: 'لا', highlighted: true },
    { text: ' ', highlighted: false },
    { text: 'تطبع', highlighted: true },
    { text: ' أو تظهر غير متصلة', highlighted: false },
  ],
  snippet: [
    { text: 'أطفئ ', highlighted: false },
    { text: 'الطابعة', highlighted: true },
    { text: ' <b>وانتظر</b> ٣٠ ثانية…', highlighted: false },
  ],
};

const PRINTER = {
  id: PRINTER_ID,
  group_id: PRINTER_ID,
  lang: 'ar',
  title: 'الطابعة لا تطبع أو تظهر غير متصلة',
  body:
    '## الخطوات\n\n1. أطفئ **الطابعة** وانتظر ٣٠ ثانية.\n2. اطبع صفحة اختبار.\n\n' +
    '<script>window.__pwned=1</script>\n\n<img src="http://127.0.0.1:9/x.png" onerror="window.__pwned=2">\n\n' +
    '![diagram](http://127.0.0.1:9/diagram.png) [دليل الطابعة](https://printers.example/guide)',
  category: 'الطباعة',
  tags: ['طابعة'],
  status: 'published',
  author_id: '0190a1b2-0000-7000-8000-0000000000a2',
  author_name: 'ليلى',
  version: 3,
  created_at: '2026-11-20T10:00:00Z',
  updated_at: '2026-11-21T10:00:00Z',
  deflections: null,
};

function withArticles(extra = {}) {
  return signedIn(CUSTOMER, {
    related_articles: { ok: [PRINTER_HIT] },
    article: { ok: PRINTER },
    deflect: { ok: '0190a1b2-0000-7000-8000-0000000000e1' },
    create_ticket: { ok: '0190a1b2-0000-7000-8000-0000000000f1' },
    open_link: { ok: null },
    ...extra,
  });
}

async function openForm(page) {
  await page.getByTestId('ticket-list').waitFor();
  await page.getByRole('button', { name: /New ticket|تذكرة جديدة/ }).first().click();
  await page.getByTestId('new-title').waitFor();
}

describe('related articles while filing', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  for (const lang of ['en', 'ar']) {
    it(`suggests the printer article for "الطابعه لا تطبع" and "this solved it" files nothing (${lang})`, async () => {
      const { page, context, errors } = await openApp(harness, withArticles(), { colorScheme: lang === 'ar' ? 'dark' : 'light' });
      await page.getByTestId('ticket-list').waitFor();
      if (lang === 'ar') await page.getByTestId('language').selectOption('ar');
      await openForm(page);
      await page.getByTestId('new-title').pressSequentially('الطابعه لا تطبع', { delay: 20 });
      const item = page.getByTestId('related-article');
      await item.waitFor();
      // Debounced: one question after typing stopped, not one per key.
      const asked = await calls(page, 'related_articles');
      assert.ok(asked.length <= 3, `asked ${asked.length} times while typing`);
      assert.deepEqual(asked.at(-1), { text: 'الطابعه لا تطبع\n', lang, limit: 5 });
      assert.deepEqual(await item.locator('mark').allInnerTexts(), ['الطابعة', 'لا', 'تطبع', 'الطابعة']);
      // The snippet's markup-looking text is text.
      assert.equal(await item.locator('b').count(), 0);
      assert.match(await item.innerText(), /<b>وانتظر<\/b>/);
      await page.getByTestId('related-articles').getByRole('heading', { name: lang === 'ar' ? 'مقالات ذات صلة' : 'Related articles' }).waitFor();

      await item.getByRole('button').click();
      const view = page.getByTestId('article-view');
      await view.waitFor();
      assert.deepEqual(await calls(page, 'article'), [{ id: PRINTER_ID }]);
      const body = page.getByTestId('article-body');
      assert.equal(await body.locator('ol > li').count(), 2);
      assert.equal(await body.locator('strong').innerText(), 'الطابعة');
      // No HTML from the article: no script ran, no image element, no remote fetch.
      assert.equal(await body.locator('script, img, iframe').count(), 0);
      assert.match(await body.innerText(), /<script>window.__pwned=1<\/script>/);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      await body.getByTestId('article-image').filter({ hasText: 'diagram' }).waitFor();
      // A link asks first; cancelling opens nothing, confirming opens it in the browser.
      await body.getByTestId('article-link').click();
      await page.getByTestId('link-confirm').filter({ hasText: 'https://printers.example/guide' }).waitFor();
      await page.getByTestId('link-cancel').click();
      assert.deepEqual(await calls(page, 'open_link'), []);
      await body.getByTestId('article-link').click();
      await page.getByTestId('link-open').click();
      await page.waitForFunction(() => window.__calls.some(([c]) => c === 'open_link'));
      assert.deepEqual(await calls(page, 'open_link'), [{ url: 'https://printers.example/guide' }]);

      await page.getByTestId('article-solved').click();
      await page.getByTestId('ticket-list').waitFor();
      assert.deepEqual(await calls(page, 'deflect'), [{ article_id: PRINTER_ID }], 'one deflection');
      assert.deepEqual(await calls(page, 'create_ticket'), [], 'nothing filed');
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  it('going back from an article keeps what was typed, and the ticket can still be filed', async () => {
    const { page, context, errors } = await openApp(harness, withArticles());
    await openForm(page);
    await page.getByTestId('new-title').fill('Printer will not print');
    await page.getByTestId('new-description').fill('Since this morning.');
    await page.getByTestId('related-article').getByRole('button').click();
    await page.getByTestId('article-back').click();
    assert.equal(await page.getByTestId('new-title').inputValue(), 'Printer will not print');
    await page.getByTestId('file-ticket').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'create_ticket'));
    assert.deepEqual(await calls(page, 'deflect'), []);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
