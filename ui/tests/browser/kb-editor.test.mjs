// The knowledge base's staff half in headless Chromium with the Tauri commands stubbed
// (issue 17): the article editor (live preview that renders a hostile body inert, a
// link that asks first, draft → publish → archive, versions viewed and restored, an
// offline save and a colleague's newer version both said in words with the text kept),
// in English-light and Arabic-dark with no serious accessibility violation; staff see a
// ticket's related articles and insert a link into the reply; the customer's app opens
// such a link inside the app, never in the browser; customers have no editor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN } from './admin-fixtures.mjs';
import { AGENT, CUSTOMER, DETAIL, signedIn } from './fixtures.mjs';
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

/** @param {import('playwright-core').Page} page @param {string} name */
const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);
/** @param {import('playwright-core').Page} page @param {string} name */
const called = (page, name) => page.waitForFunction((n) => window.__calls.some(([c]) => c === n), name);

const VPN_ID = '0190a1b2-0000-7000-8000-0000000000d2';
const NEW_ID = '0190a1b2-0000-7000-8000-0000000000d9';
const OFFLINE = { err: { kind: 'offline', code: null, message: 'connection refused' } };
const CONFLICT = { err: { kind: 'server', code: 'conflict', message: 'seen version 3, now 4' } };

/** A body that would run script, fetch remote content or frame a page if ever rendered as HTML. */
const HOSTILE =
  '## Steps\n\n1. Restart the **VPN** client.\n2. Sign in again.\n\n' +
  '<script>window.__pwned=1</script>\n\n<img src="http://127.0.0.1:9/x.png" onerror="window.__pwned=2">\n\n' +
  '<iframe src="http://127.0.0.1:9/frame"></iframe>\n\n![diagram](http://127.0.0.1:9/d.png) ' +
  '[VPN guide](https://vpn.example/guide) [bad](javascript:window.__pwned=3)';

const VPN = {
  id: VPN_ID,
  group_id: VPN_ID,
  lang: 'en',
  title: 'VPN drops every hour',
  body: 'Restart the client.',
  category: 'Network',
  tags: ['vpn', 'network'],
  status: 'published',
  author_id: AGENT.user.id,
  author_name: AGENT.user.name,
  version: 3,
  created_at: '2026-11-20T10:00:00Z',
  updated_at: '2026-11-21T10:00:00Z',
  deflections: 4,
};
const DRAFT = { ...VPN, id: '0190a1b2-0000-7000-8000-0000000000d3', group_id: '0190a1b2-0000-7000-8000-0000000000d3', title: 'Scanner jams on page two', status: 'draft', version: 1, deflections: 0 };
const VERSIONS = [
  { article_id: VPN_ID, version: 2, title: 'VPN drops', body: 'Second text: **reconnect**.', status: 'published', author_id: AGENT.user.id, saved_at: '2026-11-20T12:00:00Z' },
  { article_id: VPN_ID, version: 1, title: 'VPN problem', body: 'First text.', status: 'draft', author_id: AGENT.user.id, saved_at: '2026-11-20T10:00:00Z' },
];

/** @param {import('./types').Commands} [extra] */
function staff(extra = {}) {
  return signedIn(AGENT, {
    articles: { ok: [DRAFT, VPN] },
    article: { ok: VPN },
    article_versions: { ok: VERSIONS },
    open_link: { ok: null },
    ...extra,
  });
}

/** @param {import('playwright-core').Page} page */
async function openEditorList(page) {
  await page.getByTestId('ticket-list').waitFor();
  await page.getByTestId('nav-kb').click();
  await page.getByTestId('kb-list').waitFor();
}

