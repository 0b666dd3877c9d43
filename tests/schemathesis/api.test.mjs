// schemathesis, an independent property-based fuzzer, against a real allot-server: every
// operation of the OpenAPI document, with all of its checks, as an Owner and as an Admin on
// SQLite, as an Owner over HTTP/2 (through an HTTP/1.1 front: schemathesis speaks only
// HTTP/1.1), and as an Owner on PostgreSQL (ALLOT_FUZZ_POSTGRES: a database of its own),
// whose text rules differ (it refuses NUL, for one).
// `cargo xtask test` runs a bounded, seeded pass; `cargo xtask fuzz` a longer one with a
// random seed (SCHEMATHESIS_MAX_EXAMPLES, SCHEMATHESIS_SEED).
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { startServer, OWNER, ADMIN, PASSWORD } from '../e2e/harness.mjs';
import { startHttp2Relay } from './http2-relay.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// schemathesis keeps what it found (to try again first) in its working directory.
const workdir = join(here, '../../target/schemathesis');

async function bearerToken(url, email) {
  const response = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, bearer: true }),
  });
  assert.equal(response.status, 200, `sign-in of ${email}`);
  return (await response.json()).token;
}

/**
 * Runs schemathesis once; resolves with its exit code and whether its only trouble was a
 * crash of its own (a "Runtime Error" with no failure of the API), its output passed through.
 */
function schemathesisOnce(args) {
  const program = process.env.ALLOT_SCHEMATHESIS;
  if (!program) throw new Error('ALLOT_SCHEMATHESIS is not set: run through `cargo xtask test`');
  mkdirSync(workdir, { recursive: true });
  const child = spawn(program, args, { cwd: workdir, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({
      code,
      ownCrash: code !== 0 && /Runtime Error/.test(output) && !/= FAILURES =/.test(output),
    }));
  });
}

/**
 * Runs schemathesis, once more when it crashed on its own: its coverage phase once died in a
 * fresh clone's run with a CPython "AST constructor recursion depth mismatch", which says
 * nothing of the API. A failure of the API is never run again.
 */
async function schemathesis(args) {
  const first = await schemathesisOnce(args);
  if (!first.ownCrash) return first.code;
  console.log('# schemathesis crashed on its own (no failure of the API): running it once more');
  return (await schemathesisOnce(args)).code;
}

const runs = [
  ['an Owner', OWNER, undefined, false],
  ['an Admin', ADMIN, undefined, false],
  ['an Owner, over HTTP/2', OWNER, undefined, true],
];
if (process.env.ALLOT_FUZZ_POSTGRES) {
  runs.push(['an Owner, on PostgreSQL', OWNER, process.env.ALLOT_FUZZ_POSTGRES, false]);
}

for (const [role, email, db, overHttp2] of runs) {
  test(`schemathesis finds no failure as ${role}`, { timeout: 20 * 60_000 }, async () => {
    // Several servers share PostgreSQL, so the server wants the secret they share.
    const secretDir = mkdtempSync(join(tmpdir(), 'allot-fuzz-'));
    const secret = join(secretDir, 'allot.secret');
    writeFileSync(secret, randomBytes(32), { mode: 0o600 });
    const args = db ? ['--secret-file', secret] : [];
    const server = await startServer({ serveConsole: false, db, args });
    const relay = overHttp2 ? await startHttp2Relay(server.url) : null;
    const url = relay?.url ?? server.url;
    try {
      const token = await bearerToken(url, email);
      const code = await schemathesis([
        '--config-file', join(here, 'schemathesis.toml'),
        'run', `${url}/api/v1/openapi.json`,
        '--url', url,
        '--checks', 'all',
        '--header', `Authorization: Bearer ${token}`,
        // Signing out would end the session every other operation is tested with.
        '--exclude-operation-id', 'sign_out',
        '--max-examples', process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '10',
        '--seed', process.env.SCHEMATHESIS_SEED ?? '1',
        // One worker: CPython before 3.11.8 (Debian 12's among them) can fail ast.parse with
        // "AST constructor recursion depth mismatch" when two threads parse at once, which
        // hypothesis does to describe its filters (gh-106905); it crashed twice in a row here.
        '--workers', '1',
        '--output-sanitize', 'true',
      ]);
      assert.equal(code, 0, `schemathesis found failures as ${role} (see above)`);
    } finally {
      await relay?.close();
      await server.stop();
      rmSync(secretDir, { recursive: true, force: true });
    }
  });
}
