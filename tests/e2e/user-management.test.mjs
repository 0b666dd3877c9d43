// User Management end to end (issue: invitations, pending, removed, bulk actions, export,
// accepting, teams), driven as an admin would: by role and accessible name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OWNER, assertAccessible, clipboardText, downloadText, newPage, pasteText, serverAndBrowser, signIn,
} from './harness.mjs';

const server = serverAndBrowser();

async function openUsers(tab = 'active') {
  const { context, page } = await newPage(server.browser);
  await signIn(page, server.url, OWNER);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  if (tab !== 'active') {
    await page.getByRole('tab', { name: tab }).click();
  }
  return { context, page };
}

const dialog = (page, name) => page.getByRole('dialog', { name });
const toast = (page, text) => page.locator('.toast').filter({ hasText: text });

/** Presses Tab until the focused element's text or label matches `name`, as a keyboard user would. */
async function tabTo(page, name) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = __allot.active();
      return `${el.getAttribute('aria-label') ?? ''} ${el.closest('label')?.textContent ?? ''} ${el.textContent ?? ''}`;
    });
    if (name.test(focused)) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

test('inviting by keyboard alone: chips from every separator, a pasted list, an invalid address fixed, a license granted', async () => {
  const { context, page } = await openUsers();
  await tabTo(page, /^\s*Invite Users$/);
  await page.keyboard.press('Enter');
  const invite = dialog(page, 'Invite Users');
  await invite.waitFor();
  const field = invite.getByLabel('Email addresses');
  assert.ok(await field.evaluate((el) => el === __allot.active()), 'focus starts in the address field');
  await page.keyboard.type('kb.one@example.com,');
  await page.keyboard.type('kb.two@example.com ');
  await page.keyboard.type('kb.three@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('kb.four@example.com');
  await page.keyboard.press('Enter');
  await pasteText(page, 'Pat Paste <kb.five@example.com>\nkb.six@example.com\n"Doe, Jo" <kb.seven@example.com>');
  await page.keyboard.type('not-an-address');
  await page.keyboard.press('Enter');
  const chips = invite.getByRole('list', { name: 'Addresses to invite' }).getByRole('listitem');
  assert.equal(await chips.count(), 8);
  await invite.getByRole('alert').filter({ hasText: 'Fix or remove the 1 invalid address' }).waitFor();
  assert.equal(await invite.getByRole('button', { name: 'Next' }).isDisabled(), true);
  await assertAccessible(page, 'Invite Users, addresses');
  // Backspace in the empty field selects the last chip, then removes it.
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  assert.equal(await chips.count(), 7);
  assert.equal(await invite.getByRole('button', { name: 'Next' }).isDisabled(), false);
  // From the field, Tab reaches the chips' remove buttons in their order, before Cancel and
  // Next; past the last control it wraps to the first: focus stays in the dialog.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => __allot.active().getAttribute('aria-label')), 'Remove kb.one@example.com');
  await tabTo(page, /^\s*Next$/);
  await page.keyboard.press('Tab');
  assert.ok(await field.evaluate((el) => el === __allot.active()), 'Tab wraps to the address field');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => __allot.active().textContent), 'Next');
  await page.keyboard.press('Enter');
  // Step 2 starts with focus on its first switch.
  const studio = invite.getByRole('switch', { name: /Studio Enterprise/ });
  await studio.waitFor();
  await page.waitForFunction(() => __allot.active()?.getAttribute('role') === 'switch');
  if (!(await studio.evaluate((el) => el === __allot.active()))) await tabTo(page, /Studio Enterprise/);
  await page.keyboard.press('Space');
  assert.equal(await studio.isChecked(), true);
  await assertAccessible(page, 'Invite Users, licenses');
  await tabTo(page, /^\s*Confirm$/);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/orgs\/1\/users\/pending/);
  const results = page.getByRole('region', { name: 'Invitation results' });
  await results.getByText('7 of 7 invited.').waitFor();
  const pending = page.getByRole('table', { name: 'pending invitations' });
  await page.getByRole('searchbox', { name: 'Search pending invitations' }).fill('kb.');
  await page.waitForFunction(() => __allot.query('.summary').textContent.startsWith('7 of'));
  assert.match(await pending.textContent(), /Studio Enterprise/);
  page.assertNoErrors();
  await context.close();
});

