// The authenticator app in a real browser against the real binary: add it from the account
// page (QR code and key as text, confirmed with a code computed here from the shown key),
// sign out, sign in with password and code, a recovery code that works once, React Admin's
// authProvider asking for the code, and removing it (a wrong code said by its field).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startBrowser, startServer, stopBrowser, stopServer } from './harness.js';
import {
  module, screenshots, signIn, signOut, signedIn, stepNow, stepper, totp,
} from './account-page.js';

let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

test('a user adds an authenticator app, signs in with a code and a recovery code, and removes it', { timeout: 90000 }, async (t) => {
  server = await startServer();
  browser = await startBrowser();
  const { context } = browser;
  const { step, traffic } = stepper(t, context);
  const page = context.pages()[0] ?? (await context.newPage());
  const focused = () => page.evaluate(() => document.activeElement?.id ?? '');

  let secret = '';
  let confirmedStep = 0;
  let recovery = [];
  await step('a wrong password is said by its field; the right one shows the QR code and the key as text', async () => {
    await page.goto(`http://localhost:${server.port}/`);
    await signIn(page);
    await signedIn(page);
    await page.locator('#mfa-status').filter({ hasText: 'Off' }).waitFor();
    await page.fill('#mfa-password', 'not-the-password');
    await page.click('#mfa-enrol-form button[type=submit]');
    await page.locator('#mfa-password-error').filter({ hasText: 'The current password is not right.' }).waitFor();
    await page.fill('#mfa-password', ADMIN_PASSWORD);
    await page.click('#mfa-enrol-form button[type=submit]');
    await page.locator('#mfa-confirm-form').waitFor({ state: 'visible' });
    assert.equal(await focused(), 'mfa-code', 'the focus waits in the code field');
    secret = await page.locator('#mfa-secret').textContent();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.match(await page.locator('#mfa-qr').getAttribute('src'), /^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    assert.ok(await page.locator('#mfa-qr').evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code renders');
    t.diagnostic(`screenshots: ${(await screenshots(page, 'account-mfa-qr')).join(' ')}`);
  });

  await step('a code from the key turns it on and shows ten recovery codes once', async () => {
    confirmedStep = stepNow();
    await page.fill('#mfa-code', totp(secret, confirmedStep));
    await page.click('#mfa-confirm-form button[type=submit]');
    await page.locator('#mfa-recovery').waitFor({ state: 'visible' });
    recovery = await page.locator('#mfa-recovery-codes li').allTextContents();
    assert.equal(recovery.length, 10);
    assert.equal(await focused(), 'mfa-recovery', 'the focus moves to the codes');
    await page.locator('#mfa-status').filter({ hasText: 'On' }).waitFor();
    assert.equal(await page.locator('#mfa-secret').textContent(), '', 'the key leaves the page');
  });

  await step('after signing out, the password alone asks for a code, and the code signs in (keyboard only)', async () => {
    await signOut(page);
    assert.equal(await page.locator('#mfa-recovery-codes li').count(), 0, 'the recovery codes leave the page');
    assert.equal(await page.inputValue('#username'), 'admin', 'the name stays');
    assert.equal(await focused(), 'password', 'the focus waits where typing is needed');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('#code-form').waitFor({ state: 'visible' });
    assert.equal(await focused(), 'code', 'the focus moves to the code field');
    await page.keyboard.type(totp(secret, confirmedStep + 1));
    await page.keyboard.press('Enter');
    await signedIn(page);
    assert.equal(await focused(), 'account-heading');
    assert.deepEqual(await module(page, 'm.claims().amr'), ['pwd', 'otp']);
    assert.equal(await page.locator('#mfa-recovery').isVisible(), false, 'the recovery codes are not shown again');
  });

  await step('a recovery code signs in once; used again it is refused by the code field', async () => {
    await signOut(page);
    await signIn(page, 'admin', ADMIN_PASSWORD, recovery[0]);
    await signedIn(page);
    await page.locator('#mfa-status').filter({ hasText: '9 recovery codes left' }).waitFor();
    await signOut(page);
    await signIn(page, 'admin', ADMIN_PASSWORD, recovery[0]);
    await page.locator('#code-error').filter({ hasText: 'That code is not right, or was already used.' }).waitFor();
    assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
    await page.fill('#code', recovery[1]);
    await page.click('#code-form button[type=submit]');
    await signedIn(page);
  });

  await step("React Admin's authProvider asks for the code, then signs in with it", async () => {
    await signOut(page);
    const flow = await module(page, `(async (p) => {
      const first = await p.login({ username: 'admin', password: ${JSON.stringify(ADMIN_PASSWORD)} }).then(() => 'signed in', (e) => e.code);
      await p.login({ code: ${JSON.stringify(recovery[2])} });
      return [first, (await p.getIdentity()).id];
    })(m.authProvider())`);
    assert.deepEqual(flow, ['mfa_required', 'admin']);
    await signedIn(page);
  });

  await step('removing it needs the password and a right code; then the password alone signs in', async () => {
    await page.fill('#mfa-remove-password', ADMIN_PASSWORD);
    await page.fill('#mfa-remove-code', recovery[0]);
    await page.click('#mfa-remove-form button[type=submit]');
    await page.locator('#mfa-remove-code-error').filter({ hasText: 'That code is not right, or was already used.' }).waitFor();
    await page.fill('#mfa-remove-code', recovery[3]);
    await page.click('#mfa-remove-form button[type=submit]');
    await page.locator('#mfa-status').filter({ hasText: 'Off' }).waitFor();
    await page.locator('#mfa-message.ok').filter({ hasText: 'removed' }).waitFor();
    await signOut(page);
    await signIn(page);
    await signedIn(page);
    assert.deepEqual(await module(page, 'm.claims().amr'), ['pwd']);
    const expected = (r) => (r.path === '/user/refresh-token' && r.status === 401)
      || (r.path === '/user/token' && r.status === 401) || (r.path === '/user/token/mfa' && r.status === 401)
      || (['/user/mfa/totp', '/user/mfa'].includes(r.path) && r.status === 400);
    const bad = traffic.responses.filter((r) => r.status >= 400 && !expected(r)).map((r) => `${r.method} ${r.path} -> ${r.status}`);
    assert.deepEqual([...bad, ...traffic.failures], []);
  });
});
