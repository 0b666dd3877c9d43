// Two admins on the same organization converge without reloading: what one does shows in
// the other's console within a second, a console that lost its network catches up when it
// is back, and a change another admin already made is reported, not broken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, OWNER, PARTNER_ENGINE, WELL_KNOWN, assertAccessible, launchBrowser, newPage, orgCall,
  plainMembers, serverAndBrowser, signIn, startInterceptor, startRelay,
} from './harness.mjs';

const server = serverAndBrowser();
/** The bound for a change to reach the other admin. */
const PROPAGATION_MS = 1000;

/** `email`'s console, in this run's browser or in `browser`, reaching the server at `url`. */
async function console_(email, { browser = server.browser, url = server.url } = {}) {
  const { context, page } = await newPage(browser);
  await signIn(page, url, email);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  await live(page);
  return { context, page };
}

const live = (page) => page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();


/** Active Members (role Member) other than the well-known demo accounts. */
const someMembers = async (page) => plainMembers(await orgCall(page, 'GET', 'members'));

const row = (page, name) => page.getByRole('row').filter({ hasText: name });
const search = (page, label, text) => page.getByRole('searchbox', { name: label }).fill(text);

test("one admin's removal, role change, invitation, license removal and teams show in the other's console", async () => {
  const one = await console_(OWNER);
  const other = await console_(ADMIN);
  const [promoted, removed, teamed] = await someMembers(one.page);

  // Role change.
  await search(other.page, 'Search active users', promoted.email);
  await row(other.page, promoted.full_name).filter({ hasText: 'Member' }).waitFor();
  await orgCall(one.page, 'POST', 'members/role', { ids: [promoted.id], role: 'admin' });
  await row(other.page, promoted.full_name).filter({ hasText: 'Admin' }).waitFor({ timeout: PROPAGATION_MS });

  // Removal: the row leaves Active Users and appears under Removed Users.
  await search(other.page, 'Search active users', removed.email);
  await row(other.page, removed.full_name).waitFor();
  await orgCall(one.page, 'POST', 'members/remove', { ids: [removed.id] });
  await row(other.page, removed.full_name).waitFor({ state: 'detached', timeout: PROPAGATION_MS });

  // Invitation.
  await other.page.getByRole('tab', { name: 'Pending Invitations' }).click();
  await other.page.getByRole('table', { name: 'pending invitations' }).waitFor();
  await orgCall(one.page, 'POST', 'invitations', { emails: ['synced.invitee@example.net'], role: 'member', products: [] });
  await row(other.page, 'synced.invitee@example.net').waitFor({ timeout: PROPAGATION_MS });

  // License removal, on License Management.
  await other.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'License Management' }).click();
  const overview = await orgCall(one.page, 'GET', 'licenses');
  const licensed = overview.licensed_users.find((u) => !WELL_KNOWN.includes(u.email));
  await search(other.page, 'Search licensed users', licensed.email);
  await row(other.page, licensed.full_name).waitFor();
  await orgCall(one.page, 'POST', 'licenses/users/remove', { ids: [licensed.member_id] });
  await row(other.page, licensed.full_name).waitFor({ state: 'detached', timeout: PROPAGATION_MS });

  await assertAccessible(other.page, 'License Management, live');

  // Teams: a team the other admin creates and fills appears, and its member removed from the
  // organization leaves it.
  await other.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Teams' }).click();
  await other.page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
  const squad = await orgCall(one.page, 'POST', 'teams', { name: 'Synced Squad' });
  await orgCall(one.page, 'PUT', `teams/${squad.id}/members/${teamed.id}`, { role: 'member' });
  const card = other.page.getByRole('region', { name: 'Synced Squad', exact: true });
  const teamedCell = card.getByRole('cell', { name: teamed.full_name, exact: true });
  await teamedCell.waitFor({ timeout: PROPAGATION_MS });
  await card.getByText('1 member', { exact: true }).waitFor();
  await orgCall(one.page, 'POST', 'members/remove', { ids: [teamed.id] });
  await teamedCell.waitFor({ state: 'detached', timeout: PROPAGATION_MS });
  await card.getByText('0 members', { exact: true }).waitFor();
  await assertAccessible(other.page, 'Teams, live');

  one.page.assertNoErrors();
  other.page.assertNoErrors();
  await one.context.close();
  await other.context.close();
});

