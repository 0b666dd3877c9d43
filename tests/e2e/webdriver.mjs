// WebKit for the end-to-end suite: Debian's WebKitGTK (MiniBrowser) driven by its own
// WebDriver, `WebKitWebDriver`, behind the part of Playwright's API the flows use, so that a
// flow is written once and runs in every engine.
//
// Why not Playwright itself: Playwright drives only its own patched WebKit builds, which come
// from its CDN; a stock WebKitGTK speaks classic WebDriver alone (no BiDi). Why not move the
// whole suite to a WebDriver library: Chromium and Firefox run well under Playwright, and the
// flows lean on its locators (role, name, label, text; piercing the console's shadow root).
// Here those locators resolve with the very selector engine Playwright runs in its pages (its
// injected script, loaded from the installed playwright-core), so a locator means the same
// thing in all three engines; clicks, typing and keys are WebDriver's real input events.
//
// What classic WebDriver cannot do, and this driver refuses with an error saying so: request
// interception or observation (`route`, `on('request')`, `waitForResponse`), download events,
// scripts that run before the page's own (`addInitScript` runs once the page has loaded),
// emulated offline, clocks. Tests that decide what a request gets go through the harness's
// `startInterceptor`, a relay in front of the server, in every engine.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const DEFAULT_TIMEOUT_MS = 30_000;
const POLL_MS = 40;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** Playwright's in-page selector engine, as its installed version ships it. */
const injectedScript = (() => {
  let source;
  return () => {
    if (source) return source;
    const bundle = readFileSync(join(dirname(require.resolve('playwright-core')), 'lib', 'coreBundle.js'), 'utf8');
    const literal = bundle.match(/injectedScriptSource\.ts"\(\) \{\s*"use strict";\s*\w+ = ('(?:[^'\\]|\\.)*');/s);
    if (!literal) throw new Error('playwright-core changed: its injected script was not found in coreBundle.js');
    source = new Function(`return ${literal[1]}`)();
    return source;
  };
})();

/**
 * What every page gets once loaded: Playwright's selector engine (`__pw`) and this driver's
 * helpers (`__wd`), which also collect the page's uncaught errors.
 */
function pageSupport() {
  return `
    const module = {};
    ${injectedScript()}
    const pw = new (module.exports.InjectedScript())(globalThis, {
      isUnderTest: false, sdkLanguage: 'javascript', testIdAttributeName: 'data-testid',
      stableRafCount: 1, browserName: 'webkit', shouldPrependErrorPrefix: true,
      isUtilityWorld: false, customEngines: [], frameSeq: 0,
    });
    const errors = [];
    // WebKit's stacks leave out the message: both are kept.
    const describe = (error) => (error instanceof Error ? error.name + ': ' + error.message + '\\n' + error.stack : String(error));
    addEventListener('error', (event) => errors.push(event.error ? describe(event.error) : event.message));
    addEventListener('unhandledrejection', (event) => errors.push(describe(event.reason)));
    // Errors the page writes to its console, reported as Playwright's 'console' events.
    const consoleErrors = [];
    const consoleError = console.error;
    console.error = (...args) => {
      consoleErrors.push(args.map(String).join(' '));
      consoleError.apply(console, args);
    };
    const all = (selector) => pw.querySelectorAll(pw.parseSelector(selector), document);
    const one = (selector) => {
      const found = all(selector);
      if (found.length > 1) {
        throw new Error('strict mode violation: ' + selector + ' resolved to ' + found.length + ' elements');
      }
      return found[0] ?? null;
    };
    const state = (element, name) => pw.elementState(element, name, true).matches;
    window.__wd = { pw, errors, consoleErrors, all, one, state };
  `;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An X display for the browser: the session's own, or an Xvfb started for the run. */
async function display() {
  if (process.env.DISPLAY) return { name: process.env.DISPLAY, stop() {} };
  const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1920x1200x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const number = await new Promise((resolve, reject) => {
    let seen = '';
    xvfb.stdout.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes('\n')) resolve(seen.trim());
    });
    xvfb.on('error', reject);
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
  });
  // Neither the display nor its pipe keeps the test process alive; `stop` ends it.
  xvfb.stdout.destroy();
  xvfb.unref();
  return { name: `:${number}`, stop: () => xvfb.kill() };
}

