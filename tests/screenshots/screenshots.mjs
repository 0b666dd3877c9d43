// `cargo xtask screenshots`: every screen and dialog of the console, at desktop (1440×900) and
// phone (390×844) sizes, in the light and dark themes, written as PNG files for a person to
// look through, one folder per engine (Chromium, Firefox ESR and WebKitGTK) to compare side
// by side.
// Nothing is asserted here; the end-to-end tests do that.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  OWNER, closeBrowsers, launchBrowser, lookIntoTheConsole, newContextIn, signIn, startServer,
} from '../e2e/harness.mjs';

const OUT = process.env.ALLOT_SCREENSHOTS ?? 'target/screenshots';

const SIZES = {
  desktop: { viewport: { width: 1440, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

const dialog = (page, name) => page.getByRole('dialog', { name });
const button = (scope, name) => scope.getByRole('button', { name, exact: true });

/** Each screen: a name and how to get there from a fresh, signed-in Active Users page. */
const SCREENS = [
  ['active-users', async () => {}],
  ['settings-menu', async (page) => { await button(page, 'Settings').click(); }],
  ['invite-addresses', async (page) => {
    await button(page, 'Invite Users').click();
    await dialog(page, 'Invite Users').getByLabel('Email addresses')
      .pressSequentially('ana@example.com, bo@example, owner@example.com, ');
  }],
  ['invite-licenses', async (page) => {
    await button(page, 'Invite Users').click();
    await dialog(page, 'Invite Users').getByLabel('Email addresses').pressSequentially('ana@example.com ');
    await button(dialog(page, 'Invite Users'), 'Next').click();
  }],
  ['remove-users', async (page) => {
    await page.getByRole('checkbox', { name: /^Select / }).nth(3).check();
    await button(page, 'Remove Users').click();
  }],
  ['change-user-role', async (page) => {
    await page.getByRole('checkbox', { name: /^Select / }).nth(3).check();
    await button(page, 'Change Role').click();
  }],
  ['pending-invitations', async (page) => { await page.getByRole('tab', { name: 'Pending Invitations' }).click(); }],
  ['revoke-invitation', async (page) => {
    await page.getByRole('tab', { name: 'Pending Invitations' }).click();
    await page.getByRole('checkbox', { name: /^Select / }).first().check();
    await button(page, 'Revoke').click();
  }],
  ['removed-users', async (page) => { await page.getByRole('tab', { name: 'Removed Users' }).click(); }],
  ['groups', async (page) => { await page.getByRole('tab', { name: 'Groups' }).click(); }],
  ['edit-group', async (page) => {
    await page.getByRole('tab', { name: 'Groups' }).click();
    await page.getByRole('button', { name: /^Edit group / }).first().click();
  }],
  ['teams', async (page, url) => { await page.goto(`${url}/orgs/1/teams`); }],
  ['licensed-users', async (page, url) => { await page.goto(`${url}/orgs/1/licenses/users`); }],
  ['remove-licensed-user', async (page, url) => {
    await page.goto(`${url}/orgs/1/licenses/users`);
    await page.getByRole('table').getByRole('button', { name: /^Remove / }).first().click();
  }],
  ['online-licenses', async (page, url) => { await page.goto(`${url}/orgs/1/licenses/online`); }],
  ['offline-licenses', async (page, url) => { await page.goto(`${url}/orgs/1/licenses/offline`); }],
  ['registered-machines', async (page, url) => { await page.goto(`${url}/orgs/1/licenses/machines`); }],
  ['deactivate-machine', async (page, url) => {
    await page.goto(`${url}/orgs/1/licenses/machines`);
    await page.getByRole('table').getByRole('button', { name: /^Remove / }).first().click();
  }],
  ['license-allocations', async (page, url) => {
    await page.goto(`${url}/orgs/1/licenses/users?expand=users,groups`);
    await page.getByRole('table', { name: 'groups' }).scrollIntoViewIfNeeded();
  }],
  ['edit-license-allocation', async (page, url) => {
    await page.goto(`${url}/orgs/1/licenses/users?expand=users`);
    await page.getByRole('button', { name: /^Edit license allocation for / }).first().click();
  }],
  ['edit-group-allocation-rule', async (page, url) => {
    await page.goto(`${url}/orgs/1/licenses/users?expand=groups`);
    await page.getByRole('button', { name: /^Edit group allocation rule for / }).first().click();
  }],
  ['license-inheritance', async (page, url) => {
    await page.goto(`${url}/orgs/1/licenses/users?expand=groups`);
    await page.getByRole('button', { name: /^Group members with license inheritance for / }).first().click();
  }],
];

async function shoot(browser, url, dir, size, theme) {
  mkdirSync(dir, { recursive: true });
  const context = await newContextIn(browser, { ...SIZES[size], colorScheme: theme });
  await lookIntoTheConsole(context);
  const page = await context.newPage();
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').waitFor();
  await page.screenshot({ path: join(dir, `${size}-${theme}-sign-in.png`) });
  await signIn(page, url, OWNER);
  await page.getByRole('table', { name: 'active users' }).waitFor();
  for (const [name, open] of SCREENS) {
    await page.goto(`${url}/orgs/1/users/active`);
    await page.getByRole('table', { name: 'active users' }).waitFor();
    await open(page, url);
    // Tables and panels load (the change feed never lets the network go idle).
    await page.waitForFunction(() => !__allot.query('.loading'));
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(dir, `${size}-${theme}-${name}.png`) });
  }
  await context.close();
}

/** The engines to shoot, one sub-folder each, so that they can be compared side by side. */
const ENGINES = (process.env.ALLOT_SCREENSHOT_ENGINES ?? 'chromium,firefox,webkit').split(',');

// HTTPS when WebKit is shot: it keeps no `Secure` session cookie from plain HTTP.
const server = await startServer({ https: ENGINES.includes('webkit') });
try {
  rmSync(OUT, { recursive: true, force: true });
  for (const engine of ENGINES) {
    const browser = await launchBrowser(engine);
    try {
      for (const size of Object.keys(SIZES)) {
        for (const theme of ['light', 'dark']) {
          await shoot(browser, server.url, join(OUT, engine), size, theme);
          console.log(`screenshots: ${engine}, ${size}, ${theme}: ${SCREENS.length + 1} screens`);
        }
      }
    } finally {
      await closeBrowsers(browser);
    }
  }
  console.log(`screenshots: written to ${OUT}, one folder per engine`);
} finally {
  await server.stop();
}
