// The console at any size and in both themes: a phone (390×844, touch) and a desktop
// (1440×900), light and dark. Every screen passes axe and lays out within the window; the top
// bar folds into Settings; every dialog's and panel's actions stay reachable, even beside the
// longest names the server takes; seat numbers agree between screens; icon buttons name
// themselves in tooltips; tabs follow the arrow keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OWNER, assertAccessible, lookIntoTheConsole, newContextIn, serverAndBrowser, signIn,
} from './harness.mjs';

const server = serverAndBrowser();

const MODES = {
  'desktop, light': { viewport: { width: 1440, height: 900 }, colorScheme: 'light' },
  'desktop, dark': { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' },
  'phone, light': { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'light' },
  'phone, dark': { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'dark' },
};

async function open(mode, email = OWNER) {
  const context = await newContextIn(server.browser, MODES[mode]);
  await lookIntoTheConsole(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  page.assertNoErrors = () => assert.deepEqual(errors, [], 'uncaught errors in the page');
  await signIn(page, server.url, email);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  // The theme asked for is the one shown (an engine that ignored it would pass in light).
  const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  assert.equal(dark, MODES[mode].colorScheme === 'dark', `${mode}: the page's colour scheme`);
  return { context, page };
}

const dialog = (page, name) => page.getByRole('dialog', { name });
const loaded = (page) => page.waitForFunction(() => !__allot.query('.loading'));

/** The page lays out within the window: nothing makes it scroll sideways. */
async function assertFitsTheWindow(page, screen) {
  // Against the size asked for, not innerWidth: a mobile browser widens its layout viewport
  // to fit wide content, which would hide the overflow.
  const { width } = page.viewportSize();
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= width, `${screen}: the page is ${scroll} px wide in a ${width} px window`);
}

/**
 * `control` can be seen and used where it is: inside the window, inside its dialog, and not
 * covered by anything (the element at its centre is itself or inside it).
 */
async function assertReachable(page, control, what) {
  await control.waitFor();
  // Where a person would scroll to find it (dialogs scroll; their actions stay at the foot).
  await control.evaluate((element) => element.scrollIntoView({ block: 'center' }));
  const box = await control.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box, `${what} is laid out`);
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width + 0.5
    && box.y + box.height <= viewport.height + 0.5, `${what} is inside the window: ${JSON.stringify(box)}`);
  const onTop = await control.evaluate((element) => {
    const rect = element.getBoundingClientRect();
    const x = rect.left + rect.width / 2;
    const y = rect.top + rect.height / 2;
    const hit = element.getRootNode().elementFromPoint(x, y);
    return hit === element || element.contains(hit) ? true : `${hit?.tagName}.${hit?.className}`;
  });
  assert.equal(onTop, true, `${what} is not covered`);
}

test('every screen passes axe and fits the window, on a phone and a desktop, light and dark', async () => {
  const screens = [
    ['Active Users', '/orgs/1/users/active', 'active users'],
    ['Pending Invitations', '/orgs/1/users/pending', 'pending invitations'],
    ['Removed Users', '/orgs/1/users/removed', 'removed users'],
    ['Groups', '/orgs/1/users/groups', 'groups'],
    ['License Management, both allocation sections open', '/orgs/1/licenses/users?expand=users,groups', 'licensed users'],
    ['Offline Licenses', '/orgs/1/licenses/offline', 'offline licenses'],
    ['Audit Log', '/orgs/1/audit', 'audit entries'],
  ];
  for (const mode of Object.keys(MODES)) {
    const { context, page } = await open(mode);
    for (const [screen, path, table] of screens) {
      await page.goto(`${server.url}${path}`);
      await page.getByRole('table', { name: table, exact: true }).waitFor();
      await loaded(page);
      await assertFitsTheWindow(page, `${screen} (${mode})`);
      await assertAccessible(page, `${screen} (${mode})`);
    }
    await page.goto(`${server.url}/orgs/1/teams`);
    await page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
    await assertFitsTheWindow(page, `Teams (${mode})`);
    await assertAccessible(page, `Teams (${mode})`);
    page.assertNoErrors();
    await context.close();
  }
});

