// `cargo xtask bench`: measures the console and the server at 10,000 and 100,000 members and
// prints one line per figure, `bench <name> <value> <unit> budget <budget> <unit>`
// (`budget none` where there is none), plus `#` lines that say where the time went.
// A measurement, not a test: a figure over its budget does not fail it.
//
// Needs ALLOT_SERVER_BIN (a release allot-server) and ALLOT_DIST (the release console);
// CHROMIUM defaults to /usr/bin/chromium. BENCH_SAMPLES sets the fresh contexts per figure.
// ALLOT_BENCH_POSTGRES adds the API figures on PostgreSQL (see postgresFigures).
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, launchBrowser, OWNER, PASSWORD, signIn } from '../e2e/harness.mjs';

const SAMPLES = Number(process.env.BENCH_SAMPLES || 5);
const ACTIVE = '/orgs/1/users/active';
const here = dirname(fileURLToPath(import.meta.url));

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the benchmark through \`cargo xtask bench\``);
  return value;
}

// ---------------------------------------------------------------------------------------
// Output

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
const fixed = (value) => (Number.isFinite(value) ? (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1)) : 'NaN');

function figure(name, value, unit, budget) {
  const over = Number.isFinite(budget) && !(value <= budget) ? '  (over budget)' : '';
  console.log(`bench ${name} ${fixed(value)} ${unit} budget ${budget ?? 'none'} ${unit}${over}`);
}
const note = (text) => console.log(`# ${text}`);

// ---------------------------------------------------------------------------------------
// Servers

/**
 * A release allot-server with a fresh demo of `members` active members on a free port: on a
 * new SQLite file, or on the empty PostgreSQL database `postgres` names.
 */
async function startServer(members, postgres) {
  const dir = mkdtempSync(join(tmpdir(), 'allot-bench-'));
  const secret = join(dir, 'allot.secret');
  writeFileSync(secret, randomBytes(32), { mode: 0o600 });
  const child = spawn(required('ALLOT_SERVER_BIN'), [
    '--demo', '--demo-members', String(members), '--static', required('ALLOT_DIST'),
    '--db', postgres ?? `sqlite://${join(dir, 'allot.db')}`, '--secret-file', secret,
    '--listen', '127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ALLOT_LOG: 'warn' } });
  let seen = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${seen}`)), 180_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/Allot listening on (http:\/\/\S+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${seen}`)));
  });
  const seeded = seen.match(/in ([\d.]+) s\./);
  if (seeded) note(`seeding ${members} members took ${seeded[1]} s (release build)`);
  return {
    url,
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function api(base, method, path, token, body) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const bearerOf = async (base, email) =>
  (await api(base, 'POST', '/session', null, { email, password: PASSWORD, bearer: true })).token;
const bearer = (base) => bearerOf(base, OWNER);

/** `count` active Members (role Member) from the end of the list, away from the demo accounts. */
async function plainMembers(base, token, count) {
  const snapshot = await api(base, 'GET', '/orgs/1/members', token);
  return snapshot.members.filter((m) => m.status === 'active' && m.role === 'member').slice(-count - 10, -10);
}

// ---------------------------------------------------------------------------------------
// In the page

/**
 * Installed before any of the console's scripts on every navigation: records, relative to
 * the navigation's start (performance.timeOrigin), when the first member row is in the DOM
 * and when each summary text appeared, keeps the wasm instance, and times keystrokes and
 * clicks until the DOM stops changing and the next frame after that.
 */
function instrument() {
  const bench = (window.__bench = { firstRow: null, summaries: {}, samples: [], current: null, wasm: null });
  document.addEventListener('allot:started', (event) => { bench.wasm = event.detail; });
  // The console renders in the shadow root of <allot-console>: look there, and watch it.
  const roots = [document];
  const query = (selector) => roots.map((root) => root.querySelector(selector)).find(Boolean);
  window.__benchQueryAll = (selector) => roots.flatMap((root) => [...root.querySelectorAll(selector)]);
  window.__benchRoots = roots;
  let mutations = 0;
  const observer = new MutationObserver(() => {
    const now = performance.now();
    if (bench.firstRow === null
      && query('table[aria-label="active users"] tbody tr:not(.spacer)')) {
      bench.firstRow = now;
    }
    const summary = query('.summary')?.textContent;
    if (summary && !(summary in bench.summaries)) bench.summaries[summary] = now;
    const sample = bench.current;
    if (!sample || now - sample.start > 5000) return;
    sample.dom = now;
    sample.selection = query('.selection')?.textContent ?? '';
    if (sample.until && sample.selection === sample.until && sample.reached === null) sample.reached = now;
    const mine = ++mutations;
    // The frame that shows this change: after the next animation frame's rendering.
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { if (mine === mutations) sample.frame = performance.now(); };
      channel.port2.postMessage(null);
    });
  });
  const watching = { subtree: true, childList: true, characterData: true, attributes: true };
  const start = () => observer.observe(document.documentElement, watching);
  if (document.documentElement) start(); else addEventListener('DOMContentLoaded', start);
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    roots.unshift(root);
    observer.observe(root, watching);
    return root;
  };
  const begin = (event) => {
    if (!bench.armed) return;
    const sample = { kind: event.type, key: event.key, start: event.timeStamp, dom: null, frame: null,
      until: bench.armed.until ?? null, reached: null, selection: null };
    bench.current = sample;
    bench.samples.push(sample);
  };
  addEventListener('keydown', begin, true);
  addEventListener('click', begin, true);
}

