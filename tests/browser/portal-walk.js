// The sign-in portal walked as a person would, in headless Chromium, through each proxy that
// scripts/test-portal started (nginx auth_request, Caddy forward_auth, Traefik forwardAuth): a protected
// page, the portal, password and code, back at that page; a second tool refused without a
// second sign-in; sign-out; a session ended through the JSON API stopping the browser at once.
// Run by scripts/test-portal, which passes what it started in PORTAL_* variables.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBrowser, stopBrowser } from './harness.js';
import { stepNow, totp } from './totp.js';

const env = (name) => process.env[name] ?? assert.fail(`${name} is not set: run scripts/test-portal`);
const API = env('PORTAL_API');
const SHOTS = env('PORTAL_SHOTS');
const PROXIES = env('PORTAL_PROXIES').split(',').map((p) => p.split(':'));
const BROWSER_ARGS = [
  '--host-resolver-rules=MAP *.corp.test 127.0.0.1',
  `--ignore-certificate-errors-spki-list=${env('PORTAL_SPKI')}`,
];
const lastStep = new Map(); // the TOTP step each user last used: a code works once

async function api(method, path, { token, json, form } = {}) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  let body;
  if (json) [headers['content-type'], body] = ['application/json', JSON.stringify(json)];
  if (form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(form)];
  const response = await fetch(`${API}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A user in `staff` with a confirmed authenticator; returns what the walk needs. */
async function enrol(admin, username) {
  const password = `${username}-password-1`;
  const made = await api('POST', '/admin/users', { token: admin, json: { username, password, groups: ['staff'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const login = await api('POST', '/user/token', { form: { username, password } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.access_token;
  const pending = await api('POST', '/user/mfa/totp', { token, json: { current_password: password } });
  assert.equal(pending.status, 200, JSON.stringify(pending.body));
  const { secret } = pending.body;
  lastStep.set(username, stepNow());
  const confirmed = await api('POST', '/user/mfa/totp/confirm', { token, json: { code: totp(secret, stepNow()) } });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return { username, password, token, secret, recovery: confirmed.body.recovery_codes };
}

/** A code of a step after the last one used (waiting for it if need be). */
async function freshCode(user) {
  while (stepNow() <= lastStep.get(user.username)) await new Promise((r) => setTimeout(r, 500));
  lastStep.set(user.username, stepNow());
  return totp(user.secret, stepNow());
}

async function walk(name, port, user) {
  const at = (host, path) => `https://${host}.corp.test:${port}${path}`;
  const wanted = at('app', '/some/page?x=1&y=a%20b');
  const browser = await startBrowser({ args: BROWSER_ARGS, viewport: { width: 360, height: 740 } });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  let count = 0;
  const shot = async (what) => {
    const path = join(SHOTS, `${name}-${String(++count).padStart(2, '0')}-${what}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`  screenshot ${path}`);
  };
  const step = async (what, fn) => {
    try { await fn(); } catch (e) { await shot('failed').catch(() => {}); throw new Error(`${name}: ${what}: ${e.message}`); }
    console.log(`ok - ${name}: ${what}`);
  };
  const atPortal = async () => {
    const url = new URL(page.url());
    assert.equal(url.origin, at('auth', '').replace(/\/$/, ''), `expected the portal, at ${page.url()}`);
    assert.equal(url.pathname, '/login');
    assert.equal(url.searchParams.get('rd'), wanted, 'rd is the page asked for');
    await page.locator('input[name=password]').waitFor();
  };
  const signIn = async (code) => {
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    await page.locator('input[name=code]').waitFor();
    await shot('code');
    await page.fill('input[name=code]', code);
    await Promise.all([page.waitForURL(wanted), page.click('button[type=submit]')]);
  };
  try {
    // A cookie of the app's own, which the proxy must pass on while it drops the portal's.
    await browser.context.addCookies([{ name: 'theme', value: 'dark', domain: 'app.corp.test', path: '/', secure: true }]);
    await step('an unauthenticated visit is sent to the portal with rd', async () => {
      await page.goto(wanted);
      await atPortal();
      await shot('sign-in');
    });
    await step('password and TOTP code lead back to the exact page and query', async () => {
      await signIn(await freshCode(user));
      assert.equal(page.url(), wanted);
      await shot('app');
    });
    await step('the upstream sees X-Auth-User, never the portal cookie', async () => {
      const seen = await page.locator('#headers').innerText();
      assert.match(seen, new RegExp(`^x-auth-user: ${user.username}$`, 'mi'), seen);
      // Traefik cannot edit a cookie, only drop the header: its upstream gets none at all.
      if (name === 'traefik') assert.doesNotMatch(seen, /^cookie:/mi, seen);
      else assert.match(seen, /^cookie: .*theme=dark/mi, seen);
      assert.doesNotMatch(seen, /latchkey_portal/, seen);
      const jar = await browser.context.cookies(at('other', '/'));
      assert.ok(jar.some((c) => c.name === 'latchkey_portal'), 'the portal cookie is set for the domain');
    });
    await step('another tool: no second sign-in, but a 403 where the rule says no', async () => {
      const response = await page.goto(at('other', '/'));
      assert.equal(response.status(), 403);
      assert.equal(new URL(page.url()).hostname, 'other.corp.test');
      // A page in words: nginx's own, or latchkey's where the proxy hands its answer on.
      const heading = name === 'nginx' ? '403 Forbidden' : 'Access denied';
      await page.getByRole('heading', { name: heading }).waitFor({ timeout: 5000 });
      if (name !== 'nginx') {
        const back = await page.getByRole('link', { name: 'Back to sign-in' }).getAttribute('href');
        assert.equal(back, at('auth', '/login'), 'the way back is the portal, not the tool');
      }
      await shot('other-403');
    });
    await step('the portal says who is signed in; signing out ends it', async () => {
      await page.goto(at('auth', '/login'));
      await page.getByText(`Signed in as ${user.username}`).waitFor();
      await shot('signed-in');
      await Promise.all([page.waitForURL(at('auth', '/login')), page.click('form[action="/logout"] button')]);
      await page.locator('input[name=password]').waitFor();
      await page.goto(wanted);
      await atPortal();
    });
    await step('signed in again (a recovery code), then the session ended through the API', async () => {
      await signIn(user.recovery[0]);
      const listed = await api('GET', '/user/sessions', { token: user.token });
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      const portal = listed.body.filter((s) => s.kind === 'portal');
      assert.equal(portal.length, 1, JSON.stringify(listed.body));
      const ended = await api('DELETE', `/user/sessions/${portal[0].id}`, { token: user.token });
      assert.equal(ended.status, 204, JSON.stringify(ended.body));
      await page.goto(wanted);
      await atPortal();
      await shot('after-revoke');
    });
  } finally {
    await stopBrowser(browser);
  }
}

const admin = await api('POST', '/user/token', { form: { username: 'admin', password: env('PORTAL_ADMIN_PASSWORD') } });
assert.equal(admin.status, 200, JSON.stringify(admin.body));
// Everyone enrols first, so the waits for a code of a later step than the confirming one overlap.
const users = [];
for (const [name] of PROXIES) users.push(await enrol(admin.body.access_token, `walker-${name}`));
for (const [i, [name, port]] of PROXIES.entries()) await walk(name, port, users[i]);
console.log(`portal walk: ${PROXIES.map(([n]) => n).join(' and ')} passed`);