test('on a phone the top bar folds into Settings, and every dialog and panel can be used', async () => {
  const { context, page } = await open('phone, light');
  // The desktop links are not shown; Settings holds them, and the account.
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false);
  const settings = page.getByRole('button', { name: 'Settings' });
  await assertReachable(page, settings, 'Settings');
  await settings.click();
  assert.equal(await settings.getAttribute('aria-expanded'), 'true');
  const menu = page.getByRole('navigation', { name: 'Settings' });
  await assertReachable(page, page.getByRole('button', { name: 'Sign out' }), 'Sign out');
  await assertAccessible(page, 'Settings menu, phone');
  // Escape closes it and gives focus back.
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => __allot.active().textContent.trim()), 'Settings');
  await settings.click();
  await menu.getByRole('link', { name: 'License Management' }).click();
  await page.waitForURL(/\/orgs\/1\/licenses\/users/);
  await menu.waitFor({ state: 'hidden' });

  // Remove license, from the row's trash button.
  await page.goto(`${server.url}/orgs/1/licenses/online`);
  await page.getByRole('table', { name: 'online licenses' }).getByRole('button', { name: /^Remove / }).first().click();
  const removeLicense = dialog(page, 'Remove license');
  await assertReachable(page, removeLicense.getByRole('button', { name: 'Remove' }), 'Remove in Remove license');
  await assertReachable(page, removeLicense.getByRole('button', { name: 'Cancel' }), 'Cancel in Remove license');
  await removeLicense.getByRole('button', { name: 'Cancel' }).click();

  // The allocation panels open full width with their actions at the foot.
  await page.goto(`${server.url}/orgs/1/licenses/users?expand=users,groups`);
  await page.getByRole('button', { name: /^Edit group allocation rule for / }).first().click();
  const rule = dialog(page, 'Edit Group Allocation Rule');
  await assertReachable(page, rule.getByRole('button', { name: 'Save' }), 'Save in Edit Group Allocation Rule');
  await page.keyboard.press('Escape');
  await rule.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: /^Group members with license inheritance for / }).first().click();
  const inheritance = dialog(page, 'License inheritance from group');
  await assertReachable(page, inheritance.getByRole('button', { name: 'Close' }), 'Close in License inheritance');
  await inheritance.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: /^Edit license allocation for / }).first().click();
  const allocation = dialog(page, 'Edit License Allocation');
  await assertReachable(page, allocation.getByRole('button', { name: 'Save' }), 'Save in Edit License Allocation');
  await page.keyboard.press('Escape');

  // The other popups, each with its actions in view.
  const popups = [
    ['/orgs/1/licenses/machines', 'registered machines', /^Remove /, 'Deactivate Machine', 'Remove'],
    ['/orgs/1/users/groups', 'groups', /^Delete group /, 'Delete group', 'Delete'],
  ];
  for (const [path, table, opener, title, action] of popups) {
    await page.goto(`${server.url}${path}`);
    await page.getByRole('table', { name: table, exact: true }).getByRole('button', { name: opener }).first().click();
    await assertReachable(page, dialog(page, title).getByRole('button', { name: action, exact: true }), `${action} in ${title}`);
    await assertReachable(page, dialog(page, title).getByRole('button', { name: 'Cancel' }), `Cancel in ${title}`);
    await page.keyboard.press('Escape');
    await dialog(page, title).waitFor({ state: 'detached' });
  }
  await page.goto(`${server.url}/orgs/1/users/pending`);
  await page.getByRole('table', { name: 'pending invitations' }).getByRole('checkbox', { name: /^Select (?!all)/ }).first().check();
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await assertReachable(page, dialog(page, 'Revoke Invitation').getByRole('button', { name: 'Revoke' }), 'Revoke in Revoke Invitation');
  await page.keyboard.press('Escape');
  await page.getByRole('tab', { name: 'Groups' }).click();
  await page.getByRole('button', { name: 'Create group' }).click();
  await assertReachable(page, dialog(page, 'Create group').getByRole('button', { name: 'Create' }), 'Create in Create group');
  await page.keyboard.press('Escape');

  // Invite Users: both steps' actions in view; no error before anything is typed.
  await page.goto(`${server.url}/orgs/1/users/active`);
  await page.getByRole('button', { name: 'Invite Users' }).click();
  const invite = dialog(page, 'Invite Users');
  assert.equal((await invite.getByRole('alert').textContent()).trim(), '');
  assert.match(await invite.textContent(), /comma, space, Tab, Alt or Enter, or leaving the field/);
  await invite.getByLabel('Email addresses').pressSequentially('phone.one@example.com ');
  await assertReachable(page, invite.getByRole('button', { name: 'Next' }), 'Next in Invite Users');
  await invite.getByRole('button', { name: 'Next' }).click();
  await assertReachable(page, invite.getByRole('button', { name: 'Confirm' }), 'Confirm in Invite Users');
  await assertAccessible(page, 'Invite Users, licenses, phone');
  await page.keyboard.press('Escape');
  page.assertNoErrors();
  await context.close();
});

