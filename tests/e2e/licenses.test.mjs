// License Management end to end: machines and sessions come from real license API calls,
// as a licensed product makes them; the admin sees and ends them in the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MEMBER, OWNER, PASSWORD, assertAccessible, newPage, serverAndBrowser, signIn,
} from './harness.mjs';

const server = serverAndBrowser();

/** A licensed product signed in as `email`: it activates, heartbeats and releases. */
async function product(email) {
  const response = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, bearer: true }),
  });
  const { token } = await response.json();
  const call = (path, body) => fetch(`${server.url}/api/v1/orgs/1/license/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return {
    async activate(productId, machineId, mode) {
      const res = await call('activate', { product_id: productId, machine_id: machineId, hostname: `${machineId}.local`, mode });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()).activation_id;
    },
    async heartbeat(activationId) {
      return (await call('heartbeat', { activation_id: activationId })).status;
    },
  };
}

const STUDIO = 1;
const RUNTIME = 2;

test('machines and sessions from the license API are seen and ended from License Management', async () => {
  const owner = await product(OWNER);
  const mia = await product(MEMBER);
  const floating = await owner.activate(RUNTIME, 'OWNER-WS-1', 'online');
  const named = await owner.activate(STUDIO, 'OWNER-WS-2', 'online');
  await owner.activate(RUNTIME, 'OWNER-LAPTOP', 'offline');
  const miaSession = await mia.activate(STUDIO, 'MIA-LAPTOP', 'online');

  const { context, page } = await newPage(server.browser);
  await signIn(page, server.url, OWNER);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'License Management' }).click();
  await page.getByRole('heading', { name: 'License Management' }).waitFor();
  const runtime = page.getByRole('article', { name: 'Runtime Engine' });
  // The demo may hold sessions of its own: counts are compared before and after.
  const floatingUsed = async () => Number((await runtime.textContent()).match(/Floating, online: (\d+) of 40 in use by sessions/)[1]);
  const floatingBefore = await floatingUsed();
  assert.ok(floatingBefore >= 1, "the owner's floating session holds a seat");
  await assertAccessible(page, 'Licensed Users');

  // Online Licenses: both live sessions of the owner and Mia's.
  await page.getByRole('tab', { name: 'Online Licenses' }).click();
  const online = page.getByRole('table', { name: 'online licenses' });
  await online.getByRole('cell', { name: 'OWNER-WS-1', exact: true }).waitFor();
  const onlineBefore = Number((await page.locator('.summary').textContent()).split(' ')[0]);
  assert.ok(onlineBefore >= 3, `${onlineBefore} online licenses`);
  await page.getByRole('button', { name: 'Remove Olivia Owens on OWNER-WS-1' }).click();
  const removeLicense = page.getByRole('dialog', { name: 'Remove license' });
  assert.match(await removeLicense.textContent(), /immediately terminate the current session/);
  await assertAccessible(page, 'Remove license');
  await removeLicense.getByRole('button', { name: 'Remove' }).click();
  await page.waitForFunction((n) => __allot.query('.summary').textContent === `${n} online licenses`, onlineBefore - 1);
  assert.equal(await owner.heartbeat(floating), 410, 'the ended session is told to stop');
  assert.equal(await owner.heartbeat(named), 200);
  await runtime.getByText(`Floating, online: ${floatingBefore - 1} of 40 in use by sessions`).waitFor();

  // Floating seat usage: its own chart, against the floating pool's 40 seats; this hour's
  // peak counts the session just ended. Over 12 months, a point a month, also as a table.
  const floatingUsage = runtime.getByRole('region', { name: 'Floating seat usage of Runtime Engine' });
  const day = floatingUsage.getByRole('group', { name: 'Floating seats of Runtime Engine in use, last 24 hours' });
  const thisHour = (await day.getByRole('img').nth(23).getAttribute('aria-label')).match(/: (\d+) seats in use of 40$/);
  assert.ok(thisHour && Number(thisHour[1]) >= floatingBefore, `this hour: ${thisHour}`);
  await floatingUsage.getByRole('button', { name: 'Last 12 months' }).click();
  const year = floatingUsage.getByRole('group', { name: 'Floating seats of Runtime Engine in use, last 12 months' });
  await year.waitFor();
  assert.equal(await year.getByRole('img').count(), 12);
  assert.match(await floatingUsage.textContent(), /Peak \d+ · average [\d.]+ · \d+ days? at quota/);
  await floatingUsage.getByText('Data table').click();
  await floatingUsage.getByRole('table').waitFor();
  assert.equal(await floatingUsage.getByRole('table').getByRole('row').count(), 13, 'a header and 12 months');

  // Offline Licenses: the remove control is disabled, and says why.
  await page.getByRole('tab', { name: 'Offline Licenses' }).click();
  const offline = page.getByRole('table', { name: 'offline licenses' });
  const row = offline.getByRole('row').filter({ hasText: 'OWNER-LAPTOP' });
  await row.waitFor();
  assert.match(await row.textContent(), /cannot be removed before it expires/);
  assert.equal(await row.getByRole('button', { name: /Remove/ }).isDisabled(), true);
  await assertAccessible(page, 'Offline Licenses');

  // Registered Machines: deactivate one; its session ends.
  await page.getByRole('tab', { name: 'Registered Machines' }).click();
  await page.getByRole('table', { name: 'registered machines' }).getByRole('cell', { name: 'OWNER-WS-2', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Remove OWNER-WS-2' }).click();
  const deactivate = page.getByRole('dialog', { name: 'Deactivate Machine' });
  await assertAccessible(page, 'Deactivate Machine');
  await deactivate.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('table', { name: 'registered machines' }).getByRole('cell', { name: 'OWNER-WS-2', exact: true }).waitFor({ state: 'detached' });
  assert.equal(await owner.heartbeat(named), 410);

  // Licensed Users: removing Mia ends her session and takes her machine off the list.
  await page.getByRole('tab', { name: 'Licensed Users' }).click();
  await page.getByRole('searchbox', { name: 'Search licensed users' }).fill('Mia Moreno');
  await page.getByRole('button', { name: 'Remove Mia Moreno' }).click();
  const remove = page.getByRole('dialog', { name: 'Remove' });
  assert.match(await remove.textContent(), /does not revoke the license/);
  await assertAccessible(page, 'Remove licensed user');
  await remove.getByRole('button', { name: 'Remove' }).click();
  await page.waitForFunction(() => __allot.query('.summary').textContent.startsWith('0 of'));
  assert.equal(await mia.heartbeat(miaSession), 410);
  await page.getByRole('tab', { name: 'Registered Machines' }).click();
  await page.getByRole('table', { name: 'registered machines' }).getByRole('cell', { name: 'OWNER-LAPTOP', exact: true }).waitFor();
  assert.equal(await page.getByRole('cell', { name: 'MIA-LAPTOP', exact: true }).count(), 0);
  page.assertNoErrors();
  await context.close();
});
