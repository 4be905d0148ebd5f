// Issue 24: the UI reloads what changed, once. The engine announces one reply with
// several events (the local change, outbox counts, the push and pull of a sync round);
// each screen reads the store again once for them, and only for what it shows. Headless
// Chromium with the Tauri commands stubbed; the events are the engine's, in its order
// (fixtures' `replyEvents`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CUSTOMER, DETAIL, OUTBOX, ROW_AR, SYNC, replyEvents, signedIn } from './fixtures.mjs';
import { openApp, startHarness } from './harness.mjs';

const count = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).length, name);
// Longer than lib/changes.ts's longest wait (MAX_WAIT_MS), so a second reload would show.
const settle = (page) => page.waitForTimeout(800);

/** Delivers engine events one task apart, as Tauri does, after a listener is there. */
async function deliver(page, payloads) {
  await page.waitForFunction(() => window.__calls.some(([c, a]) => c === 'plugin:event|listen' && a.event === 'engine-event'));
  await page.evaluate(async (events) => {
    for (const e of events) {
      await new Promise((r) => setTimeout(r, 0));
      window.__emit('engine-event', e);
    }
  }, payloads);
}

const changed = (ids) => ({ type: 'tickets_changed', data: { ticket_ids: ids } });

describe('reloads', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('one reply reads the open ticket again once, after all the events of its sync', async () => {
    const id = DETAIL.ticket.id;
    const reply = {
      id: '0190a1b2-0000-7000-8000-0000000000m9',
      ticket_id: id,
      author_id: CUSTOMER.user.id,
      author_name: CUSTOMER.user.name,
      author_role: 'customer',
      body: 'Still offline after the driver update.',
      visibility: 'public',
      created_at: new Date().toISOString(),
    };
    const events = replyEvents(id);
    const { page, context, errors } = await openApp(
      harness,
      signedIn(CUSTOMER, {
        ticket: [{ ok: DETAIL }, { ok: { ...DETAIL, messages: [...DETAIL.messages, reply] } }],
        add_message: { ok: reply.id, events: events.before, eventsAfter: events.after },
      }),
    );
    await page.evaluate(() => {
      // Counts the engine events the page received, to know the whole reply was delivered.
      window.__emitted = 0;
      const emit = window.__emit;
      window.__emit = (name, payload) => {
        if (name === 'engine-event') window.__emitted += 1;
        return emit(name, payload);
      };
    });
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('timeline').waitFor();
    await settle(page);
    const opened = await count(page, 'ticket');
    assert.equal(opened, 1, 'opening the ticket reads it once');

    await page.getByTestId('reply-body').fill(reply.body);
    await page.getByTestId('send-reply').click();
    await page.getByText(reply.body).waitFor();
    await page.waitForFunction((n) => window.__emitted === n, events.before.length + events.after.length);
    await settle(page);
    assert.equal(await count(page, 'add_message'), 1);
    assert.equal(await count(page, 'ticket'), opened + 1, 'one reply, one reload of the ticket');
    assert.equal(await count(page, 'list_tickets'), 1, 'the list, not on screen, is not read');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('the open ticket ignores changes of other tickets, and reloads once for "everything changed"', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('ticket-row').first().click();
    await page.getByTestId('timeline').waitFor();
    await settle(page);
    const opened = await count(page, 'ticket');

    // Another ticket, and an outbox answer while this one has nothing pending.
    await deliver(page, [changed([ROW_AR.id]), { type: 'sync_state', data: { ...SYNC, queued: 0 } }]);
    await settle(page);
    assert.equal(await count(page, 'ticket'), opened, 'nothing here changed');

    // A first sync names no tickets: everything may have changed.
    await deliver(page, [changed([]), changed([ROW_AR.id]), changed([DETAIL.ticket.id])]);
    await settle(page);
    assert.equal(await count(page, 'ticket'), opened + 1);
    await context.close();
  });

  it('the list and the outbox read the store once per burst of changes', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('ticket-list').waitFor();
    await settle(page);
    const listed = await count(page, 'list_tickets');
    const { before: local, after: synced } = replyEvents(DETAIL.ticket.id);
    await deliver(page, [...local, ...synced].map(([, e]) => e));
    await settle(page);
    assert.equal(await count(page, 'list_tickets'), listed + 1, 'one burst, one reload of the list');

    await page.getByTestId('nav-outbox').click();
    await page.getByTestId('outbox-item').first().waitFor();
    await settle(page);
    const read = await count(page, 'outbox');
    // A rejection arrives: counts move, then the pull of the same round names the ticket.
    await deliver(page, [
      { type: 'sync_state', data: { ...SYNC, syncing: true } },
      { type: 'sync_state', data: { ...SYNC, queued: SYNC.queued - 1, rejected: SYNC.rejected + 1 } },
      changed([OUTBOX[0].ticket_id]),
    ]);
    await settle(page);
    assert.equal(await count(page, 'outbox'), read + 1, 'one burst, one reload of the outbox');
    await context.close();
  });
});
