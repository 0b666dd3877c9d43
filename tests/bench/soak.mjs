// `cargo xtask load`: a sustained mixed load on release servers at 100,000 demo members, on
// SQLite (one server) and on PostgreSQL (two servers over one database, the load split
// between them). For ALLOT_LOAD_SECONDS (120): ALLOT_LOAD_PRODUCTS (1,000) licensed products
// heartbeat every 10 seconds, 20 admins each load the snapshot as they open the console (and
// again every 30 seconds, as people reload pages) and make a change every 2 seconds, and a
// load balancer asks for health every 250 ms. Prints figures, asserts none:
// `load <database> <name> <value> <unit>`.
//
// Every client comes from 127.0.0.1 here, so the servers run without their per-client
// connection cap (--max-connections-per-client 0), as they would behind a balancer.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MEMBERS = Number(process.env.ALLOT_LOAD_MEMBERS ?? 100_000);
const SECONDS = Number(process.env.ALLOT_LOAD_SECONDS ?? 120);
const PRODUCTS = Number(process.env.ALLOT_LOAD_PRODUCTS ?? 1000);
const ADMINS = 20;
const HEARTBEAT_MS = 10_000;
const HEALTH_MS = 250;
const CHANGE_MS = 2_000;
const RELOAD_MS = 30_000;
const MACHINES_PER_MEMBER = 5;
const ORG = 1;
const ADMIN = 'admin@example.com';
const PASSWORD = 'allot-demo';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through \`cargo xtask load\``);
  return value;
}

/** A release server on `db`, seeding the demo when the database is empty. */
async function startServer(db, dir) {
  const secret = join(dir, 'allot.secret');
  try { readFileSync(secret); } catch { writeFileSync(secret, randomBytes(32), { mode: 0o600 }); }
  const child = spawn(required('ALLOT_SERVER_BIN'), [
    '--demo', '--demo-members', String(MEMBERS), '--db', db, '--secret-file', secret,
    '--max-connections-per-client', '0', '--listen', '127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ALLOT_LOG: 'warn' } });
  let seen = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${seen}`)), 600_000);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/Allot listening on (http:\/\/\S+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${seen}`)));
  });
  return {
    url,
    /** Resident memory now and at its peak, in MB (Linux's /proc). */
    memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (field) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))[1]);
      return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function call(base, path, { token, method = 'GET', body, encoding } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  if (encoding) headers['accept-encoding'] = encoding;
  const response = await fetch(`${base}/api/v1${path}`, {
    method, headers, body: body && JSON.stringify(body),
  });
  const bytes = await response.arrayBuffer();
  return { status: response.status, bytes };
}

const json = (answer) => JSON.parse(Buffer.from(answer.bytes).toString('utf8'));

async function bearer(base, email) {
  const answer = await call(base, '/session', {
    method: 'POST', body: { email, password: PASSWORD, bearer: true },
  });
  if (answer.status !== 200) throw new Error(`sign-in of ${email}: ${answer.status}`);
  return json(answer).token;
}

/** Runs `work` over `items`, `width` at a time. */
async function inTurn(items, width, work) {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    while (queue.length) await work(queue.shift());
  }));
}

class Figures {
  constructor() { this.latencies = []; this.errors = 0; this.firstError = null; }
  async time(request) {
    const start = performance.now();
    let ok = false;
    try {
      const answer = await request();
      ok = answer.status >= 200 && answer.status < 300;
      if (!ok) this.firstError ??= `${answer.status} ${Buffer.from(answer.bytes).toString('utf8').slice(0, 200)}`;
    } catch (error) {
      this.firstError ??= String(error);
    }
    this.latencies.push(performance.now() - start);
    if (!ok) this.errors++;
  }
  at(quantile) {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? NaN;
  }
}

/** Licensed products: members with a direct license, each on a few machines, activated online. */
async function activateProducts(servers, adminToken) {
  const snapshot = json(await call(servers[0].url, `/orgs/${ORG}/members`, { token: adminToken }));
  const licensed = snapshot.members.filter((member) => member.status === 'active'
    && member.role === 'member' && member.licenses?.length);
  const wanted = Math.ceil(PRODUCTS / MACHINES_PER_MEMBER) * 2;
  const people = licensed.slice(0, wanted);
  const products = [];
  let refused = 0;
  await inTurn(people.entries(), 4, async ([index, member]) => {
    if (products.length >= PRODUCTS) return;
    const base = servers[index % servers.length].url;
    const token = await bearer(base, member.email);
    for (let machine = 0; machine < MACHINES_PER_MEMBER && products.length < PRODUCTS; machine++) {
      const answer = await call(base, `/orgs/${ORG}/license/activate`, {
        token, method: 'POST',
        body: {
          product_id: member.licenses[0], machine_id: `load-${member.id}-${machine}`,
          hostname: `load-${machine}`, mode: 'online',
        },
      });
      if (answer.status !== 200) { refused++; break; }
      products.push({ token, activation: json(answer).activation_id, server: index % servers.length });
    }
  });
  // Workers check the count before they activate, so the last round may overshoot.
  products.splice(PRODUCTS);
  const others = snapshot.members.filter((member) => member.status === 'active'
    && member.role === 'member' && !people.includes(member));
  return { products, refused, others };
}