function miniBrowser() {
  if (process.env.WEBKIT) return process.env.WEBKIT;
  const found = readdirSync('/usr/lib').map((dir) => `/usr/lib/${dir}/webkit2gtk-4.1/MiniBrowser`).find(existsSync);
  if (!found) throw new Error('WebKitGTK\'s MiniBrowser was not found: install libwebkit2gtk-4.1-0 and webkit2gtk-driver');
  return found;
}

/** Starts WebKitGTK under its WebDriver; its contexts are WebDriver sessions. */
export async function launchWebKit() {
  return new WebDriverBrowser(await display());
}

class WebDriverBrowser {
  constructor(screen) {
    this.screen = screen;
    this.contexts = new Set();
    // WebKitGTK's version, as its first session reports it.
    this.browserVersion = '';
  }

  browserType() { return { name: () => 'webkit' }; }

  version() { return this.browserVersion; }

  async newContext(options = {}) {
    const context = await WebDriverContext.start(this, options);
    this.contexts.add(context);
    return context;
  }

  async close() {
    await Promise.all([...this.contexts].map((context) => context.close()));
    this.screen.stop();
  }
}

/**
 * A browser context: one WebKitWebDriver process and its session (WebKitWebDriver keeps one
 * session at a time), so contexts share no cookies, like Playwright's.
 */
