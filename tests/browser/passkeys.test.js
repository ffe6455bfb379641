// Passkeys in a real browser against the real binary, with Chromium's virtual authenticator
// (CTAP2, resident keys, user verification) standing in for a device's screen lock: a user
// adds one on the account page (the other sessions end), signs in with it alone (`amr`
// hwk + mfa), renames and removes it; a removed passkey is refused in words; the portal's
// "Sign in with a passkey" leads to the rd with the portal cookie; an admin sees the
// count in the console and removes them. WebAuthn wants the origin to match the RP id
// (`localhost`), so every page is opened at http://localhost, never 127.0.0.1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startBrowser, startServer, stopBrowser, stopServer } from './harness.js';
import {
  api, apiLogin, module, refreshStatus, screenshots, seriousViolations, signIn, signOut, signedIn, stepNow, stepper, totp,
} from './account-page.js';

let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

const USER = 'pat';
const PASSWORD = 'pat-password-1';

test('passkeys: add, sign in with one alone, rename, remove; the portal; the console', { timeout: 120000 }, async (t) => {
  // An http rd is honoured only without Secure cookies; the walk stays on plain http://localhost.
  server = await startServer(['--cookie-secure', 'false']);
  browser = await startBrowser();
  const { context } = browser;
  const { step, traffic } = stepper(t, context);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize({ width: 1280, height: 900 });
  const origin = `http://localhost:${server.port}`;
  const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
  const rows = page.locator('#passkeys-list li[data-passkey]');

  const admin = await apiLogin(server);
  assert.equal((await api(server, admin, 'POST', '/admin/users', { username: USER, password: PASSWORD })).status, 201);

  // The virtual authenticator lives as long as the page's CDP session.
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  const held = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;

  /** Signed in as `pat` on the account page: a passkey named `name` through the card. */
  const addPasskey = async (name) => {
    await page.fill('#passkey-name', name);
    await page.fill('#passkey-password', PASSWORD);
    await page.click('#passkey-add-form button[type=submit]');
    await page.locator('#passkeys-message.ok').filter({ hasText: `The passkey ${name} is added` }).waitFor();
    await rows.filter({ hasText: name }).waitFor();
  };

  await step('signed out: the sign-in form offers "Sign in with a passkey"', async () => {
    await page.goto(`${origin}/`);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
  });

  await step('a wrong password and an empty name are said by their fields', async () => {
    await signIn(page, USER, PASSWORD);
    await signedIn(page, USER);
    await page.locator('#passkeys-list li').filter({ hasText: 'No passkeys yet.' }).waitFor();
    await page.click('#passkey-add-form button[type=submit]');
    await page.locator('#passkey-name-error').filter({ hasText: 'Give the passkey a name' }).waitFor();
    assert.equal(await focused(), 'passkey-name');
    await page.fill('#passkey-name', 'Laptop');
    await page.fill('#passkey-password', 'not-the-password');
    await page.click('#passkey-add-form button[type=submit]');
    await page.locator('#passkey-password-error').filter({ hasText: 'The current password is not right.' }).waitFor();
    assert.equal(await page.getAttribute('#passkey-password', 'aria-invalid'), 'true');
    assert.equal((await held()).length, 0, 'nothing was asked of the authenticator');
  });

  await step('"Laptop" is added and listed; the other sessions end, this one stays', async () => {
    const other = await apiLogin(server, USER, PASSWORD);
    await addPasskey('Laptop');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /Laptop.*Added .* never used to sign in/s);
    assert.equal((await held()).length, 1, 'the authenticator holds one resident key');
    assert.equal(await refreshStatus(server, other), 401, "the other device's session ended");
    await signedIn(page, USER);
    assert.deepEqual(await seriousViolations(page), [], 'axe on the card with a passkey');
    t.diagnostic(`screenshots: ${(await screenshots(page, 'account-passkeys')).join(' ')}`);
  });

  await step('signed out, "Sign in with a passkey" alone signs in: amr hwk and mfa', async () => {
    await signOut(page);
    await page.click('#passkey-button');
    await signedIn(page, USER);
    assert.equal(await focused(), 'account-heading');
    const claims = await module(page, 'm.claims()');
    assert.equal(claims.sub, USER);
    assert.ok(claims.amr.includes('mfa') && claims.amr.includes('hwk'), JSON.stringify(claims.amr));
    assert.equal(await module(page, 'm.isLoggedIn()'), true);
    await rows.filter({ hasText: /last used/ }).waitFor();
    await page.reload();
    await signedIn(page, USER); // the refresh cookie came with it, as after a password login
  });

  await step('rename by keyboard: the form opens in the row, Enter saves', async () => {
    await page.getByRole('button', { name: 'Rename the passkey Laptop' }).click();
    assert.equal(await focused(), 'passkey-new-name');
    assert.deepEqual(await seriousViolations(page), [], 'axe with the rename form open');
    await page.keyboard.type('Work laptop');
    await page.keyboard.press('Enter');
    await page.locator('#passkeys-message.ok').filter({ hasText: 'Renamed to Work laptop.' }).waitFor();
    await rows.filter({ hasText: 'Work laptop' }).waitFor();
    assert.equal(await focused(), 'passkeys-heading');
  });

  await step('remove asks for the password (a wrong one said by its field); then the list is empty', async () => {
    await page.getByRole('button', { name: 'Remove the passkey Work laptop' }).click();
    assert.equal(await focused(), 'passkey-remove-password');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    await page.locator('#passkey-remove-password-error').filter({ hasText: 'The current password is not right.' }).waitFor();
    await page.fill('#passkey-remove-password', PASSWORD);
    await page.click('#passkeys-list form button[type=submit]');
    await page.locator('#passkeys-message.ok').filter({ hasText: 'The passkey Work laptop is removed.' }).waitFor();
    await page.locator('#passkeys-list li').filter({ hasText: 'No passkeys yet.' }).waitFor();
    assert.equal(await rows.count(), 0);
    await signedIn(page, USER);
  });

  await step('the removed passkey, still on the device, is refused in words', async () => {
    await signOut(page);
    await page.click('#passkey-button');
    await page.locator('#passkey-error').filter({ hasText: 'That passkey was not accepted' }).waitFor();
    assert.equal(await page.locator('#login-form').isVisible(), true, 'the password form stays');
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
  });

  const rd = `${origin}/healthz?from=portal`;
  await step('the portal: its button signs in with a passkey and lands on rd with the portal cookie', async () => {
    await signIn(page, USER, PASSWORD);
    await signedIn(page, USER);
    await addPasskey('Phone');
    await signOut(page);
    await page.goto(`${origin}/login?rd=${encodeURIComponent(rd)}`);
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'axe on the portal page');
    t.diagnostic(`screenshots: ${(await screenshots(page, 'portal-passkey')).join(' ')}`);
    await Promise.all([page.waitForURL(rd), button.click()]);
    const jar = await context.cookies(origin);
    assert.ok(jar.some((c) => c.name === 'latchkey_portal' && c.httpOnly), JSON.stringify(jar.map((c) => c.name)));
    await page.goto(`${origin}/login`);
    await page.getByText(`Signed in as ${USER}`).waitFor();
  });

  await step('the console: the admin sees the count and removes the passkeys after a confirmation', async () => {
    const other = await apiLogin(server, USER, PASSWORD);
    await page.goto(`${origin}/admin/`);
    await page.locator('#login-form').waitFor({ state: 'visible' });
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.click(`#users-table button[data-open="${USER}"]`);
    await page.locator('#user-heading').filter({ hasText: USER }).waitFor();
    await page.locator('#user-passkeys-status').filter({ hasText: '1 passkey' }).waitFor();
    await page.click('#user-passkeys-remove');
    assert.equal(await focused(), 'passkeys-no', 'the confirmation starts on "Keep"');
    assert.match(await page.textContent('#passkeys-question'), /Remove the passkey of pat\?/);
    assert.deepEqual(await seriousViolations(page), [], 'axe on the user with the confirmation open');
    await page.click('#passkeys-yes');
    await page.locator('#user-passkeys-message.ok').filter({ hasText: 'removed' }).waitFor();
    await page.locator('#user-passkeys-status').filter({ hasText: 'None.' }).waitFor();
    assert.equal(await page.locator('#user-passkeys-remove').isVisible(), false);
    assert.equal((await api(server, admin, 'GET', `/admin/users/${USER}`)).body.passkeys, 0);
    assert.equal(await refreshStatus(server, other), 401, "the user's sessions ended");
  });

  await step('with an authenticator app on, adding a passkey asks for a code too (a wrong one said by its field)', async () => {
    assert.equal((await api(server, admin, 'POST', '/admin/users', { username: 'dora', password: PASSWORD })).status, 201);
    const dora = await apiLogin(server, 'dora', PASSWORD);
    const pending = await api(server, dora, 'POST', '/user/mfa/totp', { current_password: PASSWORD });
    const confirmedAt = stepNow();
    const confirmed = await api(server, dora, 'POST', '/user/mfa/totp/confirm', { code: totp(pending.body.secret, confirmedAt) });
    assert.equal(confirmed.status, 200);
    await page.click('#sign-out');
    await page.goto(`${origin}/`);
    await signIn(page, 'dora', PASSWORD, confirmed.body.recovery_codes[0]);
    await signedIn(page, 'dora');
    await page.locator('#passkey-code').waitFor({ state: 'visible' });
    await page.fill('#passkey-name', 'Key');
    await page.fill('#passkey-password', PASSWORD);
    await page.fill('#passkey-code', '000000');
    await page.click('#passkey-add-form button[type=submit]');
    await page.locator('#passkey-code-error').filter({ hasText: 'That code is not right, or was already used.' }).waitFor();
    await page.fill('#passkey-code', totp(pending.body.secret, confirmedAt + 1));
    await page.click('#passkey-add-form button[type=submit]');
    await rows.filter({ hasText: 'Key' }).waitFor();
  });

  await step('no request failed beyond the expected refusals', async () => {
    const expected = (r) => (r.path === '/user/refresh-token' && r.status === 401)
      || (r.path === '/user/token' && r.status === 401) // dora's password asks for her code
      || (r.path === '/user/token/passkey/finish' && r.status === 401)
      || (r.path === '/user/passkeys/register' && r.status === 400)
      || (r.path.startsWith('/user/passkeys/') && r.method === 'DELETE' && r.status === 400);
    const bad = traffic.responses.filter((r) => r.status >= 400 && !expected(r)).map((r) => `${r.method} ${r.path} -> ${r.status}`);
    assert.deepEqual([...bad, ...traffic.failures], []);
  });
});