/** A member named `fullName` joins through an invitation of the owner's: the API, as the console would. */
async function joinAs(page, email, fullName) {
  const api = (path, body) => page.request.post(`${server.url}/api/v1/${path}`, {
    headers: { 'content-type': 'application/json', origin: server.url },
    data: JSON.stringify(body),
  });
  const invited = await (await api('orgs/1/invitations', { emails: [email], role: 'member', products: [] })).json();
  const id = invited.results[0].invitation_id;
  const link = await (await page.request.get(`${server.url}/api/v1/orgs/1/invitations/${id}/link`)).json();
  const token = link.path.split('/').pop();
  // Accepted elsewhere (joining signs in): the admin's page keeps its own session.
  const accepted = await fetch(`${server.url}/api/v1/invitations/${token}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ full_name: fullName, password: 'a long enough password' }),
  });
  assert.equal(accepted.status, 200, await accepted.text());
}

test('the longest name the server takes leaves every action of every dialog and panel in view', async () => {
  for (const mode of ['phone, light', 'desktop, dark']) {
    const { context, page } = await open(mode);
    const tag = mode.startsWith('phone') ? 'p' : 'd';
    const longName = `${tag}${'Wolfeschlegelsteinhausenbergerdorff '.repeat(6)}`.slice(0, 200);
    const email = `${tag}.${'x'.repeat(50)}@very-long-subdomain-of-a-very-long-company-name.example`;
    await joinAs(page, email, longName);
    const search = page.getByRole('searchbox', { name: 'Search active users' });
    await search.fill(email);
    const box = page.getByRole('checkbox', { name: `Select ${longName}` });
    await box.check();

    await page.getByRole('button', { name: 'Remove Users' }).click();
    const remove = dialog(page, 'Remove Users');
    await assertReachable(page, remove.getByRole('button', { name: 'Remove' }), `Remove beside a long name (${mode})`);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Change Role' }).click();
    const change = dialog(page, 'Change User Role');
    await assertReachable(page, change.getByRole('button', { name: 'Change Role' }), `Change Role beside a long name (${mode})`);
    await page.keyboard.press('Escape');

    // A long-named group holding them, with a license.
    await page.getByRole('tab', { name: 'Groups' }).click();
    await page.getByRole('button', { name: 'Create group' }).click();
    const groupName = `${tag} ${'Quality Assurance Leads '.repeat(5)}`.slice(0, 100).trim();
    await dialog(page, 'Create group').getByLabel('Group name').fill(groupName);
    await dialog(page, 'Create group').getByRole('button', { name: 'Create' }).click();
    await page.getByRole('searchbox', { name: 'Search groups' }).fill(groupName);
    await page.getByRole('button', { name: `Edit group ${groupName}` }).click();
    const edit = dialog(page, 'Edit Group');
    await edit.getByLabel('Add names').fill(longName.slice(0, 30));
    await edit.getByRole('option').filter({ hasText: email }).first().click();
    await assertReachable(page, edit.getByRole('button', { name: 'Save' }), `Save in Edit Group (${mode})`);
    await assertReachable(page, edit.getByRole('button', { name: `Remove ${longName} from ${groupName}` }), `a long member chip's × (${mode})`);
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });

    await page.goto(`${server.url}/orgs/1/licenses/users?expand=users,groups`);
    await page.getByRole('searchbox', { name: 'Search groups', exact: true }).fill(groupName);
    await page.getByRole('button', { name: `Edit group allocation rule for ${groupName}` }).click();
    const rule = dialog(page, 'Edit Group Allocation Rule');
    await rule.getByRole('checkbox', { name: /Studio Enterprise/ }).check();
    await assertReachable(page, rule.getByRole('button', { name: 'Save' }), `Save in the rule panel (${mode})`);
    await rule.getByRole('button', { name: 'Save' }).click();
    await rule.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: `Group members with license inheritance for ${groupName}` }).click();
    const inheritance = dialog(page, 'License inheritance from group');
    await inheritance.getByText(longName.slice(0, 20)).first().waitFor();
    await assertReachable(page, inheritance.getByRole('button', { name: 'Close' }), `Close in the inheritance panel (${mode})`);
    await inheritance.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('searchbox', { name: 'Search users', exact: true }).fill(email);
    await page.getByRole('button', { name: `Edit license allocation for ${longName}` }).click();
    const allocation = dialog(page, 'Edit License Allocation');
    await allocation.getByRole('checkbox', { name: /Visual Testing/ }).check();
    await assertReachable(page, allocation.getByRole('button', { name: 'Save' }), `Save in Edit License Allocation (${mode})`);
    await allocation.getByRole('button', { name: 'Save' }).click();
    await allocation.waitFor({ state: 'detached' });

    // Remove, from Licensed Users.
    await page.getByRole('searchbox', { name: 'Search licensed users' }).fill(email);
    await page.getByRole('table', { name: 'licensed users' }).getByRole('button', { name: `Remove ${longName}` }).click();
    const removeUser = dialog(page, 'Remove');
    await assertReachable(page, removeUser.getByRole('button', { name: 'Remove' }), `Remove of a licensed user (${mode})`);
    await assertAccessible(page, `Remove, a long name (${mode})`);
    await page.keyboard.press('Escape');
    page.assertNoErrors();
    await context.close();
  }
});