test("a group renamed elsewhere is renamed in its members' rows at once", async () => {
  const one = await console_(OWNER);
  const [member] = await someMembers(one.page);
  const group = (await orgCall(one.page, 'POST', 'groups', { name: 'Sync Leads', role: 'admin', members: [member.id] })).group;
  await search(one.page, 'Search active users', member.email);
  const memberRow = row(one.page, member.full_name);
  await memberRow.filter({ hasText: 'Member · Admin via Sync Leads' }).waitFor();
  // A group's name is not the member's: their row is drawn from both.
  await orgCall(one.page, 'PUT', `groups/${group.id}`, { name: 'Sync Leaders', role: 'admin', members: [member.id] });
  await memberRow.filter({ hasText: 'Member · Admin via Sync Leaders' }).waitFor({ timeout: PROPAGATION_MS });
  await one.context.close();
});

test('a console that lost its network says so, and catches up when it is back', async () => {
  const network = await startRelay(server.url);
  const one = await console_(OWNER);
  const other = await console_(ADMIN, { url: network.url });
  const members = await someMembers(one.page);
  const removed = members[2];
  const promoted = members[3];
  await search(other.page, 'Search active users', removed.email);
  await row(other.page, removed.full_name).waitFor();

  network.cut();
  await other.page.getByRole('status').filter({ hasText: /^Offline/ }).waitFor();
  await orgCall(one.page, 'POST', 'members/remove', { ids: [removed.id] });
  await orgCall(one.page, 'POST', 'members/role', { ids: [promoted.id], role: 'admin' });
  // Nothing can arrive meanwhile.
  await other.page.waitForTimeout(300);
  await row(other.page, removed.full_name).waitFor();

  network.restore();
  await live(other.page);
  await row(other.page, removed.full_name).waitFor({ state: 'detached', timeout: PROPAGATION_MS });
  await search(other.page, 'Search active users', promoted.email);
  await row(other.page, promoted.full_name).filter({ hasText: 'Admin' }).waitFor({ timeout: PROPAGATION_MS });
  other.page.assertNoErrors();
  await one.context.close();
  await other.context.close();
  await network.close();
});

test('an invitation turns Expired live when its time comes', async () => {
  const { context, page } = await console_(ADMIN);
  const invited = await orgCall(page, 'POST', 'invitations', { emails: ['brief.invitee@example.net'], role: 'member', products: [] });
  const id = invited.results[0].invitation_id;
  await page.getByRole('tab', { name: 'Pending Invitations' }).click();
  await search(page, 'Search pending invitations', 'brief.invitee');
  const invitation = row(page, 'brief.invitee@example.net');
  // "in 1 day" or "in 23 hours", as the second the page was drawn in falls.
  await invitation.getByText(/^in (1 day|23 hours)$/).waitFor();

  // Its expiry brought 2 s ahead (it lasts 24 hours): nobody touches it when the time comes,
  // the server's clock alone turns it expired, and the console shows it without a reload.
  server.sql(`UPDATE invitations SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 2 WHERE id = ${id}`);
  await invitation.getByText('Expired', { exact: true }).waitFor({ timeout: 6000 });
  await live(page);
  page.assertNoErrors();
  await context.close();
});

test("removing someone another admin already removed says so, and the table stays whole", async () => {
  const one = await console_(OWNER);
  const other = await console_(ADMIN);
  const target = (await someMembers(one.page))[4];
  await search(other.page, 'Search active users', target.email);
  await other.page.getByRole('checkbox', { name: `Select ${target.full_name}` }).check();
  await other.page.getByRole('button', { name: 'Remove Users' }).click();
  const dialog = other.page.getByRole('dialog', { name: 'Remove Users' });
  await dialog.waitFor();

  await orgCall(one.page, 'POST', 'members/remove', { ids: [target.id] });
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await other.page.locator('.toast').filter({ hasText: `${target.full_name} was already removed.` }).waitFor();
  await row(other.page, target.full_name).waitFor({ state: 'detached' });
  await search(other.page, 'Search active users', '');
  const summary = other.page.locator('.summary');
  await summary.filter({ hasText: /active users$/ }).waitFor();
  other.page.assertNoErrors();
  await one.context.close();
  await other.context.close();
});

