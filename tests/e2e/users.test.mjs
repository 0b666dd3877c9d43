// User Management in a real browser, as an admin would use it: found by role and name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, MEMBER, OWNER, assertAccessible, newPage, serverAndBrowser, signIn, startInterceptor,
  startServer,
} from './harness.mjs';

const server = serverAndBrowser();

/** Signs in as `email` and waits for the Active Users table. */
async function openActiveUsers(email = OWNER) {
  const { context, page } = await newPage(server.browser);
  await signIn(page, server.url, email);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  return { context, page };
}

const summary = (page) => page.locator('.summary');
const rows = (page) => page.getByRole('table', { name: 'active users' }).locator('tbody tr:not(.spacer)');

test('a signed-out visitor is sent to sign in, and a wrong password is refused plainly', async () => {
  const { context, page } = await newPage(server.browser);
  await page.goto(`${server.url}/orgs/1/users/active`);
  await page.waitForURL(/\/sign-in\?next=/);
  await assertAccessible(page, 'sign-in');
  await page.getByLabel('Email').fill(OWNER);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
  // The right password then goes back where the visitor was headed.
  await page.getByLabel('Password').fill('allot-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/orgs/1/users/active`);
  // The members asked for while signed out (refused) are asked for again.
  await rows(page).first().waitFor();
  page.assertNoErrors();
  await context.close();
});

test("opening an organization's page asks for its members once, while the console loads", async () => {
  const { context, page } = await openActiveUsers();
  await page.goto(`${server.url}/orgs/1/users/removed`);
  await page.getByRole('table', { name: 'removed users' }).locator('tbody tr:not(.spacer)').first().waitFor();
  // What the page fetched, as its own resource timing lists it (in every engine).
  const timing = await page.evaluate(() => {
    const members = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/orgs/1/members'));
    const [wasm] = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm'));
    return { asked: members.length, members: members[0]?.startTime, wasmEnd: wasm.responseEnd };
  });
  assert.equal(timing.asked, 1, 'one request for the snapshot');
  // Sent by allot.js while the wasm was still arriving.
  assert.ok(timing.members < timing.wasmEnd, `members asked at ${timing.members} ms, wasm in at ${timing.wasmEnd} ms`);
  page.assertNoErrors();
  await context.close();
});

test('a sign-in link whose next= leads off the site lands on the console instead', async () => {
  // Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so each
  // of these would be //evil.example to them.
  for (const next of ['/\t/evil.example', '/\n/evil.example', '/\\evil.example', '//evil.example']) {
    const { context, page } = await newPage(server.browser);
    await page.goto(`${server.url}/sign-in?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email').fill(OWNER);
    await page.getByLabel('Password').fill('allot-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('table', { name: 'active users' }).waitFor();
    assert.equal(new URL(page.url()).origin, new URL(server.url).origin, JSON.stringify(next));
    await context.close();
  }
});

test('the owner sees the 250 active members of Acme QA', async () => {
  const { context, page } = await openActiveUsers();
  assert.equal(new URL(page.url()).pathname, '/orgs/1/users/active');
  await page.getByRole('combobox', { name: 'Organization' }).filter({ hasText: 'Acme QA' }).waitFor();
  assert.equal(await summary(page).textContent(), '250 active users');
  const tab = page.getByRole('tab', { name: 'Active Users' });
  assert.equal(await tab.getAttribute('aria-selected'), 'true');
  const table = page.getByRole('table', { name: 'active users' });
  assert.equal(await table.getAttribute('aria-rowcount'), '251');
  // Only the rows in view are in the DOM.
  // Licenses show by name from the first load.
  await page.getByRole('searchbox', { name: 'Search active users' }).fill('owner@example.com');
  assert.match(await rows(page).first().textContent(), /Runtime Engine, Studio Enterprise, Visual Testing/);
  await page.getByRole('searchbox', { name: 'Search active users' }).fill('');
  const rendered = await rows(page).count();
  assert.ok(rendered > 5 && rendered < 60, `${rendered} rows rendered`);
  await assertAccessible(page, 'Active Users');
  page.assertNoErrors();
  await context.close();
});

test('search narrows the rows on every keystroke, ignoring case and accents, and clears', async () => {
  const { context, page } = await openActiveUsers();
  const search = page.getByRole('searchbox', { name: 'Search active users' });
  await search.pressSequentially('zoe');
  await page.waitForFunction(() => __allot.query('.summary').textContent.includes('match'));
  const narrowed = await summary(page).textContent();
  const matchCount = Number(narrowed.split(' ')[0]);
  assert.ok(matchCount > 0 && matchCount < 250, narrowed);
  const names = await rows(page).locator('td.name').allTextContents();
  assert.ok(names.length > 0);
  for (const name of names) assert.match(name, /Zoë/, 'every row matches the accent-free query');
  // Upper case and the accented spelling find the same people.
  await search.fill('ZOË');
  await page.waitForFunction((text) => __allot.query('.summary').textContent === text, narrowed);
  await search.fill('');
  await page.waitForFunction(() => __allot.query('.summary').textContent === '250 active users');
  page.assertNoErrors();
  await context.close();
});

test('ticking rows counts them, and select-all covers every matching row', async () => {
  const { context, page } = await openActiveUsers();
  const selection = page.locator('.selection');
  const search = page.getByRole('searchbox', { name: 'Search active users' });
  // Selections made under different searches add up.
  await search.fill('Mia Moreno');
  await page.getByRole('checkbox', { name: 'Select Mia Moreno' }).check();
  await search.fill('adam alvarez');
  await page.getByRole('checkbox', { name: 'Select Adam Alvarez' }).check();
  await search.fill('');
  assert.equal(await selection.textContent(), '2 selected');
  const selectAll = page.getByRole('checkbox', { name: 'Select all matching active users' });
  assert.equal(await selectAll.evaluate((box) => box.indeterminate), true);
  await selectAll.click();
  assert.equal(await selection.textContent(), '250 selected');
  assert.equal(await selectAll.isChecked(), true);
  await selectAll.click();
  assert.equal(await selection.textContent(), '');
  // With a search, select-all takes the matching rows only.
  await search.fill('müller');
  const matching = Number((await summary(page).textContent()).split(' ')[0]);
  await selectAll.click();
  assert.equal(await selection.textContent(), `${matching} selected`);
  await page.getByRole('button', { name: 'Clear selection' }).click();
  assert.equal(await selection.textContent(), '');
  page.assertNoErrors();
  await context.close();
});

test('sorting by a column says so and reorders the rows', async () => {
  const { context, page } = await openActiveUsers();
  const header = page.getByRole('columnheader', { name: 'Join date' });
  await header.getByRole('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  const firstAscending = await rows(page).first().locator('td.name').textContent();
  await header.getByRole('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  const firstDescending = await rows(page).first().locator('td.name').textContent();
  assert.notEqual(firstAscending, firstDescending);
  assert.equal(firstAscending, 'Olivia Owens', 'the owner joined first');
  await context.close();
});

test('reloading a deep link lands on the same tab', async () => {
  const { context, page } = await openActiveUsers(ADMIN);
  await page.reload();
  await page.getByRole('table', { name: 'active users' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/orgs/1/users/active');
  assert.equal(await page.getByRole('tab', { name: 'Active Users' }).getAttribute('aria-selected'), 'true');
  page.assertNoErrors();
  await context.close();
});

test('a failed load shows the reason and a retry that recovers', async () => {
  const { context, page } = await newPage(server.browser);
  // Loads fail until the failure shows; from then on they wait here, the console's own
  // back-off retries too, so that it is the button's load (seen arriving) that recovers.
  const via = await startInterceptor(server.url);
  let loads = 'fail';
  const held = [];
  via.route(/^\/api\/v1\/orgs\/1\/members$/, (route) => {
    if (loads === 'pass') return route.continue();
    if (loads === 'hold') return held.push(route);
    return route.fulfill({
      status: 503,
      body: JSON.stringify({ error: { code: 'unavailable', message: 'The database is busy.' } }),
    });
  });
  await signIn(page, via.url, OWNER);
  const alert = page.getByRole('alert').filter({ hasText: 'The database is busy.' });
  await alert.waitFor();
  await assertAccessible(page, 'load error');
  loads = 'hold';
  const before = held.length;
  await alert.getByRole('button', { name: 'Retry' }).click();
  // The press itself loads: its request arrives at once (a back-off retry is seconds away).
  const deadline = Date.now() + 2_000;
  while (held.length === before) {
    assert.ok(Date.now() < deadline, 'pressing Retry loads the members again');
    await page.waitForTimeout(25);
  }
  loads = 'pass';
  for (const route of held) route.continue();
  await page.getByRole('table', { name: 'active users' }).waitFor();
  assert.equal(await summary(page).textContent(), '250 active users');
  await context.close();
  await via.close();
});

test('a Member sees a welcome that says what they can do and whom to ask, and can sign out', async () => {
  const { context, page } = await newPage(server.browser);
  await signIn(page, server.url, MEMBER);
  await page.getByRole('heading', { name: 'Welcome to Acme QA' }).waitFor();
  assert.match(await page.locator('.notice').textContent(), /Managing people and licenses is for the Owner and Admins/);
  await assertAccessible(page, 'welcome');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
  // The session is over on the server too: the console asks to sign in again.
  await page.goto(`${server.url}/orgs/1/users/active`);
  await page.waitForURL(/\/sign-in\?next=/);
  page.assertNoErrors();
  await context.close();
});

test('an unknown address shows a page-not-found screen', async () => {
  const { context, page } = await openActiveUsers();
  await page.goto(`${server.url}/orgs/1/users/nonsense`);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await assertAccessible(page, 'not found in the shell');
  await page.goto(`${server.url}/no/such/page`);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await assertAccessible(page, 'not found');
  page.assertNoErrors();
  await context.close();
});

test('Tab and Shift+Tab walk through every row, beyond the rows first drawn, and back', async () => {
  const { context, page } = await openActiveUsers();
  const focusedRow = () => page.evaluate(() => Number(__allot.active().closest('tr')?.getAttribute('aria-rowindex')));
  await rows(page).first().getByRole('checkbox').focus();
  const first = await focusedRow();
  // More rows than the window draws at first: the table scrolls and draws as focus moves.
  // At most one key a frame, as fast as a held key repeats: the table draws the rows ahead
  // of focus when it scrolls, which browsers report once a frame.
  const press = async (key) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press(key);
      await page.evaluate(() => new Promise(requestAnimationFrame));
    }
  };
  await press('Tab');
  assert.equal(await focusedRow(), first + 60);
  await press('Shift+Tab');
  assert.equal(await focusedRow(), first, 'focus walks back up to the first row');
  page.assertNoErrors();
  await context.close();
});

test('10,000 members: the table draws only what is in view, scrolls to the last, and the keyboard walks back', async () => {
  const big = await startServer({ args: ['--demo-members', '10000'] });
  try {
    const { context, page } = await newPage(server.browser);
    await signIn(page, big.url, OWNER);
    const table = page.getByRole('table', { name: 'active users' });
    await table.waitFor();
    await summary(page).filter({ hasText: /^10,?\d{3} active users$/ }).waitFor();
    // The header row and one per member, as assistive technology is told.
    const members = Number(await table.getAttribute('aria-rowcount')) - 1;
    assert.ok(members >= 10_000, `${members} members`);
    assert.ok(await rows(page).count() < 100, 'only the rows in view are drawn');

    // Scrolled to the end, as a person drags the scrollbar: the last member is drawn.
    await page.evaluate(() => { const area = __allot.query('.table-scroll'); area.scrollTop = area.scrollHeight; });
    const last = table.locator(`tr[aria-rowindex="${members + 1}"]`);
    await last.waitFor();
    assert.ok(await rows(page).count() < 100, 'still only the rows in view');

    // From the last row, Shift+Tab walks back up through rows drawn as focus reaches them.
    await last.getByRole('checkbox').focus();
    const focusedRow = () => page.evaluate(() => Number(__allot.active().closest('tr')?.getAttribute('aria-rowindex')));
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Shift+Tab');
      await page.evaluate(() => new Promise(requestAnimationFrame));
    }
    assert.equal(await focusedRow(), members + 1 - 40);
    page.assertNoErrors();
    await context.close();
  } finally {
    await big.stop();
  }
});
