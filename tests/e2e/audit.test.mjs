// The Audit Log: every change as a sentence naming who and whom, newest first, filtered and
// searched from the URL, and another admin's change arriving at the top while it is open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN, OWNER, assertAccessible, downloadText, newPage, orgCall, plainMembers, serverAndBrowser, signIn,
} from './harness.mjs';

const server = serverAndBrowser();

/** `email`'s console, signed in, on its first page. */
async function console_(email) {
  const { context, page } = await newPage(server.browser);
  await signIn(page, server.url, email);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  return { context, page };
}


test("another admin's removal appears at the top of an open Audit Log, which filters and searches from its URL", async () => {
  const owner = await console_(OWNER);
  const admin = await console_(ADMIN);
  const { page } = admin;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit Log' }).click();
  await page.getByRole('heading', { name: 'Audit Log', level: 1 }).waitFor();
  const log = page.getByRole('table', { name: 'audit entries' });
  await log.waitFor();
  await page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();

  const [target] = plainMembers(await orgCall(owner.page, 'GET', 'members'));
  await orgCall(owner.page, 'POST', 'members/remove', { ids: [target.id] });
  const top = log.getByRole('row').nth(1);
  await top.getByText(`Olivia Owens removed ${target.full_name}`, { exact: true }).waitFor({ timeout: 2000 });
  await top.getByText(OWNER).waitFor();
  // What it touched links to where it is shown now.
  const touched = top.getByRole('link', { name: target.full_name });
  assert.match(await touched.getAttribute('href'), /\/users\/active\?q=/);
  await assertAccessible(page, 'Audit Log');

  // Who did it is a click away from only their changes; the Actor filter then names them.
  await top.getByRole('button', { name: 'Only changes by Olivia Owens' }).click();
  await page.waitForURL(/actor=\d+/);
  const actor = await page.getByLabel('Actor').inputValue();
  assert.ok(new URL(page.url()).search.includes(`actor=${actor}`), `${page.url()} and ${actor}`);
  await log.getByRole('row').nth(1).getByText(`Olivia Owens removed ${target.full_name}`, { exact: true }).waitFor();
  assert.equal(await log.getByRole('button', { name: /^Only changes by (?!Olivia Owens$)/ }).count(), 0);
  await page.getByLabel('Actor').selectOption({ label: 'Anyone' });
  await page.waitForURL((url) => !String(url).includes('actor='));

  // Filters and search are in the URL, and survive a reload.
  await page.getByLabel('Action').selectOption({ label: 'Users removed' });
  await page.waitForURL(/action=members\.removed/);
  await page.getByRole('searchbox', { name: 'Search audit entries' }).fill(target.full_name.toUpperCase());
  await page.waitForURL(/q=/);
  await page.reload();
  await log.waitFor();
  assert.equal(await page.getByLabel('Action').inputValue(), 'members.removed');
  await log.getByRole('row').nth(1).getByText(`Olivia Owens removed ${target.full_name}`, { exact: true }).waitFor();
  assert.equal(await log.getByRole('row').count(), 2, 'the header and the one removal');

  // The exports hold what the filters show: a CSV for a spreadsheet, JSON lines for a SIEM.
  const csv = await downloadText(page, () => page.getByRole('button', { name: 'Export CSV' }).click());
  assert.match(csv.name, /^acme-qa-audit-\d{4}-\d{2}-\d{2}\.csv$/);
  const [header, ...rows] = csv.text.trim().split(/\r?\n/);
  assert.equal(header, 'Time,Actor,Actor email,Action,What,Touched');
  assert.equal(rows.length, 1);
  assert.ok(rows[0].includes(`Olivia Owens removed ${target.full_name}`), rows[0]);
  const lines = await downloadText(page, () => page.getByRole('button', { name: 'Export JSON lines' }).click());
  const entries = lines.text.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(entries.map((entry) => entry.action), ['members.removed']);
  assert.equal(entries[0].subjects[0].name, target.full_name);

  owner.page.assertNoErrors();
  page.assertNoErrors();
  await owner.context.close();
  await admin.context.close();
});