test('a change shows at once as pending, and a refused one is rolled back with the reason', async () => {
  // The server answers slowly, so that what shows before the answer can be seen.
  const via = await startInterceptor(server.url);
  via.route(/^\/api\/v1\/orgs\/1\/members\//, (route) => setTimeout(() => route.continue(), 1500));
  const { context, page } = await console_(ADMIN, { url: via.url });
  const target = (await someMembers(page))[5];
  await search(page, 'Search active users', target.email);
  await page.getByRole('checkbox', { name: `Select ${target.full_name}` }).check();
  await page.getByRole('button', { name: 'Remove Users' }).click();
  await page.getByRole('dialog', { name: 'Remove Users' }).getByRole('button', { name: 'Remove' }).click();
  const busy = row(page, target.full_name).filter({ hasText: 'Removing…' });
  await busy.waitFor({ timeout: 300 });
  assert.equal(await busy.getAttribute('aria-busy'), 'true');
  await row(page, target.full_name).waitFor({ state: 'detached' });

  // An Admin cannot change the Owner's role: the mark goes and the toast says why.
  await search(page, 'Search active users', 'owner@example.com');
  await page.getByRole('checkbox', { name: 'Select Olivia Owens' }).check();
  await page.getByRole('button', { name: 'Change Role' }).click();
  const dialog = page.getByRole('dialog', { name: 'Change User Role' });
  await dialog.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'Member' });
  await dialog.getByRole('button', { name: 'Change Role' }).click();
  await row(page, 'Olivia Owens').filter({ hasText: 'Changing role…' }).waitFor({ timeout: 300 });
  await page.locator('.toast.error').first().waitFor();
  await row(page, 'Olivia Owens').filter({ hasNotText: 'Changing role…' }).filter({ hasText: 'Owner' }).waitFor();
  await assertAccessible(page, 'Active Users after a refused change');
  page.assertNoErrors();
  await context.close();
  await via.close();
});

test(`two admins in two engines (this one and ${PARTNER_ENGINE}) see each other's changes live`, async () => {
  const partner = await launchBrowser(PARTNER_ENGINE);
  try {
    const here = await console_(OWNER);
    const there = await console_(ADMIN, { browser: partner });
    const target = (await someMembers(here.page))[5];

    // Removed through this engine's console, gone from the other's.
    await search(there.page, 'Search active users', target.email);
    await row(there.page, target.full_name).waitFor();
    await search(here.page, 'Search active users', target.email);
    await here.page.getByRole('checkbox', { name: `Select ${target.full_name}` }).check();
    await here.page.getByRole('button', { name: 'Remove Users' }).click();
    await here.page.getByRole('dialog', { name: 'Remove Users' }).getByRole('button', { name: 'Remove' }).click();
    await row(there.page, target.full_name).waitFor({ state: 'detached', timeout: PROPAGATION_MS });

    // Invited through the other engine's console, pending in this one's.
    await here.page.getByRole('tab', { name: 'Pending Invitations' }).click();
    await here.page.getByRole('table', { name: 'pending invitations' }).waitFor();
    await there.page.getByRole('button', { name: 'Invite Users' }).click();
    const invite = there.page.getByRole('dialog', { name: 'Invite Users' });
    await invite.getByLabel('Email addresses').pressSequentially('across.engines@example.net ');
    await invite.getByRole('button', { name: 'Next' }).click();
    await invite.getByRole('button', { name: 'Confirm' }).click();
    await row(here.page, 'across.engines@example.net').waitFor({ timeout: PROPAGATION_MS });

    here.page.assertNoErrors();
    there.page.assertNoErrors();
    await here.context.close();
    await there.context.close();
  } finally {
    await partner.close();
  }
});