class WebDriverContext {
  /**
   * Starts a driver and its session; a MiniBrowser that does not come up within a minute (it
   * happened once in a loaded full run) is given up for a fresh driver, twice at most.
   */
  static async start(browser, options) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await WebDriverContext.startOnce(browser, options);
      } catch (error) {
        if (attempt === 3 || error.name !== 'TimeoutError') throw error;
      }
    }
  }

  static async startOnce(browser, options) {
    const port = await freePort();
    const driver = spawn('WebKitWebDriver', [`--port=${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DISPLAY: browser.screen.name },
    });
    // What the driver, MiniBrowser and its web process print: kept to explain a crash.
    let log = '';
    driver.stderr.on('data', (chunk) => { log = (log + chunk).slice(-8000); });
    const printed = () => log;
    const endpoint = `http://127.0.0.1:${port}`;
    let created;
    try {
      for (let tries = 0; ; tries++) {
        try {
          if ((await fetch(`${endpoint}/status`)).ok) break;
        } catch (error) {
          if (tries > 100 || driver.exitCode !== null) throw new Error(`WebKitWebDriver did not start: ${log}`);
        }
        await sleep(50);
      }
      created = await command(endpoint, 'POST', '/session', {
        capabilities: {
          alwaysMatch: {
            browserName: 'MiniBrowser',
            acceptInsecureCerts: Boolean(options.ignoreHTTPSErrors),
            'webkitgtk:browserOptions': {
              binary: miniBrowser(),
              // MiniBrowser's dark mode is what makes its pages prefer the dark colour scheme.
              args: ['--automation', ...(options.colorScheme === 'dark' ? ['--dark-mode'] : [])],
            },
          },
        },
      }, SESSION_TIMEOUT_MS);
    } catch (error) {
      driver.kill();
      throw error;
    }
    browser.browserVersion = created.capabilities.browserVersion;
    const context = new WebDriverContext(browser, options, driver, `${endpoint}/session/${created.sessionId}`, printed);
    context.firstWindow = await context.call('GET', '/window');
    return context;
  }

  constructor(browser, options, driver, session, printed) {
    this.browserObject = browser;
    this.printed = printed;
    this.options = options;
    this.driver = driver;
    this.session = session;
    this.initScripts = [];
    this.pages = new Set();
    this.current = undefined;
    this.queue = Promise.resolve();
  }

  browser() { return this.browserObject; }

  /** One WebDriver command on this session; commands run one at a time, in order. */
  call(method, path, body) {
    const run = this.queue.then(() => command(this.session, method, path, body)).catch(this.explained);
    this.queue = run.catch(() => {});
    return run;
  }

  /** A lost session ('page crash or hang') carries what WebKit printed before it. */
  explained = (error) => {
    if (error.code === 'invalid session id') error.message += `\nWebKit printed:\n${this.printed()}`;
    throw error;
  };

  /** Runs `work` with `page`'s window the current one, no other page's command in between. */
  async inWindow(page, work) {
    const run = this.queue.then(async () => {
      if (this.current !== page.handle) {
        await command(this.session, 'POST', '/window', { handle: page.handle });
        this.current = page.handle;
      }
      return work((method, path, body) => command(this.session, method, path, body));
    }).catch(this.explained);
    this.queue = run.catch(() => {});
    return run;
  }

  async newPage() {
    let handle = this.firstWindow;
    this.firstWindow = undefined;
    if (!handle) handle = (await this.call('POST', '/window/new', { type: 'tab' })).handle;
    const page = new WebDriverPage(this, handle);
    this.pages.add(page);
    if (this.options.viewport) await page.setViewportSize(this.options.viewport);
    return page;
  }

  /** Kept, and run in each page once it has loaded (not before the page's own scripts). */
  async addInitScript(script) {
    this.initScripts.push(typeof script === 'function' ? `(${script})();` : script);
  }

  async cookies() { return this.call('GET', '/cookie'); }

  /** API requests with the context's cookies, made by one of its pages. */
  get request() {
    const [page] = this.pages;
    if (!page) throw new Error('a context needs a page to make requests with its cookies');
    return page.request;
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.call('DELETE', '').catch(() => {});
    this.driver.kill();
    this.browserObject.contexts.delete(this);
  }

  setOffline() { throw unsupported('emulate being offline'); }

  route() { throw unsupported('intercept requests'); }
}

class WebDriverPage {
  constructor(context, handle) {
    this.ctx = context;
    this.handle = handle;
    this.href = 'about:blank';
    this.listeners = { pageerror: [], console: [] };
    this.viewport = context.options.viewport ?? null;
    this.keyboard = {
      press: (keys) => this.keys(pressActions(keys)),
      type: (text) => this.keys([...text].flatMap((key) => [{ type: 'keyDown', value: key }, { type: 'keyUp', value: key }])),
    };
    this.request = {
      fetch: (url, options = {}) => this.fetchAs(url, options),
      get: (url, options = {}) => this.fetchAs(url, { ...options, method: 'GET' }),
      post: (url, options = {}) => this.fetchAs(url, { ...options, method: 'POST' }),
    };
  }

  context() { return this.ctx; }

  url() { return this.href; }

  viewportSize() { return this.viewport; }

  on(event, listener) {
    if (!this.listeners[event]) throw unsupported(`report '${event}' events`);
    this.listeners[event].push(listener);
  }

  /**
   * Runs `body` (a function body over `args`) in the page, with Playwright's selector engine
   * and the context's init scripts loaded first when the page is new; reports the page's
   * uncaught errors to `on('pageerror')` listeners and its console errors to `on('console')`'s.
   */
  async run(body, ...args) {
    const wrapped = `return (async (...args) => {
      if (!window.__wd) return { missing: true };
      const value = await (async () => { ${body} })();
      // WebDriver sends undefined as null; Playwright keeps it.
      return {
        value, undefined: value === undefined, href: location.href,
        errors: window.__wd.errors.splice(0), consoleErrors: window.__wd.consoleErrors.splice(0),
      };
    })(...arguments);`;
    return this.ctx.inWindow(this, async (call) => {
      const execute = async () => {
        try {
          return await call('POST', '/execute/sync', { script: wrapped, args });
        } catch (error) {
          // WebKitWebDriver now and then loses a result on its way back ('Could not parse
          // script result', or an 'unknown error' saying nothing; each seen once in a full run,
          // on a page that had just loaded): its scripts read or redo the same (scroll into
          // view), so it runs again.
          const lost = String(error.message).includes('Could not parse script result')
            || (error.code === 'unknown error' && !error.detail);
          if (!lost) throw error;
          return call('POST', '/execute/sync', { script: wrapped, args });
        }
      };
      let result = await execute();
      if (result?.missing) {
        await call('POST', '/execute/sync', { script: `${pageSupport()}\n${this.ctx.initScripts.join('\n')}`, args: [] });
        result = await execute();
      }
      this.href = result.href;
      for (const error of result.errors) for (const listener of this.listeners.pageerror) listener(new Error(error));
      for (const text of result.consoleErrors) {
        for (const listener of this.listeners.console) listener({ type: () => 'error', text: () => text });
      }
      return result.undefined ? undefined : result.value;
    });
  }

  /** Polls `body` until it returns something other than undefined. */
  async until(body, args, { timeout = DEFAULT_TIMEOUT_MS, what } = {}) {
    const deadline = Date.now() + (timeout || DEFAULT_TIMEOUT_MS);
    let last;
    for (;;) {
      try {
        const value = await this.run(body, ...args);
        if (value !== undefined && value !== null && value !== false) return value;
      } catch (error) {
        if (!isRetryable(error)) throw error;
        last = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`Timeout ${timeout || DEFAULT_TIMEOUT_MS} ms exceeded: ${what}${last ? ` (${last.message})` : ''}`);
      }
      await sleep(POLL_MS);
    }
  }

  async evaluate(fn, arg) {
    const source = typeof fn === 'function' ? `return (${fn})(args[0]);` : `return (${fn});`;
    return this.run(source, arg);
  }

  /** Runs `source` as a function body in the page (what WebDriver's execute script takes). */
  async runScript(source) {
    return this.ctx.inWindow(this, (call) => call('POST', '/execute/sync', { script: source, args: [] }));
  }

  async waitForFunction(fn, arg, { timeout } = {}) {
    return this.until(`return (${fn})(args[0]) || undefined;`, [arg], { timeout, what: `waitForFunction ${fn}` });
  }

  async waitForTimeout(ms) { await sleep(ms); }

  async goto(url) {
    await this.ctx.inWindow(this, (call) => call('POST', '/url', { url }));
    this.href = url;
  }

  async reload() { await this.ctx.inWindow(this, (call) => call('POST', '/refresh', {})); }

  async goBack() { await this.ctx.inWindow(this, (call) => call('POST', '/back', {})); }

  async waitForURL(url, { timeout } = {}) {
    const matches = typeof url === 'string'
      ? (href) => href === url
      : url instanceof RegExp ? (href) => url.test(href) : (href) => url(new URL(href));
    const deadline = Date.now() + (timeout ?? DEFAULT_TIMEOUT_MS);
    for (;;) {
      const href = await this.ctx.inWindow(this, (call) => call('GET', '/url'));
      this.href = href;
      if (matches(href)) return;
      if (Date.now() > deadline) throw new Error(`Timeout waiting for the URL ${url}: at ${href}`);
      await sleep(POLL_MS);
    }
  }

  async setContent(html) {
    await this.ctx.inWindow(this, (call) => call('POST', '/execute/sync', {
      script: 'document.open(); document.write(arguments[0]); document.close();', args: [html],
    }));
  }

  /**
   * Sizes the window so that its page (not the window) gets `width`×`height`, or as close as
   * the window goes: MiniBrowser's toolbar keeps its window at least 447 px wide, so a phone's
   * 390 px is 447 px here. `viewportSize()` tells the size the page really got.
   */
  async setViewportSize({ width, height }) {
    this.viewport = await this.ctx.inWindow(this, async (call) => {
      let rect = await call('POST', '/window/rect', { width, height });
      let inner;
      for (let tries = 0; tries < 3; tries++) {
        inner = await call('POST', '/execute/sync', { script: 'return [innerWidth, innerHeight];', args: [] });
        if (inner[0] === width && inner[1] === height) break;
        rect = await call('POST', '/window/rect', {
          width: rect.width + width - inner[0], height: rect.height + height - inner[1],
        });
      }
      return { width: inner[0], height: inner[1] };
    });
  }

  async screenshot({ path } = {}) {
    const png = Buffer.from(await this.ctx.inWindow(this, (call) => call('GET', '/screenshot')), 'base64');
    if (path) writeFileSync(path, png);
    return png;
  }

  async bringToFront() { await this.ctx.inWindow(this, async () => {}); }

  async close() {
    await this.ctx.inWindow(this, (call) => call('DELETE', '/window'));
    this.ctx.current = undefined;
    this.ctx.pages.delete(this);
    const [next] = this.ctx.pages;
    if (next) await next.bringToFront();
  }

  async keys(actions) {
    await this.ctx.inWindow(this, (call) => call('POST', '/actions', {
      actions: [{ type: 'key', id: 'keyboard', actions }],
    }));
  }

  async pointer(actions) {
    await this.ctx.inWindow(this, (call) => call('POST', '/actions', {
      actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions }],
    }));
  }

  /** An API request with the page's cookies, made by the page itself. */
  async fetchAs(url, { method = 'GET', headers = {}, data } = {}) {
    const body = data === undefined || typeof data === 'string' ? data : JSON.stringify(data);
    const type = typeof data === 'object' ? { 'content-type': 'application/json' } : {};
    const response = await this.run(`
      const [url, init] = args;
      const response = await fetch(url, { ...init, credentials: 'include' });
      return { status: response.status, text: await response.text() };`,
    url, { method, headers: { ...type, ...headers }, body });
    return {
      status: () => response.status,
      ok: () => response.status >= 200 && response.status < 300,
      text: async () => response.text,
      json: async () => JSON.parse(response.text),
    };
  }

  waitForResponse() { throw unsupported('observe responses'); }

  waitForEvent(event) { throw unsupported(`wait for '${event}' events`); }

  route() { throw unsupported('intercept requests'); }

  getByRole(role, options) { return new Locator(this, roleSelector(role, options)); }

  getByLabel(text, { exact } = {}) { return new Locator(this, `internal:label=${textArgument(text, exact)}`); }

  getByText(text, { exact } = {}) { return new Locator(this, `internal:text=${textArgument(text, exact)}`); }

  locator(selector) { return new Locator(this, selector); }
}

