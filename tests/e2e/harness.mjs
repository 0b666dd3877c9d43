// Shared by the end-to-end tests: a real allot-server on a free loopback port with a fresh
// database; Debian's Chromium and Firefox ESR driven by playwright-core, or WebKitGTK by its
// WebDriver behind the same API (webdriver.mjs); and an axe-core scan.
import { execFileSync, spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, firefox } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { launchWebKit } from './webdriver.mjs';

/** The engine this run drives: `chromium` (the default), `firefox` or `webkit`. */
export const ENGINE = process.env.ALLOT_E2E_BROWSER ?? 'chromium';

/** Another engine, for a second admin: changes made in one engine show in the other's console. */
export const PARTNER_ENGINE = { chromium: 'firefox', firefox: 'chromium', webkit: 'chromium' }[ENGINE];

export const OWNER = 'owner@example.com';
export const ADMIN = 'admin@example.com';
export const MEMBER = 'member@example.com';
export const BILLING = 'billing@example.com';
/** The demo's named accounts: tests that pick "any member" leave these alone. */
export const WELL_KNOWN = [OWNER, ADMIN, MEMBER, BILLING];

/** Active Members (role Member) of a members snapshot, other than the well-known accounts. */
export function plainMembers(snapshot) {
  return snapshot.members.filter((m) => m.status === 'active' && m.role === 'member'
    && !WELL_KNOWN.includes(m.email));
}

/** A call to Acme QA's API with `page`'s own session, as its console would make it (to the
 * origin it was loaded from). */
export async function orgCall(page, method, path, body) {
  const origin = new URL(page.url()).origin;
  const response = await page.request.fetch(`${origin}/api/v1/orgs/1/${path}`, {
    method,
    headers: { 'content-type': 'application/json', origin },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok(), `${method} ${path}: ${response.status()} ${await response.text()}`);
  return response.json();
}
export const PASSWORD = 'allot-demo';

export function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through \`cargo xtask test\``);
  return value;
}

/**
 * `--tls-cert`/`--tls-key` for the self-signed certificate in ALLOT_E2E_TLS, made by
 * `cargo xtask test`, which also has Node trust it (NODE_EXTRA_CA_CERTS).
 */
function tlsArgs() {
  const dir = required('ALLOT_E2E_TLS');
  return ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')];
}

/** The same certificate and key, for a test's own HTTPS server (`https.createServer`). */
export function tlsFiles() {
  const dir = required('ALLOT_E2E_TLS');
  return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
}

/**
 * Starts `allot-server` with `args`, serving the built console (ALLOT_DIST) unless
 * `serveConsole` is false; resolves once it listens. By default on a new SQLite file with the
 * demo; `db` names another database (a server joining others on PostgreSQL, without `demo`).
 * With `https` (the default for WebKit, which keeps no `Secure` cookie from plain HTTP, not
 * even from 127.0.0.1) it serves HTTPS; the browsers' contexts accept its certificate.
 */