describe('the article editor (staff)', () => {
  /** @type {Awaited<ReturnType<typeof startHarness>>} */
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  for (const lang of ['en', 'ar']) {
    it(`writes and publishes an article with a safe live preview (${lang})`, async () => {
      const created = { ...VPN, id: NEW_ID, group_id: NEW_ID, title: 'Printer offline after update', body: HOSTILE, version: 1, deflections: 0 };
      const { page, context, errors } = await openApp(harness, staff({ create_article: { ok: created }, article: { ok: created }, article_versions: { ok: [] } }), {
        colorScheme: lang === 'ar' ? 'dark' : 'light',
      });
      await page.getByTestId('ticket-list').waitFor();
      if (lang === 'ar') await page.getByTestId('language').selectOption('ar');
      await openEditorList(page);
      // Drafts and archived ones are listed for staff, with their state.
      assert.deepEqual(await page.getByTestId('kb-article').evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))), ['draft', 'published']);
      assert.deepEqual(await calls(page, 'articles'), [{ all: true }]);
      await page.getByTestId('kb-status-filter').selectOption('draft');
      assert.equal(await page.getByTestId('kb-article').count(), 1);

      await page.getByTestId('kb-new').click();
      await page.getByTestId('article-editor').waitFor();
      const publish = page.getByTestId('editor-publish');
      assert.equal(await publish.isDisabled(), true, 'nothing to publish yet');
      await page.getByTestId('editor-title').fill('Printer offline after update');
      await page.getByTestId('editor-category').fill('Printing');
      await page.getByTestId('editor-tags').fill('printer, driver,, ');
      await page.getByTestId('editor-body').fill(HOSTILE);

      // The preview follows the text, and renders none of its HTML.
      const preview = page.getByTestId('editor-preview');
      await preview.getByTestId('preview-title').filter({ hasText: 'Printer offline after update' }).waitFor();
      const body = preview.getByTestId('article-body');
      assert.equal(await body.locator('ol > li').count(), 2);
      assert.equal(await body.locator('strong').innerText(), 'VPN');
      assert.equal(await body.locator('script, img, iframe, object, embed').count(), 0);
      assert.match(await body.innerText(), /<script>window.__pwned=1<\/script>/);
      await body.getByTestId('article-image').filter({ hasText: 'diagram' }).waitFor();
      // Only the web link is a link; the javascript: one is text.
      assert.equal(await body.getByTestId('article-link').count(), 1);
      await page.getByTestId('editor-body').press('End');
      await page.getByTestId('editor-body').pressSequentially('\n\nMore **text**', { delay: 5 });
      await body.locator('strong').filter({ hasText: 'text' }).waitFor();
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
      // A link asks first; cancelling opens nothing.
      await body.getByTestId('article-link').click();
      await page.getByTestId('link-confirm').filter({ hasText: 'https://vpn.example/guide' }).waitFor();
      await page.getByTestId('link-cancel').click();
      assert.deepEqual(await calls(page, 'open_link'), []);

      assert.deepEqual(await seriousA11yViolations(page), []);

      await publish.click();
      await called(page, 'create_article');
      const [sent] = await calls(page, 'create_article');
      assert.deepEqual(sent, {
        new: {
          id: null,
          title: 'Printer offline after update',
          body: `${HOSTILE}\n\nMore **text**`,
          lang: 'en',
          translation_of: null,
          category: 'Printing',
          tags: ['printer', 'driver'],
          status: 'published',
        },
      });
      // Now editing what the server stored: its state, its (empty) version list.
      await page.getByTestId('editor-notice').waitFor();
      await page.getByTestId('editor-status').filter({ hasText: lang === 'ar' ? 'منشورة' : 'Published' }).waitFor();
      await page.getByTestId('versions-none').waitFor();
      assert.deepEqual(await seriousA11yViolations(page), []);
      assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  it('views and restores a kept version, archives, and sends only what changed', async () => {
    const restored = { ...VPN, title: 'VPN drops', body: 'Second text: **reconnect**.', version: 4 };
    const archived = { ...restored, status: 'archived', version: 5 };
    const { page, context, errors } = await openApp(
      harness,
      staff({ restore_article_version: { ok: restored }, update_article: [{ ok: archived }] }),
    );
    await openEditorList(page);
    await page.getByTestId('kb-article').filter({ hasText: VPN.title }).getByRole('button').click();
    await page.getByTestId('article-editor').waitFor();
    assert.equal(await page.getByTestId('editor-title').inputValue(), VPN.title);
    assert.equal(await page.getByTestId('editor-lang').isDisabled(), true, 'an article keeps its language');
    await page.getByTestId('version').first().waitFor();
    assert.deepEqual(await calls(page, 'article_versions'), [{ id: VPN_ID }]);

    // Viewing a version shows it in the preview without touching the form.
    await page.getByTestId('version').filter({ hasText: 'Version 1' }).getByTestId('version-view').click();
    await page.getByTestId('preview-title').filter({ hasText: 'VPN problem' }).waitFor();
    assert.equal(await page.getByTestId('editor-title').inputValue(), VPN.title);
    await page.getByTestId('version-close').click();
    await page.getByTestId('preview-title').filter({ hasText: VPN.title }).waitFor();

    await page.getByTestId('version').filter({ hasText: 'Version 2' }).getByTestId('version-restore').click();
    await called(page, 'restore_article_version');
    assert.deepEqual(await calls(page, 'restore_article_version'), [{ id: VPN_ID, version: 2 }]);
    await page.waitForFunction(() => /** @type {HTMLInputElement} */ (document.querySelector('[data-testid="editor-title"]'))?.value === 'VPN drops');

    // Saving with nothing changed sends nothing; archiving sends the status and the
    // version the editor saw, nothing else.
    await page.getByTestId('editor-save').click();
    await page.getByTestId('editor-notice').filter({ hasText: 'Nothing changed' }).waitFor();
    assert.deepEqual(await calls(page, 'update_article'), []);
    await page.getByTestId('editor-archive').click();
    await called(page, 'update_article');
    assert.deepEqual(await calls(page, 'update_article'), [
      { id: VPN_ID, changes: { title: null, body: null, tags: null, status: 'archived', seen_version: 4 } },
    ]);
    await page.getByTestId('editor-status').filter({ hasText: 'Archived' }).waitFor();
    await page.getByTestId('editor-publish').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  for (const lang of ['en', 'ar']) {
    it(`says offline and a colleague's newer version in words, keeping the text (${lang})`, async () => {
      const { page, context, errors } = await openApp(
        harness,
        staff({ create_article: OFFLINE, update_article: CONFLICT, article_versions: OFFLINE }),
        { colorScheme: lang === 'ar' ? 'dark' : 'light' },
      );
      await page.getByTestId('ticket-list').waitFor();
      if (lang === 'ar') await page.getByTestId('language').selectOption('ar');
      await openEditorList(page);
      await page.getByTestId('kb-new').click();
      await page.getByTestId('editor-title').fill('Wi-Fi keeps asking for the password');
      await page.getByTestId('editor-body').fill('Forget the network, then join again.');
      await page.getByTestId('editor-save-draft').click();
      const error = page.getByTestId('editor-error');
      await error.waitFor();
      assert.match(await error.innerText(), lang === 'ar' ? /يحتاج إلى الاتصال بالخادم/ : /needs the connection to the server/);
      assert.equal(await page.getByTestId('editor-title').inputValue(), 'Wi-Fi keeps asking for the password');
      assert.equal(await page.getByTestId('editor-body').inputValue(), 'Forget the network, then join again.');

      // An existing article: versions need the server; a stale save is refused in words.
      await page.getByTestId('editor-back').click();
      await page.getByTestId('kb-article').filter({ hasText: VPN.title }).getByRole('button').click();
      await page.getByTestId('versions-error').waitFor();
      await page.getByTestId('editor-body').fill('Restart the client, then sign in again.');
      await page.getByTestId('editor-save').click();
      await error.filter({ hasText: lang === 'ar' ? /إصدارًا أحدث/ : /newer version/ }).waitFor();
      assert.deepEqual(await calls(page, 'update_article'), [
        { id: VPN_ID, changes: { title: null, body: 'Restart the client, then sign in again.', tags: null, status: null, seen_version: 3 } },
      ]);
      assert.equal(await page.getByTestId('editor-body').inputValue(), 'Restart the client, then sign in again.');
      assert.deepEqual(await seriousA11yViolations(page), []);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  it('refuses a too-short title before asking the server', async () => {
    const { page, context } = await openApp(harness, staff());
    await openEditorList(page);
    await page.getByTestId('kb-new').click();
    await page.getByTestId('editor-title').fill('ab');
    await page.getByTestId('editor-body').fill('Text');
    assert.equal(await page.getByTestId('editor-publish').isDisabled(), true);
    await page.getByText('at least 3 characters').waitFor();
    await context.close();
  });

  it('writes the translation of an article, linked to it', async () => {
    const { page, context } = await openApp(harness, staff({ create_article: { ok: { ...VPN, id: NEW_ID, lang: 'ar', title: 'انقطاع الشبكة الخاصة كل ساعة' } } }));
    await openEditorList(page);
    await page.getByTestId('kb-article').filter({ hasText: VPN.title }).getByRole('button').click();
    await page.getByTestId('editor-translate').click();
    await page.getByTestId('editor-translation-of').filter({ hasText: VPN.title }).waitFor();
    assert.equal(await page.getByTestId('editor-lang').inputValue(), 'ar');
    await page.getByTestId('editor-title').fill('انقطاع الشبكة الخاصة كل ساعة');
    await page.getByTestId('editor-body').fill('أعد تشغيل البرنامج.');
    await page.getByTestId('editor-save-draft').click();
    await called(page, 'create_article');
    const [sent] = await calls(page, 'create_article');
    assert.equal(sent.new.translation_of, VPN_ID);
    assert.equal(sent.new.lang, 'ar');
    assert.equal(sent.new.status, 'draft');
    await context.close();
  });

  it('admins write articles too: their drafts are saved with the status asked', async () => {
    const { page, context, errors } = await openApp(
      harness,
      signedIn(ADMIN, { articles: { ok: [VPN] }, article: { ok: { ...DRAFT, id: NEW_ID } }, article_versions: { ok: [] }, create_article: { ok: { ...DRAFT, id: NEW_ID } } }),
    );
    await openEditorList(page);
    await page.getByTestId('kb-new').click();
    await page.getByTestId('editor-title').fill('Scanner jams on page two');
    await page.getByTestId('editor-body').fill('Open the feeder and remove the torn page.');
    await page.getByTestId('editor-save-draft').click();
    await called(page, 'create_article');
    const [sent] = await calls(page, 'create_article');
    assert.equal(sent.new.status, 'draft');
    await page.getByTestId('editor-status').filter({ hasText: 'Draft' }).waitFor();
    await page.getByTestId('editor-publish').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('is not offered to customers', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('ticket-list').waitFor();
    assert.equal(await page.getByTestId('nav-kb').count(), 0);
    await context.close();
  });
});

describe('articles on a ticket', () => {
  /** @type {Awaited<ReturnType<typeof startHarness>>} */
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  const HIT = {
    id: VPN_ID,
    lang: 'en',
    category: 'Network',
    title: [{ text: 'VPN', highlighted: true }, { text: ' drops every hour', highlighted: false }],
    snippet: [{ text: 'Restart the client.', highlighted: false }],
  };

  for (const lang of ['en', 'ar']) {
    it(`staff see related articles and insert a link into the reply (${lang})`, async () => {
      const { page, context, errors } = await openApp(harness, staff({ related_articles: { ok: [HIT] }, add_message: { ok: '0190a1b2-0000-7000-8000-0000000000m9' } }), {
        colorScheme: lang === 'ar' ? 'dark' : 'light',
      });
      await page.getByTestId('ticket-list').waitFor();
      if (lang === 'ar') await page.getByTestId('language').selectOption('ar');
      await page.getByTestId('ticket-row').first().click();
      const panel = page.getByTestId('ticket-articles');
      await panel.getByTestId('ticket-article').waitFor();
      // Asked with the ticket's own words, in the user's language first.
      const asked = await calls(page, 'related_articles');
      assert.deepEqual(asked.at(-1), { text: `${DETAIL.ticket.title}\n${DETAIL.ticket.description}`, lang, limit: 5 });
      assert.deepEqual(await panel.locator('mark').allInnerTexts(), ['VPN']);
      await page.getByTestId('reply-body').fill('Hello, please try this:');
      await panel.getByTestId('ticket-article-insert').click();
      assert.equal(await page.getByTestId('reply-body').inputValue(), `Hello, please try this:\nVPN drops every hour: tadhkira://article/${VPN_ID}\n`);
      assert.deepEqual(await seriousA11yViolations(page), []);
      await page.getByTestId('send-reply').click();
      await called(page, 'add_message');
      assert.deepEqual(await calls(page, 'add_message'), [
        { ticket_id: DETAIL.ticket.id, body: `Hello, please try this:\nVPN drops every hour: tadhkira://article/${VPN_ID}\n`, visibility: 'public' },
      ]);
      // "Read" opens the article inside the app; "Back" returns to the ticket.
      await panel.getByTestId('ticket-article-open').click();
      await page.getByTestId('article-view').waitFor();
      await page.getByTestId('article-back').click();
      await page.getByTestId('ticket-title').waitFor();
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  it('a customer opens an article link from a reply inside the app, not the browser', async () => {
    const withLink = {
      ...DETAIL,
      messages: [
        {
          ...DETAIL.messages[0],
          body: `Please try this: VPN drops every hour: tadhkira://article/${VPN_ID}\n<b>not bold</b> https://evil.example/`,
        },
      ],
    };
    const { page, context, errors } = await openApp(
      harness,
      signedIn(CUSTOMER, { ticket: { ok: withLink }, article: [{ ok: VPN }, { err: { kind: 'not_found', code: null, message: 'no article' } }], open_link: { ok: null } }),
    );
    await page.getByTestId('ticket-list').waitFor();
    await page.getByTestId('ticket-row').first().click();
    const message = page.getByTestId('timeline-message').first();
    const link = message.getByTestId('message-article-link');
    await link.waitFor();
    // Everything else in the message is text: no bold, no web link.
    assert.equal(await message.locator('b, a').count(), 0);
    assert.match(await message.innerText(), /<b>not bold<\/b> https:\/\/evil\.example\//);
    assert.equal(await page.getByTestId('ticket-articles').count(), 0, 'customers see no staff panel');
    await link.click();
    await page.getByTestId('article-view').waitFor();
    assert.deepEqual(await calls(page, 'article'), [{ id: VPN_ID }]);
    assert.equal(await page.getByTestId('article-solved').count(), 0, 'no "this solved it" outside the new-ticket form');
    assert.deepEqual(await calls(page, 'open_link'), []);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.getByTestId('article-back').click();
    await page.getByTestId('ticket-title').waitFor();
    // An article the store does not hold (withdrawn meanwhile) says so.
    await message.getByTestId('message-article-link').click();
    await page.getByTestId('article-missing').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});
