// The admin console at `/admin/` walked as an admin would, against the real binary: the
// keyboard alone signs in and creates a user; the user list searched, filtered, sorted and
// paged; a duplicate name (409), a short password and a bad group (422), and a throttled
// request (429) said in words; a user edited, disabled, given a password, their second
// factor removed, one of their sessions ended, and deleted after a confirmation; the audit
// trail filtered and paged, its chart per hour over 24 hours and 7 days with its numbers
// readable; the signing keys; a user who is not an admin sees only that the console is for
// admins; a session ended elsewhere leads back to the sign-in form. axe-core and
// screenshots at 360 and 1280 px on every view. Fixtures come from the API, not the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startBrowser, startServer, stopBrowser, stopServer } from './harness.js';
import {
  api, apiLogin, refreshStatus, screenshots, seriousViolations, signIn, stepNow, stepper, totp,
} from './account-page.js';

let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

const PASSWORD = 'fixture-password';
const NAMES = Array.from({ length: 8 }, (_, i) => `user${String(i + 1).padStart(2, '0')}`);

/** Users through the API: eight to page through (odd ones in `ops`), one with a second
 * factor, one signed in elsewhere, one who is not an admin; and a failed sign-in. */
async function fixtures(admin) {
  const wanted = [
    ...NAMES.map((name, i) => [name, { email: `${name}@example.com`, groups: i % 2 ? [] : ['ops'], disabled: i === 6 }]),
    ['dora'], ['sam'], ['nora'],
  ];
  // Two at a time, as the server hashes as many passwords at once as it has cores; a busy
  // answer (503) is tried again after its Retry-After.
  const create = async ([username, extra = {}]) => {
    for (;;) {
      const made = await api(server, admin, 'POST', '/admin/users', { username, password: PASSWORD, ...extra });
      if (made.status !== 503) return made.status;
      await new Promise((done) => setTimeout(done, 200));
    }
  };
  for (let i = 0; i < wanted.length; i += 2) {
    assert.deepEqual(await Promise.all(wanted.slice(i, i + 2).map(create)), wanted.slice(i, i + 2).map(() => 201));
  }
  const dora = await apiLogin(server, 'dora', PASSWORD);
  const pending = await api(server, dora, 'POST', '/user/mfa/totp', { current_password: PASSWORD });
  const confirmed = await api(server, dora, 'POST', '/user/mfa/totp/confirm', { code: totp(pending.body.secret, stepNow()) });
  assert.equal(confirmed.status, 200);
  const sam = await apiLogin(server, 'sam', PASSWORD);
  const failed = await fetch(`http://127.0.0.1:${server.port}/user/token`, {
    method: 'POST', body: new URLSearchParams({ username: 'sam', password: 'not-the-password' }),
  });
  assert.equal(failed.status, 401);
  return { sam };
}

