// The second factor in a real browser against the real binary: enrol from the account
// card (QR code, confirm with a code computed here from the shown key), sign out, sign
// in with password and code, a recovery code that works once, React Admin's
// authProvider asking for the code, and turning the factor off.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_PASSWORD, recordTraffic, startBrowser, startServer, stopBrowser, stopServer,
} from './harness.js';
import { stepNow, totp } from './totp.js';

let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

const module = (page, body) => page.evaluate(`import('/static/latchkey.js').then((m) => ${body})`);

test('a user turns on a second factor, signs in with a code and a recovery code, and turns it off', { timeout: 90000 }, async (t) => {
  server = await startServer();
  browser = await startBrowser();
  const { context } = browser;
  const traffic = recordTraffic(context);
  const page = context.pages()[0] ?? (await context.newPage());
  let broken = false;
  const step = (name, fn) => t.test(name, async (s) => {
    if (broken) return s.skip('an earlier step failed');
    try { await fn(); } catch (e) { broken = true; throw e; }
  });
  const signIn = async (code) => {
    await page.locator('#login-form').waitFor({ state: 'visible' });
    await page.fill('#username', 'admin');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('#login-form button[type=submit]');
    if (code === undefined) return;
    await page.locator('#code-form').waitFor({ state: 'visible' });
    await page.fill('#code', code);
    await page.click('#code-form button[type=submit]');
  };
  const signedIn = () => page.locator('#who-name').filter({ hasText: 'admin' }).waitFor();
  const signOut = async () => {
    await page.click('#logout');
    await page.locator('#login-form').waitFor({ state: 'visible' });
  };

  let secret = '';
  let confirmedStep = 0;
  let recovery = [];
  await step('the account card enrols with a QR code and shows ten recovery codes once', async () => {
    await page.goto(`http://localhost:${server.port}/`);
    await signIn();
    await signedIn();
    await page.locator('#mfa-status').filter({ hasText: 'Off' }).waitFor();
    await page.fill('#mfa-password', ADMIN_PASSWORD);
    await page.click('#mfa-enrol-form button[type=submit]');
    await page.locator('#mfa-confirm-form').waitFor({ state: 'visible' });
    secret = await page.locator('#mfa-secret').textContent();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.match(await page.locator('#mfa-qr').getAttribute('src'), /^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    assert.ok(await page.locator('#mfa-qr').evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code renders');
    confirmedStep = stepNow();
    await page.fill('#mfa-code', totp(secret, confirmedStep));
    await page.click('#mfa-confirm-form button[type=submit]');
    await page.locator('#mfa-recovery').waitFor({ state: 'visible' });
    recovery = await page.locator('#mfa-recovery-codes li').allTextContents();
    assert.equal(recovery.length, 10);
    await page.locator('#mfa-status').filter({ hasText: 'On' }).waitFor();
  });

  await step('after signing out, the password alone asks for a code, and the code signs in', async () => {
    await signOut();
    await signIn(totp(secret, confirmedStep + 1));
    await signedIn();
    assert.deepEqual(await module(page, 'm.claims().amr'), ['pwd', 'otp']);
    assert.equal(await page.locator('#mfa-recovery').isVisible(), false, 'the recovery codes are not shown again');
  });

  await step('a recovery code signs in once; used again it is refused', async () => {
    await signOut();
    await signIn(recovery[0]);
    await signedIn();
    await page.locator('#mfa-status').filter({ hasText: '9 recovery code(s) left' }).waitFor();
    await signOut();
    await signIn(recovery[0]);
    await page.locator('#code-error').filter({ hasText: 'not right' }).waitFor();
    await page.fill('#code', recovery[1]);
    await page.click('#code-form button[type=submit]');
    await signedIn();
  });

  await step("React Admin's authProvider asks for the code, then signs in with it", async () => {
    await signOut();
    const flow = await module(page, `(async (p) => {
      const first = await p.login({ username: 'admin', password: ${JSON.stringify(ADMIN_PASSWORD)} }).then(() => 'signed in', (e) => e.code);
      await p.login({ code: ${JSON.stringify(recovery[2])} });
      return [first, (await p.getIdentity()).id];
    })(m.authProvider())`);
    assert.deepEqual(flow, ['mfa_required', 'admin']);
    await signedIn();
  });

  await step('turning the factor off needs the password and a code; then the password alone signs in', async () => {
    await page.fill('#mfa-remove-password', ADMIN_PASSWORD);
    await page.fill('#mfa-remove-code', recovery[3]);
    await page.click('#mfa-remove-form button[type=submit]');
    await page.locator('#mfa-status').filter({ hasText: 'Off' }).waitFor();
    await signOut();
    await signIn();
    await signedIn();
    assert.deepEqual(await module(page, 'm.claims().amr'), ['pwd']);
    const expected = (r) => (r.path === '/user/refresh-token' && r.status === 401)
      || (r.path === '/user/token' && r.status === 401) || (r.path === '/user/token/mfa' && r.status === 401);
    const bad = traffic.responses.filter((r) => r.status >= 400 && !expected(r)).map((r) => `${r.method} ${r.path} -> ${r.status}`);
    assert.deepEqual([...bad, ...traffic.failures, ...traffic.errors], []);
  });
});