/** A fresh context, signed in as the owner, with a cold HTTP cache and the instrumentation. */
async function signedInPage(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(instrument);
  const page = await context.newPage();
  await signIn(page, base, OWNER);
  await page.getByRole('table', { name: 'active users' }).waitFor({ timeout: 120_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  return { context, page, cdp };
}

/**
 * A first visit: a fresh context (no HTTP cache, nothing compiled) holding only a session
 * made through the API, as after signing in elsewhere; ms to the first member row.
 */
async function firstVisit(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(instrument);
  const session = await context.request.post(`${base}/api/v1/session`, {
    data: { email: OWNER, password: PASSWORD }, headers: { origin: base },
  });
  if (!session.ok()) throw new Error(`sign-in through the API: ${session.status()}`);
  const page = await context.newPage();
  const result = await coldLoad(page, base);
  await context.close();
  return result;
}

/** A fresh navigation to Active Users; ms from navigation start to the first member row. */
async function coldLoad(page, base) {
  await page.goto(`${base}${ACTIVE}`);
  await page.waitForFunction(() => window.__bench?.firstRow !== null, null, { timeout: 120_000 });
  return page.evaluate(() => {
    const resources = performance.getEntriesByType('resource');
    const [members] = resources.filter((e) => e.name.endsWith('/members'));
    const [wasm] = resources.filter((e) => e.name.endsWith('.wasm'));
    // What the server sent of the console's code and styles, as sent (compressed).
    const code = resources.filter((e) => /\.(wasm|js|css)$/.test(new URL(e.name).pathname));
    return {
      codeBytes: code.reduce((sum, e) => sum + e.encodedBodySize, 0),
      firstRow: window.__bench.firstRow,
      membersRequest: members?.requestStart,
      membersFirstByte: members?.responseStart,
      membersEnd: members?.responseEnd,
      membersBytes: members?.encodedBodySize,
      membersDecoded: members?.decodedBodySize,
      wasmEnd: wasm?.responseEnd,
    };
  });
}

// ---------------------------------------------------------------------------------------
// Figures

/** The console's files as built, and their precompressed copies, which are what is served. */
function consoleSize(dist) {
  const files = readdirSync(dist).filter((f) => /\.(wasm|js|css)$/.test(f));
  let raw = 0, gzip = 0, brotli = 0;
  for (const file of files) {
    const size = (name) => statSync(join(dist, name)).size;
    raw += size(file);
    gzip += size(`${file}.gz`);
    brotli += size(`${file}.br`);
    note(`console file ${file}: ${(size(file) / 1000).toFixed(1)} kB raw, ${(size(`${file}.br`) / 1000).toFixed(1)} kB brotli`);
  }
  figure('console.raw', raw / 1000, 'kB', null);
  figure('console.gzip', gzip / 1000, 'kB', null);
  figure('console.brotli', brotli / 1000, 'kB', 150);
}

/**
 * Load figures: a first visit (the budget's), and a returning visit, where the renderer
 * still holds the compiled wasm of the sign-in before it and only the HTTP cache is cleared.
 */
async function loadFigures(browser, base, label, budget) {
  const first = [];
  for (let i = 0; i < SAMPLES; i++) first.push(await firstVisit(browser, base));
  figure(`load.first.${label}`, median(first.map((r) => r.firstRow)), 'ms', budget);
  note(`load.first.${label} samples: ${first.map((r) => fixed(r.firstRow)).join(', ')} ms; wasm loaded `
    + `${fixed(median(first.map((r) => r.wasmEnd)))} ms; console code served `
    + `${fixed(median(first.map((r) => r.codeBytes)) / 1000)} kB`);
  const runs = [];
  for (let i = 0; i < SAMPLES; i++) {
    const { context, page } = await signedInPage(browser, base);
    runs.push(await coldLoad(page, base));
    await context.close();
  }
  figure(`load.returning.${label}`, median(runs.map((r) => r.firstRow)), 'ms', null);
  const m = (key) => fixed(median(runs.map((r) => r[key])));
  note(`load.${label} medians from navigation start: wasm loaded ${m('wasmEnd')} ms, members requested `
    + `${m('membersRequest')} ms, first byte ${m('membersFirstByte')} ms, received ${m('membersEnd')} ms `
    + `(${fixed(median(runs.map((r) => r.membersBytes)) / 1e6)} MB compressed, `
    + `${fixed(median(runs.map((r) => r.membersDecoded)) / 1e6)} MB JSON), first row ${m('firstRow')} ms`);
  note(`load.${label} samples: ${runs.map((r) => fixed(r.firstRow)).join(', ')} ms`);
}

async function memoryFigure(page, cdp) {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const js = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  const wasm = await page.evaluate(() => window.__bench.wasm?.memory?.buffer.byteLength ?? NaN);
  figure('memory.100k.js_heap', js / 1e6, 'MB', null);
  figure('memory.100k.wasm', wasm / 1e6, 'MB', null);
  figure('memory.100k.total', (js + wasm) / 1e6, 'MB', 35);
}

/** Waits until the sample in progress has settled: no DOM change for 150 ms, frame seen. */
async function settled(page) {
  await page.waitForFunction(() => {
    const s = window.__bench.current;
    const now = performance.now();
    if (!s) return true;
    if (s.dom === null) return now - s.start > 400; // the keystroke changed nothing
    return s.frame !== null && now - s.dom > 150;
  }, null, { timeout: 30_000, polling: 20 });
}

/**
 * Runs `action` under Chromium's sampling profiler and prints where the main thread spent
 * its time: the functions with the most self time (the release wasm has no name section, so
 * its functions show as wasm-function[N]), and wasm, JS, GC and the rest (style, layout,
 * paint, idle) in total.
 */
async function profiled(cdp, label, action) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  try {
    await action();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map();
    const kinds = new Map();
    profile.samples.forEach((id, i) => {
      const { functionName, url } = byId.get(id).callFrame;
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const wasm = url.endsWith('.wasm') || /^(\$|wasm-function)/.test(functionName);
      const name = `${functionName || '(anonymous)'}${wasm ? ' [wasm]' : ''}`;
      self.set(name, (self.get(name) ?? 0) + dt);
      const kind = wasm ? 'wasm' : functionName === '(garbage collector)' ? 'gc'
        : functionName === '(idle)' ? 'idle' : functionName.startsWith('(') ? 'other' : 'js';
      kinds.set(kind, (kinds.get(kind) ?? 0) + dt);
    });
    const top = [...self].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 6);
    note(`${label} profile: ${[...kinds].map(([k, ms]) => `${k} ${fixed(ms)} ms`).join(', ')}`);
    note(`${label} top self time: ${top.map(([name, ms]) => `${name} ${fixed(ms)} ms`).join('; ')}`);
    await cdp.send('Profiler.disable');
  }
}