/** Part of Playwright's Locator: the same selectors, resolved by the same engine. */
class Locator {
  constructor(page, selector) {
    this.page = page;
    this.selector = selector;
  }

  inner(part) { return new Locator(this.page, `${this.selector} >> ${part}`); }

  getByRole(role, options) { return this.inner(roleSelector(role, options)); }

  getByLabel(text, { exact } = {}) { return this.inner(`internal:label=${textArgument(text, exact)}`); }

  getByText(text, { exact } = {}) { return this.inner(`internal:text=${textArgument(text, exact)}`); }

  locator(selector) { return this.inner(selector); }

  filter({ hasText, hasNotText, has, hasNot } = {}) {
    let selector = this.selector;
    if (hasText !== undefined) selector += ` >> internal:has-text=${textArgument(hasText, false)}`;
    if (hasNotText !== undefined) selector += ` >> internal:has-not-text=${textArgument(hasNotText, false)}`;
    if (has) selector += ` >> internal:has=${JSON.stringify(has.selector)}`;
    if (hasNot) selector += ` >> internal:has-not=${JSON.stringify(hasNot.selector)}`;
    return new Locator(this.page, selector);
  }

  first() { return this.inner('nth=0'); }

  nth(index) { return this.inner(`nth=${index}`); }

  async all() {
    const count = await this.count();
    return Array.from({ length: count }, (_, index) => this.nth(index));
  }