export async function startServer({
  serveConsole = true, args = [], db, demo = true, https = ENGINE === 'webkit',
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'allot-e2e-'));
  const staticDir = serveConsole ? ['--static', required('ALLOT_DIST')] : [];
  const tls = https && !args.includes('--tls-cert') ? tlsArgs() : [];
  const file = join(dir, 'allot.db');
  const child = spawn(required('ALLOT_SERVER_BIN'), [
    ...(demo ? ['--demo'] : []), ...staticDir, ...tls, ...args,
    '--db', db ?? `sqlite://${file}`, '--listen', '127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ALLOT_LOG: 'warn' } });
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${seen}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/Allot listening on (https?:\/\/\S+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${seen}`)));
  });
  return {
    url,
    /**
     * Runs `statement` on the server's SQLite file, as an operator could: for what the API
     * rightly cannot do (an invitation lasts 24 hours; a test cannot wait that long).
     */
    sql(statement) {
      assert.equal(db, undefined, 'SQL on the SQLite file of a server started without --db');
      const script = 'import sqlite3, sys\nwith sqlite3.connect(sys.argv[1]) as db: db.execute(sys.argv[2])';
      execFileSync('python3', ['-c', script, file, statement]);
    },
    /** Ends the server with `signal` (SIGKILL: as a crash would). */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP relay to the server at `url`, on another loopback port: what a console reaches the
 * server through when a test takes its network away. `cut()` drops every connection and
 * refuses new ones until `restore()`; the same in every engine (and what a console sees
 * when Wi-Fi or a proxy fails, which `navigator.onLine` often does not tell).
 */
export async function startRelay(url) {
  const target = new URL(url);
  const sockets = new Set();
  let cut = false;
  const relay = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `${target.protocol}//127.0.0.1:${relay.address().port}`,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() { cut = false; },
    async close() {
      this.cut();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

/**
 * A relay that answers as the server at `url` (HTTP or HTTPS, as it is), through which a test
 * decides what some requests get, in every engine (classic WebDriver, WebKit's, cannot
 * intercept requests). `route(pattern, handler)`: a request whose path matches the regular
 * expression goes to `handler(route)`, which calls `route.continue()` (on to the server) or
 * `route.fulfill({ status, contentType, body })`, at once or later. Open the console at its
 * `url` for its requests to pass here.
 */
export async function startInterceptor(url) {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const routes = [];
  const handle = (request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const route = {
        continue() {
          // Host and Origin stay the relay's: the server compares them, as any proxy keeps.
          const upstream = (secure ? https : http).request({
            host: target.hostname, port: target.port, method: request.method, path: request.url,
            headers: request.headers,
          }, (answer) => {
            response.writeHead(answer.statusCode, answer.headers);
            answer.pipe(response);
          });
          upstream.on('error', () => response.destroy());
          upstream.end(body);
        },
        fulfill({ status = 200, contentType = 'application/json', body: text = '' }) {
          response.writeHead(status, { 'content-type': contentType });
          response.end(text);
        },
      };
      const path = new URL(request.url, url).pathname;
      const chosen = routes.find(({ pattern }) => pattern.test(path));
      if (chosen) chosen.handler(route);
      else route.continue();
    });
  };
  const relay = secure ? https.createServer(tlsFiles(), handle) : http.createServer(handle);
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `${target.protocol}//127.0.0.1:${relay.address().port}`,
    route(pattern, handler) { routes.push({ pattern, handler }); },
    async close() {
      relay.closeAllConnections();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

/** Debian's Firefox ESR; with `dark`, its pages prefer the dark colour scheme. */
function launchFirefox({ dark = false } = {}) {
  return firefox.launch({
    channel: 'moz-firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    ...(dark ? { firefoxUserPrefs: { 'layout.css.prefers-color-scheme.content-override': 0 } } : {}),
  });
}

let darkFirefox;

/**
 * A new context of `browser` with `options`, accepting the servers' self-signed certificate
 * (see `startServer`). Playwright's Firefox over BiDi does not emulate
 * `colorScheme` per context (its pages keep preferring light), so a dark context opens in a
 * second Firefox whose pages prefer dark, launched once; `closeBrowsers` ends it.
 */
export async function newContextIn(browser, options = {}) {
  const trusting = { ignoreHTTPSErrors: true, ...options };
  if (options.colorScheme === 'dark' && browser.browserType().name() === 'firefox') {
    darkFirefox ??= launchFirefox({ dark: true });
    return (await darkFirefox).newContext(trusting);
  }
  return browser.newContext(trusting);
}

/** Closes `browser` and the dark Firefox `newContextIn` may have opened beside it. */
export async function closeBrowsers(browser) {
  await browser?.close();
  if (darkFirefox) {
    const dark = darkFirefox;
    darkFirefox = undefined;
    await (await dark).close();
  }
}

/**
 * A browser to drive: `engine` is `chromium` (Debian's Chromium, the default), `firefox`
 * (Debian's Firefox ESR over WebDriver BiDi, Playwright's `moz-firefox` channel) or `webkit`
 * (Debian's WebKitGTK through WebKitWebDriver, see webdriver.mjs); by default the one
 * ALLOT_E2E_BROWSER names. CHROMIUM, FIREFOX and WEBKIT name other binaries.
 */
export async function launchBrowser(engine = ENGINE) {
  if (engine === 'firefox') return launchFirefox();
  if (engine === 'webkit') return launchWebKit();
  if (engine !== 'chromium') throw new Error(`no such engine: ${engine} (chromium, firefox or webkit)`);
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Defines `window.__allot` in every page of `context`, for page functions that must look
 * inside the console's shadow root: `query(selector)`, `queryAll(selector)` and `active()`
 * (the focused element). Locators (getByRole...) look into it by themselves.
 */
export async function lookIntoTheConsole(context) {
  await context.addInitScript(() => {
    const roots = () => [...document.querySelectorAll('allot-console')]
      .map((host) => host.shadowRoot).filter(Boolean).concat([document]);
    window.__allot = {
      query: (selector) => roots().map((root) => root.querySelector(selector)).find(Boolean) ?? null,
      queryAll: (selector) => roots().flatMap((root) => [...root.querySelectorAll(selector)]),
      active: () => {
        let active = document.activeElement;
        while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
        return active;
      },
      // The files the page offered for download (see `downloadText`).
      downloads: [],
    };
    const blobs = new Map();
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = function (object) {
      const url = createObjectURL.call(URL, object);
      blobs.set(url, object);
      return url;
    };
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function () {
      if (this.hasAttribute('download') && blobs.has(this.href)) {
        window.__allot.downloads.push({ name: this.download, blob: blobs.get(this.href) });
      }
      return click.call(this);
    };
  });
}

/**
 * Runs `trigger` (a click) and resolves with the name and text of the file it downloads.
 * Chromium's driver reports the download and the file is read from disk; Playwright's Firefox
 * over WebDriver BiDi reports no downloads yet, so there the file is the one the page handed
 * to its download link (the blob the console built, and the name it gave).
 */
export async function downloadText(page, trigger) {
  if (page.context().browser().browserType().name() === 'chromium') {
    const download = page.waitForEvent('download');
    await trigger();
    const file = await download;
    return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
  }
  const before = await page.evaluate(() => window.__allot.downloads.length);
  await trigger();
  await page.waitForFunction((count) => window.__allot.downloads.length > count, before);
  return page.evaluate(async (at) => {
    const { name, blob } = window.__allot.downloads[at];
    return { name, text: await blob.text() };
  }, before);
}

/** A fresh browser context and page that fail the test on any uncaught page error. */
export async function newPage(browser) {
  const context = await newContextIn(browser, { viewport: { width: 1280, height: 900 } });
  await lookIntoTheConsole(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  // The console's panic hook says what failed before the wasm aborts.
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().startsWith('panicked at')) errors.push(new Error(message.text()));
  });
  page.assertNoErrors = () => assert.deepEqual(errors, [], 'uncaught errors in the page');
  return { context, page };
}

/**
 * Puts `text` on the clipboard as a person would, in every engine: typed into a scratch page
 * of `context`, selected and copied with the keyboard. (A synthetic paste event carries no
 * data in Firefox, and the clipboard permissions are Chromium's own.)
 */
export async function copyText(context, text) {
  const scratch = await context.newPage();
  await scratch.setContent('<textarea aria-label="Scratch"></textarea>');
  const area = scratch.getByLabel('Scratch');
  await area.fill(text);
  await area.focus();
  await scratch.keyboard.press('ControlOrMeta+A');
  await scratch.keyboard.press('ControlOrMeta+C');
  await scratch.close();
}

/** Pastes `text` into the focused element of `page` with the keyboard, through the clipboard. */
export async function pasteText(page, text) {
  await copyText(page.context(), text);
  await page.bringToFront();
  await page.keyboard.press('ControlOrMeta+V');
}

/** What the clipboard holds, read by pasting it into a scratch page of `context`. */
export async function clipboardText(context) {
  const scratch = await context.newPage();
  await scratch.setContent('<textarea aria-label="Scratch"></textarea>');
  await scratch.getByLabel('Scratch').focus();
  await scratch.keyboard.press('ControlOrMeta+V');
  const text = await scratch.getByLabel('Scratch').inputValue();
  await scratch.close();
  return text;
}

export async function signIn(page, baseUrl, email, password = PASSWORD) {
  await page.goto(baseUrl);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Fails with the list of violations when axe finds any on the page as it is now. */
export async function assertAccessible(page, screen) {
  const results = page.context().browser().browserType().name() === 'webkit'
    // The same axe-core, run in the page by WebDriver (AxeBuilder needs Playwright's page).
    ? await page.runScript(`${axeSource()}\nreturn axe.run(document);`)
    : await new AxeBuilder({ page }).analyze();
  const violations = results.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(violations, [], `accessibility violations on ${screen}`);
}

let axe;
const axeSource = () => {
  axe ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axe;
};

/**
 * One server and one browser for a test file: started before its tests, stopped after.
 * The returned object's `url` and `browser` are set once the tests run.
 */
export function serverAndBrowser() {
  const shared = { url: undefined, browser: undefined, sql: (statement) => server.sql(statement) };
  let server;
  before(async () => {
    server = await startServer();
    shared.url = server.url;
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await closeBrowsers(shared.browser);
    await server?.stop();
  });
  return shared;
}
