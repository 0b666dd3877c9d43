// The console embedded as a portal team would embed it, in a real browser: three origins on
// loopback — the Allot API (allot-server with --cors-origin), a static host holding dist/
// under a versioned path (the CDN), and a pretend admin portal (examples/portal) that signs
// its user in and gives the console bearer tokens from its own backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import {
  ADMIN, OWNER, PASSWORD, assertAccessible, launchBrowser, lookIntoTheConsole, newContextIn,
  startServer,
} from './harness.mjs';
import { startPortal } from '../../examples/portal/server.mjs';

const VERSION_PATH = '/allot/1.2.3/';
const TYPES = {
  '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css',
  '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml',
};

/** A plain static host: `dir` under `prefix`, index.html for unknown paths below it. */
async function startStaticHost(dir, prefix) {
  const server = createServer((request, response) => {
    const path = new URL(request.url, 'http://cdn').pathname;
    if (!path.startsWith(prefix)) {
      response.writeHead(404).end();
      return;
    }
    const name = normalize(path.slice(prefix.length)).replace(/^(\.\.[/\\])+/, '');
    let file = join(dir, name || 'index.html');
    let body;
    try { body = readFileSync(file); } catch {
      file = join(dir, 'index.html');
      body = readFileSync(file);
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      // A CDN serves the module to other origins' pages.
      'access-control-allow-origin': '*',
    });
    response.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

let cdn, api, portal, browser, cdnDir;
const reserved = [];

/** A free loopback port's origin, held open until the server that needs it is known. */
async function reserveOrigin() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  reserved.push(server);
  return { origin: `http://127.0.0.1:${server.address().port}`, port: server.address().port, server };
}

before(async () => {
  // The CDN holds a copy of dist/ under a versioned path.
  cdnDir = mkdtempSync(join(tmpdir(), 'allot-cdn-'));
  cpSync(process.env.ALLOT_DIST, cdnDir, { recursive: true });
  cdn = await startStaticHost(cdnDir, VERSION_PATH);
  // The portal's origin must be known to the API server before either starts.
  const portalPort = await reserveOrigin();
  api = await startServer({ serveConsole: false, args: ['--cors-origin', portalPort.origin, '--cors-origin', cdn.origin] });
  await new Promise((resolve) => portalPort.server.close(resolve));
  portal = await startPortal({
    port: portalPort.port,
    allotApi: `${api.url}/api/v1`,
    allotJs: `${cdn.origin}${VERSION_PATH}allot.js`,
  });
  // The operator's edits of the standalone host page on the CDN.
  const index = join(cdnDir, 'index.html');
  writeFileSync(index, readFileSync(index, 'utf8')
    .replace('<base href="/" />', `<base href="${VERSION_PATH}" />`)
    .replace('api-base="/api/v1"', `api-base="${api.url}/api/v1"`)
    .replace('base-path="/"', `base-path="${VERSION_PATH}"`));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
  await api?.stop();
  await cdn?.stop();
  rmSync(cdnDir, { recursive: true, force: true });
});

/** A page that records CSP violations and page errors from its first script on. */
async function portalPage() {
  const context = await newContextIn(browser, { viewport: { width: 1280, height: 900 } });
  await lookIntoTheConsole(context);
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
    window.__unauthorized = 0;
    document.addEventListener('allot:unauthorized', () => { window.__unauthorized += 1; });
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  page.assertClean = async () => {
    assert.deepEqual(errors, [], 'uncaught errors in the page');
    assert.deepEqual(await page.evaluate(() => window.__violations), [], 'CSP violations');
  };
  await page.goto(`${portal.url}/portal/`);
  await page.getByLabel('Portal email').fill('pat@portal.example');
  await page.getByLabel('Portal password').fill('portal-password');
  await page.getByRole('button', { name: 'Sign in to the portal' }).click();
  await page.getByRole('status').filter({ hasText: 'Signed in as' }).waitFor();
  return { context, page };
}

/**
 * Ends, behind the console's back, every Allot session the portal handed it a token for;
 * resolves with how many were still open.
 */
async function endPortalSessions() {
  let open = 0;
  for (const token of portal.state.tokens.splice(0)) {
    const answer = await fetch(`${api.url}/api/v1/session`, {
      method: 'DELETE', headers: { authorization: `Bearer ${token}` },
    });
    if (answer.status === 204) open += 1;
  }
  return open;
}

/**
 * How many requests `page` made to the API, as its own resource timing lists them (in every
 * engine; WebKit's driver cannot watch the network).
 */
const apiRequests = (page) => page.evaluate(
  (origin) => performance.getEntriesByType('resource').filter((entry) => entry.name.startsWith(origin)).length,
  api.url,
);

const activeUsers = (page) => page.getByRole('table', { name: 'active users' });
const summary = (page, text) => page.waitForFunction((text) => __allot.query('.summary')?.textContent.includes(text), text);

/** Computed styles of the portal's own elements. */
function hostStyles(page) {
  return page.evaluate(() => {
    const pick = (selector) => {
      const style = getComputedStyle(document.querySelector(selector));
      return [style.color, style.fontFamily, style.fontSize, style.textTransform, style.backgroundColor,
        style.borderTopStyle, style.padding, style.position].join(' | ');
    };
    return ['h1', 'table', '.portal-bar button', '.portal-bar', 'body', 'main'].map(pick);
  });
}

test('the console works inside the portal, under its path, in its colours', async () => {
  const { context, page } = await portalPage();
  await page.getByRole('link', { name: 'People' }).click();
  await activeUsers(page).waitFor();
  assert.match(new URL(page.url()).pathname, /^\/portal\/people\/orgs\/1\/users\/active$/);
  await summary(page, '250 active users');

  // The portal looks as it did without the console, and the console in the portal's accent.
  const withConsole = await hostStyles(page);
  const accent = await page.getByRole('button', { name: 'Invite Users' })
    .evaluate((button) => getComputedStyle(button).backgroundColor);
  assert.equal(accent, 'rgb(180, 0, 90)');
  const consoleButton = await page.getByRole('button', { name: 'Invite Users' })
    .evaluate((button) => getComputedStyle(button).textTransform);
  assert.equal(consoleButton, 'none', 'the portal\'s button rule does not reach the console');

  // Search, select, a dialog, and a removal.
  await page.getByRole('searchbox', { name: 'Search active users' }).fill('aisha.celik@example.com');
  await summary(page, '1 of 250');
  await page.getByRole('checkbox', { name: 'Select Aisha Çelik' }).check();
  await page.getByRole('button', { name: 'Remove Users' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove Users' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('searchbox', { name: 'Search active users' }).fill('');
  await summary(page, '249 active users');

  // Invite someone; the tab's URL is the portal's, and a reload lands on the same tab.
  await page.getByRole('button', { name: 'Invite Users' }).click();
  const invite = page.getByRole('dialog', { name: 'Invite Users' });
  await invite.getByLabel('Email addresses').pressSequentially('embedded@new.example ');
  await invite.getByRole('button', { name: 'Next' }).click();
  await invite.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('region', { name: 'Invitation results' }).waitFor();
  await page.getByRole('tab', { name: 'Pending Invitations' }).click();
  await page.waitForURL(/\/portal\/people\/orgs\/1\/users\/pending/);
  const invited = page.getByRole('cell', { name: 'embedded@new.example', exact: true });
  await invited.waitFor();
  await page.reload();
  await invited.waitFor();
  assert.equal(await page.getByRole('tab', { name: 'Pending Invitations' }).getAttribute('aria-selected'), 'true');

  assert.deepEqual(await hostStyles(page), withConsole);
  await assertAccessible(page, 'the console embedded in the portal');
  // The portal's own links still navigate the portal.
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.waitForURL(`${portal.url}/portal/reports`);
  await page.getByRole('heading', { name: 'Reports' }).waitFor();
  await page.assertClean();
  await context.close();
});

test('another admin\'s change reaches the embedded console live, over the bearer feed', async () => {
  const { context, page } = await portalPage();
  await page.goto(`${portal.url}/portal/people/orgs/1/users/active`);
  await activeUsers(page).waitFor();
  await page.getByRole('searchbox', { name: 'Search active users' }).fill('member@example.com');
  const row = page.getByRole('row').filter({ hasText: 'member@example.com' });
  await row.waitFor();
  const admin = await (await fetch(`${api.url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN, password: PASSWORD, bearer: true }),
  })).json();
  const snapshot = await (await fetch(`${api.url}/api/v1/orgs/1/members`, {
    headers: { authorization: `Bearer ${admin.token}` },
  })).json();
  const mia = snapshot.members.find((m) => m.email === 'member@example.com');
  const changed = await fetch(`${api.url}/api/v1/orgs/1/members/role`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [mia.id], role: 'billing_manager' }),
  });
  assert.equal(changed.status, 200);
  await row.filter({ hasText: 'Billing Manager' }).waitFor({ timeout: 5_000 });
  await page.assertClean();
  await context.close();
});

test('an expired token is replaced through getToken, and a refused one signs the console out calmly', async () => {
  const { context, page } = await portalPage();
  await page.goto(`${portal.url}/portal/people/orgs/1/users/active`);
  await activeUsers(page).waitFor();
  const issued = portal.state.tokensIssued;
  // The console's Allot session ends behind its back.
  assert.ok(await endPortalSessions() >= 1);
  await page.getByRole('tab', { name: 'Removed Users' }).click();
  await page.getByRole('table', { name: 'removed users' }).waitFor();
  // The teams load with the new token once the console got one.
  await page.getByRole('link', { name: 'Teams' }).click();
  await page.locator('.teams').getByRole('heading').first().waitFor();
  assert.ok(portal.state.tokensIssued > issued, 'the console asked the portal for a new token');
  assert.equal(await page.evaluate(() => window.__unauthorized), 0);

  // Now the portal can only hand out tokens Allot refuses.
  portal.state.refuseTokens = true;
  try {
    assert.ok(await endPortalSessions() >= 1);
    await page.getByRole('link', { name: 'License Management' }).click();
    await page.getByText('You are signed out of Allot').waitFor();
    assert.equal(await page.evaluate(() => window.__unauthorized), 1, 'told once');
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 0, 'no sign-in page of its own');
  } finally {
    portal.state.refuseTokens = false;
  }
  // Signed in again at the portal, Try again carries on.
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: 'License Management' }).waitFor();
  await page.assertClean();
  await context.close();
});

test('unmounting closes the feed and leaves no listener behind', async () => {
  const { context, page } = await portalPage();
  // Every engine: the window's and document's listeners as the page adds and removes them.
  await context.addInitScript(() => {
    const registered = new Map([[window, []], [document, []]]);
    const { addEventListener, removeEventListener } = EventTarget.prototype;
    const capture = (options) => (typeof options === 'boolean' ? options : Boolean(options?.capture));
    EventTarget.prototype.addEventListener = function (type, listener, options) {
      const list = registered.get(this);
      if (list && listener && !options?.once
        && !list.some((l) => l.type === type && l.listener === listener && l.capture === capture(options))) {
        const entry = { type, listener, capture: capture(options) };
        list.push(entry);
        options?.signal?.addEventListener('abort', () => list.splice(list.indexOf(entry), 1));
      }
      return addEventListener.call(this, type, listener, options);
    };
    EventTarget.prototype.removeEventListener = function (type, listener, options) {
      const list = registered.get(this);
      const at = list?.findIndex((l) => l.type === type && l.listener === listener && l.capture === capture(options));
      if (at >= 0) list.splice(at, 1);
      return removeEventListener.call(this, type, listener, options);
    };
    window.__listeners = () => Object.fromEntries(
      [['window', window], ['document', document]]
        .map(([name, target]) => [name, registered.get(target).map((l) => l.type).sort()]));
  });
  await page.goto(`${portal.url}/portal/reports`);
  const listeners = () => page.evaluate(() => window.__listeners());
  const before = await listeners();
  const stylesBefore = await hostStyles(page);
  // The documented API, as a portal without the element would use it.
  const module = `${cdn.origin}${VERSION_PATH}allot.js`;
  await page.evaluate(async ({ module, apiBase }) => {
    const { mount } = await import(module);
    const host = document.createElement('div');
    document.querySelector('main').append(host);
    const getToken = async () => (await (await fetch('/portal/api/allot-token')).json()).token;
    window.__handle = mount(host, { apiBase, basePath: '/portal/reports', org: 1, getToken });
  }, { module, apiBase: `${api.url}/api/v1` });
  await activeUsers(page).waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Organization' }).count(), 0, 'no switcher with org set');
  await page.getByText('Live').waitFor();
  const afterMount = await listeners();
  assert.notDeepEqual(afterMount, before, 'the console listens while mounted');
  assert.deepEqual(await hostStyles(page), stylesBefore, 'the portal looks the same with the console');

  await page.evaluate(() => window.__handle.unmount());
  // The feed's own connection may still be listed as it closes; nothing may follow it.
  await page.waitForTimeout(500);
  const requests = await apiRequests(page);
  await page.waitForTimeout(2_500);
  assert.equal(await apiRequests(page), requests, 'requests after unmounting');
  assert.deepEqual(await listeners(), before);
  // The portal's own navigation is the browser's again.
  await page.getByRole('link', { name: 'Home' }).click();
  await page.waitForURL(`${portal.url}/portal/`);
  await page.assertClean();
  await context.close();
});

test('removing the element unmounts it', async () => {
  const { context, page } = await portalPage();
  await page.goto(`${portal.url}/portal/people/orgs/1/users/active`);
  await activeUsers(page).waitFor();
  await page.evaluate(() => document.querySelector('allot-console').remove());
  await page.waitForTimeout(500);
  const requests = await apiRequests(page);
  await page.waitForTimeout(2_500);
  assert.equal(await apiRequests(page), requests, 'requests after removing the element');
  // A link into the console's old path is a plain navigation now.
  await page.evaluate(() => {
    const link = document.createElement('a');
    link.href = '/portal/people/orgs/1/teams';
    link.textContent = 'Teams in the portal';
    document.querySelector('main').append(link);
    window.__samePage = true;
  });
  await page.getByRole('link', { name: 'Teams in the portal' }).click();
  await page.waitForURL(/\/portal\/people\/orgs\/1\/teams$/);
  await page.getByRole('heading', { name: 'Teams' }).waitFor();
  assert.equal(await page.evaluate(() => window.__samePage), undefined, 'a full page load');
  await context.close();
});

test('the standalone host page from the CDN signs in against the API origin', async () => {
  const context = await newContextIn(browser, { viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${cdn.origin}${VERSION_PATH}`);
  await page.getByLabel('Email').fill(OWNER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await activeUsers(page).waitFor();
  assert.match(new URL(page.url()).pathname, new RegExp(`^${VERSION_PATH}orgs/1/users/active$`));
  await page.getByRole('tab', { name: 'Pending Invitations' }).click();
  await page.getByRole('table', { name: 'pending invitations' }).waitFor();
  // A deep link straight from the static host: it answers index.html, which finds its files
  // under the versioned path; the in-memory token is gone, so the console asks to sign in.
  await page.goto(`${cdn.origin}${VERSION_PATH}orgs/1/users/pending`);
  await page.getByLabel('Email').fill(OWNER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('table', { name: 'pending invitations' }).waitFor();
  assert.match(new URL(page.url()).pathname, new RegExp(`^${VERSION_PATH}orgs/1/users/pending$`));
  assert.deepEqual(errors, []);
  await context.close();
});
