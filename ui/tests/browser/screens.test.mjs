// Every signed-in screen in headless Chromium with the Tauri commands stubbed: the
// ticket list (windowed), new ticket (queued), detail (timeline, staff controls),
// outbox, settings; ticket text is inert; no serious accessibility violations on any
// screen or state in ar/en × light/dark; language and theme switch live everywhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT, CUSTOMER, DETAIL, LOCAL_DETAIL, PAGE, ROW, STAFF, XSS_BODY, XSS_TITLE, signedIn } from './fixtures.mjs';
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);

describe('signed-in screens', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('lists tickets with the sync state, and searches as you type', async () => {
    const { page, context, errors } = await openApp(harness, signedIn());
    await page.getByTestId('ticket-list').waitFor();
    assert.equal(await page.getByTestId('ticket-row').count(), 2);
    assert.equal(await page.getByTestId('ticket-count').innerText(), '2 tickets');
    assert.match(await page.getByTestId('sync-indicator').innerText(), /Online.*2 changes queued.*1 change rejected/s);
    await page.getByTestId('search').fill('printer');
    await page.waitForFunction(() => window.__calls.some(([c, a]) => c === 'list_tickets' && a.query.search === 'printer'));
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('keeps only the visible rows of 100,000 tickets in the page and fetches pages as it scrolls', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { list_tickets: { pages: { total: 100000, row: ROW } } }));
    const list = page.getByTestId('ticket-list');
    await list.waitFor();
    assert.equal(await page.getByTestId('ticket-count').innerText(), '100,000 tickets');
    assert.ok((await page.getByTestId('ticket-row').count()) < 60);
    await list.evaluate((el) => (el.scrollTop = 64 * 50000));
    await page.getByText('Ticket 50001', { exact: true }).waitFor();
    assert.ok((await page.getByTestId('ticket-row').count()) < 60);
    const offsets = (await calls(page, 'list_tickets')).map((a) => a.query.offset);
    assert.ok(offsets.includes(50000), `offsets asked: ${offsets}`);
    assert.ok(offsets.length < 10, 'only the pages in view were fetched');
    await context.close();
  });

  it('shows script and image payloads in ticket text as inert text', async () => {
    const { page, context } = await openApp(harness, signedIn());
    await page.getByTestId('ticket-list').waitFor();
    assert.equal(await page.getByTestId('ticket-row').first().locator('.title').innerText(), XSS_TITLE);
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('timeline').waitFor();
    assert.equal(await page.getByTestId('ticket-title').innerText(), XSS_TITLE);
    assert.equal(await page.getByTestId('ticket-description').innerText(), XSS_BODY);
    assert.equal(await page.locator('main img, main script').count(), 0);
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await context.close();
  });

  it('files a ticket that shows as queued, with the system information shown first', async () => {
    const { page, context } = await openApp(
      harness,
      signedIn(CUSTOMER, { create_ticket: { ok: LOCAL_DETAIL.ticket.id }, ticket: { ok: LOCAL_DETAIL } }),
    );
    await page.getByTestId('nav-new').click();
    await page.getByTestId('new-title').fill('VPN drops every hour');
    await page.getByTestId('new-description').fill('Since Monday.');
    await page.getByTestId('new-priority').selectOption('high');
    await page.getByTestId('attach-sysinfo').check();
    await page.getByText('OS: linux', { exact: false }).waitFor();
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('ticket-number').waitFor();
    assert.match(await page.getByTestId('ticket-number').innerText(), /Queued/);
    const [input] = (await calls(page, 'create_ticket')).map((a) => a.input);
    assert.equal(input.title, 'VPN drops every hour');
    assert.equal(input.priority, 'high');
    assert.equal(input.contact.email, 'customer@nile.example');
    assert.match(input.system_info, /OS: linux/);
    await context.close();
  });

  it("files staff's ticket for a picked customer: contact prefilled, requester and channel sent", async () => {
    const { page, context, errors } = await openApp(
      harness,
      signedIn(AGENT, { create_ticket: { ok: LOCAL_DETAIL.ticket.id }, ticket: { ok: LOCAL_DETAIL } }),
    );
    await page.getByTestId('nav-new').click();
    assert.equal(await page.getByTestId('attach-sysinfo').count(), 0, 'no system information of the agent');
    assert.equal(await page.getByTestId('contact-email').inputValue(), '', "not the agent's own contact");
    await page.getByTestId('new-title').fill('Printer offline');
    await page.getByTestId('new-description').fill('Called in: the office printer is offline.');
    // Filing without a customer is stopped in the form.
    await page.getByTestId('file-ticket').click();
    await page.getByText('Choose the customer this ticket is for.').waitFor();
    assert.deepEqual(await calls(page, 'create_ticket'), []);

    await page.getByTestId('for-whom').fill('dunes');
    await page.getByTestId('customer-option').filter({ hasText: 'Dunes Trading' }).click();
    assert.match(await page.getByTestId('chosen-customer').innerText(), /Subscription lapsed/);
    assert.match(await page.getByTestId('lapsed-warning').innerText(), /Dunes Trading.*reason/);
    // A lapsed organisation's ticket is not filed without the reason.
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('lapsed-reason-required').waitFor();
    assert.deepEqual(await calls(page, 'create_ticket'), []);
    await page.getByTestId('change-customer').click();

    await page.getByTestId('for-whom').fill('SALMA');
    assert.equal(await page.getByTestId('customer-option').count(), 1);
    await page.getByTestId('for-whom').press('Enter');
    assert.match(await page.getByTestId('chosen-customer').innerText(), /Salma Hassan[\s\S]*Nile Trading[\s\S]*Subscription paid/);
    assert.equal(await page.getByTestId('lapsed-warning').count(), 0);
    assert.equal(await page.getByTestId('contact-name').inputValue(), 'Salma Hassan');
    assert.equal(await page.getByTestId('contact-email').inputValue(), 'customer@nile.example');
    assert.equal(await page.getByTestId('contact-phone').inputValue(), '+20 100 000 0000');
    await page.getByTestId('contact-phone').fill('+20 122 222 2222');
    assert.equal(await page.getByTestId('new-channel').inputValue(), 'phone');
    await page.getByTestId('new-channel').selectOption('whatsapp');
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('ticket-number').waitFor();
    const [input] = (await calls(page, 'create_ticket')).map((a) => a.input);
    assert.equal(input.requester_id, CUSTOMER.user.id);
    assert.equal(input.channel, 'whatsapp');
    assert.deepEqual(input.contact, { name: 'Salma Hassan', email: 'customer@nile.example', phone: '+20 122 222 2222' });
    assert.equal(input.system_info, null);
    assert.equal(input.lapsed_override, null, 'no override for a paid organisation');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("files a lapsed organisation's ticket with the reason, and offers walk-in as a channel", async () => {
    const { page, context, errors } = await openApp(
      harness,
      signedIn(AGENT, { create_ticket: { ok: LOCAL_DETAIL.ticket.id }, ticket: { ok: LOCAL_DETAIL } }),
    );
    await page.getByTestId('nav-new').click();
    await page.getByTestId('new-title').fill('Customs portal down');
    await page.getByTestId('new-description').fill('Came to the desk: the portal is down.');
    await page.getByTestId('for-whom').fill('dunes');
    await page.getByTestId('customer-option').filter({ hasText: 'Dunes Trading' }).click();
    await page.getByTestId('lapsed-reason').fill('  Renewal paid, finance to confirm ');
    await page.getByTestId('new-channel').selectOption('other');
    assert.match(await page.getByTestId('new-channel').locator('option:checked').innerText(), /Walk-in \/ other/);
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('ticket-number').waitFor();
    const [input] = (await calls(page, 'create_ticket')).map((a) => a.input);
    assert.equal(input.lapsed_override, 'Renewal paid, finance to confirm');
    assert.equal(input.channel, 'other');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('marks each contact field with its problem from the shared rule and files nothing', async () => {
    const { page, context } = await openApp(
      harness,
      signedIn(CUSTOMER, {
        create_ticket: { ok: LOCAL_DETAIL.ticket.id },
        ticket: { ok: LOCAL_DETAIL },
        check_contact: [
          {
            ok: [
              { field: 'email', problem: 'not_an_email', message: 'contact e-mail "salma@" is not an e-mail address' },
              { field: 'phone', problem: 'phone_characters', message: 'contact phone may hold only digits' },
            ],
          },
          { ok: [] },
        ],
      }),
    );
    await page.getByTestId('nav-new').click();
    await page.getByTestId('new-title').fill('VPN drops');
    await page.getByTestId('new-description').fill('Hourly.');
    await page.getByTestId('contact-email').fill('salma@');
    await page.getByTestId('contact-phone').fill('ask reception');
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('contact-email-error').waitFor();
    assert.match(await page.getByTestId('contact-email-error').innerText(), /e-mail address such as name@example.com/);
    assert.match(await page.getByTestId('contact-phone-error').innerText(), /digits, spaces/);
    assert.equal(await page.getByTestId('contact-name-error').count(), 0);
    assert.equal(await page.getByTestId('contact-email').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await calls(page, 'create_ticket'), []);
    const [asked] = await calls(page, 'check_contact');
    assert.deepEqual(asked.contact, { name: 'Salma Hassan', email: 'salma@', phone: 'ask reception' });
    // Fixed: the second check passes and the ticket is filed.
    await page.getByTestId('contact-email').fill('salma@nile.example');
    await page.getByTestId('contact-phone').fill('+20 100');
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('ticket-number').waitFor();
    assert.equal((await calls(page, 'create_ticket')).length, 1);
    await context.close();
  });

  it('shows what the customer gave: contact, checks done and not done, system information, in both languages', async () => {
    const given = {
      ...DETAIL,
      ticket: {
        ...DETAIL.ticket,
        contact: { name: 'Salma Hassan', email: 'customer@nile.example', phone: '+20 100 000 0000' },
        checks: ['restarted', 'help_articles_read'],
        system_info: 'OS: windows (x86_64)\nApp: Tadhkira 0.1.0\nLocale: ar',
      },
    };
    const { page, context } = await openApp(harness, signedIn(AGENT, { ticket: { ok: given } }));
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('ticket-given').waitFor();
    assert.equal(await page.getByTestId('given-contact-email').innerText(), 'customer@nile.example');
    assert.equal(await page.getByTestId('given-contact-phone').innerText(), '+20 100 000 0000');
    assert.equal(await page.getByTestId('given-category').innerText(), 'Printing');
    const checks = page.getByTestId('given-check');
    assert.deepEqual(
      await checks.evaluateAll((els) => els.map((e) => [e.dataset.check, e.dataset.done])),
      [
        ['restarted', 'true'],
        ['network_checked', 'false'],
        ['help_articles_read', 'true'],
      ],
    );
    assert.match(await checks.nth(1).innerText(), /Not done:\s*Checked the network connection/);
    assert.match(await page.getByTestId('given-sysinfo').innerText(), /OS: windows[\s\S]*Locale: ar/);
    await page.getByTestId('language').selectOption('ar');
    await page.getByText('ما قُدّم عند فتح التذكرة').waitFor();
    assert.match(await checks.nth(1).innerText(), /لم يتم/);
    assert.equal(await page.getByTestId('given-sysinfo').getAttribute('dir'), 'ltr');
    await context.close();
  });

  it('searches by ticket number as typed, Arabic-Indic digits included', async () => {
    const { page, context } = await openApp(harness, signedIn());
    await page.getByTestId('ticket-list').waitFor();
    await page.getByTestId('search').fill('#١٠٤٢');
    await page.waitForFunction(() => window.__calls.some(([c, a]) => c === 'list_tickets' && a.query.search === '#١٠٤٢'));
    await context.close();
  });

  it("keeps the customer's own form: no picker, no channel, their contact, sent by the app", async () => {
    const { page, context } = await openApp(
      harness,
      signedIn(CUSTOMER, { create_ticket: { ok: LOCAL_DETAIL.ticket.id }, ticket: { ok: LOCAL_DETAIL } }),
    );
    await page.getByTestId('nav-new').click();
    await page.getByTestId('new-title').waitFor();
    assert.equal(await page.getByTestId('for-whom').count(), 0);
    assert.equal(await page.getByTestId('new-channel').count(), 0);
    assert.equal(await page.getByTestId('contact-email').inputValue(), 'customer@nile.example');
    await page.getByTestId('new-title').fill('VPN drops');
    await page.getByTestId('new-description').fill('Hourly.');
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('ticket-number').waitFor();
    const [input] = (await calls(page, 'create_ticket')).map((a) => a.input);
    assert.equal(input.channel, 'desktop');
    assert.equal(input.requester_id, null);
    assert.deepEqual(await calls(page, 'customer_directory'), []);
    await context.close();
  });

  it('lets staff add an internal note and escalate', async () => {
    const { page, context } = await openApp(
      harness,
      signedIn(AGENT, { add_message: { ok: 'x' }, escalate: { ok: null }, update_ticket: { ok: null } }),
    );
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('timeline').waitFor();
    assert.equal(await page.locator('.message.internal').count(), 1);
    await page.getByTestId('internal-note').check();
    await page.getByTestId('reply-body').fill('Checked the driver version.');
    await page.getByTestId('send-reply').click();
    await page.getByTestId('escalate-reason').fill('Needs a driver fix');
    await page.getByTestId('escalate').click();
    await page.getByTestId('set-status').selectOption('pending');
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'update_ticket'));
    // Any agent of the directory can be given the ticket, or nobody.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="set-assignee"] option').length === 4);
    assert.deepEqual(await page.getByTestId('set-assignee').locator('option').allInnerTexts(), ['Unassigned', 'Karim L3', 'Layla L2', 'Omar L1']);
    await page.getByTestId('set-assignee').selectOption({ label: 'Karim L3' });
    await page.waitForFunction(() => window.__calls.filter(([c]) => c === 'update_ticket').length === 2);
    assert.deepEqual(await calls(page, 'add_message'), [
      { ticket_id: DETAIL.ticket.id, body: 'Checked the driver version.', visibility: 'internal' },
    ]);
    assert.deepEqual(await calls(page, 'escalate'), [{ ticket_id: DETAIL.ticket.id, to_tier: 2, reason: 'Needs a driver fix' }]);
    assert.deepEqual(await calls(page, 'update_ticket'), [
      { ticket_id: DETAIL.ticket.id, values: [{ field: 'status', value: 'pending' }] },
      { ticket_id: DETAIL.ticket.id, values: [{ field: 'assignee', value: STAFF[0].id }] },
    ]);
    await context.close();
  });

  it('customers see no staff controls', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('timeline').waitFor();
    assert.equal(await page.getByTestId('escalate').count(), 0);
    assert.equal(await page.getByTestId('internal-note').count(), 0);
    await context.close();
  });

  it('shows queued and rejected changes in the outbox, with resend and discard', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { resend: { ok: null }, discard: { ok: null } }));
    await page.getByTestId('nav-outbox').click();
    await page.getByTestId('outbox').waitFor();
    const items = page.getByTestId('outbox-item');
    assert.equal(await items.count(), 2);
    assert.match(await items.nth(1).innerText(), /subscription has lapsed/);
    assert.match(await items.nth(1).innerText(), /<b>not bold<\/b> reply/);
    await page.getByTestId('resend').click();
    await page.getByTestId('discard').click();
    assert.deepEqual(await calls(page, 'resend'), [{ id: '0190a1b2-0000-7000-8000-0000000000o2', edited: null }]);
    assert.deepEqual(await calls(page, 'discard'), [{ id: '0190a1b2-0000-7000-8000-0000000000o2' }]);
    await context.close();
  });

  it('changes settings at run time and stores them', async () => {
    const { page, context } = await openApp(harness, signedIn());
    await page.getByTestId('nav-settings').click();
    assert.match(await page.getByTestId('token-storage').innerText(), /file only you can read/);
    await page.getByTestId('settings-language').selectOption('ar');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.locator('#settings-title').innerText(), 'الإعدادات');
    await page.getByTestId('settings-theme').selectOption('dark');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const stored = (await calls(page, 'set_settings')).at(-1).settings;
    assert.equal(stored.language, 'ar');
    assert.equal(stored.theme, 'dark');
    await context.close();
  });

  for (const [lang, theme] of [
    ['en', 'light'],
    ['en', 'dark'],
    ['ar', 'light'],
    ['ar', 'dark'],
  ]) {
    it(`every screen and state has no serious accessibility violations (${lang}, ${theme})`, async () => {
      const { page, context } = await openApp(harness, signedIn(AGENT));
      await page.getByTestId('ticket-list').waitFor();
      await page.getByTestId('language').selectOption(lang);
      await page.getByTestId('theme').selectOption(theme);
      const found = {};
      found.list = await seriousA11yViolations(page);
      await page.getByTestId('filter-channel').selectOption('phone');
      await page.locator('.queues button').nth(3).click();
      found.list_filtered = await seriousA11yViolations(page);
      await page.getByTestId('ticket-row').first().click();
      await page.getByTestId('timeline').waitFor();
      found.detail = await seriousA11yViolations(page);
      for (const screen of ['new', 'outbox', 'settings', 'shortcuts']) {
        await page.getByTestId(`nav-${screen}`).click();
        await page.locator('main h1').waitFor();
        if (screen === 'new') {
          // The customer picker open, then a lapsed organisation's customer picked.
          await page.getByTestId('for-whom').fill('dunes');
          await page.getByTestId('customer-option').waitFor();
          found.new_picking = await seriousA11yViolations(page);
          await page.getByTestId('customer-option').click();
          await page.getByTestId('lapsed-warning').waitFor();
        }
        found[screen] = await seriousA11yViolations(page);
        if (screen === 'outbox') {
          await page.getByTestId('edit').click();
          await page.getByTestId('send-edited').waitFor();
          found.outbox_editing = await seriousA11yViolations(page);
        }
      }
      await context.close();

      // The customer's view of a ticket, and an empty list.
      const customer = await openApp(harness, signedIn(CUSTOMER, { list_tickets: [{ ok: PAGE }, { ok: { rows: [], total: 0 } }] }));
      await customer.page.getByTestId('ticket-list').waitFor();
      await customer.page.getByTestId('language').selectOption(lang);
      await customer.page.getByTestId('theme').selectOption(theme);
      await customer.page.getByTestId('ticket-row').first().click();
      await customer.page.getByTestId('timeline').waitFor();
      found.customer_detail = await seriousA11yViolations(customer.page);
      await customer.page.getByTestId('back').click();
      await customer.page.getByTestId('list-empty').waitFor();
      found.list_empty = await seriousA11yViolations(customer.page);
      await customer.page.getByTestId('nav-new').click();
      await customer.page.getByTestId('attach-sysinfo').check();
      await customer.page.getByTestId('sysinfo-preview').waitFor();
      found.customer_new = await seriousA11yViolations(customer.page);
      await customer.context.close();

      for (const [screen, violations] of Object.entries(found)) assert.deepEqual(violations, [], screen);
      assert.equal(Object.keys(found).length, 12);
    });
  }

  it('switches language and theme at run time on every screen, without a reload', async () => {
    const { page, context } = await openApp(harness, signedIn(AGENT, { list_tickets: { ok: PAGE } }));
    await page.getByTestId('ticket-list').waitFor();
    // A mark a reload would wipe.
    await page.evaluate(() => (window.__sameDocument = true));
    // The detail's h1 is the ticket's own title: its translated heading is the h2.
    const SURFACE = { list: '.list', detail: '.message', new: '.card', outbox: 'li', settings: '.card', shortcuts: 'kbd' };
    const look = (heading, surfaceOf) =>
      page.evaluate(([sel, surfaceSel]) => {
        const h1 = document.querySelector(sel);
        const main = document.querySelector('main');
        return {
          dir: document.documentElement.dir,
          lang: document.documentElement.lang,
          heading: h1?.textContent?.trim() ?? '',
          nav: document.querySelector('[data-testid="nav-tickets"]')?.textContent?.trim() ?? '',
          background: getComputedStyle(document.body).backgroundColor,
          text: getComputedStyle(h1 ?? document.body).color,
          surface: getComputedStyle(main?.querySelector(surfaceSel) ?? document.body).backgroundColor,
        };
      }, [heading, surfaceOf]);
    const screens = {
      list: async () => page.getByTestId('nav-tickets').click(),
      detail: async () => {
        await page.getByTestId('nav-tickets').click();
        await page.getByTestId('ticket-row').first().click();
        await page.getByTestId('timeline').waitFor();
      },
      new: async () => page.getByTestId('nav-new').click(),
      outbox: async () => page.getByTestId('nav-outbox').click(),
      settings: async () => page.getByTestId('nav-settings').click(),
      shortcuts: async () => page.getByTestId('nav-shortcuts').click(),
    };
    for (const [name, show] of Object.entries(screens)) {
      await page.getByTestId('language').selectOption('en');
      await page.getByTestId('theme').selectOption('light');
      await show();
      await page.locator('main h1').waitFor();
      const heading = name === 'detail' ? 'main h2' : 'main h1';
      const before = await look(heading, SURFACE[name]);
      assert.equal(before.dir, 'ltr', name);
      assert.match(before.heading, /^[A-Za-z]/, `${name}: English heading ${before.heading}`);
      await page.getByTestId('language').selectOption('ar');
      await page.getByTestId('theme').selectOption('dark');
      const after = await look(heading, SURFACE[name]);
      assert.equal(after.dir, 'rtl', name);
      assert.equal(after.lang, 'ar', name);
      assert.match(after.heading, /[\u0600-\u06FF]/, `${name}: Arabic heading ${after.heading}`);
      assert.notEqual(after.heading, before.heading, name);
      assert.match(after.nav, /[\u0600-\u06FF]/, `${name}: Arabic navigation`);
      assert.notEqual(after.background, before.background, `${name}: page colour`);
      assert.notEqual(after.text, before.text, `${name}: text colour`);
      assert.notEqual(after.surface, before.surface, `${name}: surface colour`);
      assert.notEqual(before.surface, 'rgba(0, 0, 0, 0)', `${name}: a surface was measured`);
      assert.equal(await page.evaluate(() => window.__sameDocument), true, `${name}: no reload`);
    }
    await context.close();
  });
});
