// The support terms in headless Chromium with the Tauri commands stubbed (issue 16):
// the customer's Support policy in English and Arabic (their terms, the named
// exclusions, the subscription's end, the response targets and business hours in
// effect); the acceptance asked before the organisation's first ticket under a new
// version, and after the server refused a ticket for it (accept and send again from the
// outbox); the first-line checklist of the
// category typed; staff resolving a ticket as outside the terms and the customer reading
// why in their language; the admin editing and publishing the terms and a checklist.
// No serious accessibility violations in ar/en × light/dark.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asAdmin } from './admin-fixtures.mjs';
import { AGENT, CUSTOMER, DETAIL, TICKET, signedIn } from './fixtures.mjs';
import { emit, openApp, seriousA11yViolations, startHarness } from './harness.mjs';

const calls = (page, name) => page.evaluate((n) => window.__calls.filter(([c]) => c === n).map(([, a]) => a), name);
const OFFLINE = { err: { kind: 'offline', code: null, message: 'connection refused' } };

const pages = (lang) => ({
  scope: lang === 'ar' ? 'يشمل الدعم أجهزة المكتب والشبكة.' : 'Support covers the office computers and network.',
  exclusions: lang === 'ar' ? 'بعض الطلبات لا تدخل ضمن هذه الشروط.' : 'Some requests fall outside these terms.',
  limitations: lang === 'ar' ? 'لا نسترجع البيانات غير المنسوخة.' : 'We do not recover data we did not back up.',
  obligations: lang === 'ar' ? 'الحفاظ على سداد الاشتراك.' : 'Keep your subscription paid.',
  channels: lang === 'ar' ? 'الهاتف من الأحد إلى الخميس ٩–١٧.' : 'Phone Sunday to Thursday, 09:00–17:00.',
});

const TERMS = {
  version: 2,
  content: {
    en: pages('en'),
    ar: pages('ar'),
    exclusions: [
      { key: 'personal_devices', en: 'Personal devices not listed in the subscription', ar: 'الأجهزة الشخصية غير المدرجة في الاشتراك' },
      { key: 'training', en: 'Training beyond how-to questions', ar: 'التدريب بما يتجاوز أسئلة الاستخدام' },
    ],
  },
  published_at: '2026-12-01T09:00:00Z',
  published_by_name: 'Huda Admin',
};

const ACCEPTED = {
  id: '0190a1b2-0000-7000-8000-0000000000b1',
  org_id: CUSTOMER.user.org_id,
  version: 2,
  user_id: CUSTOMER.user.id,
  user_name: 'Salma Hassan',
  accepted_at: '2026-12-02T10:00:00Z',
  ticket_id: TICKET.id,
};

const target = (first, resolution) => ({ first_response_minutes: first, resolution_minutes: resolution });