async function searchFigures(page) {
  const search = page.getByRole('searchbox', { name: 'Search active users' });
  await search.click();
  await page.evaluate(() => { window.__bench.armed = {}; window.__bench.samples = []; });
  // Real names of the demo, typed and then erased, as an admin looks people up.
  for (const word of ['olivia', 'chen', 'kowalski', 'zoe martin', 'ibrahim']) {
    for (const key of word) {
      await page.keyboard.press(key === ' ' ? 'Space' : key);
      await settled(page);
    }
    for (let i = 0; i < word.length; i++) {
      await page.keyboard.press('Backspace');
      await settled(page);
    }
  }
  const samples = await page.evaluate(() => {
    const { samples } = window.__bench;
    window.__bench.armed = null;
    window.__bench.current = null;
    return samples.map((s) => ({ dom: s.dom === null ? null : s.dom - s.start,
      frame: s.frame === null ? null : s.frame - s.start }));
  });
  const changed = samples.filter((s) => s.dom !== null);
  note(`search.100k: ${samples.length} keystrokes, ${changed.length} changed the page`);
  const dom = changed.map((s) => s.dom);
  const frame = changed.map((s) => s.frame);
  figure('search.100k.dom.p50', quantile(dom, 0.5), 'ms', null);
  figure('search.100k.dom.p95', quantile(dom, 0.95), 'ms', 8);
  figure('search.100k.frame.p50', quantile(frame, 0.5), 'ms', null);
  figure('search.100k.frame.p95', quantile(frame, 0.95), 'ms', 33);
}