  async count() { return this.page.run('return __wd.all(args[0]).length;', this.selector); }

  async waitFor({ state = 'visible', timeout } = {}) {
    await this.page.until(`
      const [selector, state] = args;
      const found = __wd.all(selector);
      if (found.length > 1 && (state === 'visible' || state === 'attached')) {
        throw new Error('strict mode violation: ' + selector + ' resolved to ' + found.length + ' elements');
      }
      const visible = found.filter((element) => __wd.state(element, 'visible'));
      switch (state) {
        case 'attached': return found.length > 0;
        case 'detached': return found.length === 0;
        case 'visible': return visible.length > 0;
        case 'hidden': return visible.length === 0;
      }`, [this.selector, state], { timeout, what: `${this.selector} to be ${state}` });
  }

  /** Runs `body` on the one element the locator finds, once it is attached. */
  async withElement(body, arg, { timeout } = {}) {
    const result = await this.page.until(`
      const element = __wd.one(args[0]);
      if (!element) return undefined;
      const value = await (async (element, arg) => { ${body} })(element, args[1]);
      return { value };`, [this.selector, arg], { timeout, what: this.selector });
    return result.value;
  }

  /** The one element, once it is visible and enabled (and editable, with `editable`). */
  async actionable({ timeout, editable = false, force = false } = {}) {
    return this.page.until(`
      const [selector, editable, force] = args;
      const element = __wd.one(selector);
      if (!element) return undefined;
      if (force) return element;
      if (!__wd.state(element, 'visible') || !__wd.state(element, 'enabled')) return undefined;
      if (editable && !__wd.state(element, 'editable')) return undefined;
      // As Playwright does before acting: into view within every scrolling box around it.
      // (WebKit's WebDriver scrolls the window only, and calls a row of a table that scrolls
      // by itself not interactable.)
      const rect = element.getBoundingClientRect();
      const hit = element.getRootNode().elementFromPoint(rect.x + rect.width / 2, rect.y + rect.height / 2);
      if (!hit || !(hit === element || element.contains(hit))) element.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
      // Stable, as Playwright waits for: in the same place as at the previous look, so that a
      // click does not land where the element was before the page moved under it (a chart
      // above it drawn meanwhile).
      const box = element.getBoundingClientRect();
      const place = [box.x, box.y, box.width, box.height].join();
      const seen = (window.__wd.places ??= new WeakMap());
      const before = seen.get(element);
      seen.set(element, place);
      return before === place ? element : undefined;`, [this.selector, editable, force], { timeout, what: `${this.selector} to be actionable and still` });
  }