/** The response policy in effect: business hours in Riyadh, one holiday. */
const TARGETS = {
  version: 3,
  targets: { urgent: target(30, 240), high: target(120, 960), normal: target(480, 2400), low: target(1440, 4800) },
  business_hours: { time_zone: 'Asia/Riyadh', days: ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday'], opens: '08:00', closes: '16:30', holidays: ['2026-12-18'] },
  effective_from: '2026-11-20T06:00:00Z',
};

const policy = (over = {}) => ({ terms: TERMS, organisation: CUSTOMER.organisation, accepted: ACCEPTED, acceptance_queued: false, must_accept: false, targets: TARGETS, ...over });

const CHECKLISTS = [
  {
    id: '0190a1b2-0000-7000-8000-0000000000k0',
    category: '',
    items: [{ id: 'restarted', en: 'I restarted the device', ar: 'أعدت تشغيل الجهاز' }],
    updated_at: '2026-12-01T09:00:00Z',
  },
  {
    id: '0190a1b2-0000-7000-8000-0000000000k1',
    category: 'Printing',
    items: [
      { id: 'paper_checked', en: 'I checked the paper tray', ar: 'تحققت من درج الورق' },
      { id: 'printer_restarted', en: 'I switched the printer off and on', ar: 'أطفأت الطابعة وشغّلتها' },
    ],
    updated_at: '2026-12-01T09:00:00Z',
  },
];

describe('support terms', () => {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });

  it('shows the customer their support policy in English and in Arabic', async () => {
    const { page, context, errors } = await openApp(harness, signedIn(CUSTOMER, { support_policy: { ok: policy() } }));
    await page.getByTestId('nav-policy').click();
    await page.getByTestId('policy-version').waitFor();
    assert.match(await page.getByTestId('policy-version').innerText(), /Version 2, published on December 1, 2026/);
    assert.match(await page.getByTestId('policy-accepted').innerText(), /Accepted by Salma Hassan on December 2, 2026/);
    assert.match(await page.getByTestId('policy-subscription').innerText(), /Nile Trading's subscription runs until December 31, 2027/);
    assert.match(await page.getByTestId('policy-scope').innerText(), /What support covers\s+Support covers the office computers/);
    assert.match(await page.getByTestId('policy-channels').innerText(), /Phone Sunday to Thursday/);
    assert.deepEqual(await page.getByTestId('policy-exclusion').allInnerTexts(), [
      'Personal devices not listed in the subscription',
      'Training beyond how-to questions',
    ]);
    // The targets of each priority, exact, and the hours their clocks count in.
    assert.match(await page.getByTestId('policy-targets-clock').innerText(), /counted in business hours only/);
    assert.match(await page.getByTestId('policy-target-urgent').innerText(), /Urgent\s+30 minutes\s+4 hours/);
    assert.match(await page.getByTestId('policy-target-high').innerText(), /High\s+2 hours\s+16 hours/);
    assert.match(await page.getByTestId('policy-target-low').innerText(), /Low\s+24 hours\s+80 hours/);
    assert.match(await page.getByTestId('policy-hours').innerText(), /Business hours: Sunday, Monday, Tuesday, Wednesday, and Thursday, from 8:00\sAM to 4:30\sPM\s*Asia\/Riyadh/);
    assert.match(await page.getByTestId('policy-holidays').innerText(), /Closed on holidays: December 18, 2026\./);
    assert.match(await page.getByTestId('policy-targets-version').innerText(), /Targets version 3, for tickets filed since November 20, 2026/);
    // "On this page" jumps to a part and moves the focus there.
    await page.getByTestId('policy-jump-channels').click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'policy-channels');

    await page.getByTestId('language').selectOption('ar');
    await page.getByRole('heading', { name: 'ما يشمله الدعم' }).waitFor();
    assert.match(await page.getByTestId('policy-scope').innerText(), /يشمل الدعم أجهزة المكتب والشبكة/);
    assert.match(await page.getByTestId('policy-version').innerText(), /الإصدار ٢/);
    assert.deepEqual(await page.getByTestId('policy-exclusion').allInnerTexts(), [
      'الأجهزة الشخصية غير المدرجة في الاشتراك',
      'التدريب بما يتجاوز أسئلة الاستخدام',
    ]);
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.match(await page.getByTestId('policy-target-urgent').innerText(), /عاجلة?\s+٣٠ دقيقة\s+٤ ساعات/);
    assert.match(await page.getByTestId('policy-hours').innerText(), /ساعات العمل: الأحد والاثنين والثلاثاء والأربعاء والخميس، من/);
    assert.match(await page.getByTestId('policy-holidays').innerText(), /مغلق في العطل: ١٨ ديسمبر ٢٠٢٦/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('says when the targets have not reached this app yet, and a wall clock as such', async () => {
    const pending = await openApp(harness, signedIn(CUSTOMER, { support_policy: { ok: policy({ targets: null }) } }));
    await pending.page.getByTestId('nav-policy').click();
    assert.match(await pending.page.getByTestId('policy-targets-pending').innerText(), /once this app has synced/);
    await pending.context.close();
    const wall = { ...TARGETS, business_hours: null };
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { support_policy: { ok: policy({ targets: wall }) } }));
    await page.getByTestId('nav-policy').click();
    assert.match(await page.getByTestId('policy-targets-clock').innerText(), /counted around the clock/);
    assert.equal(await page.getByTestId('policy-hours').count(), 0);
    await context.close();
  });

  it('offers to accept the new version when the server refused a ticket for it, and sends it again', async () => {
    const refused = {
      id: '0190a1b2-0000-7000-8000-0000000000o9',
      seq: 9,
      ticket_id: TICKET.id,
      kind: 'create_ticket',
      state: 'rejected',
      error: { code: 'terms_not_accepted', message: 'version 2 of the support terms is in force' },
      depends_on: null,
      created_at: '2026-12-03T08:00:00Z',
      mutation: {
        type: 'create_ticket',
        data: {
          id: TICKET.id, title: 'Printer prints blank pages', description: 'Since this morning.', priority: 'normal', channel: 'desktop',
          category: null, contact: { name: null, email: null, phone: null }, checks: [], system_info: null, requester_id: null,
          lapsed_override: null, attachments: [], terms_version: null,
        },
      },
    };
    const { page, context, errors } = await openApp(
      harness,
      signedIn(CUSTOMER, { outbox: { ok: [refused] }, support_policy: { ok: policy({ accepted: null, must_accept: true }) }, resend: { ok: null } }),
    );
    await page.getByTestId('nav-outbox').click();
    assert.match(await page.getByTestId('outbox-reason').innerText(), /A new version of the support terms is in force/);
    await page.getByTestId('outbox-read-terms').click();
    await page.getByTestId('policy-must-accept').waitFor();
    await page.getByTestId('nav-outbox').click();
    await page.getByTestId('outbox-accept-terms').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'resend'));
    const sent = await calls(page, 'resend');
    assert.equal(sent.length, 1);
    assert.equal(sent[0].id, refused.id);
    assert.deepEqual(sent[0].edited, { type: 'create_ticket', data: { ...refused.mutation.data, terms_version: 2 } });

    await page.getByTestId('language').selectOption('ar');
    assert.match(await page.getByTestId('outbox-accept-terms').innerText(), /وافق على الإصدار ٢ من شروط الدعم وأعد الإرسال/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('says when nothing is published yet, and when the next ticket must accept a new version', async () => {
    const none = await openApp(harness, signedIn(CUSTOMER));
    await none.page.getByTestId('nav-policy').click();
    await none.page.getByTestId('policy-none').waitFor();
    await none.context.close();
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { support_policy: { ok: policy({ accepted: null, must_accept: true }) } }));
    await page.getByTestId('nav-policy').click();
    assert.match(await page.getByTestId('policy-must-accept').innerText(), /not accepted this version yet/);
    await context.close();
  });

  it('asks the customer to accept a new version before filing, and sends it with the ticket', async () => {
    const { page, context } = await openApp(
      harness,
      signedIn(CUSTOMER, {
        support_policy: { ok: policy({ accepted: null, must_accept: true }) },
        create_ticket: { ok: TICKET.id },
      }),
    );
    await page.getByTestId('nav-new').click();
    await page.getByTestId('terms-acceptance').waitFor();
    assert.match(await page.getByTestId('terms-acceptance').innerText(), /Support terms, version 2/);
    await page.getByTestId('new-title').fill('Printer offline');
    await page.getByTestId('new-description').fill('It says offline since this morning.');
    await page.getByTestId('file-ticket').click();
    await page.getByTestId('terms-required').waitFor();
    assert.deepEqual(await calls(page, 'create_ticket'), [], 'nothing filed without the acceptance');
    // The terms can be read in place.
    await page.getByTestId('terms-read').locator('summary').click();
    await page.getByText('Support covers the office computers and network.').waitFor();
    await page.getByTestId('accept-terms').check();
    await page.getByTestId('file-ticket').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'create_ticket'));
    const [sent] = await calls(page, 'create_ticket');
    assert.equal(sent.input.terms_version, 2);
    await context.close();
  });

  it('does not ask when the organisation accepted already', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { support_policy: { ok: policy() }, create_ticket: { ok: TICKET.id } }));
    await page.getByTestId('nav-new').click();
    await page.getByTestId('new-title').fill('Printer offline');
    await page.getByTestId('new-description').fill('Again.');
    await page.getByTestId('file-ticket').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'create_ticket'));
    assert.equal(await page.getByTestId('terms-acceptance').count(), 0);
    const [sent] = await calls(page, 'create_ticket');
    assert.equal(sent.input.terms_version, null);
    await context.close();
  });

  it("asks the checklist of the category typed, in the user's language", async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { checklists: { ok: CHECKLISTS }, create_ticket: { ok: TICKET.id } }));
    await page.getByTestId('nav-new').click();
    const labels = () => page.getByTestId('first-line-checks').locator('label').allInnerTexts();
    await page.getByText('I restarted the device').waitFor();
    assert.deepEqual((await labels()).map((l) => l.trim()), ['I restarted the device'], 'the default list');
    await page.getByTestId('new-category').fill('printing');
    await page.getByText('I checked the paper tray').waitFor();
    assert.deepEqual((await labels()).map((l) => l.trim()), ['I checked the paper tray', 'I switched the printer off and on']);
    await page.locator('[data-check="paper_checked"]').check();
    await page.getByTestId('language').selectOption('ar');
    await page.getByText('تحققت من درج الورق').waitFor();
    assert.deepEqual((await labels()).map((l) => l.trim()), ['تحققت من درج الورق', 'أطفأت الطابعة وشغّلتها']);
    await page.getByTestId('new-title').fill('الطابعة لا تطبع');
    await page.getByTestId('new-description').fill('منذ الصباح.');
    await page.getByTestId('file-ticket').click();
    await page.waitForFunction(() => window.__calls.some(([c]) => c === 'create_ticket'));
    const [sent] = await calls(page, 'create_ticket');
    assert.deepEqual(sent.input.checks, ['paper_checked']);
    assert.equal(sent.input.category, 'printing');
    await context.close();
  });

  it('without any checklist, asks the three built-in checks', async () => {
    const { page, context } = await openApp(harness, signedIn(CUSTOMER));
    await page.getByTestId('nav-new').click();
    await page.getByTestId('first-line-checks').waitFor();
    assert.equal(await page.getByTestId('first-line-check').count(), 3);
    await context.close();
  });

  it('lets staff resolve a ticket as outside the terms, and the customer reads why in Arabic', async () => {
    const staff = await openApp(harness, signedIn(AGENT, { support_policy: { ok: policy({ organisation: null, accepted: null }) }, resolve_out_of_scope: { ok: null } }));
    await staff.page.getByTestId('nav-tickets').waitFor();
    await emit(staff.page, 'open-ticket', TICKET.id);
    await staff.page.getByTestId('out-of-scope').waitFor();
    assert.equal(await staff.page.getByTestId('out-of-scope-submit').isDisabled(), true);
    await staff.page.getByTestId('out-of-scope-exclusion').selectOption('training');
    await staff.page.getByTestId('out-of-scope-submit').click();
    await staff.page.waitForFunction(() => window.__calls.some(([c]) => c === 'resolve_out_of_scope'));
    assert.deepEqual(await calls(staff.page, 'resolve_out_of_scope'), [{ ticket_id: TICKET.id, exclusion: 'training' }]);
    await staff.context.close();

    const solved = {
      ...DETAIL,
      ticket: { ...TICKET, status: 'solved' },
      events: [
        ...DETAIL.events,
        {
          id: '0190a1b2-0000-7000-8000-0000000000e9',
          ticket_id: TICKET.id,
          actor_id: AGENT.user.id,
          actor_name: 'Omar L1',
          kind: { type: 'out_of_scope', exclusion: 'training', terms_version: 2, label_en: 'Training beyond how-to questions', label_ar: 'التدريب بما يتجاوز أسئلة الاستخدام' },
          created_at: new Date().toISOString(),
        },
      ],
    };
    const { page, context } = await openApp(harness, signedIn(CUSTOMER, { ticket: { ok: solved }, support_policy: { ok: policy() } }));
    await page.getByTestId('nav-tickets').waitFor();
    await emit(page, 'open-ticket', TICKET.id);
    await page.getByText('Resolved as outside the support terms: Training beyond how-to questions').waitFor();
    assert.equal(await page.getByTestId('out-of-scope').count(), 0, 'customers have no such action');
    await page.getByTestId('language').selectOption('ar');
    await page.getByText('أُغلقت بوصفها خارج شروط الدعم: التدريب بما يتجاوز أسئلة الاستخدام').waitFor();
    await context.close();
  });

  it('lets the admin save a draft and publish it as the next version', async () => {
    const draftSaved = { published: TERMS, draft: { content: TERMS.content, saved_at: '2026-12-03T09:00:00Z', saved_by_name: 'Huda Admin' } };
    const { page, context } = await openApp(
      harness,
      asAdmin({
        admin_terms: [{ ok: { published: TERMS, draft: null } }, { ok: { published: { ...TERMS, version: 3 }, draft: null } }],
        admin_save_terms_draft: { ok: draftSaved },
        admin_publish_terms: { ok: { ...TERMS, version: 3 } },
      }),
    );
    await page.getByTestId('nav-terms').click();
    await page.getByTestId('terms-in-force').waitFor();
    assert.match(await page.getByTestId('terms-in-force').innerText(), /Version 2 is in force/);
    assert.equal(await page.getByTestId('terms-scope-ar').inputValue(), 'يشمل الدعم أجهزة المكتب والشبكة.');
    await page.getByTestId('terms-scope-en').fill('Support covers the office computers, network and phones.');
    await page.getByTestId('exclusion-add').click();
    await page.getByTestId('exclusion-key').nth(2).fill('physical_damage');
    await page.getByTestId('exclusion-en').nth(2).fill('Physical damage and spills');
    await page.getByTestId('exclusion-ar').nth(2).fill('الأضرار المادية وانسكاب السوائل');
    await page.getByTestId('terms-save').click();
    await page.getByText('Draft saved.', { exact: false }).first().waitFor();
    const [saved] = await calls(page, 'admin_save_terms_draft');
    assert.equal(saved.content.en.scope, 'Support covers the office computers, network and phones.');
    assert.deepEqual(saved.content.exclusions.map((e) => e.key), ['personal_devices', 'training', 'physical_damage']);
    assert.match(await page.getByTestId('terms-publish').innerText(), /Publish as version 3/);
    await page.getByTestId('terms-publish').click();
    await page.getByText('Version 3 published.', { exact: false }).first().waitFor();
    assert.equal((await calls(page, 'admin_publish_terms')).length, 1);
    await context.close();
  });

  it('says offline that editing the terms needs the server', async () => {
    const { page, context } = await openApp(harness, asAdmin({ admin_terms: OFFLINE }));
    await page.getByTestId('nav-terms').click();
    assert.match(await page.getByTestId('admin-error').innerText(), /needs the connection to the server/);
    await context.close();
  });

  it('lets the admin edit a category checklist in both languages', async () => {
    const { page, context } = await openApp(
      harness,
      asAdmin({ admin_checklists: { ok: { checklists: CHECKLISTS } }, admin_save_checklist: { ok: CHECKLISTS[1] } }),
    );
    await page.getByTestId('nav-checklists').click();
    await page.getByTestId('checklist-row').first().waitFor();
    assert.match(await page.getByTestId('checklist-row').first().innerText(), /Default \(every other category\)/);
    await page.getByTestId('checklist-open').nth(1).click();
    assert.equal(await page.getByTestId('checklist-category').inputValue(), 'Printing');
    await page.getByTestId('check-add').click();
    await page.getByTestId('check-id').nth(2).fill('cable_checked');
    await page.getByTestId('check-en').nth(2).fill('I checked the cable');
    await page.getByTestId('check-ar').nth(2).fill('تحققت من الكابل');
    await page.getByTestId('checklist-save').click();
    await page.getByText('Saved.', { exact: true }).first().waitFor();
    const [sent] = await calls(page, 'admin_save_checklist');
    assert.equal(sent.change.category, 'Printing');
    assert.deepEqual(sent.change.items.map((i) => i.id), ['paper_checked', 'printer_restarted', 'cable_checked']);
    assert.equal(sent.change.items[2].ar, 'تحققت من الكابل');
    await context.close();
  });

  for (const [lang, theme] of [
    ['en', 'light'],
    ['en', 'dark'],
    ['ar', 'light'],
    ['ar', 'dark'],
  ]) {
    it(`the terms screens have no serious accessibility violations (${lang}, ${theme})`, async () => {
      const found = {};
      const customer = await openApp(
        harness,
        signedIn(CUSTOMER, { support_policy: { ok: policy({ accepted: null, must_accept: true }) }, checklists: { ok: CHECKLISTS } }),
      );
      const c = customer.page;
      await c.getByTestId('nav-policy').waitFor();
      await c.getByTestId('language').selectOption(lang);
      await c.getByTestId('theme').selectOption(theme);
      await c.getByTestId('nav-policy').click();
      await c.getByTestId('policy-version').waitFor();
      found.policy = await seriousA11yViolations(c);
      await c.getByTestId('nav-new').click();
      await c.getByTestId('terms-acceptance').waitFor();
      found.new_ticket = await seriousA11yViolations(c);
      await customer.context.close();

      const admin = await openApp(
        harness,
        asAdmin({
          admin_terms: { ok: { published: TERMS, draft: null } },
          admin_checklists: { ok: { checklists: CHECKLISTS } },
          support_policy: { ok: policy({ organisation: null, accepted: null }) },
        }),
      );
      const a = admin.page;
      await a.getByTestId('nav-terms').waitFor();
      await a.getByTestId('language').selectOption(lang);
      await a.getByTestId('theme').selectOption(theme);
      await a.getByTestId('nav-terms').click();
      await a.getByTestId('terms-in-force').waitFor();
      found.terms = await seriousA11yViolations(a);
      await a.getByTestId('nav-checklists').click();
      await a.getByTestId('checklist-row').first().waitFor();
      await a.getByTestId('checklist-open').first().click();
      found.checklists = await seriousA11yViolations(a);
      await admin.context.close();
      for (const [screen, list] of Object.entries(found)) assert.deepEqual(list, [], `${screen} (${lang}, ${theme})`);
    });
  }
});
