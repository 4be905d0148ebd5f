// Browser-test harness: serves the built UI (dist/) on 127.0.0.1, starts headless
// Chromium (Debian's, through playwright-core) and stubs Tauri's IPC at the boundary:
// a fake window.__TAURI_INTERNALS__.invoke answers each command from a per-page table
// and records every call, so a test sees exactly what the UI asked Rust to do. Events
// the shell would emit (`open-ticket`, `navigate`, `engine-event`) are delivered to the
// UI's listeners through the same boundary with `emit(page, event, payload)`.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};
// The same policy as tauri.conf.json, so the browser tests catch anything it would block.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'";

/** Serves dist/ on a free loopback port. */
async function serveDist() {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`ui/dist is missing: run \`npm run build\` first (looked in ${DIST})`);
  }
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(DIST, path === '/' ? 'index.html' : path);
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CSP,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { server, url: `http://127.0.0.1:${port}/` };
}

/**
 * Starts the server and the browser. Call `close()` in `after()`.
 * @returns {Promise<{ url: string, browser: import('playwright-core').Browser, close: () => Promise<void> }>}
 */
export async function startHarness() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  const { server, url } = await serveDist();
  const stopServer = () => new Promise((resolve) => server.close(resolve));
  let browser;
  try {
    // playwright gives every launch a fresh temporary profile (--user-data-dir) itself.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (e) {
    await stopServer();
    throw e;
  }
  return {
    url,
    browser,
    async close() {
      await browser.close();
      await stopServer();
    },
  };
}

/**
 * A new page whose Tauri commands answer from `commands`: each entry is
 * `{ ok: value }`, `{ err: IpcError }`, or an array of those used in turn (the last one
 * repeats). An entry's `events` (`[event, payload]` pairs) are delivered one task apart
 * before it answers, as the engine announces a local change before its command returns;
 * its `eventsAfter` the same way after it answered (a sync round's, say).
 * `window.__calls` records `[command, args]` pairs. With `clock` (a time in ms)
 * the page's timers and Date run on a fake clock starting there.
 */
export async function openApp(harness, commands, { colorScheme = 'light', clock = null } = {}) {
  const context = await harness.browser.newContext({ colorScheme, locale: 'en-GB' });
  const page = await context.newPage();
  // A controllable clock (`page.clock.runFor(ms)`), for countdowns that tick.
  if (clock !== null) await page.clock.install({ time: clock });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.addInitScript((table) => {
    const calls = [];
    const used = {};
    let callbackId = 0;
    window.__calls = calls;
    // event name -> callback ids registered through plugin:event|listen
    const listeners = {};
    window.__emit = (event, payload) => {
      const ids = listeners[event] ?? [];
      for (const id of ids) window[`_${id}`]?.({ event, id: 0, payload });
      return ids.length;
    };
    window.__TAURI_INTERNALS__ = {
      metadata: { currentWindow: { label: 'main' }, currentWebview: { label: 'main', windowLabel: 'main' } },
      transformCallback(callback) {
        const id = ++callbackId;
        window[`_${id}`] = callback;
        return id;
      },
      async invoke(cmd, args) {
        calls.push([cmd, args ?? {}]);
        let entry = table[cmd];
        if (cmd === 'plugin:event|listen') {
          (listeners[args.event] ??= []).push(args.handler);
          return args.handler;
        }
        if (entry === undefined) {
          if (cmd.startsWith('plugin:event|')) return 0;
          throw { kind: 'internal', code: null, message: `no stub for ${cmd}` };
        }
        if (Array.isArray(entry)) {
          const i = used[cmd] ?? 0;
          used[cmd] = i + 1;
          entry = entry[Math.min(i, entry.length - 1)];
        }
        // No timer unless asked: a paused fake clock (openApp's `clock`) would never fire it.
        if (entry.delayMs) await new Promise((r) => setTimeout(r, entry.delayMs));
        const deliver = async (events) => {
          for (const [name, payload] of events) {
            await new Promise((r) => setTimeout(r, 0));
            window.__emit(name, payload);
          }
        };
        if (entry.events) await deliver(entry.events);
        if (entry.eventsAfter) setTimeout(() => void deliver(entry.eventsAfter), 0);
        if ('err' in entry) throw entry.err;
        if ('pages' in entry) {
          // A large ticket store: rows made on demand for the requested window.
          const { offset, limit } = args.query;
          const rows = [];
          for (let i = offset; i < Math.min(entry.pages.total, offset + limit); i++) {
            rows.push({ ...entry.pages.row, id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`, number: i + 1, title: `Ticket ${i + 1}` });
          }
          return { rows, total: entry.pages.total };
        }
        return entry.ok;
      },
    };
  }, commands);
  await page.goto(harness.url);
  return { page, errors, context };
}

/** Runs axe-core on the page and returns its serious and critical violations. */
export async function seriousA11yViolations(page) {
  const axePath = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));
  // Injected through the devtools protocol, so the page's CSP does not apply to it.
  await page.evaluate(await readFile(axePath, 'utf8'));
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}



/** Delivers a shell event to the page's listeners, as Rust's `emit` would; waits until one listens. */
export async function emit(page, event, payload) {
  await page.waitForFunction(
    (name) => window.__calls.some(([c, a]) => c === 'plugin:event|listen' && a.event === name),
    event,
  );
  return page.evaluate(([name, value]) => window.__emit(name, value), [event, payload]);
}
