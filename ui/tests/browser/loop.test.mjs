// Closing the loop on the customer's ticket page and the settings that go with it, in
// headless Chromium with the Tauri commands stubbed: Mark solved; "Was this resolved?"
// after staff solved it (Yes closes, No reopens); Reopen after the customer solved it;
// no button once the reopen window passed or the ticket is closed; staff never see the
// bar; a switch per alert kind for the role, the tray and start at sign-in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT, CUSTOMER, DETAIL, TICKET, signedIn } from './fixtures.mjs';
import { startHarness, openApp, emit } from './harness.mjs';

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);
const DAY = 24 * 3600_000;

/** The detail of TICKET in `status`, solved by `solver` (an account) when solved. */
function detail(status, { solver = AGENT, reopenUntil = null } = {}) {
  const solvedEvent = {
    id: '0190a1b2-0000-7000-8000-0000000000e9',
    ticket_id: TICKET.id,
    actor_id: solver.user.id,
    actor_name: solver.user.name,
    kind: { type: 'status_changed', from: 'open', to: 'solved' },
    created_at: new Date(Date.now() - 60_000).toISOString(),
  };
  const solved = status === 'solved' || status === 'closed';
  return {
    ...DETAIL,
    ticket: { ...TICKET, status, solved_at: solved ? solvedEvent.created_at : null, reopen_until: reopenUntil },
    events: solved ? [...DETAIL.events, solvedEvent] : DETAIL.events,
  };
}

async function openTicket(harness, account, view) {
  const opened = await openApp(harness, signedIn(account, { ticket: { ok: view }, update_ticket: { ok: null } }));
  await opened.page.getByTestId('ticket-list').waitFor();
  await emit(opened.page, 'open-ticket', TICKET.id);
  await opened.page.getByTestId('timeline').waitFor();
  return opened;
}

const statusSent = async (page) => {
  await page.waitForFunction(() => window.__calls.some(([c]) => c === 'update_ticket'));
  const last = (await calls(page, 'update_ticket')).at(-1);
  return { id: last.ticketId ?? last.ticket_id, changes: last.values ?? last.changes };
};

