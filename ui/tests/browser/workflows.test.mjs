// Issue 5's list and outbox workflows and the shell's events, in headless Chromium with
// the Tauri commands stubbed: staff queues and filters, response-target countdowns that
// tick without refetching, editing a rejected ticket before sending it again, and the
// `open-ticket` / `navigate` events the notifications and the tray emit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT, CUSTOMER, DETAIL, OUTBOX, PAGE, REJECTED_CREATE, ROW, SYNC, signedIn } from './fixtures.mjs';
import { emit, openApp, startHarness } from './harness.mjs';

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);
const lastQuery = async (page) => (await calls(page, 'list_tickets')).at(-1).query;

describe('workflows', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('gives staff a breaching queue and filters by channel, tier and assignee', async () => {
    const assigned = { ...ROW, id: '0190a1b2-0000-7000-8000-0000000000f9', assignee_id: '0190a1b2-0000-7000-8000-0000000000a2', assignee_name: 'Layla L2' };
    const { page, context, errors } = await openApp(harness, signedIn(AGENT, { list_tickets: { ok: { rows: [...PAGE.rows, assigned], total: 3 } } }));
    await page.getByTestId('ticket-list').waitFor();
    await page.getByRole('button', { name: 'Breaching' }).click();
    await page.waitForFunction(() => window.__calls.some(([c, a]) => c === 'list_tickets' && a.query.queue === 'breaching'));
    await page.getByTestId('filter-channel').selectOption('phone');
    await page.getByTestId('filter-tier').selectOption('2');
    // The assignee choices: anyone, me, then by name the staff directory and anyone the
    // store has shown as an assignee (Layla is in both, once).
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="filter-assignee"] option').length === 4);
    const choices = await page.getByTestId('filter-assignee').locator('option').allInnerTexts();
    assert.deepEqual(choices, ['Any', 'Me', 'Karim L3', 'Layla L2']);
    await page.getByTestId('filter-assignee').selectOption({ label: 'Layla L2' });
    await page.getByTestId('sort').selectOption('due');
    await page.waitForFunction(() => window.__calls.some(([c, a]) => c === 'list_tickets' && a.query.sort === 'due'));
    const q = await lastQuery(page);
    assert.equal(q.queue, 'breaching');
    assert.equal(q.channel, 'phone');
    assert.equal(q.tier, 2);
    assert.equal(q.assignee_id, assigned.assignee_id);
    assert.equal(q.sort, 'due');
    // Every filter is a labelled control the keyboard reaches.
    for (const id of ['filter-status', 'filter-priority', 'filter-channel', 'filter-tier', 'filter-assignee', 'sort']) {
      const label = await page.getByTestId(id).evaluate((el) => el.labels?.[0]?.innerText.trim() ?? '');
      assert.ok(label.length > 0, `${id} has a label`);
    }
    await page.getByTestId('search').focus();
    const reached = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')));
    }
    for (const id of ['filter-channel', 'filter-tier', 'filter-assignee', 'sort']) assert.ok(reached.includes(id), `${id} reached by Tab: ${reached}`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('customers get no tier or assignee filter', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('ticket-list').waitFor();
    assert.equal(await page.getByTestId('filter-channel').count(), 1);
    assert.equal(await page.getByTestId('filter-tier').count(), 0);
    assert.equal(await page.getByTestId('filter-assignee').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Breaching' }).count(), 0);
    await context.close();
  });

  it("shows a customer the ticket's channel but not its tier or assignee (internal handling)", async () => {
    const detail = { ...DETAIL, ticket: { ...DETAIL.ticket, tier: 2, assignee_id: null, assignee_name: null } };
    const { page, context, errors } = await openApp(harness, signedIn(CUSTOMER, { ticket: { ok: detail } }));
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('ticket-title').waitFor();
    const facts = await page.locator('dl.facts').innerText();
    assert.match(facts, /Channel/);
    assert.doesNotMatch(facts, /Tier|Assignee|Unassigned/);
    await context.close();
    // Staff see both.
    const staffView = await openApp(harness, signedIn(AGENT, { ticket: { ok: detail } }));
    await staffView.page.getByTestId('ticket-row').first().click();
    await staffView.page.getByTestId('ticket-title').waitFor();
    assert.match(await staffView.page.locator('dl.facts').innerText(), /Tier 2[\s\S]*Assignee/);
    assert.deepEqual(errors, []);
    await staffView.context.close();
  });

  it('counts response targets down live, in the list and the detail, without refetching', async () => {
    const start = Date.parse('2026-11-25T10:00:00Z');
    const row = {
      ...ROW,
      first_response_due_at: new Date(start + 12 * 60_000 + 10_000).toISOString(),
      resolution_due_at: new Date(start + 8 * 3600_000).toISOString(),
    };
    const overdue = { ...ROW, id: '0190a1b2-0000-7000-8000-0000000000f8', number: 7, first_response_due_at: null, resolution_due_at: new Date(start - 3 * 3600_000).toISOString(), breaching: true };
    const paused = { ...ROW, id: '0190a1b2-0000-7000-8000-0000000000f7', number: 8, status: 'pending', sla_paused: true };
    const detail = { ...DETAIL, ticket: { ...DETAIL.ticket, first_response_due_at: row.first_response_due_at, resolution_due_at: row.resolution_due_at } };
    const { page, context } = await openApp(
      harness,
      signedIn(AGENT, { list_tickets: { ok: { rows: [row, overdue, paused], total: 3 } }, ticket: { ok: detail } }),
      { clock: start },
    );
    const countdowns = page.getByTestId('countdown');
    await countdowns.first().waitFor();
    // From here on the clock moves only when the test says so.
    await page.clock.pauseAt(start + 10_000);
    assert.deepEqual(await countdowns.allInnerTexts(), ['Reply due in 12 minutes', 'Overdue by 3 hours', 'Clock paused']);
    assert.equal(await countdowns.nth(1).getAttribute('data-state'), 'overdue');
    const fetched = (await calls(page, 'list_tickets')).length;
    await page.clock.runFor(60_000);
    await page.getByText('Reply due in 11 minutes').waitFor();
    await page.clock.runFor(12 * 60_000);
    await page.getByText('Reply overdue by 1 minute').waitFor();
    assert.equal((await calls(page, 'list_tickets')).length, fetched, 'ticking does not refetch');

    // In Arabic, with its digits, through Intl.
    await page.getByTestId('language').selectOption('ar');
    assert.equal(await countdowns.first().innerText(), 'الرد متأخر بمقدار دقيقة');
    assert.match(await countdowns.nth(1).innerText(), /متأخرة بمقدار ٣ ساعات/);
    await page.getByTestId('language').selectOption('en');

    // The detail shows the same countdown, ticking too.
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('timeline').waitFor();
    const inDetail = page.locator('.facts [data-testid="countdown"]');
    assert.equal(await inDetail.innerText(), 'Reply overdue by 1 minute');
    const opened = (await calls(page, 'ticket')).length;
    await page.clock.runFor(2 * 60_000);
    await page.locator('.facts [data-testid="countdown"]', { hasText: 'Reply overdue by 3 minutes' }).waitFor();
    assert.equal((await calls(page, 'ticket')).length, opened, 'ticking does not refetch the ticket');
    await context.close();
  });

  it('counts down by the server\'s clock when this machine\'s clock is off', async () => {
    // This machine's clock reads two hours ahead of the server's; the engine measured it.
    const machine = Date.parse('2026-11-25T12:00:00Z');
    const server = machine - 2 * 3600_000;
    const row = { ...ROW, first_response_due_at: new Date(server + 30 * 60_000 + 10_000).toISOString(), resolution_due_at: null };
    const { page, context, errors } = await openApp(
      harness,
      signedIn(AGENT, { list_tickets: { ok: { rows: [row], total: 1 } }, sync_state: { ok: { ...SYNC, server_clock_offset_ms: server - machine } } }),
      { clock: machine },
    );
    const countdown = page.getByTestId('countdown');
    await countdown.first().waitFor();
    await page.clock.pauseAt(machine + 5_000);
    // By the machine's own clock it would read "overdue by 1 hour".
    await page.getByText('Reply due in 30 minutes').waitFor();
    // The machine's clock is set right: the next measurement says so, and the countdown follows.
    await page.waitForFunction(() => window.__calls.some(([c, a]) => c === 'plugin:event|listen' && a.event === 'engine-event'));
    await emit(page, 'engine-event', { type: 'sync_state', data: { ...SYNC, server_clock_offset_ms: 0 } });
    await page.locator('[data-testid="countdown"][data-state="overdue"]').waitFor();
    assert.match(await countdown.first().innerText(), /^Reply overdue by \d hours?$/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('edits a rejected ticket creation and sends the edited change again', async () => {
    const { page, context, errors } = await openApp(harness, signedIn(CUSTOMER, { outbox: { ok: [REJECTED_CREATE] }, resend: { ok: null } }));
    await page.getByTestId('nav-outbox').click();
    const item = page.getByTestId('outbox-item');
    await item.waitFor();
    assert.match(await item.innerText(), /subscription has lapsed/);
    await page.getByTestId('edit').click();
    assert.equal(await page.getByTestId('edit-title').inputValue(), 'Scanner jams');
    assert.equal(await page.getByTestId('edit-description').inputValue(), 'Every second page.');

    // An emptied title is refused before anything is sent.
    await page.getByTestId('edit-title').fill('  ');
    await page.getByTestId('send-edited').click();
    await page.getByRole('alert').filter({ hasText: 'cannot be empty' }).waitFor();
    assert.deepEqual(await calls(page, 'resend'), []);

    await page.getByTestId('edit-title').fill('Scanner jams on every second page');
    await page.getByTestId('edit-description').fill('Since the firmware update.');
    await page.getByTestId('edit-priority').selectOption('high');
    await page.getByTestId('send-edited').click();
    await page.getByTestId('outbox-edit').waitFor({ state: 'detached' });
    const [sent] = await calls(page, 'resend');
    assert.equal(sent.id, REJECTED_CREATE.id);
    assert.deepEqual(sent.edited, {
      type: 'create_ticket',
      data: {
        ...REJECTED_CREATE.mutation.data,
        title: 'Scanner jams on every second page',
        description: 'Since the firmware update.',
        priority: 'high',
      },
    });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("asks staff for the override reason when their ticket for a lapsed organisation was refused", async () => {
    const staffs = {
      ...REJECTED_CREATE,
      mutation: { type: 'create_ticket', data: { ...REJECTED_CREATE.mutation.data, requester_id: CUSTOMER.user.id, channel: 'phone' } },
    };
    const { page, context, errors } = await openApp(harness, signedIn(AGENT, { outbox: { ok: [staffs] }, resend: { ok: null } }));
    await page.getByTestId('nav-outbox').click();
    // Worded for staff: it is the customer's subscription, not "your organisation's".
    assert.match(await page.getByTestId('outbox-reason').first().innerText(), /customer’s organisation’s subscription has lapsed/);
    await page.getByTestId('edit').click();
    await page.getByTestId('edit-override').waitFor();
    // No reason, nothing sent.
    await page.getByTestId('send-edited').click();
    await page.getByRole('alert').filter({ hasText: 'cannot be empty' }).waitFor();
    assert.deepEqual(await calls(page, 'resend'), []);
    await page.getByTestId('edit-override').fill(' Renewal paid, finance to confirm ');
    await page.getByTestId('send-edited').click();
    await page.getByTestId('outbox-edit').waitFor({ state: 'detached' });
    const [sent] = await calls(page, 'resend');
    assert.equal(sent.edited.data.lapsed_override, 'Renewal paid, finance to confirm');
    assert.equal(sent.edited.data.requester_id, CUSTOMER.user.id);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('edits a rejected reply, and cancelling an edit sends nothing', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { resend: { ok: null } }));
    await page.getByTestId('nav-outbox').click();
    await page.getByTestId('edit').click();
    assert.equal(await page.getByTestId('edit-body').inputValue(), OUTBOX[1].mutation.data.body);
    await page.getByTestId('cancel-edit').click();
    assert.equal(await page.getByTestId('outbox-edit').count(), 0);
    await page.getByTestId('edit').click();
    await page.getByTestId('edit-body').fill('Plain reply');
    await page.getByTestId('send-edited').click();
    await page.getByTestId('outbox-edit').waitFor({ state: 'detached' });
    assert.deepEqual(await calls(page, 'resend'), [
      { id: OUTBOX[1].id, edited: { type: 'add_message', data: { ...OUTBOX[1].mutation.data, body: 'Plain reply' } } },
    ]);
    await context.close();
  });

  it('opens a ticket on `open-ticket` (a clicked notification) and the new-ticket form on `navigate`', async () => {
    const { page, context, errors } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('ticket-list').waitFor();
    assert.equal(await emit(page, 'open-ticket', DETAIL.ticket.id), 1);
    await page.getByTestId('timeline').waitFor();
    assert.deepEqual((await calls(page, 'ticket')).at(-1), { reference: DETAIL.ticket.id });
    assert.equal(await emit(page, 'navigate', 'new-ticket'), 1);
    await page.getByTestId('new-title').waitFor();
    assert.equal(await page.locator('main h1').innerText(), 'New ticket');
    await emit(page, 'navigate', 'outbox');
    await page.locator('#outbox-title').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('announces new replies politely, in the chosen language', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('ticket-list').waitFor();
    const alert = { ticket_id: DETAIL.ticket.id, ticket_number: 1042, title: 'x', body: 'y', count: 1, message_ids: ['m'] };
    await emit(page, 'engine-event', { type: 'alert', data: alert });
    const region = page.getByTestId('live-replies');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    await page.getByTestId('live-replies').filter({ hasText: 'New reply on #1042' }).waitFor();
    await page.getByTestId('language').selectOption('ar');
    await emit(page, 'engine-event', { type: 'alert', data: { ...alert, count: 3 } });
    await page.getByTestId('live-replies').filter({ hasText: '٣ ردود جديدة' }).waitFor();
    await context.close();
  });
});

describe('outbox answers', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('shows a rejection as soon as the sync state says one arrived, without a ticket change', async () => {
    const queued = { ...REJECTED_CREATE, state: 'queued', error: null };
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { outbox: [{ ok: [queued] }, { ok: [REJECTED_CREATE] }] }));
    await page.getByTestId('nav-outbox').click();
    await page.locator('[data-testid="outbox-item"][data-state="queued"]').waitFor();
    const state = await page.evaluate(() => window.__calls.find(([c]) => c === 'sync_state'));
    assert.ok(state, 'the app read the sync state');
    await emit(page, 'engine-event', { type: 'sync_state', data: { ...SYNC, queued: 1, rejected: 2 } });
    await page.locator('[data-testid="outbox-item"][data-state="rejected"]').waitFor();
    await context.close();
  });
});