  async click({ timeout, force } = {}) {
    const deadline = Date.now() + (timeout ?? DEFAULT_TIMEOUT_MS);
    for (;;) {
      const element = await this.actionable({ timeout, force });
      try {
        await this.page.ctx.inWindow(this.page, (call) => call('POST', `/element/${element[ELEMENT]}/click`, {}));
        return;
      } catch (error) {
        // Covered for a moment (an animation, a notice) or re-rendered: as Playwright, retry.
        if (!isRetryable(error) || Date.now() > deadline) {
          throw new Error(`click ${this.selector}: ${error.message} (${await this.whereItIs()})`);
        }
        await sleep(POLL_MS);
      }
    }
  }

  /** Where the element is, and what is on top of it there: for a click's error. */
  async whereItIs() {
    return this.withElement(`
      const rect = element.getBoundingClientRect();
      const hit = element.getRootNode().elementFromPoint(rect.x + rect.width / 2, rect.y + rect.height / 2);
      return JSON.stringify({ rect, window: [innerWidth, innerHeight], on_top: hit?.outerHTML.slice(0, 200) });`,
    undefined, { timeout: 1000 }).catch((error) => error.message);
  }

  /**
   * Clicks the element the locator finds now unless it already is `checked`: the element,
   * not the locator, is checked after (a locator such as `checkbox[checked=true]` finds
   * another one once it is unticked).
   */
  async setChecked(checked, options = {}) {
    const deadline = Date.now() + (options.timeout ?? DEFAULT_TIMEOUT_MS);
    for (;;) {
      const element = await this.actionable(options);
      const state = () => this.page.run('return __wd.state(args[0], "checked");', element);
      try {
        if ((await state()) === checked) return;
        await this.page.ctx.inWindow(this.page, (call) => call('POST', `/element/${element[ELEMENT]}/click`, {}));
        if ((await state()) === checked) return;
      } catch (error) {
        // Its row was drawn again (a change from the feed) before or after the click: the
        // new row's box says whether the click took.
        if (!isRetryable(error) || Date.now() > deadline) throw error;
        await sleep(POLL_MS);
        continue;
      }
      throw new Error(`${this.selector} did not become ${checked ? 'checked' : 'unchecked'}`);
    }
  }