async function run(label, servers) {
  const adminToken = await bearer(servers[0].url, ADMIN);
  const { products, refused, others } = await activateProducts(servers, adminToken);
  console.log(`load ${label} products.activated ${products.length} of ${PRODUCTS} (${refused} refused)`);
  const admins = [];
  for (let i = 0; i < ADMINS; i++) {
    admins.push({ token: await bearer(servers[i % servers.length].url, ADMIN), server: i % servers.length });
  }

  const heartbeats = new Figures();
  const snapshots = new Figures();
  const changes = new Figures();
  const health = new Figures();
  const deadline = performance.now() + SECONDS * 1000;
  const until = async (ms) => { await sleep(Math.max(0, Math.min(ms, deadline - performance.now()))); };

  const product = async ({ token, activation, server }) => {
    await until(Math.random() * HEARTBEAT_MS);
    while (performance.now() < deadline) {
      const started = performance.now();
      await heartbeats.time(() => call(servers[server].url, `/orgs/${ORG}/license/heartbeat`, {
        token, method: 'POST', body: { activation_id: activation },
      }));
      await until(HEARTBEAT_MS - (performance.now() - started));
    }
  };
  const admin = async ({ token, server }, index) => {
    const member = others[index];
    const base = servers[server].url;
    // Spread over the first reload period, as people arrive.
    await until(Math.random() * RELOAD_MS);
    let loaded = -Infinity;
    for (let n = 0; performance.now() < deadline; n++) {
      const started = performance.now();
      if (started - loaded >= RELOAD_MS) {
        loaded = started;
        await snapshots.time(() => call(base, `/orgs/${ORG}/members`, { token, encoding: 'br, gzip' }));
      }
      await changes.time(() => call(base, `/orgs/${ORG}/members/role`, {
        token, method: 'POST', body: { ids: [member.id], role: n % 2 ? 'member' : 'admin' },
      }));
      await until(CHANGE_MS - (performance.now() - started));
    }
  };
  const balancer = async () => {
    for (let n = 0; performance.now() < deadline; n++) {
      const started = performance.now();
      await health.time(() => call(servers[n % servers.length].url, '/health'));
      await until(HEALTH_MS - (performance.now() - started));
    }
  };
  await Promise.all([
    ...products.map(product), ...admins.map(admin), balancer(),
  ]);

  const print = (name, value, unit) => console.log(`load ${label} ${name} ${value} ${unit}`);
  print('heartbeat.p50', heartbeats.at(0.5).toFixed(1), 'ms');
  print('heartbeat.p99', heartbeats.at(0.99).toFixed(1), 'ms');
  print('heartbeat.errors', heartbeats.errors, `of ${heartbeats.latencies.length}`);
  print('snapshot.p95', snapshots.at(0.95).toFixed(0), 'ms');
  print('snapshot.errors', snapshots.errors, `of ${snapshots.latencies.length}`);
  print('change.p95', changes.at(0.95).toFixed(1), 'ms');
  print('change.errors', changes.errors, `of ${changes.latencies.length}`);
  print('health.p99', health.at(0.99).toFixed(1), 'ms');
  print('health.errors', health.errors, `of ${health.latencies.length}`);
  servers.forEach((server, index) => {
    const memory = server.memory();
    print(`server${index + 1}.rss.peak`, memory.peak.toFixed(0), 'MB');
    print(`server${index + 1}.rss.end`, memory.now.toFixed(0), 'MB');
  });
  for (const figures of [heartbeats, snapshots, changes, health]) {
    if (figures.firstError) console.log(`load ${label} first error: ${figures.firstError}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'allot-load-'));
try {
  const sqlite = await startServer(`sqlite://${join(dir, 'allot.db')}`, dir);
  try { await run('sqlite', [sqlite]); } finally { await sqlite.stop(); }

  const postgres = required('ALLOT_LOAD_POSTGRES');
  const first = await startServer(postgres, dir);
  const second = await startServer(postgres, dir);
  try { await run('postgres.2servers', [first, second]); } finally {
    await Promise.all([first.stop(), second.stop()]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
