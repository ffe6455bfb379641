// The account page's session against the real binary with a 3 s access token: login through
// the form, silent refreshes before expiry, reload, a second tab, concurrent refreshes, a busy
// server, and a logout in one tab that reaches the other. Run by scripts/test after `cargo test`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_PASSWORD, cli, startBrowser, startServer, stopBrowser, stopServer,
} from './harness.js';
import { module, stepper } from './account-page.js';

const TTL_MS = 3000;
let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

const jti = (page) => module(page, 'm.claims()?.jti ?? null');
const loggedIn = async (page) => (await page.locator('#account').isVisible()) && (await page.locator('#me-username').textContent()) === 'admin';
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Polls `check` until it holds, or fails after `ms`. */
async function until(check, ms) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${check}`);
    await sleep(50);
  }
}

/** Every 4xx/5xx and failed request seen since `from`, except the ones `allowed` accepts. */
function problems(traffic, from, allowed = () => false) {
  const bad = traffic.responses.filter((r) => r.at >= from && r.status >= 400 && !allowed(r))
    .map((r) => `${r.method} ${r.path} -> ${r.status}`);
  return [...bad, ...traffic.failures, ...traffic.errors];
}

test('a browser stays signed in across expiries, reloads and tabs, and signs out everywhere at once', { timeout: 90000 }, async (t) => {
  server = await startServer(['--access-ttl', '3s', '--cookie-secure', 'true']);
  browser = await startBrowser();
  const { context } = browser;
  const { step, traffic } = stepper(t, context);
  const refreshesSince = (from) => traffic.responses
    .filter((r) => r.at >= from && r.path === '/user/refresh-token' && r.status === 200).length;
  const origin = `http://localhost:${server.port}`;
  const page = context.pages()[0] ?? (await context.newPage());

  let loginAt = 0;
  await step('signing in through the form shows the user', async () => {
    await page.goto(`${origin}/`);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    await page.fill('#username', 'admin');
    await page.fill('#password', ADMIN_PASSWORD);
    loginAt = Date.now();
    await page.click('#login-form button[type=submit]');
    await page.locator('#me-username').filter({ hasText: 'admin' }).waitFor();
    // The token's lifetime runs from its answer, not from the click: a slow hash (a busy
    // machine) must not count as a late refresh.
    loginAt = traffic.responses.find((r) => r.path === '/user/token' && r.status === 200).at;
    const cookie = (await context.cookies(`${origin}/user/refresh-token`)).find((c) => c.name === 'refresh_token');
    assert.ok(cookie, 'the refresh cookie is set on http://localhost');
    assert.deepEqual([cookie.httpOnly, cookie.secure, cookie.sameSite, cookie.path], [true, true, 'Strict', '/user']);
    const storage = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    assert.deepEqual(storage, [0, 0, ''], 'no token in web storage, and the cookie is unreadable to scripts');
    // Before login the page's one recovery refresh is refused: that is the only expected error.
    assert.deepEqual(problems(traffic, 0, (r) => r.at < loginAt && r.path === '/user/refresh-token' && r.status === 401), []);
  });

  await step('past two expiries the page is still signed in, on a new token, with nothing failed', async () => {
    const first = await jti(page);
    await sleep(2 * TTL_MS + 800);
    assert.ok(await loggedIn(page), 'still signed in');
    assert.notEqual(await jti(page), first, 'the token changed');
    const stamps = [loginAt, ...traffic.responses
      .filter((r) => r.path === '/user/refresh-token' && r.status === 200 && r.at > loginAt).map((r) => r.at)];
    assert.ok(stamps.length >= 3, `at least two refreshes (saw ${stamps.length - 1})`);
    const gaps = stamps.slice(1).map((at, i) => at - stamps[i]);
    assert.ok(gaps.every((gap) => gap < TTL_MS && gap > TTL_MS / 3), `each refresh came before expiry, not in a burst: ${gaps}`);
    assert.deepEqual(problems(traffic, loginAt), []);
  });

  let mark = 0;
  await step('a reload recovers the session without showing the form', async () => {
    await page.addInitScript(() => {
      // Records whether the sign-in form is ever shown during the load.
      new MutationObserver(() => {
        if (document.getElementById('sign-in')?.hidden === false) window.sawLoginForm = true;
      }).observe(document, { subtree: true, attributes: true, childList: true });
    });
    mark = Date.now();
    await page.reload();
    await page.locator('#me-username').filter({ hasText: 'admin' }).waitFor();
    assert.equal(await page.evaluate(() => window.sawLoginForm ?? false), false);
    await page.locator('#sessions li').first().waitFor();
    // The restoring refresh, then a scheduled one: the timer runs again after a reload.
    await until(() => refreshesSince(mark) >= 2, TTL_MS + 1000);
    assert.deepEqual(problems(traffic, mark), []);
  });

  const second = await context.newPage();
  await step('a second tab in the same browser is signed in too', async () => {
    await second.setViewportSize({ width: 390, height: 844 });
    await second.goto(`${origin}/`);
    await second.locator('#me-username').filter({ hasText: 'admin' }).waitFor();
    await second.locator('#sessions li').first().waitFor();
    assert.ok(await loggedIn(page));
    // What a React Admin app would call, from the same module.
    const admin = await module(second, `(async (p) => [await p.checkAuth(), (await p.getIdentity()).id,
      await p.getPermissions(), await p.checkError({ status: 403 })])(m.authProvider())`);
    assert.deepEqual(admin, [undefined, 'admin', 'admin', undefined]);
  });

  await step('both tabs refreshing at once both stay signed in', async () => {
    mark = Date.now();
    // Through the module: the Web Lock lets one tab refresh, the other takes its token.
    const tokens = await Promise.all([page, second].map((p) => module(p, 'm.refresh()')));
    assert.ok(tokens.every(Boolean), 'both module refreshes gave a token');
    // Bypassing the lock: the same cookie twice at once, which the server's reuse grace answers.
    const raw = `fetch('/user/refresh-token', { method: 'POST' }).then((r) => r.status)`;
    assert.deepEqual(await Promise.all([page, second].map((p) => p.evaluate(raw))), [200, 200]);
    await sleep(TTL_MS + 500);
    assert.ok(await loggedIn(page) && await loggedIn(second), 'both tabs still signed in');
    assert.equal(await jti(page), await jti(second), 'the tabs share one token');
    assert.deepEqual(problems(traffic, mark), []);
  });

  await step('a busy server delays a refresh without signing out', async () => {
    mark = Date.now();
    let answered = 0;
    await page.route('**/user/refresh-token', (route) => (answered++ === 0
      ? route.fulfill({ status: 503, headers: { 'Retry-After': '1' }, contentType: 'application/json',
        body: '{"detail":"Server is busy; try again shortly","code":"busy"}' })
      : route.continue()));
    await page.bringToFront();
    await module(page, 'm.refresh().catch(() => null)');
    await page.locator('#state').filter({ hasText: 'The server is busy; trying again in 1 second.' }).waitFor();
    assert.ok(await loggedIn(page), 'still signed in while the server is busy');
    const busyAt = Date.now();
    await until(() => refreshesSince(busyAt) >= 1, 2500);
    await page.locator('#state').filter({ hasText: 'signed in as admin' }).waitFor();
    await page.unroute('**/user/refresh-token');
    assert.ok(await loggedIn(page) && await loggedIn(second));
    assert.deepEqual(problems(traffic, mark, (r) => r.path === '/user/refresh-token' && r.status === 503), []);
  });

  await step('a wrong current password is reported without signing out; a missing route is a readable error', async () => {
    mark = Date.now();
    await second.fill('#current-password', 'not-the-password');
    await second.fill('#new-password', 'a-new-password-1');
    await second.click('#password-form button[type=submit]');
    await second.locator('#current-password-error').filter({ hasText: 'The current password is not right.' }).waitFor();
    assert.ok(await loggedIn(second) && await loggedIn(page));
    // A server without the sessions routes: the page says so instead of breaking.
    await second.route('**/user/sessions', (route) => route.fulfill({
      status: 404, contentType: 'application/json', body: '{"detail":"Not Found","code":"not_found"}',
    }));
    await second.click('#sessions-reload');
    await second.locator('#sessions-message.error').filter({ hasText: 'That was not found' }).waitFor();
    await second.unroute('**/user/sessions');
    const expected = (r) => (r.path === '/user/password' && r.status === 400) || (r.path === '/user/sessions' && r.status === 404);
    assert.deepEqual(problems(traffic, mark, expected), []);
  });

  await step('signing out in one tab shows the form in the other within 2 s, and the old cookie is dead', async () => {
    const old = (await context.cookies(`${origin}/user/refresh-token`)).find((c) => c.name === 'refresh_token').value;
    // Stamps the moment each tab shows the form, apart from the test's polling.
    const stamp = () => new MutationObserver(() => {
      if (!document.getElementById('sign-in').hidden) window.formShownAt ??= Date.now();
    }).observe(document.getElementById('sign-in'), { attributes: true });
    await Promise.all([page.evaluate(stamp), second.evaluate(stamp)]);
    await page.bringToFront(); // the user clicks in the tab they are looking at
    mark = Date.now();
    const loggedOut = page.waitForResponse((r) => r.url().endsWith('/user/logout'));
    await page.click('#sign-out');
    await second.locator('#login-form').waitFor({ state: 'visible', timeout: 2000 });
    const [here, there] = await Promise.all([page, second].map((p) => p.evaluate(() => window.formShownAt)));
    const reached = there - mark;
    assert.ok(reached < 2000, `the other tab showed the form after ${reached} ms`);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    assert.equal(await jti(second), null, 'the other tab dropped its token');
    assert.equal((await loggedOut).status(), 204);
    assert.equal((await context.cookies(`${origin}/user/refresh-token`)).find((c) => c.name === 'refresh_token'), undefined, 'cookie cleared');
    const res = await fetch(`http://127.0.0.1:${server.port}/user/refresh-token`, {
      method: 'POST', headers: { cookie: `refresh_token=${old}` },
    });
    assert.equal(res.status, 401);
    assert.ok(['revoked', 'not_found'].includes((await res.json()).code));
    assert.deepEqual(problems(traffic, mark), []);
    t.diagnostic(`the other tab showed the form ${reached} ms after the click began, ${there - here} ms after this tab did`);
  });

  await step('a session ended on the server signs every tab out at its next refresh', async () => {
    await page.fill('#username', 'admin');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('#login-form button[type=submit]');
    await second.locator('#me-username').filter({ hasText: 'admin' }).waitFor();
    mark = Date.now();
    cli(server, 'sessions', 'revoke-all', 'admin');
    await second.bringToFront();
    // A scheduled refresh (3 s access tokens) may meet the ended session
    // before the click does: either way that refresh signs every tab out.
    await second.locator('#sessions-reload').click({ timeout: 1000 }).catch(() => {});
    await Promise.all([page, second].map((p) => p.locator('#login-form').waitFor({ state: 'visible', timeout: 2000 })));
    const said = await Promise.all([page, second].map((p) => p.locator('#sign-in-notice').textContent()));
    assert.ok(said.some((text) => text.includes('ended elsewhere')), `the reason is shown: ${JSON.stringify(said)}`);
    const refused = traffic.responses.filter((r) => r.at >= mark && r.path === '/user/refresh-token' && r.status === 401);
    assert.ok(refused.length > 0, 'a refresh met the ended session');
    // The signed-in view's own reads (a tab that had just signed in may still be loading them)
    // are refused too once the session ended: answers the page must sign out on, as checked above.
    const ended = (r) => r.status === 401 && (r.path === '/user/refresh-token'
      || (r.method === 'GET' && ['/user/me', '/user/sessions', '/user/mfa'].includes(r.path)));
    assert.deepEqual(problems(traffic, mark, ended), []);
  });
});
