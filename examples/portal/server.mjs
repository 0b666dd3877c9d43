// A pretend admin portal that embeds the Allot console, with its own pages, styles, sign-in
// and backend: how a portal team would use Allot. Its backend signs its users in with its own
// (pretend) identity flow and hands the page bearer tokens it obtains from the Allot API.
//
//   node examples/portal/server.mjs --allot-api http://127.0.0.1:8080/api/v1 \
//     --allot-js http://127.0.0.1:8080/allot.js [--port 3000]
//
// (the Allot server needs `--cors-origin http://127.0.0.1:3000` for this portal's origin).
// The end-to-end tests start it with `startPortal` and steer its tokens.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const file = (name) => readFileSync(join(here, name), 'utf8');

/** The portal's own users, and the Allot account each one administers Allot as. */
const USERS = {
  'pat@portal.example': { password: 'portal-password', allot: { email: 'owner@example.com', password: 'allot-demo' } },
};

/** The portal's page: its header, a heading, and what the page holds around its news. */
const page = (heading, content = '', after = '') => file('layout.html')
  .replace('__TITLE__', heading === 'Welcome' ? 'Acme Portal' : `${heading} · Acme Portal`)
  .replace('__HEADING__', heading)
  .replace('__CONTENT__', content)
  .replace('__AFTER__', after);

const SIGN_IN = `    <form id="portal-sign-in" aria-label="Portal sign-in">
      <label>Portal email <input name="email" type="email" autocomplete="username" required /></label>
      <label>Portal password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit">Sign in to the portal</button>
    </form>`;

const TYPES = { '.css': 'text/css', '.js': 'text/javascript', '.html': 'text/html; charset=utf-8' };

/**
 * Starts the portal on `port` (0: any free one) for the Allot API at `allotApi` and the
 * console module at `allotJs`. Resolves with its URL, what it did with tokens, and switches.
 */
export async function startPortal({ port = 0, allotApi, allotJs }) {
  const sessions = new Set();
  const state = { tokensIssued: 0, refuseTokens: false, tokens: [] };
  const api = new URL(allotApi);
  const consoleModule = new URL(allotJs);
  // What the portal's pages may load: its own files, the console from its CDN, calls to the
  // Allot API, and compiling the console's wasm.
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${consoleModule.origin} 'wasm-unsafe-eval'`,
    `style-src 'self' ${consoleModule.origin}`,
    `connect-src 'self' ${api.origin} ${consoleModule.origin}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

  const script = file('portal.js')
    .replaceAll('__ALLOT_API__', allotApi)
    .replaceAll('__ALLOT_JS__', allotJs);

  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://portal');
    const signedIn = (request.headers.cookie ?? '').split(/;\s*/)
      .some((pair) => pair.startsWith('portal_session=') && sessions.has(pair.slice(15)));
    const send = (status, body, type = 'text/html; charset=utf-8', headers = {}) => {
      response.writeHead(status, { 'content-type': type, 'content-security-policy': csp, ...headers });
      response.end(body);
    };
    const json = (status, body, headers) => send(status, JSON.stringify(body), 'application/json', headers);

    if (request.method === 'POST' && url.pathname === '/portal/api/sign-in') {
      const { email, password } = JSON.parse(await body(request));
      if (USERS[email]?.password !== password) return json(401, { error: 'Unknown user or wrong password.' });
      const session = randomBytes(16).toString('hex');
      sessions.add(session);
      return json(200, { email }, { 'set-cookie': `portal_session=${session}; Path=/portal; HttpOnly; SameSite=Lax` });
    }
    if (request.method === 'GET' && url.pathname === '/portal/api/allot-token') {
      if (!signedIn) return json(401, { error: 'Sign in to the portal first.' });
      state.tokensIssued += 1;
      if (state.refuseTokens) return json(200, { token: 'a-token-allot-will-refuse' });
      // The portal's backend signs in to Allot for its user and passes the token on.
      const { allot } = USERS['pat@portal.example'];
      const answer = await fetch(`${allotApi}/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...allot, bearer: true }),
      });
      if (!answer.ok) return json(502, { error: `Allot refused the portal: ${answer.status}` });
      const { token } = await answer.json();
      state.tokens.push(token);
      return json(200, { token });
    }
    if (url.pathname === '/portal/portal.css') return send(200, file('portal.css'), TYPES['.css']);
    if (url.pathname === '/portal/portal.js') return send(200, script, TYPES['.js']);
    if (url.pathname === '/portal' || url.pathname === '/portal/') return send(200, page('Welcome', SIGN_IN));
    if (url.pathname === '/portal/reports') return send(200, page('Reports'));
    // The console owns everything under /portal/people: deep links get the People page, where
    // portal.js puts the console in #people.
    if (url.pathname === '/portal/people' || url.pathname.startsWith('/portal/people/')) {
      return send(200, page('People', '', '    <div id="people"></div>'));
    }
    send(404, '<!DOCTYPE html><title>Not found</title><p>Not found.</p>');
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    state,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

function body(request) {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk) => { text += chunk; });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

// Run directly: a portal for a person to try.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const option = (name, fallback) => {
    const at = process.argv.indexOf(`--${name}`);
    return at > 0 ? process.argv[at + 1] : fallback;
  };
  const portal = await startPortal({
    port: Number(option('port', '3000')),
    allotApi: option('allot-api', 'http://127.0.0.1:8080/api/v1'),
    allotJs: option('allot-js', 'http://127.0.0.1:8080/allot.js'),
  });
  console.log(`Portal on ${portal.url}/portal/ (sign in as pat@portal.example / portal-password)`);
}