test('seat numbers are the same in Invite Users and on License Management', async () => {
  const { context, page } = await open('desktop, light');
  // A pending invitation with a license reserves a seat.
  const snapshot = await (await page.request.get(`${server.url}/api/v1/orgs/1/members`)).json();
  const visual = snapshot.products.find((p) => p.name === 'Visual Testing').id;
  const invited = await page.request.post(`${server.url}/api/v1/orgs/1/invitations`, {
    headers: { 'content-type': 'application/json', origin: server.url },
    data: JSON.stringify({ emails: ['seats.reserved@example.com'], role: 'member', products: [visual] }),
  });
  assert.equal(invited.status(), 200, await invited.text());
  await page.getByRole('button', { name: 'Invite Users' }).click();
  const invite = dialog(page, 'Invite Users');
  await invite.getByLabel('Email addresses').pressSequentially('seats.check@example.com ');
  await invite.getByRole('button', { name: 'Next' }).click();
  const usage = {};
  for (const product of ['Runtime Engine', 'Studio Enterprise', 'Visual Testing']) {
    const label = await invite.locator('label.switch').filter({ hasText: product }).locator('.hint').textContent();
    usage[product] = label;
  }
  // Pending invitations reserve seats, and say so.
  assert.ok(Object.values(usage).some((text) => /reserved by pending invitation/.test(text)), JSON.stringify(usage));
  await page.keyboard.press('Escape');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'License Management' }).click();
  for (const [product, text] of Object.entries(usage)) {
    const card = page.getByRole('article', { name: product });
    await card.getByText(text, { exact: true }).waitFor();
  }
  await context.close();
});