test('already-members and already-invited addresses are reported per address', async () => {
  const { context, page } = await openUsers();
  await page.getByRole('button', { name: 'Invite Users' }).click();
  const invite = dialog(page, 'Invite Users');
  await invite.getByLabel('Email addresses').fill('');
  await invite.getByLabel('Email addresses').pressSequentially('member@example.com fresh.person@example.com ');
  await invite.getByText('already a member').waitFor();
  await invite.getByRole('button', { name: 'Next' }).click();
  await invite.getByRole('button', { name: 'Confirm' }).click();
  const results = page.getByRole('region', { name: 'Invitation results' });
  await results.getByText('1 of 2 invited.').waitFor();
  assert.match(await results.textContent(), /member@example.com — already a member/);
  await context.close();
});

test('a copied link opens in a fresh browser, the invitee joins, and appears in Active Users with the license', async () => {
  const { context, page } = await openUsers();
  await page.getByRole('button', { name: 'Invite Users' }).click();
  const invite = dialog(page, 'Invite Users');
  await invite.getByLabel('Email addresses').pressSequentially('new.joiner@example.com ');
  await invite.getByRole('button', { name: 'Next' }).click();
  await invite.getByRole('switch', { name: /Studio Enterprise/ }).check();
  await invite.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('searchbox', { name: 'Search pending invitations' }).fill('new.joiner');
  await page.getByRole('button', { name: 'Copy link for new.joiner@example.com' }).click();
  await toast(page, 'Copied the activation link for new.joiner@example.com.').waitFor();
  const link = await clipboardText(context);
  assert.match(link, /\/join\/[0-9a-f]{32,}$/);

  const invitee = await newPage(server.browser);
  await invitee.page.goto(link);
  await invitee.page.getByRole('heading', { name: 'Join Acme QA' }).waitFor();
  await assertAccessible(invitee.page, 'accept invitation');
  await invitee.page.getByLabel('Full name').fill('Nova Joiner');
  // Long enough but guessable: the server says why, and nothing is created.
  await invitee.page.getByLabel('Choose a password').fill('novajoiner12');
  await invitee.page.getByRole('button', { name: 'Create account and join' }).click();
  await invitee.page.getByRole('alert').filter({ hasText: 'This password would be easy to guess.' }).waitFor();
  await invitee.page.getByLabel('Choose a password').fill('a long enough password');
  await invitee.page.getByRole('button', { name: 'Create account and join' }).click();
  // A new Member lands on a welcome that says what they can do.
  await invitee.page.getByRole('heading', { name: 'Welcome to Acme QA' }).waitFor();
  await invitee.page.getByText('Sign in to your licensed products').waitFor();
  // The same link is single use.
  await invitee.page.goto(link);
  await invitee.page.getByRole('heading', { name: 'This invitation cannot be used' }).waitFor();
  await invitee.context.close();

  await page.getByRole('tab', { name: 'Active Users' }).click();
  await page.reload();
  await page.getByRole('searchbox', { name: 'Search active users' }).fill('Nova Joiner');
  const row = page.getByRole('row').filter({ hasText: 'new.joiner@example.com' });
  await row.waitFor();
  assert.match(await row.textContent(), /Studio Enterprise/);
  await context.close();
});

test('revoking two invitations lists them for a double check and kills their links at once', async () => {
  const { context, page } = await openUsers('Pending Invitations');
  await page.getByRole('table', { name: 'pending invitations' }).waitFor();
  const links = [];
  for (const email of ['rev.one@example.com', 'rev.two@example.com']) {
    await page.getByRole('button', { name: 'Invite Users' }).click();
    await dialog(page, 'Invite Users').getByLabel('Email addresses').pressSequentially(`${email} `);
    await dialog(page, 'Invite Users').getByRole('button', { name: 'Next' }).click();
    await dialog(page, 'Invite Users').getByRole('button', { name: 'Confirm' }).click();
    // The results appear above the table once the server answered: the table moves down.
    await page.getByRole('region', { name: 'Invitation results' }).filter({ hasText: email }).waitFor();
    await page.getByRole('searchbox', { name: 'Search pending invitations' }).fill(email);
    await page.getByRole('button', { name: `Copy link for ${email}` }).click();
    await toast(page, `Copied the activation link for ${email}.`).waitFor();
    links.push(new URL(await clipboardText(context)).pathname);
    await page.getByRole('checkbox', { name: `Select ${email}` }).check();
  }
  await page.getByRole('searchbox', { name: 'Search pending invitations' }).fill('');
  assert.equal(await page.locator('.selection').textContent(), '2 selected');
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  const revoke = dialog(page, 'Revoke Invitation');
  assert.match(await revoke.textContent(), /rev\.one@example\.com[\s\S]*rev\.two@example\.com/);
  await assertAccessible(page, 'Revoke Invitation');
  await revoke.getByRole('button', { name: 'Revoke' }).click();
  await toast(page, 'Revoked 2 invitations.').waitFor();
  const invitee = await newPage(server.browser);
  for (const path of links) {
    await invitee.page.goto(`${server.url}${path}`);
    await invitee.page.getByRole('alert').filter({ hasText: /revoked/i }).waitFor();
  }
  await invitee.context.close();
  await context.close();
});

