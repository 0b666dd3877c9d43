// Group-based license allocation end to end: an admin makes a group with a rule for one
// product and adds two members in the console; their licensed products acquire, lose and
// re-acquire seats through the license API, as real products do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, PASSWORD, assertAccessible, newPage, serverAndBrowser, signIn,
} from './harness.mjs';

const server = serverAndBrowser();

// Visual Testing: a named online pool of 25 seats with some left in the demo.
const VISUAL = 3;
const GROUP = 'QA Leads';
const ADAM = { name: 'Adam Alvarez', email: 'admin@example.com' };
const MIA = { name: 'Mia Moreno', email: 'member@example.com' };

/** A licensed product signed in with the member's bearer token. */
async function product(email) {
  const response = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, bearer: true }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const { token } = await response.json();
  const call = (path, body) => fetch(`${server.url}/api/v1/orgs/1/license/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return {
    /** The response's status and body. */
    async activate(productId, machineId) {
      const res = await call('activate', { product_id: productId, machine_id: machineId, hostname: `${machineId}.local`, mode: 'online' });
      return { status: res.status, body: await res.json() };
    },
    async heartbeat(activationId) {
      return (await call('heartbeat', { activation_id: activationId })).status;
    },
  };
}

const dialog = (page, name) => page.getByRole('dialog', { name, exact: true });

test('a group rule licenses its members; seats are taken, released, refused and freed', async () => {
  const adam = await product(ADAM.email);
  const mia = await product(MIA.email);
  const { context, page } = await newPage(server.browser);
  // The admin's own session (the page's cookie) reads the seat counts.
  const visualUsed = async () => {
    const res = await context.request.get(`${server.url}/api/v1/orgs/1/products`);
    assert.equal(res.status(), 200);
    return (await res.json()).find((p) => p.id === VISUAL).used;
  };

  await signIn(page, server.url, ADMIN);
  await page.getByRole('table', { name: 'active users' }).waitFor();

  // Groups tab: create the group, then add both members with the Edit Group picker.
  await page.getByRole('tab', { name: 'Groups' }).click();
  const groups = page.getByRole('table', { name: 'groups', exact: true });
  await groups.waitFor();
  await page.getByRole('button', { name: 'Create group' }).click();
  const create = dialog(page, 'Create group');
  await create.getByLabel('Group name').fill(GROUP);
  await assertAccessible(page, 'Create group');
  await create.getByRole('button', { name: 'Create' }).click();
  await groups.getByRole('cell', { name: GROUP, exact: true }).waitFor();

  await page.getByRole('button', { name: `Edit group ${GROUP}` }).click();
  const edit = dialog(page, 'Edit Group');
  const picker = edit.getByRole('combobox', { name: 'Add names' });
  await picker.fill(ADAM.name);
  await edit.getByRole('option', { name: new RegExp(ADAM.name) }).click();
  // The keyboard way: the first match is active, Enter adds it.
  await picker.fill(MIA.name);
  await edit.getByRole('option', { name: new RegExp(MIA.name) }).waitFor();
  await assertAccessible(page, 'Edit Group, picker open');
  await picker.press('Enter');
  // Escape closes the list, not the panel.
  await picker.fill('Aisha');
  await edit.getByRole('listbox', { name: 'Matching members' }).getByRole('option').first().waitFor();
  await picker.press('Escape');
  assert.equal(await picker.getAttribute('aria-expanded'), 'false');
  assert.equal(await edit.isVisible(), true);
  const chips = edit.getByRole('list', { name: `Members of ${GROUP}` });
  await chips.getByText(ADAM.name).waitFor();
  await chips.getByText(MIA.name).waitFor();
  await edit.getByRole('button', { name: 'Save' }).click();
  await edit.waitFor({ state: 'detached' });
  const groupRow = groups.getByRole('row').filter({ hasText: GROUP });
  await groupRow.getByRole('cell', { name: '2', exact: true }).waitFor();
  await assertAccessible(page, 'Groups');

  // License Management: the rule grants Visual Testing, changing both members' licenses.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'License Management' }).click();
  await page.getByRole('heading', { name: 'License Management' }).waitFor();
  const toGroups = page.getByRole('button', { name: 'License Allocations to Groups' });
  assert.equal(await toGroups.getAttribute('aria-expanded'), 'false');
  await toGroups.click();
  assert.equal(await toGroups.getAttribute('aria-expanded'), 'true');
  assert.match(page.url(), /expand=groups/);
  await page.getByRole('searchbox', { name: 'Search groups', exact: true }).fill(GROUP);
  await page.getByRole('button', { name: `Edit group allocation rule for ${GROUP}` }).click();
  const rule = dialog(page, 'Edit Group Allocation Rule');
  await rule.getByRole('checkbox', { name: /Visual Testing/ }).check();
  await assertAccessible(page, 'Edit Group Allocation Rule');
  // Two members gain a product with free seats: Save applies at once, as documented.
  await rule.getByRole('button', { name: 'Save' }).click();
  await rule.waitFor({ state: 'detached' });
  await page.locator('.toast').filter({ hasText: `Saved the allocation rule of ${GROUP}. Changed the licenses of 2 members.` }).waitFor();
  const ruleTable = page.getByRole('table', { name: 'groups', exact: true });
  await ruleTable.getByRole('row').filter({ hasText: GROUP }).getByRole('cell', { name: 'Visual Testing', exact: true }).waitFor();

  // The product's card above counts held seats, as /products does.
  const visualCard = page.getByRole('article', { name: 'Visual Testing' });
  await visualCard.waitFor();
  const cardBefore = Number((await visualCard.textContent()).match(/(\d+) of 25 seats used/)[1]);

  // Adam's product acquires the inherited license: it takes a seat.
  const before = await visualUsed();
  let activation = await adam.activate(VISUAL, 'ADAM-WS-1');
  assert.equal(activation.status, 200, JSON.stringify(activation.body));
  let session = activation.body.activation_id;
  assert.equal(await visualUsed(), before + 1, 'the inherited license holds a seat');
  // License Usage: the current hour of the last 24 hours shows the seat it took, live.
  const usage = visualCard.getByRole('group', { name: 'Seats of Visual Testing in use, last 24 hours' });
  const thisHour = usage.getByRole('img').nth(23);
  const said = new RegExp(`: ${cardBefore + 1} seats in use of 25$`);
  for (const deadline = Date.now() + 5000; !said.test(await thisHour.getAttribute('aria-label'));) {
    assert.ok(Date.now() < deadline, `the chart's last hour says ${await thisHour.getAttribute('aria-label')}`);
    await page.waitForTimeout(100);
  }

  // The section stays open across a reload: it is in the URL.
  await page.reload();
  await page.getByRole('searchbox', { name: 'Search groups', exact: true }).fill(GROUP);
  await visualCard.getByText(`${cardBefore + 1} of 25 seats used`).waitFor();
  await page.getByRole('button', { name: `Group members with license inheritance for ${GROUP}` }).click();
  const inheritance = dialog(page, 'License inheritance from group');
  const adamRow = inheritance.getByRole('row').filter({ hasText: ADAM.name });
  const miaRow = inheritance.getByRole('row').filter({ hasText: MIA.name });
  await adamRow.getByText('Seat held').waitFor();
  await miaRow.getByText('Not acquired yet').waitFor();
  // Nothing to release without a held seat: no button that would do nothing.
  await miaRow.getByText('No seat to release').waitFor();
  assert.equal(await miaRow.getByRole('button').count(), 0);
  await assertAccessible(page, 'License inheritance from group');

  // Release: the seat is freed and the session told to stop.
  await adamRow.getByRole('button', { name: `Release license for ${ADAM.name}` }).click();
  await adamRow.getByText('Not acquired yet').waitFor();
  assert.equal(await visualUsed(), before);
  assert.equal(await adam.heartbeat(session), 410, 'the released session ends');
  await inheritance.getByRole('button', { name: 'Close' }).click();
  await inheritance.waitFor({ state: 'detached' });
  await visualCard.getByText(`${cardBefore} of 25 seats used`).waitFor();

  // It acquires the license again at the product's next sign-in.
  activation = await adam.activate(VISUAL, 'ADAM-WS-1');
  assert.equal(activation.status, 200, JSON.stringify(activation.body));
  session = activation.body.activation_id;
  assert.equal(await visualUsed(), before + 1);

  // Mia: Allocate to User with nothing ticked blocks every license.
  const toUsers = page.getByRole('button', { name: 'License Allocations to Users' });
  await toUsers.click();
  assert.equal(await toUsers.getAttribute('aria-expanded'), 'true');
  assert.match(page.url(), /expand=groups(%2C|,)users/);
  await page.getByRole('searchbox', { name: 'Search users', exact: true }).fill(MIA.name);
  const users = page.getByRole('table', { name: 'users', exact: true });
  await users.getByRole('row').filter({ hasText: MIA.email }).getByText('Visual Testing (QA Leads)').waitFor();
  await assertAccessible(page, 'License Allocations, both sections open');
  await page.getByRole('button', { name: `Edit license allocation for ${MIA.name}` }).click();
  const allocation = dialog(page, 'Edit License Allocation');
  for (const box of await allocation.getByRole('checkbox', { checked: true }).all()) await box.uncheck();
  await allocation.getByRole('checkbox', { name: 'Allocate to User' }).check();
  await allocation.getByText(`${MIA.name} can no longer acquire any license, allocated directly or inherited from a group.`).waitFor();
  await assertAccessible(page, 'Edit License Allocation');
  await allocation.getByRole('button', { name: 'Save' }).click();
  await allocation.waitFor({ state: 'detached' });
  await users.getByRole('row').filter({ hasText: MIA.email }).getByRole('cell', { name: 'Blocked', exact: true }).waitFor();
  const refused = await mia.activate(VISUAL, 'MIA-WS-1');
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'not_licensed');

  // Active Users shows the licenses with their source.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'User Management' }).click();
  await page.getByRole('searchbox', { name: 'Search active users' }).fill(ADAM.name);
  const active = page.getByRole('table', { name: 'active users' });
  await active.getByRole('row').filter({ hasText: ADAM.email }).getByRole('cell', { name: 'Visual Testing (QA Leads)', exact: true }).waitFor();

  // Removing Adam from the group frees his seat and ends his session.
  await page.getByRole('tab', { name: 'Groups' }).click();
  await page.getByRole('button', { name: `Edit group ${GROUP}` }).click();
  await edit.getByRole('button', { name: `Remove ${ADAM.name} from ${GROUP}` }).click();
  await edit.getByText(`${ADAM.name} loses Visual Testing.`).waitFor();
  await assertAccessible(page, 'Edit Group, removing a member');
  await edit.getByRole('button', { name: 'Save' }).click();
  await edit.waitFor({ state: 'detached' });
  await groups.getByRole('row').filter({ hasText: GROUP }).getByRole('cell', { name: '1', exact: true }).waitFor();
  assert.equal(await visualUsed(), before, 'his seat is freed');
  assert.equal(await adam.heartbeat(session), 410, 'his session ends');

  // Deleting the group: Mia, blocked, loses nothing more.
  await page.getByRole('button', { name: `Delete group ${GROUP}` }).click();
  const remove = dialog(page, 'Delete group');
  await remove.getByText('Its members lose nothing').waitFor();
  await assertAccessible(page, 'Delete group');
  await remove.getByRole('button', { name: 'Delete' }).click();
  await groups.getByRole('cell', { name: GROUP, exact: true }).waitFor({ state: 'detached' });

  page.assertNoErrors();
  await context.close();
});