test('offline licenses: only expired ones can be ticked, and the others say why', async () => {
  const { context, page } = await open('desktop, light');
  await page.goto(`${server.url}/orgs/1/licenses/offline`);
  const table = page.getByRole('table', { name: 'offline licenses' });
  await table.waitFor();
  const boxes = table.getByRole('checkbox', { name: /^Select (?!all matching)/ });
  const count = await boxes.count();
  assert.ok(count > 0);
  let unexpired = 0;
  for (let i = 0; i < count; i++) {
    const box = boxes.nth(i);
    const name = await box.getAttribute('aria-label');
    if (await box.isDisabled()) {
      unexpired += 1;
      assert.match(name, /cannot be removed before it expires/);
    }
  }
  assert.ok(unexpired > 0, 'the demo has unexpired offline licenses');
  assert.equal(await page.getByRole('button', { name: 'Remove selected' }).isDisabled(), true);
  // The trash button of an unexpired one says why, on focus and on click.
  const trash = table.getByRole('button', { name: /^Remove / }).first();
  assert.equal(await trash.getAttribute('aria-disabled'), 'true');
  await trash.focus();
  const tip = table.getByRole('tooltip').filter({ hasText: 'Remove: it cannot be removed before it expires' }).first();
  assert.equal(await tip.isVisible(), true);
  // A person can click it (it is only marked disabled): it says why instead of doing nothing.
  await trash.click({ force: true });
  await page.locator('.toast').filter({ hasText: 'it cannot be removed before it expires' }).waitFor();
  assert.equal(await dialog(page, 'Clear expired offline licenses').count(), 0);
  await context.close();
});

test('icon buttons show their names in tooltips on hover and on keyboard focus', async () => {
  const { context, page } = await open('desktop, light');
  await page.goto(`${server.url}/orgs/1/licenses/users?expand=groups`);
  const groups = page.getByRole('table', { name: 'groups', exact: true });
  await groups.waitFor();
  const rule = groups.getByRole('button', { name: /^Edit group allocation rule for / }).first();
  const inheritance = groups.getByRole('button', { name: /^Group members with license inheritance for / }).first();
  const tooltip = (text) => groups.getByRole('tooltip').filter({ hasText: new RegExp(`^${text}$`) }).first();
  assert.equal(await tooltip('Edit group allocation rule').isVisible(), false);
  await rule.hover();
  await tooltip('Edit group allocation rule').waitFor({ state: 'visible' });
  await inheritance.focus();
  await tooltip('Group members with license inheritance').waitFor({ state: 'visible' });
  await page.goto(`${server.url}/orgs/1/users/groups`);
  const trash = page.getByRole('button', { name: /^Delete group / }).first();
  await trash.hover();
  await page.getByRole('tooltip').filter({ hasText: /^Delete group$/ }).first().waitFor({ state: 'visible' });
  await context.close();
});

