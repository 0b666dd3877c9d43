// The Allot console: the one stable-named module a host page imports (`dist/allot.js`).
// Everything it loads (the wasm, its bindings, the styles) has a hashed name and is resolved
// relative to this module's own URL, so the built folder works under any path of any host.
// `cargo xtask` writes the hashed names in when it builds the console.
import init, { mount_console } from './__BINDINGS__';

const asset = (name) => new URL(name, import.meta.url).href;
const STYLES = asset('./__STYLES__');

let started;
/** The wasm, fetched and compiled once for every console on the page. */
function start() {
  started ??= init({ module_or_path: asset('./__WASM__') }).then((wasm) => {
    // For measurements (cargo xtask bench reads the wasm memory's size).
    document.dispatchEvent(new CustomEvent('allot:started', { detail: wasm }));
    return wasm;
  });
  return started;
}

/**
 * The organization's snapshot, asked for at once when the page opens on one of its pages
 * and the API takes the page's cookie: its answer then comes while the wasm downloads and
 * compiles (the largest wait of a first visit), and the console takes it instead of asking.
 */
function prefetchSnapshot(options) {
  if (options.getToken) return undefined;
  const api = new URL(options.apiBase ?? '/api/v1', location.href);
  if (api.origin !== location.origin) return undefined;
  const base = (options.basePath ?? '/').replace(/\/$/, '');
  const route = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : '';
  const org = options.org ?? route.match(/^\/orgs\/(\d+)(\/|$)/)?.[1];
  if (org == null || org === '') return undefined;
  const path = `/orgs/${Number(org)}/members`;
  return { path, response: fetch(api.href.replace(/\/$/, '') + path, { credentials: 'same-origin' }) };
}

/**
 * Mounts the console into `element`, in a shadow root of its own so that its styles and the
 * page's leave each other alone.
 *
 * options.apiBase  the API root (default: /api/v1 on the page's origin)
 * options.basePath where the console's routes start (default: /)
 * options.org      an organization id to open, without the organization switcher
 * options.getToken a function returning a Promise of a bearer token: every API call and the
 *                  change feed then carry it instead of the console's own sign-in and cookie
 *
 * Returns `{ unmount() }`, which removes the console and everything it set up.
 */
export function mount(element, options = {}) {
  const root = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
  const styles = document.createElement('link');
  styles.rel = 'stylesheet';
  styles.href = STYLES;
  const container = document.createElement('div');
  container.className = 'allot-root';
  root.replaceChildren(styles, container);
  let handle;
  let unmounted = false;
  const prefetch = prefetchSnapshot(options);
  start().then(
    () => {
      if (!unmounted) {
        handle = mount_console(element, container, {
          apiBase: options.apiBase ?? '/api/v1',
          basePath: options.basePath ?? '/',
          org: options.org == null || options.org === '' ? undefined : Number(options.org),
          getToken: options.getToken,
          prefetch,
        });
      }
    },
    (error) => {
      container.textContent = 'The Allot console could not start: ' + error;
      console.error(error);
    },
  );
  return {
    unmount() {
      unmounted = true;
      handle?.unmount();
      handle = undefined;
      root.replaceChildren();
    },
  };
}

/** `<allot-console api-base base-path org>`, with the `getToken` property. */
class AllotConsole extends HTMLElement {
  static observedAttributes = ['api-base', 'base-path', 'org'];
  #mounted;
  #getToken;

  get getToken() {
    return this.#getToken;
  }

  set getToken(provider) {
    const switches = !this.#getToken !== !provider;
    this.#getToken = provider;
    // Signing in by token or by the console's own page is chosen at mount.
    if (switches && this.#mounted) this.#mount();
  }

  connectedCallback() {
    // Set before the element was defined or upgraded, the property hides the accessor.
    if (Object.hasOwn(this, 'getToken')) {
      const provider = this.getToken;
      delete this.getToken;
      this.#getToken = provider;
    }
    this.#mount();
  }

  disconnectedCallback() {
    this.#mounted?.unmount();
    this.#mounted = undefined;
  }

  attributeChangedCallback() {
    if (this.#mounted) this.#mount();
  }

  #mount() {
    this.#mounted?.unmount();
    this.#mounted = mount(this, {
      apiBase: this.getAttribute('api-base') ?? undefined,
      basePath: this.getAttribute('base-path') ?? undefined,
      org: this.getAttribute('org') ?? undefined,
      // Read at each call, so that a host may swap the provider while mounted.
      getToken: this.#getToken ? () => this.#getToken() : undefined,
    });
  }
}

if (!customElements.get('allot-console')) customElements.define('allot-console', AllotConsole);
