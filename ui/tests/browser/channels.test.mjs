// Issue 19's screens as an agent, in headless Chromium with the Tauri commands stubbed:
// logging a call and a remote session on a ticket (what reaches the engine, and how the
// timeline shows it), a WhatsApp reply's delivery and the 24-hour window, and the
// unmatched queue (placing a message from an unknown number on a customer, or making
// its sender a new customer). Customers get none of it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT, CUSTOMER, CUSTOMERS, DETAIL, SETTINGS, signedIn } from './fixtures.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
import { openApp, seriousA11yViolations, startHarness } from './harness.mjs';

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);
const SHOTS = process.env.TADHKIRA_SCREENSHOTS;

const LOGGED = {
  id: '0190a1b2-0000-7000-8000-0000000000e9',
  ticket_id: DETAIL.ticket.id,
  actor_id: AGENT.user.id,
  actor_name: AGENT.user.name,
  kind: {
    type: 'contact_logged',
    channel: 'remote',
    direction: 'outbound',
    minutes: 25,
    notes: 'Reinstalled the printer driver',
    remote_tool: 'AnyDesk',
    remote_id: '123 456 789',
  },
  created_at: new Date().toISOString(),
};

const hours = (h) => new Date(Date.now() - h * 3600 * 1000).toISOString();

/** A WhatsApp ticket: the customer wrote `ago` hours ago; the agent's reply was read. */
function whatsapp(ago) {
  return {
    ...DETAIL,
    ticket: { ...DETAIL.ticket, channel: 'whatsapp', created_at: hours(ago + 1), title: 'Label printer prints blank pages', description: 'It prints blank pages' },
    messages: [
      { id: '0190a1b2-0000-7000-8000-0000000000w1', ticket_id: DETAIL.ticket.id, author_id: CUSTOMER.user.id, author_name: CUSTOMER.user.name, author_role: 'customer', body: 'This is what it prints', visibility: 'public', created_at: hours(ago), attachments: [], delivery: null },
      { id: '0190a1b2-0000-7000-8000-0000000000w2', ticket_id: DETAIL.ticket.id, author_id: AGENT.user.id, author_name: AGENT.user.name, author_role: 'agent', body: 'Please clean the print head', visibility: 'public', created_at: hours(ago - 0.5), attachments: [], delivery: 'read' },
    ],
    events: [],
  };
}

const CHANNEL = { enabled: true, template_name: 'support_follow_up', template_language: 'en_US', window_hours: 24 };

const WAITING = {
  id: '0190a1b2-0000-7000-8000-0000000000u1',
  channel: 'whatsapp',
  sender: '+966501112233',
  sender_name: 'Salma (other phone)',
  body: 'Hello, our scanner is broken',
  files: [{ name: 'image.png', size: 70, content_type: 'image/png', sha256: 'ab'.repeat(32) }],
  received_at: hours(0.2),
  reason: null,
};