test('removing a member, undoing it, removing again, and finding them in Removed Users', async () => {
  const { context, page } = await openUsers();
  const search = page.getByRole('searchbox', { name: 'Search active users' });
  await search.fill('Mia Moreno');
  await page.getByRole('checkbox', { name: 'Select Mia Moreno' }).check();
  await page.getByRole('button', { name: 'Remove Users' }).click();
  const remove = dialog(page, 'Remove Users');
  assert.match(await remove.textContent(), /Mia Moreno/);
  await assertAccessible(page, 'Remove Users');
  // Escape closes the dialog and gives focus back to the button that opened it.
  await page.keyboard.press('Escape');
  await remove.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => __allot.active().textContent.trim()), 'Remove Users');
  await page.getByRole('button', { name: 'Remove Users' }).click();
  await dialog(page, 'Remove Users').getByRole('button', { name: 'Remove' }).click();
  const undo = toast(page, 'Removed Mia Moreno.');
  await undo.waitFor();
  await page.waitForFunction(() => __allot.query('.summary').textContent.startsWith('0 of'));
  await undo.getByRole('button', { name: 'Undo' }).click();
  await toast(page, 'Restored Mia Moreno.').waitFor();
  await page.getByRole('checkbox', { name: 'Select Mia Moreno' }).check();
  await page.getByRole('button', { name: 'Remove Users' }).click();
  await dialog(page, 'Remove Users').getByRole('button', { name: 'Remove' }).click();
  await toast(page, 'Removed Mia Moreno.').waitFor();
  await page.getByRole('tab', { name: 'Removed Users' }).click();
  await page.getByRole('searchbox', { name: 'Search removed users' }).fill('mia moreno');
  const row = page.getByRole('table', { name: 'removed users' }).getByRole('row').filter({ hasText: 'member@example.com' });
  await row.waitFor();
  assert.match(await row.textContent(), /Olivia Owens/, 'says who removed them');
  await assertAccessible(page, 'Removed Users');
  await context.close();
});

test('changing the role of two members, with the rules explained', async () => {
  const { context, page } = await openUsers();
  const search = page.getByRole('searchbox', { name: 'Search active users' });
  const names = [];
  for (const query of ['ava.larsen@example.com', 'amelie.rossi@example.com']) {
    await search.fill(query);
    const box = page.getByRole('table', { name: 'active users' }).getByRole('checkbox').nth(1);
    names.push((await box.getAttribute('aria-label')).replace('Select ', ''));
    await box.check();
  }
  await search.fill('');
  await page.getByRole('button', { name: 'Change Role' }).click();
  const change = dialog(page, 'Change User Role');
  assert.match(await change.textContent(), /There must always be at least one Owner/);
  const roles = change.getByRole('combobox', { name: 'Role' });
  await roles.selectOption({ label: 'Billing Manager' });
  await change.getByText('removes them from their teams').waitFor();
  await roles.selectOption({ label: 'Admin' });
  await assertAccessible(page, 'Change User Role');
  await change.getByRole('button', { name: 'Change Role' }).click();
  // Both named, in whichever order the server answered.
  await toast(page, new RegExp(`^Changed the role of (${names[0]} and ${names[1]}|${names[1]} and ${names[0]}) to Admin\\.`)).waitFor();
  for (const name of names) {
    await search.fill(name);
    const row = page.getByRole('row').filter({ hasText: name });
    await page.waitForFunction((name) => [...__allot.queryAll('tbody tr')]
      .some((tr) => tr.textContent.includes(name) && tr.textContent.includes('Admin')), name);
    assert.match(await row.textContent(), /Admin/);
  }
  await context.close();
});