test('tabs follow the arrow keys, the page link stays marked on every tab, and a skip link leads to the content', async () => {
  const { context, page } = await open('desktop, dark');
  const userManagement = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'User Management' });
  await page.getByRole('tab', { name: 'Active Users' }).focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForURL(/\/users\/pending/);
  assert.equal(await page.getByRole('tab', { name: 'Pending Invitations' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => __allot.active().textContent.trim()), 'Pending Invitations');
  assert.equal(await userManagement.getAttribute('aria-current'), 'page');
  await page.keyboard.press('End');
  await page.waitForURL(/\/users\/groups/);
  assert.equal(await userManagement.getAttribute('aria-current'), 'page');
  await page.keyboard.press('Home');
  await page.waitForURL(/\/users\/active/);
  await page.keyboard.press('ArrowLeft');
  await page.waitForURL(/\/users\/groups/);
  // Only the selected tab is in the Tab order.
  assert.deepEqual(await page.getByRole('tab').evaluateAll((tabs) => tabs.map((tab) => tab.tabIndex)), [-1, -1, -1, 0]);

  await page.goto(`${server.url}/orgs/1/users/active`);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => __allot.active().textContent), 'Skip to main content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => __allot.active().id), 'allot-content');
  await context.close();
});

test('a rule change that takes licenses away asks first, listing what happens', async () => {
  const { context, page } = await open('desktop, light');
  await page.goto(`${server.url}/orgs/1/licenses/users?expand=groups`);
  const groups = page.getByRole('table', { name: 'groups', exact: true });
  await groups.waitFor();
  // A group whose rule grants a license to members who have it from nowhere else.
  await page.getByRole('searchbox', { name: 'Search groups', exact: true }).fill('Automation');
  await page.getByRole('button', { name: 'Edit group allocation rule for Automation' }).click();
  const rule = dialog(page, 'Edit Group Allocation Rule');
  await rule.getByRole('checkbox', { name: /Runtime Engine/ }).uncheck();
  await rule.getByRole('button', { name: 'Save' }).click();
  const confirm = rule.getByRole('region', { name: 'Confirm the new rule' });
  await confirm.waitFor();
  assert.match(await confirm.textContent(), /lose Runtime Engine: the seats they hold are freed and their sessions end\./);
  assert.equal(await page.evaluate(() => __allot.active().textContent), 'Confirm the new rule');
  await assertAccessible(page, 'Edit Group Allocation Rule, confirming');
  // Back keeps the panel and the choice.
  await confirm.getByRole('button', { name: 'Back' }).click();
  await confirm.waitFor({ state: 'detached' });
  assert.equal(await rule.getByRole('checkbox', { name: /Runtime Engine/ }).isChecked(), false);
  await rule.getByRole('button', { name: 'Save' }).click();
  await rule.getByRole('button', { name: 'Confirm and save' }).click();
  await rule.waitFor({ state: 'detached' });
  await page.locator('.toast').filter({ hasText: /^Saved the allocation rule of Automation\. Changed the licenses of \d+ members?\./ }).waitFor();
  await groups.getByRole('row').filter({ hasText: 'Automation' }).getByRole('cell', { name: 'No license', exact: true }).waitFor();
  await context.close();
});

test('notices at the foot of the window cover neither the table nor its actions', async () => {
  const { context, page } = await open('desktop, light');
  await page.getByRole('tab', { name: 'Pending Invitations' }).click();
  await page.getByRole('button', { name: 'Copy link for', exact: false }).first().waitFor();
  await page.getByRole('button', { name: /^Copy link for / }).first().click();
  const notice = page.locator('.toast').first();
  await notice.waitFor();
  const toast = await notice.boundingBox();
  for (const [what, locator] of [
    ['the table', page.locator('.table-scroll').first()],
    ['Revoke', page.getByRole('button', { name: 'Revoke', exact: true })],
    ['Invite Users', page.getByRole('button', { name: 'Invite Users' })],
  ]) {
    const box = await locator.evaluate((element) => {
      const rect = element.getBoundingClientRect();
      return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
    });
    const overlaps = box.x < toast.x + toast.width && toast.x < box.x + box.width
      && box.y < toast.y + toast.height && toast.y < box.y + box.height;
    assert.equal(overlaps, false, `the notice covers ${what}: ${JSON.stringify({ toast, box })}`);
  }
  await context.close();
});