describe('channels', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('an agent logs a remote session on a ticket and the timeline shows it', async () => {
    const withLog = { ...DETAIL, events: [...DETAIL.events, LOGGED] };
    const { page, context, errors } = await openApp(
      harness,
      signedIn(AGENT, { ticket: [{ ok: DETAIL }, { ok: withLog }], log_contact: { ok: '0190a1b2-0000-7000-8000-0000000000l1' } }),
    );
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('calllog-open').click();
    await page.getByTestId('calllog-channel').selectOption('remote');
    await page.getByTestId('calllog-direction').selectOption('outbound');
    await page.getByTestId('calllog-minutes').fill('2000');
    assert.ok(await page.getByTestId('calllog-submit').isDisabled(), 'a day and more is refused');
    await page.getByRole('alert').filter({ hasText: 'Between 0 and 1440 minutes.' }).waitFor();
    await page.getByTestId('calllog-minutes').fill('25');
    await page.getByTestId('calllog-tool').fill('AnyDesk');
    await page.getByTestId('calllog-session').fill('123 456 789');
    await page.getByTestId('calllog-notes').fill('Reinstalled the printer driver');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.getByTestId('calllog-submit').click();
    await page.getByTestId('calllog-open').waitFor();
    const [sent] = await calls(page, 'log_contact');
    assert.deepEqual(sent.log, {
      ticket_id: DETAIL.ticket.id,
      channel: 'remote',
      direction: 'outbound',
      minutes: 25,
      notes: 'Reinstalled the printer driver',
      remote_tool: 'AnyDesk',
      remote_id: '123 456 789',
    });
    const entry = page.getByTestId('timeline-event').filter({ hasText: 'remote session' });
    await entry.waitFor();
    assert.match(await entry.innerText(), /Omar L1: logged a remote session \(outgoing, 25 min\) — Session 123 456 789 in AnyDesk — Reinstalled the printer driver/);
    // A phone call has no remote details to give.
    await page.getByTestId('calllog-open').click();
    assert.equal(await page.getByTestId('calllog-tool').count(), 0);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/calllog-en-light.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a customer has no call log, no unmatched queue', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('reply-body').waitFor();
    assert.equal(await page.getByTestId('calllog-open').count(), 0);
    assert.equal(await page.getByTestId('nav-unmatched').count(), 0);
    await context.close();
  });

  it("shows a WhatsApp reply's delivery and says when only the template may go", async () => {
    const { page, context, errors } = await openApp(harness, signedIn(AGENT, { ticket: { ok: whatsapp(2) }, whatsapp_channel: { ok: CHANNEL } }));
    await page.getByTestId('ticket-row').first().click();
    const badge = page.getByTestId('delivery');
    await badge.waitFor();
    assert.equal(await badge.getAttribute('data-delivery'), 'read');
    assert.match(await badge.innerText(), /Read/);
    assert.match(await page.getByTestId('whatsapp-window').innerText(), /can get free text on WhatsApp until/);
    // An internal note is not sent to WhatsApp: no notice.
    await page.getByTestId('internal-note').check();
    assert.equal(await page.getByTestId('whatsapp-window').count(), 0);
    await context.close();

    const late = await openApp(harness, signedIn(AGENT, { ticket: { ok: whatsapp(30) }, whatsapp_channel: { ok: CHANNEL } }));
    await late.page.getByTestId('ticket-row').first().click();
    const notice = late.page.getByTestId('whatsapp-window');
    await notice.filter({ hasText: 'support_follow_up' }).waitFor();
    assert.match(await notice.innerText(), /more than 24 hours ago.*only an approved template.*“support_follow_up”/s);
    if (SHOTS) await late.page.screenshot({ path: `${SHOTS}/whatsapp-window-en-light.png`, fullPage: true });
    assert.deepEqual(late.errors, []);
    await late.context.close();
    assert.deepEqual(errors, []);
  });

  it('an agent places an unmatched WhatsApp message on a customer', async () => {
    const linked = { ticket_id: '0190a1b2-0000-7000-8000-0000000000t9', ticket_number: 1043, created: true };
    const { page, context, errors } = await openApp(
      harness,
      signedIn(AGENT, { unmatched: { ok: [WAITING] }, link_unmatched: { ok: linked }, ticket: { ok: DETAIL } }),
    );
    await page.getByTestId('nav-unmatched').click();
    const item = page.getByTestId('unmatched-item');
    await item.waitFor();
    assert.match(await item.getByTestId('unmatched-sender').innerText(), /\+966501112233/);
    assert.equal(await item.getByTestId('unmatched-body').innerText(), 'Hello, our scanner is broken');
    assert.match(await item.innerText(), /1 file: image\.png/);
    await item.getByTestId('unmatched-place').click();
    assert.ok(await item.getByTestId('unmatched-link').isDisabled(), 'nobody picked yet');
    await item.getByTestId('for-whom').fill('Salma');
    await item.getByTestId('for-whom').press('Enter');
    await item.getByTestId('chosen-customer').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/unmatched-en-light.png`, fullPage: true });
    await item.getByTestId('unmatched-link').click();
    await item.getByTestId('unmatched-linked').waitFor();
    assert.match(await item.getByTestId('unmatched-linked').innerText(), /Placed on ticket #1043/);
    const [args] = await calls(page, 'link_unmatched');
    assert.deepEqual(args, { id: WAITING.id, customer_id: CUSTOMERS[0].user.id, save_address: true });
    await item.getByRole('button', { name: 'Open the ticket' }).click();
    await page.getByTestId('ticket-title').waitFor();
    assert.deepEqual((await calls(page, 'ticket')).at(-1), { reference: linked.ticket_id });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('the unmatched queue in Arabic, dark, and offline', async () => {
    const settings = { ...SETTINGS, language: 'ar', theme: 'dark' };
    const { page, context, errors } = await openApp(
      harness,
      signedIn({ ...AGENT, user: { ...AGENT.user, locale: 'ar' } }, { get_settings: { ok: settings }, unmatched: { ok: [WAITING] } }),
      { colorScheme: 'dark' },
    );
    await page.getByTestId('nav-unmatched').click();
    await page.getByTestId('unmatched-item').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /رسائل غير مطابَقة/);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/unmatched-ar-dark.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();

    const offline = await openApp(harness, signedIn(AGENT, { unmatched: { err: { kind: 'offline', code: null, message: 'unreachable' } } }));
    await offline.page.getByTestId('nav-unmatched').click();
    await offline.page.getByTestId('unmatched-error').waitFor();
    await offline.context.close();
  });

  it('an agent makes the sender of an unmatched message a new customer', async () => {
    const made = {
      user: { id: '0190a1b2-0000-7000-8000-0000000000c9', email: 'salma@nile.example', name: 'Salma Adel', role: 'customer', org_id: CUSTOMER.organisation.id, tier: null, locale: 'en', phone: '+966501112233' },
      ticket_id: '0190a1b2-0000-7000-8000-0000000000t8',
      ticket_number: 1044,
    };
    const { page, context, errors } = await openApp(
      harness,
      signedIn(AGENT, { unmatched: { ok: [WAITING] }, person_from_unmatched: { ok: made }, ticket: { ok: DETAIL } }),
    );
    await page.getByTestId('nav-unmatched').click();
    const item = page.getByTestId('unmatched-item');
    await item.getByTestId('unmatched-new-person').click();
    const form = item.getByTestId('person-form');
    await form.waitFor();
    // Filled from the message: the name it gave and the number it came from.
    assert.equal(await form.getByTestId('person-name').inputValue(), 'Salma (other phone)');
    assert.equal(await form.getByTestId('person-phone').inputValue(), '+966501112233');
    assert.equal(await form.getByTestId('person-email').inputValue(), '');
    assert.equal(await form.getByTestId('person-language').inputValue(), 'en');
    const create = form.getByTestId('person-create');
    assert.ok(await create.isDisabled(), 'no e-mail, no organisation yet');
    await form.getByTestId('person-name').fill('Salma Adel');
    // An address a customer has: say whose, offer the link instead.
    await form.getByTestId('person-email').fill('Customer@Nile.example');
    await form.getByTestId('person-taken').filter({ hasText: CUSTOMER.user.name }).waitFor();
    assert.ok(await create.isDisabled());
    await form.getByTestId('person-email').fill('salma@nile.example');
    assert.equal(await form.getByTestId('person-taken').count(), 0);
    // A lapsed organisation cannot take a new ticket.
    await form.getByTestId('person-org').selectOption({ label: 'Dunes Trading (subscription not active)' });
    await form.getByTestId('person-lapsed').waitFor();
    assert.ok(await create.isDisabled());
    await form.getByTestId('person-org').selectOption({ label: 'Nile Trading' });
    assert.equal(await form.getByTestId('person-lapsed').count(), 0);
    assert.ok(await create.isEnabled());
    assert.deepEqual(await seriousA11yViolations(page), []);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/unmatched-new-person-en-light.png`, fullPage: true });
    await create.click();
    const done = item.getByTestId('unmatched-linked');
    await done.waitFor();
    assert.match(await done.innerText(), /Salma Adel is now a customer of Nile Trading\.\s*Placed on ticket #1044/);
    const [args] = await calls(page, 'person_from_unmatched');
    assert.match(args.person.person_id, UUID);
    assert.deepEqual(args, {
      id: WAITING.id,
      person: { person_id: args.person.person_id, name: 'Salma Adel', email: 'salma@nile.example', phone: '+966501112233', org_id: CUSTOMER.organisation.id, locale: 'en' },
    });
    await item.getByRole('button', { name: 'Open the ticket' }).click();
    await page.getByTestId('ticket-title').waitFor();
    assert.deepEqual((await calls(page, 'ticket')).at(-1), { reference: made.ticket_id });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('a new customer in Arabic, dark: a refusal is said, the same id is sent again, and a known address links instead', async () => {
    const settings = { ...SETTINGS, language: 'ar', theme: 'dark' };
    const arabic = { ...WAITING, sender_name: 'سلمى عادل', body: 'مرحبًا، الماسح لا يعمل' };
    const refused = { err: { kind: 'server', code: 'conflict', message: 'salma@nile.example يخص شخصًا آخر' } };
    const { page, context, errors } = await openApp(
      harness,
      signedIn({ ...AGENT, user: { ...AGENT.user, locale: 'ar' } }, { get_settings: { ok: settings }, unmatched: { ok: [arabic] }, person_from_unmatched: [refused, refused] }),
      { colorScheme: 'dark' },
    );
    await page.getByTestId('nav-unmatched').click();
    const item = page.getByTestId('unmatched-item');
    await item.getByTestId('unmatched-new-person').click();
    const form = item.getByTestId('person-form');
    assert.equal(await form.getByTestId('person-language').inputValue(), 'ar', 'an Arabic message suggests Arabic');
    await form.getByTestId('person-email').fill('salma@nile.example');
    await form.getByTestId('person-org').selectOption({ label: 'Nile Trading' });
    await form.getByTestId('person-create').click();
    await form.getByTestId('person-error').filter({ hasText: 'لم يُنشأ' }).waitFor();
    await form.getByTestId('person-create').click();
    await page.waitForFunction(() => window.__calls.filter(([c]) => c === 'person_from_unmatched').length === 2);
    const [first, second] = await calls(page, 'person_from_unmatched');
    assert.equal(first.person.person_id, second.person.person_id, 'a retry is the same request');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/unmatched-new-person-ar-dark.png`, fullPage: true });
    // The customer's own address: link to them instead, with the picker filled.
    await form.getByTestId('person-email').fill(CUSTOMER.user.email);
    await form.getByTestId('person-link-instead').click();
    await item.getByTestId('chosen-customer').filter({ hasText: CUSTOMER.user.name }).waitFor();
    assert.ok(await item.getByTestId('unmatched-link').isEnabled());
    assert.deepEqual(errors, []);
    await context.close();
  });
});