async function selectAllFigure(page, total) {
  const box = page.getByRole('checkbox', { name: 'Select all matching active users' });
  const times = [];
  const frames = [];
  const expected = `${total.toLocaleString('en-US')} selected`;
  for (let i = 0; i < SAMPLES; i++) {
    await page.evaluate((until) => { window.__bench.armed = { until }; }, expected);
    await box.click();
    await page.waitForFunction((until) => __benchQueryAll('.selection')[0]?.textContent === until,
      expected, { timeout: 30_000 });
    await settled(page);
    const s = await page.evaluate(() => {
      const s = window.__bench.current;
      window.__bench.armed = null;
      return { reached: s.reached - s.start, frame: s.frame - s.start };
    });
    times.push(s.reached);
    frames.push(s.frame);
    await box.click(); // clear again
    await page.waitForFunction(() => (__benchQueryAll('.selection')[0]?.textContent ?? '') === '');
  }
  figure('select_all.100k', median(times), 'ms', 3);
  note(`select_all.100k: click to "${expected}" ${times.map(fixed).join(', ')} ms; to the next frame `
    + `${frames.map(fixed).join(', ')} ms`);
}

async function bulkRemoveFigures(browser, base, token) {
  const snapshot = await api(base, 'GET', '/orgs/1/members', token);
  const owner = snapshot.members.find((m) => m.email === OWNER);
  const active = snapshot.members.filter((m) => m.status === 'active');
  const ids = active.filter((m) => m.id !== owner.id && m.role !== 'owner').slice(0, 10_000).map((m) => m.id);
  const { context, page } = await signedInPage(browser, base);
  await coldLoad(page, base);
  await live(page);
  const expected = `${(active.length - ids.length).toLocaleString('en-US')} active users`;
  // Sent from the page, so that both times are on its clock: the console learns of the
  // removal from the change feed, as it would of another admin's.
  const { server, sent } = await page.evaluate(async ({ base, token, ids }) => {
    const sent = performance.now();
    const response = await fetch(`${base}/api/v1/orgs/1/members/remove`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ids }),
    });
    await response.json();
    return { server: performance.now() - sent, sent };
  }, { base, token, ids });
  await page.waitForFunction((text) => text in (window.__bench?.summaries ?? {}), expected, { timeout: 120_000 });
  const shown = await page.evaluate((text) => window.__bench.summaries[text], expected);
  await context.close();
  figure('remove_10k.server', server, 'ms', 1000);
  figure('remove_10k.reflected', shown - sent, 'ms', 1000);
  note(`remove_10k: one POST /members/remove with ${ids.length} ids took ${fixed(server)} ms; the open console `
    + `showed "${expected}" ${fixed(shown - sent)} ms after it was sent, through the change feed`);
}

