// A load generator for `bench.mjs`, run as its own process so that the server under test and
// the browser do not share an event loop with it. Prints one JSON line:
// {"requests", "errors", "seconds", "rps", "p50", "p99", "firstError"} (latencies in ms).
//
// usage: node load.mjs <base url> <bearer token> <snapshot|role> <workers> <seconds> [member ids...]
const [base, token, kind, workers, seconds, ...ids] = process.argv.slice(2);
const org = 1;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const deadline = performance.now() + Number(seconds) * 1000;
const latencies = [];
let errors = 0;
let firstError = null;

async function once(worker, n) {
  if (kind === 'snapshot') {
    // Like the console: compressed, and read to the end.
    const response = await fetch(`${base}/api/v1/orgs/${org}/members`, {
      headers: { ...headers, 'accept-encoding': 'br, gzip' },
    });
    await response.arrayBuffer();
    return response.ok;
  }
  // Each worker flips its own member between Member and Admin.
  const id = Number(ids[worker % ids.length]);
  const role = n % 2 === 0 ? 'admin' : 'member';
  const response = await fetch(`${base}/api/v1/orgs/${org}/members/role`, {
    method: 'POST', headers, body: JSON.stringify({ ids: [id], role }),
  });
  const body = await response.json();
  const ok = response.ok && body.results?.[0]?.error == null;
  if (!ok) firstError ??= `${response.status} ${JSON.stringify(body)}`;
  return ok;
}

async function worker(index) {
  for (let n = 0; performance.now() < deadline; n++) {
    const start = performance.now();
    let ok = false;
    try { ok = await once(index, n); } catch (error) { firstError ??= String(error); ok = false; }
    latencies.push(performance.now() - start);
    if (!ok) errors++;
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: Number(workers) }, (_, i) => worker(i)));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
console.log(JSON.stringify({
  requests: latencies.length, errors, seconds: elapsed,
  rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), firstError,
}));