test('the admin console: users, audit trail, chart, keys; admins only', { timeout: 120000 }, async (t) => {
  server = await startServer(['--jwt-alg', 'EdDSA']); // signing keys to list
  browser = await startBrowser();
  const { context } = browser;
  const { step, traffic } = stepper(t, context);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize({ width: 1280, height: 900 });
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);
  const rows = page.locator('#users-table tbody tr');
  const firstNames = () => page.locator('#users-table tbody td:first-child').allTextContents();
  const range = page.locator('#users-pager .range');
  const admin = await apiLogin(server);
  let sam;
  const made = fixtures(admin); // while the browser loads the sign-in form
  const user = (name) => api(server, admin, 'GET', `/admin/users/${name}`);
  const check = async (name) => {
    assert.deepEqual(await seriousViolations(page), [], `axe on ${name}`);
    t.diagnostic(`screenshots: ${(await screenshots(page, `admin-${name}`)).join(' ')}`);
  };
  const openUser = async (name) => {
    await page.click(`#users-table button[data-open="${name}"]`);
    await page.locator('#user-heading').filter({ hasText: name }).waitFor();
  };
  const backToList = async () => {
    await page.click('#user-close');
    await page.locator('#users-card').waitFor({ state: 'visible' });
  };

  await step('the keyboard alone signs in (type, Tab, type, Enter) and lands on the user list', async () => {
    await page.goto(`http://localhost:${server.port}/admin`);
    assert.equal(new URL(page.url()).pathname, '/admin/', '/admin leads to /admin/');
    await page.locator('#login-form').waitFor({ state: 'visible' });
    assert.equal(await focused(), 'username');
    await check('signed-out');
    sam = (await made).sam;
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await range.filter({ hasText: 'Users 1–10 of 12' }).waitFor();
    assert.equal(await focused(), 'console-heading');
    assert.equal(await page.getAttribute('#views-nav a[data-view=users]', 'aria-current'), 'page');
    await check('users');
  });

  await step('the keyboard alone creates a user (Tab to "New user", Enter, type, Tab, Enter)', async () => {
    for (let i = 0; i < 8 && (await focused()) !== 'new-user'; i += 1) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'new-user');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'create-username');
    for (const text of ['erin', PASSWORD, 'erin@example.com', 'Erin Example', 'dev-team']) {
      await page.keyboard.type(text);
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Tab'); // past "Admin"
    assert.equal(await focused(), 'Create user');
    await page.keyboard.press('Enter');
    await page.locator('#create-message.ok').filter({ hasText: 'User erin created.' }).waitFor();
    assert.deepEqual((await user('erin')).body.groups, ['dev-team']);
    await range.filter({ hasText: 'of 13' }).waitFor();
  });

  await step('a duplicate name (409), a short password and a bad group (422) are said in words, by their field', async () => {
    await page.fill('#create-username', 'erin');
    await page.fill('#create-password', PASSWORD);
    await page.click('#create-form button[type=submit]');
    await page.locator('#create-message.error').filter({ hasText: 'User erin already exists.' }).waitFor();
    await page.fill('#create-username', 'fred');
    await page.fill('#create-password', 'short');
    await page.click('#create-form button[type=submit]');
    await page.locator('#create-password-error').filter({ hasText: 'Password must be at least 8 characters.' }).waitFor();
    assert.equal(await focused(), 'create-password');
    assert.equal(await page.getAttribute('#create-password', 'aria-invalid'), 'true');
    await page.fill('#create-password', PASSWORD);
    await page.fill('#create-groups', 'Ops!');
    await page.click('#create-form button[type=submit]');
    await page.locator('#create-groups-error').filter({ hasText: 'Bad group name "Ops!"' }).waitFor();
    assert.equal(await page.locator('#create-password-error').isVisible(), false);
    await page.route('**/admin/users', (route) => route.fulfill({
      status: 429, headers: { 'Retry-After': '30' }, contentType: 'application/json',
      body: '{"detail":"Too many requests","code":"throttled"}',
    }));
    await page.fill('#create-groups', 'ops');
    await page.click('#create-form button[type=submit]');
    await page.locator('#create-message.error').filter({ hasText: 'Try again in 30 seconds.' }).waitFor();
    await page.unroute('**/admin/users');
    await page.click('#create-cancel');
  });

  await step('the list: search, filters by group, role and status, sort by a column, paging', async () => {
    await page.click('#users-pager button[data-page="1"]');
    await range.filter({ hasText: 'Users 11–13 of 13' }).waitFor();
    assert.equal(await page.getAttribute('#users-pager button[data-page="1"]', 'aria-disabled'), 'true');
    await page.click('#users-table th[data-sort=username] button'); // already by name: now Z to A
    await range.filter({ hasText: 'Users 1–10 of 13' }).waitFor();
    assert.equal(await page.getAttribute('#users-table th[data-sort=username]', 'aria-sort'), 'descending');
    assert.deepEqual((await firstNames()).slice(0, 3), ['user08', 'user07', 'user06']);
    await page.click('#users-table th[data-sort=username] button');
    await page.locator('#users-table th[data-sort=username][aria-sort=ascending]').waitFor();
    await page.fill('#users-q', 'USER0');
    await page.press('#users-q', 'Enter');
    await range.filter({ hasText: 'Users 1–8 of 8' }).waitFor();
    await page.fill('#users-q', '');
    await page.fill('#users-group', 'ops');
    await page.press('#users-group', 'Enter');
    await range.filter({ hasText: 'of 4' }).waitFor();
    assert.deepEqual(await firstNames(), ['user01', 'user03', 'user05', 'user07']);
    await page.selectOption('#users-disabled', 'true');
    await range.filter({ hasText: 'Users 1–1 of 1' }).waitFor();
    assert.deepEqual(await firstNames(), ['user07']);
    await page.fill('#users-group', '');
    await page.selectOption('#users-disabled', '');
    await range.filter({ hasText: 'Users 1–10 of 13' }).waitFor();
    await page.selectOption('#users-admin', 'true');
    await range.filter({ hasText: 'Users 1–1 of 1' }).waitFor();
    assert.deepEqual(await firstNames(), ['admin']);
    await page.selectOption('#users-admin', '');
    await page.fill('#users-q', 'nobody-by-this-name');
    await page.press('#users-q', 'Enter');
    await page.locator('#users-table tr.empty').filter({ hasText: 'No users match.' }).waitFor();
    await page.fill('#users-q', '');
    await page.press('#users-q', 'Enter');
    await range.filter({ hasText: 'Users 1–10 of 13' }).waitFor();
  });

  await step('a user edited: groups, then a new password, then disabled', async () => {
    await openUser('erin');
    assert.equal(await focused(), 'user-heading');
    assert.equal(await page.inputValue('#edit-groups'), 'dev-team');
    await check('user');
    await page.fill('#edit-groups', 'ops, billing');
    await page.click('#edit-form button[type=submit]');
    await page.locator('#edit-message.ok').filter({ hasText: 'Changes saved.' }).waitFor();
    assert.deepEqual((await user('erin')).body.groups, ['billing', 'ops']);
    await page.fill('#set-password', 'erins-new-password');
    await page.click('#set-password-form button[type=submit]');
    await page.locator('#set-password-message.ok').filter({ hasText: 'Password set.' }).waitFor();
    await apiLogin(server, 'erin', 'erins-new-password');
    await page.check('#edit-disabled');
    await page.click('#edit-form button[type=submit]');
    await page.locator('#user-facts').filter({ hasText: 'disabled' }).waitFor();
    assert.equal((await user('erin')).body.disabled, true);
    await backToList();
    await page.locator('#users-table tr[data-user=erin]').filter({ hasText: 'disabled' }).waitFor();
    assert.equal(await focused(), 'erin', 'the keyboard is back on the user it left');
  });

  await step("a user's second factor removed", async () => {
    await openUser('dora');
    await page.click('#user-mfa-remove');
    await page.locator('#user-mfa-message.ok').filter({ hasText: 'The second factor is removed' }).waitFor();
    assert.equal(await page.locator('#user-mfa-remove').isVisible(), false);
    assert.equal((await user('dora')).body.mfa, false);
    await backToList();
  });

  await step("a user's sessions listed, and one ended", async () => {
    await openUser('sam');
    const session = page.locator('#user-sessions li[data-session]');
    await session.filter({ hasText: 'curl 8.11.1' }).waitFor();
    assert.equal(await session.count(), 1);
    await session.getByRole('button', { name: /End session of curl/ }).click();
    await page.locator('#user-sessions-message.ok').filter({ hasText: 'Session ended.' }).waitFor();
    await page.locator('#user-sessions li').filter({ hasText: 'No live sessions.' }).waitFor();
    assert.equal(await refreshStatus(server, sam), 401);
    await backToList();
  });

  await step('a user deleted after a confirmation', async () => {
    await openUser('erin');
    await page.click('#user-delete');
    assert.equal(await focused(), 'delete-no', 'the safe choice has the focus');
    await page.click('#delete-no');
    assert.equal(await page.locator('#delete-confirm').isVisible(), false);
    assert.equal((await user('erin')).status, 200, 'kept');
    await page.click('#user-delete');
    await page.click('#delete-yes');
    await page.locator('#users-message.ok').filter({ hasText: 'User erin deleted.' }).waitFor();
    assert.equal((await user('erin')).status, 404);
    assert.equal(await page.locator('#users-table tr[data-user=erin]').count(), 0);
  });

  await step('the audit trail: filters by user, event and time, and paging', async () => {
    await page.click('#views-nav a[data-view=audit]');
    await page.locator('#audit-pager .range').filter({ hasText: /^Events 1–10 of \d+$/ }).waitFor();
    assert.equal(new URL(page.url()).hash, '#audit');
    await page.click('#audit-pager button[data-page="1"]');
    await page.locator('#audit-pager .range').filter({ hasText: /^Events 11–/ }).waitFor();
    await page.fill('#audit-username', 'sam');
    await page.press('#audit-username', 'Enter');
    await page.locator('#audit-pager .range').filter({ hasText: /^Events 1–\d+ of \d+$/ }).waitFor();
    const users = await page.locator('#audit-table tbody td:nth-child(3)').allTextContents();
    assert.ok(users.length > 1 && users.every((u) => u === 'sam'), users.join());
    await page.selectOption('#audit-event', 'login_failed');
    await page.locator('#audit-pager .range').filter({ hasText: 'Events 1–1 of 1' }).waitFor();
    assert.equal(await page.textContent('#audit-table tbody td:nth-child(2)'), 'login failed');
    await page.selectOption('#audit-since', '1');
    await page.locator('#audit-pager .range').filter({ hasText: 'Events 1–1 of 1' }).waitFor();
    const since = traffic.responses.filter((r) => r.path === '/admin/audit').at(-1);
    assert.equal(since.status, 200);
    await page.selectOption('#audit-event', '');
    await page.fill('#audit-username', '');
    await page.press('#audit-username', 'Enter');
  });

  await step('the chart: sign-ins and failures per hour, 24 hours or 7 days, its numbers readable', async () => {
    await page.locator('#chart svg').waitFor();
    assert.equal(await page.locator('#chart g.hour').count(), 24);
    assert.equal(await page.locator('#chart-table tbody tr').count(), 24);
    assert.match(await page.textContent('#chart-summary'), /^Last 24 hours: \d+ sign-ins? and 1 failure in all, one bar per hour\.$/);
    const now = await page.locator('#chart g.hour title').last().textContent();
    assert.match(now, /: \d+ sign-ins?, 1 failure$/, 'the hour of now counts the failed sign-in');
    await check('audit');
    await page.check('#chart-168');
    await page.locator('#chart-summary').filter({ hasText: 'Last 7 days' }).waitFor();
    assert.equal(await page.locator('#chart g.hour').count(), 168);
    await page.click('#chart-details summary');
    assert.equal(await page.locator('#chart-table tbody tr').count(), 168);
    assert.match(await page.locator('#chart-table tbody tr').last().textContent(), /\d+1$/);
    await page.check('#chart-24'); // back to the smaller chart: the next views' checks run faster
    await page.locator('#chart-summary').filter({ hasText: 'Last 24 hours' }).waitFor();
  });

  await step('the signing keys: the key that signs is listed', async () => {
    await page.click('#views-nav a[data-view=keys]');
    await page.locator('#keys-table tbody tr').filter({ hasText: 'signing' }).waitFor();
    await check('keys');
  });

  await step('a session ended elsewhere leads back to the sign-in form, saying so', async () => {
    const me = await apiLogin(server);
    assert.equal((await api(server, me, 'POST', '/user/logout-all')).status, 204);
    await page.click('#keys-reload');
    await page.locator('#sign-in-notice').filter({ hasText: /ended/ }).waitFor();
    assert.equal(await page.locator('#console').isVisible(), false);
  });

  await step('a user who is not an admin sees that the console is for admins only, and no data', async () => {
    const before = traffic.responses.length;
    await signIn(page, 'nora', PASSWORD);
    await page.locator('#admins-only').filter({ hasText: 'This console is for admins only.' }).waitFor();
    for (const view of ['users', 'audit', 'keys']) assert.equal(await page.locator(`#view-${view}`).isVisible(), false);
    assert.equal(await page.locator('#views-nav').isVisible(), false);
    const asked = traffic.responses.slice(before).filter((r) => r.path.startsWith('/admin/') && r.path !== '/admin/');
    assert.deepEqual(asked, [], 'no admin data asked for');
    await check('not-admin');
  });
});