describe('closing the loop', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('lets the customer mark an open ticket solved', async () => {
    const { page, context, errors } = await openTicket(harness, CUSTOMER, detail('open'));
    assert.equal(await page.getByTestId('confirm-banner').count(), 0);
    await page.getByTestId('mark-solved').click();
    const sent = await statusSent(page);
    assert.deepEqual(JSON.stringify(sent.changes), JSON.stringify([{ field: 'status', value: 'solved' }]));
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('asks "Was this resolved?" when staff solved it: Yes closes, No reopens', async () => {
    for (const [button, status] of [
      ['confirm-yes', 'closed'],
      ['confirm-no', 'open'],
    ]) {
      const until = new Date(Date.now() + 14 * DAY).toISOString();
      const { page, context, errors } = await openTicket(harness, CUSTOMER, detail('solved', { reopenUntil: until }));
      const banner = page.getByTestId('confirm-banner');
      await banner.waitFor();
      assert.match(await banner.innerText(), /Was this resolved\?/);
      assert.match(await banner.innerText(), /reopen it until/);
      assert.equal(await page.getByTestId('mark-solved').count(), 0);
      await page.getByTestId(button).click();
      const sent = await statusSent(page);
      assert.equal(JSON.stringify(sent.changes), JSON.stringify([{ field: 'status', value: status }]), button);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });

  it('offers Reopen, not the question, when the customer solved it', async () => {
    const { page, context } = await openTicket(harness, CUSTOMER, detail('solved', { solver: CUSTOMER }));
    await page.getByTestId('reopen').waitFor();
    assert.equal(await page.getByTestId('confirm-banner').count(), 0);
    await page.getByTestId('reopen').click();
    const sent = await statusSent(page);
    assert.equal(JSON.stringify(sent.changes), JSON.stringify([{ field: 'status', value: 'open' }]));
    await context.close();
  });

  it('explains instead of offering a reopen once the window passed or the ticket is closed', async () => {
    const passed = detail('solved', { reopenUntil: new Date(Date.now() - DAY).toISOString() });
    let { page, context } = await openTicket(harness, CUSTOMER, passed);
    await page.getByTestId('loop-window-passed').waitFor();
    assert.match(await page.getByTestId('loop-window-passed').innerText(), /too long ago to reopen/);
    for (const id of ['confirm-yes', 'confirm-no', 'reopen', 'mark-solved']) assert.equal(await page.getByTestId(id).count(), 0, id);
    await context.close();

    ({ page, context } = await openTicket(harness, CUSTOMER, detail('closed')));
    await page.getByTestId('loop-closed').waitFor();
    for (const id of ['confirm-yes', 'confirm-no', 'reopen', 'mark-solved']) assert.equal(await page.getByTestId(id).count(), 0, id);
    // In Arabic too.
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-language').selectOption('ar');
    await emit(page, 'open-ticket', TICKET.id);
    await page.getByTestId('loop-closed').waitFor();
    assert.match(await page.getByTestId('loop-closed').innerText(), /مغلقة/);
    await context.close();
  });

  it('shows the response target while the ticket is open, and no empty one once solved', async () => {
    for (const [status, shown] of [
      ['open', 1],
      ['solved', 0],
      ['closed', 0],
    ]) {
      const { page, context, errors } = await openTicket(harness, CUSTOMER, detail(status));
      assert.equal(await page.getByTestId('response-target').count(), shown, status);
      assert.deepEqual(errors, []);
      await context.close();
    }
  });

  it('never shows the bar to staff', async () => {
    const { page, context } = await openTicket(harness, AGENT, detail('solved'));
    for (const id of ['confirm-banner', 'mark-solved', 'reopen', 'loop-closed']) assert.equal(await page.getByTestId(id).count(), 0, id);
    await context.close();
  });

  it('words the lifecycle events on the timeline', async () => {
    const view = detail('closed');
    view.events = [
      ...view.events,
      { ...view.events[0], id: '0190a1b2-0000-7000-8000-0000000000ea', actor_id: '00000000-0000-0000-0000-000000000000', actor_name: 'Tadhkira', kind: { type: 'auto_closed', after_days: 7 } },
    ];
    const { page, context } = await openTicket(harness, CUSTOMER, view);
    const texts = await page.getByTestId('timeline-event').allInnerTexts();
    assert.ok(texts.some((x) => x.includes('Tadhkira: Closed by itself after 7 days solved')), texts.join('\n'));
    await context.close();
  });
});

describe('notification and tray settings', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('shows the alert kinds of the role, one switch each, and stores them', async () => {
    const kinds = async (page) =>
      (await page.locator('[data-testid^="settings-alert-"]').evaluateAll((els) => els.map((e) => e.dataset.testid))).map((x) => x.replace('settings-alert-', ''));
    let { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('nav-settings').click();
    assert.deepEqual(await kinds(page), ['reply', 'solved', 'pending', 'reminder']);
    await page.getByTestId('settings-alert-solved').uncheck();
    let stored = (await calls(page, 'set_settings')).at(-1).settings;
    assert.equal(stored.alerts.solved, false);
    assert.equal(stored.alerts.reply, true);
    // Customers are not kept in the tray unless they ask.
    assert.equal(await page.getByTestId('settings-keep-in-tray').isChecked(), false);
    await context.close();

    ({ page, context } = await openApp(harness, signedIn(AGENT)));
    await page.getByTestId('nav-settings').click();
    assert.deepEqual(await kinds(page), ['reply', 'assigned', 'escalated', 'reopened']);
    // Staff are, by default; switching it off is stored as their choice.
    assert.equal(await page.getByTestId('settings-keep-in-tray').isChecked(), true);
    await page.getByTestId('settings-keep-in-tray').uncheck();
    stored = (await calls(page, 'set_settings')).at(-1).settings;
    assert.equal(stored.keep_in_tray, false);
    await page.getByTestId('settings-start-at-login').check();
    stored = (await calls(page, 'set_settings')).at(-1).settings;
    assert.equal(stored.start_at_login, true);
    await context.close();
  });
});