/**
 * A group of 10,000 members: creating it, and changing its allocation rule (a product
 * granted, then taken away), each one request whose work is a few statements per product,
 * not per member. `prefix` names the database ('' or 'postgres.').
 */
async function groupFigures(base, token, prefix) {
  const snapshot = await api(base, 'GET', '/orgs/1/members', token);
  const ids = snapshot.members.filter((m) => m.status === 'active' && m.role === 'member')
    .slice(0, 10_000).map((m) => m.id);
  const product = snapshot.products[0].id;
  const timed = async (method, path, body) => {
    const started = performance.now();
    const answer = await api(base, method, path, token, body);
    return { answer, ms: performance.now() - started };
  };
  const created = await timed('POST', '/orgs/1/groups', { name: 'Bench 10k', members: ids });
  const group = created.answer.group.id;
  const granted = await timed('PUT', `/orgs/1/groups/${group}/rule`, { products: [product] });
  const taken = await timed('PUT', `/orgs/1/groups/${group}/rule`, { products: [] });
  figure(`${prefix}group_create.10k_members`, created.ms, 'ms', 1000);
  figure(`${prefix}group_rule.10k_members`, Math.max(granted.ms, taken.ms), 'ms', 1000);
  note(`${prefix}group of ${ids.length} members: created in ${fixed(created.ms)} ms; its rule granted `
    + `a product in ${fixed(granted.ms)} ms (${granted.answer.members_changed} members changed), `
    + `took it away in ${fixed(taken.ms)} ms`);
  await api(base, 'DELETE', `/orgs/1/groups/${group}`, token);
}

/**
 * License Usage: 12 months of a product's seat usage (the demo's year of history, a row
 * every few hours) read as a series, the median of `SAMPLES` requests.
 */
async function usageFigure(base, token, prefix) {
  const products = await api(base, 'GET', '/orgs/1/products', token);
  const product = products.find((p) => p.seats !== undefined) ?? products[0];
  const times = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const series = await api(base, 'GET', `/orgs/1/products/${product.id}/usage?range=12m`, token);
    times.push(performance.now() - started);
    if (series.points.length !== 12) throw new Error(`12 points expected: ${series.points.length}`);
  }
  figure(`${prefix}usage_12m.100k`, median(times), 'ms', 100);
}

/** Waits until the console follows the change feed. */
const live = (page) => page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor({ timeout: 120_000 });

/**
 * One admin changes a member's role through the API; another admin's open console shows it:
 * ms from sending the change to the row's new role in the other console's DOM.
 */
async function propagationFigure(browser, base, label, members) {
  const token = await bearerOf(base, ADMIN);
  const { context, page } = await signedInPage(browser, base);
  await page.goto(`${base}${ACTIVE}`);
  await page.getByRole('table', { name: 'active users' }).waitFor({ timeout: 120_000 });
  await live(page);
  const times = [];
  for (const member of members) {
    await page.getByRole('searchbox', { name: 'Search active users' }).fill(member.email);
    await page.getByRole('row').filter({ hasText: member.email }).waitFor();
    await page.evaluate((email) => {
      window.__shown = null;
      const observer = new MutationObserver(() => {
        const row = __benchQueryAll('tbody tr').find((r) => r.textContent.includes(email));
        if (row && row.textContent.includes('Admin')) {
          window.__shown = Date.now();
          observer.disconnect();
        }
      });
      for (const root of __benchRoots) observer.observe(root, { subtree: true, childList: true, characterData: true });
    }, member.email);
    const sent = Date.now();
    await api(base, 'POST', '/orgs/1/members/role', token, { ids: [member.id], role: 'admin' });
    await page.waitForFunction(() => window.__shown !== null, null, { timeout: 30_000 });
    times.push((await page.evaluate(() => window.__shown)) - sent);
  }
  await context.close();
  figure(`propagation.${label}.p50`, quantile(times, 0.5), 'ms', null);
  figure(`propagation.${label}.p95`, quantile(times, 0.95), 'ms', 100);
  note(`propagation.${label}: ${times.length} role changes by another admin: ${times.map(fixed).join(', ')} ms`);
}