test('the search of each tab lives in the URL and survives reload and tab switches', async () => {
  const { context, page } = await openUsers();
  await page.getByRole('searchbox', { name: 'Search active users' }).fill('zoë');
  await page.waitForURL(/\/users\/active\?q=zo%C3%AB/);
  await page.getByRole('tab', { name: 'Removed Users' }).click();
  await page.getByRole('searchbox', { name: 'Search removed users' }).fill('müller');
  await page.waitForURL(/\/users\/removed\?q=m%C3%BCller/);
  await page.getByRole('tab', { name: 'Active Users' }).click();
  await page.waitForURL(/\/users\/active\?q=zo%C3%AB/);
  assert.equal(await page.getByRole('searchbox', { name: 'Search active users' }).inputValue(), 'zoë');
  await page.reload();
  await page.getByRole('table', { name: 'active users' }).waitFor();
  assert.equal(await page.getByRole('searchbox', { name: 'Search active users' }).inputValue(), 'zoë');
  await page.goBack();
  await context.close();
});

/** RFC 4180 rows of `text`. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell.replace(/\r$/, '')); rows.push(row); row = []; cell = ''; } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('Export Users downloads a CSV of active and removed users', async () => {
  const { context, page } = await openUsers();
  // One click, as documented.
  const all = await downloadText(page, () => page.getByRole('button', { name: 'Export Users' }).click());
  assert.match(all.name, /^acme-qa-users-\d{4}-\d{2}-\d{2}\.csv$/i);
  const rows = parseCsv(all.text);
  assert.deepEqual(rows[0].slice(0, 4), ['Full name', 'Email', 'Role', 'Status']);
  const body = rows.slice(1);
  assert.ok(body.length >= 270, `${body.length} rows`);
  assert.ok(body.some((r) => r[1] === 'owner@example.com' && r[2] === 'Owner'));
  assert.ok(body.some((r) => r[3].toLowerCase() === 'removed'));
  // Only the rows matching the current search.
  await page.getByRole('searchbox', { name: 'Search active users' }).fill('zoë');
  const only = await downloadText(page, () => page.getByRole('button', { name: 'Export only users matching “zoë”' }).click());
  const matching = parseCsv(only.text).slice(1);
  const shown = Number((await page.locator('.summary').textContent()).split(' ')[0]);
  assert.equal(matching.length, shown);
  for (const row of matching) assert.match(row[0], /Zoë/);
  await context.close();
});

test('teams: create, add a member with a team role, refuse a Billing Manager, rename, delete', async () => {
  const { context, page } = await openUsers();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teams' }).click();
  await page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
  await page.getByLabel('New team').fill('Probe Squad');
  await page.getByRole('button', { name: 'Create team' }).click();
  const team = page.getByRole('region', { name: 'Probe Squad', exact: true });
  await team.waitFor();
  // A name typed suggests the members it matches (never all of them); picking one adds them.
  const picker = team.getByRole('combobox', { name: 'Add to Probe Squad' });
  await picker.fill('adam alv');
  await team.getByRole('option', { name: 'Adam Alvarez (admin@example.com)' }).click();
  await team.getByRole('cell', { name: 'Adam Alvarez', exact: true }).waitFor();
  // What is typed in a team's field stays while the teams load again after a change.
  await picker.fill('Blake Bish');
  await team.getByLabel('Team role of Adam Alvarez').selectOption('admin');
  await toast(page, 'Team role changed.').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await picker.inputValue(), 'Blake Bish');
  await picker.press('Enter');
  await toast(page, 'Billing Managers cannot be in a team').waitFor();
  await assertAccessible(page, 'Teams');
  await team.getByRole('button', { name: 'Rename Probe Squad' }).click();
  const rename = dialog(page, 'Rename Team');
  await assertAccessible(page, 'Rename Team');
  await rename.getByLabel('Team name').fill('Probe Crew');
  await rename.getByRole('button', { name: 'Save' }).click();
  const renamed = page.getByRole('region', { name: 'Probe Crew', exact: true });
  await renamed.waitFor();
  await renamed.getByRole('button', { name: 'Delete Probe Crew' }).click();
  await assertAccessible(page, 'Delete Team');
  await dialog(page, 'Delete Team').getByRole('button', { name: 'Delete' }).click();
  await renamed.waitFor({ state: 'detached' });
  page.assertNoErrors();
  await context.close();
});
