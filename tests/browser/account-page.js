// What the account page's tests share: steps that stop at the first failure and fail on
// any console or page error, the sign-in walk, API calls made from Node as another
// device would, axe-core run in the page, screenshots, and RFC 6238 codes (from totp.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ADMIN_PASSWORD, recordTraffic, screenshot } from './harness.js';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** `step(name, fn)`: a subtest that is skipped once one before it failed, and that fails
 * on any page error or console error the context saw while it ran. */
export function stepper(t, context) {
  const traffic = recordTraffic(context);
  let broken = false;
  const step = (name, fn) => t.test(name, async (s) => {
    if (broken) return s.skip('an earlier step failed');
    try {
      await fn();
      assert.deepEqual(traffic.errors.splice(0), [], 'no console or page error');
    } catch (e) {
      broken = true;
      throw e;
    }
  });
  return { step, traffic };
}

export const module = (page, body) => page.evaluate(`import('/static/latchkey.js').then((m) => ${body})`);

export async function signIn(page, username = 'admin', password = ADMIN_PASSWORD, code = undefined) {
  await page.locator('#login-form').waitFor({ state: 'visible' });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login-form button[type=submit]');
  if (code === undefined) return;
  await page.locator('#code-form').waitFor({ state: 'visible' });
  await page.fill('#code', code);
  await page.click('#code-form button[type=submit]');
}

export const signedIn = (page, username = 'admin') => page.locator('#me-username').filter({ hasText: new RegExp(`^${username}$`) }).waitFor();

export async function signOut(page) {
  await page.click('#sign-out');
  await page.locator('#login-form').waitFor({ state: 'visible' });
}

/** Another device: a login through the API from Node, with its refresh cookie and token. */
export async function apiLogin(server, username = 'admin', password = ADMIN_PASSWORD, agent = 'curl/8.11.1') {
  const res = await fetch(`http://127.0.0.1:${server.port}/user/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': agent },
    body: new URLSearchParams({ username, password }),
  });
  assert.equal(res.status, 200, `API login of ${username}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('refresh_token=')).split(';')[0];
  return { token: (await res.json()).access_token, cookie };
}

/** The status a refresh with `device`'s cookie gets: 200 while its session lives. */
export async function refreshStatus(server, device) {
  const res = await fetch(`http://127.0.0.1:${server.port}/user/refresh-token`, { method: 'POST', headers: { cookie: device.cookie } });
  return res.status;
}

export async function api(server, device, method, path, body) {
  const headers = { Authorization: `Bearer ${device.token}` };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

/** axe-core in the page (evaluated by the driver, so the page's CSP stays as it is):
 * the serious and critical violations, as readable lines. */
export async function seriousViolations(page) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations.filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Full-page screenshots at 360 px and 1280 px wide; returns their paths. */
export async function screenshots(page, name) {
  const before = page.viewportSize();
  const paths = [];
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    const path = await screenshot(page, `${name}-${width}`, { fullPage: true });
    // Nothing cut off: the page never scrolls sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${name} at ${width} px is no wider than the window`);
    paths.push(path);
  }
  await page.setViewportSize(before);
  return paths.filter(Boolean);
}

export { stepNow, totp } from './totp.js';
