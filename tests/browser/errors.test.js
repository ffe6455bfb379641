// Every error the API gives the account page is shown in words, never as a blank page or a
// console error: a 422 beside its field, a 409 and a 503 with what to do, a session ended
// from another device or a token the server refuses (back to the sign-in form, saying
// so), and a 429 with its retry time (the server allows one failed login per name here,
// so no test waits for a window).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startBrowser, startServer, stopBrowser, stopServer } from './harness.js';
import { api, apiLogin, screenshots, signIn, signedIn, stepper } from './account-page.js';

let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

const USER = 'casey';
const PASSWORD = 'casey-password-1';

/** How the page says a Retry-After of `seconds`. */
const waitWords = (seconds) => (seconds < 90 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`);

test('the account page says every error in words', { timeout: 90000 }, async (t) => {
  server = await startServer(['--login-max-failures', '1']);
  browser = await startBrowser();
  const { context } = browser;
  const { step } = stepper(t, context);
  const page = context.pages()[0] ?? (await context.newPage());
  const focused = () => page.evaluate(() => document.activeElement?.id ?? '');

  const admin = await apiLogin(server);
  const created = await api(server, admin, 'POST', '/admin/users', { username: USER, password: PASSWORD });
  assert.equal(created.status, 201);

  await step('a 422 at sign-in is said beside the field it names', async () => {
    await page.goto(`http://localhost:${server.port}/`);
    await signIn(page, '   ', 'whatever');
    await page.locator('#username-error').filter({ hasText: 'Username must not be empty.' }).waitFor();
    assert.equal(await focused(), 'username');
    await signIn(page, USER, '');
    await page.locator('#password-error').filter({ hasText: 'Password must not be empty.' }).waitFor();
    assert.equal(await page.locator('#username-error').isVisible(), false);
    assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
  });

  await step('a busy server (503) and a conflict (409) are said with what to do', async () => {
    await signIn(page, USER, PASSWORD);
    await signedIn(page, USER);
    await page.route('**/user/password', (route) => route.fulfill({
      status: 503, headers: { 'Retry-After': '2' }, contentType: 'application/json',
      body: '{"detail":"Server is busy; try again shortly","code":"busy"}',
    }));
    await page.fill('#current-password', PASSWORD);
    await page.fill('#new-password', 'casey-password-2');
    await page.click('#password-form button[type=submit]');
    await page.locator('#password-message.error').filter({ hasText: 'The server is busy. Try again in 2 seconds.' }).waitFor();
    await page.unroute('**/user/password');
    await page.route('**/user/mfa/totp', (route) => route.fulfill({
      status: 409, contentType: 'application/json', body: '{"detail":"A second factor is being set up elsewhere","code":"conflict"}',
    }));
    await page.fill('#mfa-password', PASSWORD);
    await page.click('#mfa-enrol-form button[type=submit]');
    await page.locator('#mfa-message.error')
      .filter({ hasText: 'That conflicts with your account as it is now: A second factor is being set up elsewhere' }).waitFor();
    await page.unroute('**/user/mfa/totp');
    await signedIn(page, USER);
  });

  await step('a session ended from another device sends the page back to sign-in, saying so', async () => {
    const other = await apiLogin(server, USER, PASSWORD);
    const listed = await api(server, other, 'GET', '/user/sessions');
    const browserSession = listed.body.find((s) => !s.current);
    assert.equal((await api(server, other, 'DELETE', `/user/sessions/${browserSession.id}`)).status, 204);
    await page.click('#sessions-reload');
    await page.locator('#login-form').waitFor({ state: 'visible' });
    await page.locator('#sign-in-notice').filter({ hasText: 'Your session was ended elsewhere' }).waitFor();
    assert.equal(await page.locator('#account').isVisible(), false);
    assert.equal(await focused(), 'password', 'the keyboard is ready to sign in again, the name kept');
  });

  await step('a 429 says when to try again, from its Retry-After', async () => {
    await signIn(page, USER, 'a-wrong-password');
    await page.locator('#login-error').filter({ hasText: 'Incorrect username or password.' }).waitFor();
    const throttled = page.waitForResponse((r) => new URL(r.url()).pathname === '/user/token');
    await signIn(page, USER, PASSWORD);
    const response = await throttled;
    assert.equal(response.status(), 429);
    const seconds = Number(response.headers()['retry-after']);
    assert.ok(seconds > 0, 'the answer carries Retry-After');
    await page.locator('#login-error').filter({ hasText: `Too many failed attempts. Try again in ${waitWords(seconds)}.` }).waitFor();
    assert.equal(await page.locator('#sign-in-notice').isVisible(), false, 'the notice went with the first new attempt');
    t.diagnostic(`screenshots: ${(await screenshots(page, 'account-throttled')).join(' ')}`);
  });

  await step('the admin, another name, still signs in: the throttle is per name', async () => {
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await signedIn(page);
    assert.equal(await page.locator('#sign-in-notice').isVisible(), false);
  });

  await step('an access token refused even after a refresh (401 invalid_token) signs the page out, saying so', async () => {
    await page.route('**/user/sessions', (route) => route.fulfill({
      status: 401, headers: { 'WWW-Authenticate': 'Bearer' }, contentType: 'application/json',
      body: '{"detail":"Could not validate credentials","code":"invalid_token"}',
    }));
    await page.click('#sessions-reload');
    await page.locator('#sign-in-notice').filter({ hasText: 'Your session was ended elsewhere. Please sign in again.' }).waitFor();
    assert.equal(await page.locator('#account').isVisible(), false);
    await page.unroute('**/user/sessions');
    assert.equal(await page.evaluate(() => import('/static/latchkey.js').then((m) => m.isLoggedIn())), false);
  });
});