  check(options) { return this.setChecked(true, options); }

  uncheck(options) { return this.setChecked(false, options); }

  async fill(value, { timeout } = {}) {
    await this.actionable({ timeout, editable: true });
    await this.withElement(`
      const done = __wd.pw.fill(element, arg);
      if (done === 'needsinput') {
        if (arg) document.execCommand('insertText', false, arg);
        else document.execCommand('delete', false);
      } else if (done !== 'done') {
        throw new Error(done);
      }`, value);
  }

  async focus() { await this.withElement('element.focus();'); }

  /** Types `text` key by key into the element, as a person would. */
  async pressSequentially(text) {
    await this.focus();
    await this.page.keyboard.type(text);
  }

  async press(keys) {
    await this.focus();
    await this.page.keyboard.press(keys);
  }

  async hover({ timeout } = {}) {
    const deadline = Date.now() + (timeout ?? DEFAULT_TIMEOUT_MS);
    for (;;) {
      const element = await this.actionable({ timeout });
      try {
        await this.page.pointer([{ type: 'pointerMove', duration: 0, origin: element, x: 0, y: 0 }]);
        return;
      } catch (error) {
        // Moved out of view meanwhile (a layout shift): as Playwright, find it again.
        if (!isRetryable(error) || Date.now() > deadline) throw error;
        await sleep(POLL_MS);
      }
    }
  }

  async selectOption(value) {
    const values = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? { valueOrLabel: v } : v));
    await this.actionable();
    const result = await this.withElement('return __wd.pw.selectOptions(element, arg);', values);
    if (typeof result === 'string') throw new Error(`selectOption ${this.selector}: ${result}`);
    return result;
  }

  async textContent() { return this.withElement('return element.textContent;'); }

  async getAttribute(name) { return this.withElement('return element.getAttribute(arg);', name); }

  async inputValue() { return this.withElement('return element.value;'); }

  async isChecked() { return this.withElement('return __wd.state(element, "checked");'); }

  async isDisabled() { return this.withElement('return __wd.state(element, "disabled");'); }

  async allTextContents() { return this.page.run('return __wd.all(args[0]).map((element) => element.textContent);', this.selector); }

  async isVisible() {
    return this.page.run('const element = __wd.one(args[0]); return Boolean(element && __wd.state(element, "visible"));', this.selector);
  }

  async boundingBox() {
    return this.withElement(`
      const rect = element.getBoundingClientRect();
      return rect.width || rect.height ? { x: rect.x, y: rect.y, width: rect.width, height: rect.height } : { none: true };`)
      .then((box) => (box.none ? null : box));
  }

  async evaluate(fn, arg) { return this.withElement(`return (${fn})(element, arg);`, arg); }

  async evaluateAll(fn, arg) { return this.page.run(`return (${fn})(__wd.all(args[0]), args[1]);`, this.selector, arg); }

  async scrollIntoViewIfNeeded() { await this.withElement('element.scrollIntoView({ block: "nearest" });'); }
}

