// Two allot-server processes over one PostgreSQL database, as an operator runs them behind a
// load balancer: a change made through one server reaches an admin's console on the other
// within a second, and when the server a console streams its changes from dies, the console
// carries on through the other without losing a change.
//
// ALLOT_E2E_POSTGRES is a new, empty database, which `cargo xtask test` makes on its
// throwaway PostgreSQL cluster.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN, OWNER, PASSWORD, launchBrowser, newPage, plainMembers, required, signIn, startServer,
  tlsFiles,
} from './harness.mjs';

/** The bound for a change made on one server to reach a console on another. */
const PROPAGATION_MS = 1000;

let dir;
let servers;
let browser;

before(async () => {
  const db = required('ALLOT_E2E_POSTGRES');
  dir = mkdtempSync(join(tmpdir(), 'allot-e2e-servers-'));
  // The file every server of a deployment is given, so that they sign links alike.
  const secret = join(dir, 'allot.secret');
  writeFileSync(secret, randomBytes(32), { mode: 0o600 });
  const args = ['--secret-file', secret];
  // The first seeds the demo; the second joins the same database.
  const a = await startServer({ db, args });
  const b = await startServer({ db, args, demo: false });
  servers = [a, b];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const server of servers ?? []) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A bearer token signed in on `server`, for API calls as a portal would make them. */
async function tokenOn(server, email) {
  const response = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, bearer: true }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).token;
}

async function call(server, token, method, path, body) {
  const response = await fetch(`${server.url}/api/v1/orgs/1/${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) assert.fail(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Active Members (role Member) other than the well-known demo accounts. */
const someMembers = async (server, token) => plainMembers(await call(server, token, 'GET', 'members'));

const live = (page) => page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();
const row = (page, name) => page.getByRole('row').filter({ hasText: name });
const search = (page, text) => page.getByRole('searchbox', { name: 'Search active users' }).fill(text);

/**
 * A load balancer in miniature: each request goes to the next live server in turn, and to
 * the one after when a server does not answer. It notes which server each change feed
 * streams from, and how often the members snapshot was loaded.
 */
function roundRobin(backends) {
  let next = 0;
  const seen = { feeds: [], snapshots: 0 };
  const forward = (request, response, body, tries) => {
    const backend = backends[next++ % backends.length];
    const target = new URL(backend.url);
    const upstream = (target.protocol === 'https:' ? https : http).request({
      host: target.hostname, port: target.port, method: request.method,
      path: request.url, headers: request.headers,
    }, (answer) => {
      if (request.url.includes('/changes')) seen.feeds.push(backend);
      if (/\/orgs\/\d+\/members(\?|$)/.test(request.url) && request.method === 'GET') seen.snapshots += 1;
      response.writeHead(answer.statusCode, answer.headers);
      answer.pipe(response);
      // A server that dies mid-answer ends the client's connection too, as a balancer would.
      answer.on('close', () => { if (!answer.complete) response.destroy(); });
    });
    upstream.on('error', () => {
      if (response.headersSent) response.destroy();
      else if (tries > 1) forward(request, response, body, tries - 1);
      else { response.writeHead(502); response.end(); }
    });
    upstream.end(body);
  };
  const handle = (request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => forward(request, response, Buffer.concat(chunks), backends.length));
  };
  // HTTPS in front of HTTPS servers (WebKit's run), as a balancer that ends TLS would.
  const secure = new URL(backends[0].url).protocol === 'https:';
  const proxy = secure ? https.createServer(tlsFiles(), handle) : http.createServer(handle);
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve({
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${proxy.address().port}`,
    seen,
    close: () => { proxy.closeAllConnections(); proxy.close(); },
  })));
}

test("a change made through one server shows within a second in a console on the other", async () => {
  const [a, b] = servers;
  const { context, page } = await newPage(browser);
  await signIn(page, a.url, ADMIN);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  await live(page);

  const owner = await tokenOn(b, OWNER);
  const [promoted, removed] = await someMembers(b, owner);
  await search(page, promoted.email);
  await row(page, promoted.full_name).filter({ hasText: 'Member' }).waitFor();
  await call(b, owner, 'POST', 'members/role', { ids: [promoted.id], role: 'admin' });
  await row(page, promoted.full_name).filter({ hasText: 'Admin' }).waitFor({ timeout: PROPAGATION_MS });

  await search(page, removed.email);
  await row(page, removed.full_name).waitFor();
  await call(b, owner, 'POST', 'members/remove', { ids: [removed.id] });
  await row(page, removed.full_name).waitFor({ state: 'detached', timeout: PROPAGATION_MS });
  page.assertNoErrors();
  await context.close();
});

test('when the server a console streams from dies, the console goes on through the other and misses nothing', async () => {
  const balancer = await roundRobin(servers);
  try {
    const { context, page } = await newPage(browser);
    await signIn(page, balancer.url, ADMIN);
    await page.getByRole('table', { name: 'active users' }).waitFor();
    await live(page);
    const snapshotsBefore = balancer.seen.snapshots;
    const streaming = balancer.seen.feeds.at(-1);
    const survivor = servers.find((server) => server !== streaming);
    assert.ok(streaming && survivor, 'the console follows the changes through the balancer');

    const owner = await tokenOn(survivor, OWNER);
    const [promoted, removed] = await someMembers(survivor, owner);
    // The server dies as a crash would; two changes are made before the console is back.
    await streaming.stop('SIGKILL');
    await call(survivor, owner, 'POST', 'members/role', { ids: [promoted.id], role: 'admin' });
    await call(survivor, owner, 'POST', 'members/remove', { ids: [removed.id] });

    await search(page, promoted.email);
    // At worst the console notices the dead feed after its 12 s of silence (WebKit is not
    // told that a connection closed), then reconnects.
    await row(page, promoted.full_name).filter({ hasText: 'Admin' }).waitFor({ timeout: 20_000 });
    await search(page, removed.email);
    await row(page, removed.full_name).waitFor({ state: 'detached' });
    await live(page);
    assert.equal(balancer.seen.feeds.at(-1), survivor, 'the feed resumed on the other server');
    assert.equal(balancer.seen.snapshots, snapshotsBefore,
      'the console caught up from its last event, without reloading everything');
    page.assertNoErrors();
    await context.close();
  } finally {
    balancer.close();
  }
});
