// The account page at `/` walked as a person would, against the real binary: the keyboard
// alone signs in, the details, a reload, the sessions (this device marked, another one
// ended, then all others), a password change; axe-core and screenshots at 360 and 1280 px.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startBrowser, startServer, stopBrowser, stopServer } from './harness.js';
import {
  api, apiLogin, refreshStatus, screenshots, seriousViolations, signIn, signOut, signedIn, stepper,
} from './account-page.js';

let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

const NEW_PASSWORD = 'a-brand-new-password';

test('the account page: sign in, details, sessions, password', { timeout: 120000 }, async (t) => {
  server = await startServer();
  browser = await startBrowser();
  const { context } = browser;
  const { step } = stepper(t, context);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize({ width: 1280, height: 900 });
  const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
  const sessionRows = page.locator('#sessions li');

  const setup = await apiLogin(server);
  const named = await api(server, setup, 'PATCH', '/admin/users/admin',
    { email: 'admin@example.com', full_name: 'Ada Admin', groups: ['ops', 'dev-team'] });
  assert.equal(named.status, 200);
  assert.equal(await api(server, setup, 'POST', '/user/logout-all').then((r) => r.status), 204);

  await step('signed out: the form has the focus, axe finds nothing serious, nothing is cut off', async () => {
    await page.goto(`http://localhost:${server.port}/`);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    assert.equal(await focused(), 'username');
    assert.equal(await page.locator('#sign-in-notice').isVisible(), false, 'a first visit has no "session ended" notice');
    assert.deepEqual(await seriousViolations(page), []);
    const paths = await screenshots(page, 'account-signed-out');
    t.diagnostic(`screenshots: ${paths.join(' ')}`);
  });

  await step('the keyboard alone signs in (type, Tab, type, Enter) and lands on the account', async () => {
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'password');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await signedIn(page);
    assert.equal(await focused(), 'account-heading', 'focus moves to the account');
    await page.keyboard.press('Tab');
    assert.notEqual(await focused(), 'account-heading', 'Tab goes on from there');
  });

  await step('my details: username, full name, email, groups and role', async () => {
    assert.equal(await page.textContent('#me-full-name'), 'Ada Admin');
    assert.equal(await page.textContent('#me-email'), 'admin@example.com');
    assert.equal(await page.textContent('#me-groups'), 'dev-team, ops');
    assert.equal(await page.textContent('#me-role'), 'admin');
    assert.match(await page.textContent('#state'), /signed in as admin/);
  });

  await step('a reload keeps me signed in without showing the form', async () => {
    await page.addInitScript(() => {
      new MutationObserver(() => {
        if (document.getElementById('sign-in')?.hidden === false) window.sawSignIn = true;
      }).observe(document, { subtree: true, attributes: true, childList: true });
    });
    await page.reload();
    await signedIn(page);
    assert.equal(await page.evaluate(() => window.sawSignIn ?? false), false);
  });

  await step('my sessions: this device marked; another one ended from the list', async () => {
    await sessionRows.first().waitFor();
    assert.equal(await sessionRows.count(), 1);
    const other = await apiLogin(server);
    await page.click('#sessions-reload');
    await sessionRows.nth(1).waitFor();
    const current = page.locator('#sessions li.current');
    assert.equal(await current.count(), 1);
    assert.match(await current.textContent(), /this device/);
    assert.match(await current.textContent(), /Chrome/);
    const row = page.locator('#sessions li:not(.current)');
    assert.match(await row.textContent(), /curl 8\.11\.1.*Signed in .* last used .* from 127\.0\.0\.1/s);
    await row.getByRole('button', { name: /End session of curl/ }).click();
    await page.locator('#sessions-message.ok').filter({ hasText: 'Session ended.' }).waitFor();
    await sessionRows.nth(1).waitFor({ state: 'detached' });
    assert.equal(await refreshStatus(server, other), 401, "the other device's cookie is dead");
    assert.equal(await focused(), 'sessions-heading');
  });

  await step("a session's kind is shown when the server gives it", async () => {
    // The server gives `kind` once the sign-in portal is in; here the test adds it to a real answer.
    await page.route('**/user/sessions', async (route) => {
      const answer = await route.fetch();
      const sessions = (await answer.json()).map((s) => ({ ...s, kind: s.current ? 'app' : 'portal' }));
      await route.fulfill({ response: answer, json: sessions });
    });
    const other = await apiLogin(server);
    await page.click('#sessions-reload');
    await page.locator('#sessions li:not(.current) .badge').filter({ hasText: 'portal' }).waitFor();
    assert.match(await page.locator('#sessions li.current').textContent(), /this device app/);
    await page.unroute('**/user/sessions');
    const ended = await fetch(`http://127.0.0.1:${server.port}/user/logout`, { method: 'POST', headers: { cookie: other.cookie } });
    assert.equal(ended.status, 204);
    await page.click('#sessions-reload');
    await sessionRows.nth(1).waitFor({ state: 'detached' });
  });

  await step('"End all other sessions" ends every other one, and this one stays', async () => {
    const others = [await apiLogin(server), await apiLogin(server)];
    await page.click('#sessions-reload');
    await sessionRows.nth(2).waitFor();
    await page.click('#end-others');
    await page.locator('#sessions-message.ok').filter({ hasText: 'Ended 2 other sessions.' }).waitFor();
    await sessionRows.nth(1).waitFor({ state: 'detached' });
    assert.deepEqual(await Promise.all(others.map((d) => refreshStatus(server, d))), [401, 401]);
    assert.equal(await page.locator('#end-others').isVisible(), false, 'nothing left to end');
    await signedIn(page);
  });

  await step('a wrong current password is said by its field, and a 422 by the field it names', async () => {
    await page.fill('#current-password', 'not-the-password');
    await page.fill('#new-password', NEW_PASSWORD);
    await page.click('#password-form button[type=submit]');
    await page.locator('#current-password-error').filter({ hasText: 'The current password is not right.' }).waitFor();
    assert.equal(await page.getAttribute('#current-password', 'aria-invalid'), 'true');
    assert.equal(await focused(), 'current-password');
    await page.fill('#current-password', ADMIN_PASSWORD);
    await page.fill('#new-password', 'short');
    await page.click('#password-form button[type=submit]');
    await page.locator('#new-password-error').filter({ hasText: 'New password is not acceptable: password must be at least 8 characters.' }).waitFor();
    assert.equal(await page.locator('#current-password-error').isVisible(), false, 'the earlier error is gone');
    await page.fill('#new-password', ADMIN_PASSWORD);
    await page.click('#password-form button[type=submit]');
    await page.locator('#new-password-error').filter({ hasText: 'New password must differ from the current password.' }).waitFor();
    await signedIn(page);
  });

  await step('the password changes; the old one no longer signs in, the new one does', async () => {
    await page.fill('#current-password', ADMIN_PASSWORD);
    await page.fill('#new-password', NEW_PASSWORD);
    await page.click('#password-form button[type=submit]');
    await page.locator('#password-message.ok').filter({ hasText: 'Password changed.' }).waitFor();
    assert.equal(await page.inputValue('#current-password'), '', 'the form is emptied');
    await signOut(page);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.locator('#login-error').filter({ hasText: 'Incorrect username or password.' }).waitFor();
    await signIn(page, 'admin', NEW_PASSWORD);
    await signedIn(page);
  });

  await step('signed in: axe finds nothing serious, nothing is cut off at 360 or 1280 px', async () => {
    await sessionRows.first().waitFor();
    await page.locator('#mfa-status').filter({ hasText: 'Off' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    const paths = await screenshots(page, 'account-signed-in');
    t.diagnostic(`screenshots: ${paths.join(' ')}`);
  });
});
