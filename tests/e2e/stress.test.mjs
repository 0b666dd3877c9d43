// Every dialog and panel opened and closed quickly, beside the longest names the server takes,
// while another admin's changes stream into the page through the change feed: no uncaught
// error and no panic in any engine. Written after WebKit's WebAssembly failed once in a loaded
// full run (#31); bounded so that the suite keeps its time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, OWNER, PASSWORD, lookIntoTheConsole, newContextIn, serverAndBrowser, signIn,
} from './harness.mjs';

const server = serverAndBrowser();

/** How many times each dialog is opened and closed. */
const ROUNDS = 3;

const LONG_NAME = `S${'Wolfeschlegelsteinhausenbergerdorff '.repeat(6)}`.slice(0, 200);
const LONG_EMAIL = `s.${'x'.repeat(50)}@very-long-subdomain-of-a-very-long-company-name.example`;
const LONG_GROUP = `S ${'Quality Assurance Leads '.repeat(5)}`.slice(0, 100).trim();

/** Acme QA's API as `email`, with a bearer token (another admin, in another browser). */
async function apiAs(email) {
  const signedIn = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, bearer: true }),
  });
  assert.equal(signedIn.status, 200, await signedIn.clone().text());
  const { token } = await signedIn.json();
  return async (method, path, body) => {
    const response = await fetch(`${server.url}/api/v1/orgs/1/${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return response.json();
  };
}

/**
 * Another admin's changes, one after the other until `stop()`: a team renamed, and an
 * invitation of a long address sent and revoked. Each is an event on the page's change feed;
 * none touches the rows whose buttons the test clicks (a group or product change redraws every
 * member row, and a row drawn anew under the pointer would take the click). `stop()` resolves
 * with how many changes were made.
 */
function changesMeanwhile(api, team) {
  let running = true;
  let made = 0;
  const loop = (async () => {
    for (let n = 0; running; n++) {
      await api('PATCH', `teams/${team.id}`, { name: `${'Release Engineering '.repeat(4).slice(0, 70)} ${n}` });
      const invited = await api('POST', 'invitations', {
        emails: [`stress.${n}.${'y'.repeat(40)}@very-long-subdomain-of-a-very-long-company-name.example`],
        role: 'member',
        products: [],
      });
      await api('POST', 'invitations/revoke', { ids: invited.results.map((r) => r.invitation_id) });
      made += 3;
      // A few events a second: a busy organization, not a flood.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  return { stop: async () => { running = false; await loop; return made; } };
}

const dialog = (page, name) => page.getByRole('dialog', { name, exact: true });

/** Opens `title` with `open()` and closes it again, by Escape or its own button, `ROUNDS` times. */
async function openAndClose(page, title, open, closeButton) {
  for (let round = 0; round < ROUNDS; round++) {
    await open();
    const shown = dialog(page, title);
    await shown.waitFor();
    if (closeButton && round % 2) await shown.getByRole('button', { name: closeButton, exact: true }).click();
    else await page.keyboard.press('Escape');
    await shown.waitFor({ state: 'detached' });
  }
}

test('every dialog and panel opens and closes quickly beside long names while changes stream in, without an error', async () => {
  const admin = await apiAs(ADMIN);
  // A long-named member in a long-named group: what the dialogs and panels show.
  const invited = await admin('POST', 'invitations', { emails: [LONG_EMAIL], role: 'member', products: [] });
  const link = await admin('GET', `invitations/${invited.results[0].invitation_id}/link`);
  const accepted = await fetch(`${server.url}/api/v1/invitations/${link.path.split('/').pop()}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ full_name: LONG_NAME, password: 'a long enough password' }),
  });
  assert.equal(accepted.status, 200, await accepted.text());
  const member = (await admin('GET', 'members')).members.find((m) => m.email === LONG_EMAIL);
  await admin('POST', 'groups', { name: LONG_GROUP, members: [member.id] });

  const context = await newContextIn(server.browser, { viewport: { width: 1280, height: 900 } });
  await lookIntoTheConsole(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  // The console's panic hook writes the panic to the console as an error (Chromium also
  // reports there the 401 of the session check before signing in, which is expected).
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${message.text()}`);
    }
  });
  await signIn(page, server.url, OWNER);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  await page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();

  const team = await admin('POST', 'teams', { name: 'Stress Release Engineering' });
  const changes = changesMeanwhile(admin, team);
  try {
    // Users: the toolbar's dialogs with the long-named member selected.
    await page.getByRole('searchbox', { name: 'Search active users' }).fill(LONG_EMAIL);
    await page.getByRole('checkbox', { name: `Select ${LONG_NAME}` }).check();
    const button = (name) => () => page.getByRole('button', { name, exact: true }).click();
    await openAndClose(page, 'Invite Users', button('Invite Users'), 'Cancel');
    await openAndClose(page, 'Remove Users', button('Remove Users'), 'Cancel');
    await openAndClose(page, 'Change User Role', button('Change Role'), 'Cancel');

    // Groups: create, edit and delete, on the long-named group.
    await page.getByRole('tab', { name: 'Groups' }).click();
    await page.getByRole('searchbox', { name: 'Search groups' }).fill('Quality Assurance');
    await openAndClose(page, 'Create group', button('Create group'), 'Cancel');
    const groupAction = (verb) => () => page.getByRole('button', { name: new RegExp(`^${verb} group S Quality`) }).first().click();
    await openAndClose(page, 'Edit Group', groupAction('Edit'), 'Cancel');
    await openAndClose(page, 'Delete group', groupAction('Delete'), 'Cancel');

    // License Management: the allocation panels of the long-named group and member.
    await page.goto(`${server.url}/orgs/1/licenses/users?expand=users,groups`);
    await page.getByRole('searchbox', { name: 'Search groups', exact: true }).fill('Quality Assurance');
    await page.getByRole('searchbox', { name: 'Search users', exact: true }).fill(LONG_EMAIL);
    const panel = (name) => () => page.getByRole('button', { name }).first().click();
    await openAndClose(page, 'Edit Group Allocation Rule', panel(/^Edit group allocation rule for S Quality/), 'Cancel');
    await openAndClose(page, 'License inheritance from group', panel(/^Group members with license inheritance for S Quality/), 'Close');
    await openAndClose(page, 'Edit License Allocation', panel(`Edit license allocation for ${LONG_NAME}`), 'Cancel');

    // Online licenses and registered machines: their removal dialogs.
    await page.getByRole('tab', { name: 'Online Licenses' }).click();
    await openAndClose(page, 'Remove license',
      () => page.getByRole('table', { name: 'online licenses' }).getByRole('button', { name: /^Remove / }).first().click(), 'Cancel');
    await page.getByRole('tab', { name: 'Registered Machines' }).click();
    await openAndClose(page, 'Deactivate Machine',
      () => page.getByRole('table', { name: 'registered machines' }).getByRole('button', { name: /^Remove / }).first().click(), 'Cancel');
  } finally {
    const made = await changes.stop();
    console.log(`stress: ${made} changes streamed in while the dialogs opened and closed`);
  }
  assert.deepEqual(errors, [], 'errors in the page');
  await context.close();
});