async function loadTest(base, token, kind, label, workers, seconds, ids = []) {
  const output = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'load.mjs'), base, token, kind, String(workers),
      String(seconds), ...ids.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`load.mjs exited ${code}`))));
  });
  const r = JSON.parse(output.trim().split('\n').pop());
  figure(`api.${label}.throughput`, r.rps, 'req/s', null);
  figure(`api.${label}.p99`, r.p99, 'ms', null);
  note(`api.${label}: ${workers} workers for ${fixed(r.seconds)} s from a second process: ${r.requests} requests, `
    + `${r.errors} errors, p50 ${fixed(r.p50)} ms${r.firstError ? `; first error: ${r.firstError.slice(0, 200)}` : ''}`);
}

// ---------------------------------------------------------------------------------------

async function main() {
  const dist = required('ALLOT_DIST');
  note(`machine: ${execFileSync('nproc').toString().trim()} cores; node ${process.version}; `
    + `${SAMPLES} samples per figure; console built ${statSync(dist).mtime.toISOString()}`);
  consoleSize(dist);
  const browser = await launchBrowser();
  note(`browser: ${browser.version()}`);
  try {
    {
      const server = await startServer(10_000);
      try {
        await loadFigures(browser, server.url, '10k', 250);
        const token = await bearer(server.url);
        await propagationFigure(browser, server.url, '10k', await plainMembers(server.url, token, 20));
        await loadTest(server.url, token, 'snapshot', 'snapshot.10k', 4, 8);
      } finally {
        await server.stop();
      }
    }
    const server = await startServer(100_000);
    try {
      await loadFigures(browser, server.url, '100k', 700);
      {
        const { context, page, cdp } = await signedInPage(browser, server.url);
        await cdp.send('Network.clearBrowserCache');
        await profiled(cdp, 'load.100k (one more cold load)', () => coldLoad(page, server.url));
        await memoryFigure(page, cdp);
        await profiled(cdp, 'search.100k', () => searchFigures(page));
        await profiled(cdp, 'select_all.100k', () => selectAllFigure(page, 100_000));
        await context.close();
      }
      const token = await bearer(server.url);
      await loadTest(server.url, token, 'snapshot', 'snapshot.100k', 4, 10);
      const snapshot = await api(server.url, 'GET', '/orgs/1/members', token);
      const plain = snapshot.members.filter((m) => m.status === 'active' && m.role === 'member')
        .slice(-8).map((m) => m.id);
      await loadTest(server.url, token, 'role', 'change_role.100k', 8, 8, plain);
      await propagationFigure(browser, server.url, '100k', await plainMembers(server.url, token, 20));
      await groupFigures(server.url, token, '');
      await usageFigure(server.url, token, '');
      await bulkRemoveFigures(browser, server.url, token);
    } finally {
      await server.stop();
    }
    await postgresFigures();
  } finally {
    await browser.close();
  }
}

/**
 * The server's API figures again on PostgreSQL (ALLOT_BENCH_POSTGRES: a server whose empty
 * databases allot_bench_10k and allot_bench_100k `cargo xtask bench` made), beside SQLite's.
 */
async function postgresFigures() {
  const postgres = process.env.ALLOT_BENCH_POSTGRES;
  if (!postgres) {
    note('ALLOT_BENCH_POSTGRES is not set: no PostgreSQL figures');
    return;
  }
  for (const [members, label] of [[10_000, '10k'], [100_000, '100k']]) {
    const server = await startServer(members, `${postgres}/allot_bench_${label}`);
    try {
      const token = await bearer(server.url);
      await loadTest(server.url, token, 'snapshot', `postgres.snapshot.${label}`, 4, label === '10k' ? 8 : 10);
      if (label === '100k') {
        const snapshot = await api(server.url, 'GET', '/orgs/1/members', token);
        const plain = snapshot.members.filter((m) => m.status === 'active' && m.role === 'member')
          .slice(-8).map((m) => m.id);
        await loadTest(server.url, token, 'role', 'postgres.change_role.100k', 8, 8, plain);
        await groupFigures(server.url, token, 'postgres.');
        await usageFigure(server.url, token, 'postgres.');
      }
    } finally {
      await server.stop();
    }
  }
}

await main();