// Playwright's selector text for its getBy* locators (its client's escaping rules).
function escapeRegex(regex) {
  if (regex.flags.includes('u') || regex.flags.includes('v')) return String(regex);
  return String(regex).replace(/(^|[^\\])(\\\\)*(["'`])/g, '$1$2\\$3').replace(/>>/g, '\\>\\>');
}

function textArgument(text, exact) {
  return text instanceof RegExp ? escapeRegex(text) : `${JSON.stringify(text)}${exact ? 's' : 'i'}`;
}

function attributeArgument(value, exact) {
  if (value instanceof RegExp) return escapeRegex(value);
  return `"${String(value).replace(/\\/g, '\\\\').replace(/["]/g, '\\"')}"${exact ? 's' : 'i'}`;
}

function roleSelector(role, options = {}) {
  const props = [];
  for (const key of ['checked', 'disabled', 'selected', 'expanded', 'pressed', 'level']) {
    if (options[key] !== undefined) props.push(`[${key}=${options[key]}]`);
  }
  if (options.name !== undefined) props.push(`[name=${attributeArgument(options.name, options.exact)}]`);
  return `internal:role=${role}${props.join('')}`;
}

// WebDriver's codes for Playwright's key names.
const KEYS = {
  Enter: '\uE007', Escape: '\uE00C', Tab: '\uE004', Backspace: '\uE003', Delete: '\uE017',
  ArrowDown: '\uE015', ArrowUp: '\uE013', ArrowLeft: '\uE012', ArrowRight: '\uE014',
  Home: '\uE011', End: '\uE010', PageUp: '\uE00E', PageDown: '\uE00F', Space: ' ',
  Shift: '\uE008', Control: '\uE009', Alt: '\uE00A', Meta: '\uE03D', ControlOrMeta: '\uE009',
};

/** `Shift+Tab`, `ControlOrMeta+A`, `Enter`...: modifiers held around the last key. */
function pressActions(keys) {
  const codes = keys.split(/\+(?=.)/).map((key) => {
    if (KEYS[key]) return KEYS[key];
    if ([...key].length === 1) return key.length === 1 && /[A-Z]/.test(key) && keys.includes('+') ? key.toLowerCase() : key;
    throw new Error(`no WebDriver code for the key ${key}`);
  });
  return [
    ...codes.map((value) => ({ type: 'keyDown', value })),
    ...codes.reverse().map((value) => ({ type: 'keyUp', value })),
  ];
}

class WebDriverError extends Error {
  constructor(error, message) {
    super(`${error}: ${message}`);
    this.code = error;
    this.detail = message;
  }
}

const RETRYABLE = new Set([
  'element click intercepted', 'element not interactable', 'stale element reference', 'no such element',
  'move target out of bounds',
]);

function isRetryable(error) {
  return error instanceof WebDriverError && (RETRYABLE.has(error.code)
    || (error.code === 'javascript error' && /stale|detached|not connected/i.test(error.message)));
}

/** How long a new session may take to open its browser. */
const SESSION_TIMEOUT_MS = 60_000;

/** One WebDriver command; `timeout` (ms) bounds the wait for its answer. */
async function command(base, method, path, body, timeout) {
  const response = await fetch(`${base}${path}`, {
    method,
    signal: timeout ? AbortSignal.timeout(timeout) : undefined,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const { value } = await response.json();
  if (value && typeof value === 'object' && typeof value.error === 'string') {
    throw new WebDriverError(value.error, value.message);
  }
  return value;
}

function unsupported(what) {
  return new Error(`WebKitGTK's WebDriver is classic WebDriver (no BiDi): it cannot ${what}`);
}
