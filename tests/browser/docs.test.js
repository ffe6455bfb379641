// The /docs page in a real browser, under the page's own Content-Security-Policy: Swagger UI
// renders every operation from /openapi.json with nothing refused and nothing fetched from
// elsewhere, and its "Authorize" (OAuth2 password flow at /user/token) then "Try it out"
// on GET /user/me works. Run by scripts/test after `cargo test`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_PASSWORD, recordTraffic, screenshot, startBrowser, startServer, stopBrowser, stopServer,
} from './harness.js';

let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

test('the docs page renders every operation and its Authorize and Try it out work', { timeout: 60000 }, async () => {
  server = await startServer();
  browser = await startBrowser();
  const { context } = browser;
  const traffic = recordTraffic(context);
  const origin = `http://localhost:${server.port}`;
  const requested = [];
  context.on('request', (r) => requested.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());

  await page.goto(`${origin}/docs`);
  const doc = await (await fetch(`${origin}/openapi.json`)).json();
  const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  await page.locator('.opblock').nth(operations - 1).waitFor({ timeout: 15000 });
  assert.equal(await page.locator('.opblock').count(), operations, 'one block per operation');

  // Authorize: the password flow posts the form to /user/token and keeps the token in memory.
  await page.click('button.authorize');
  const dialog = page.locator('.modal-ux');
  await dialog.locator('#oauth_username').fill('admin');
  await dialog.locator('#oauth_password').fill(ADMIN_PASSWORD);
  const login = page.waitForResponse((r) => new URL(r.url()).pathname === '/user/token');
  await dialog.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
  assert.equal((await login).status(), 200);
  await dialog.locator('button', { hasText: 'Logout' }).waitFor();
  await dialog.locator('button.close-modal').first().click();

  const me = page.locator('#operations-user-me');
  await me.locator('.opblock-summary').click();
  // "Try it out" is on from the start (tryItOutEnabled), so Execute is there at once.
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/user/me');
  await me.locator('button.execute').click();
  const response = await answer;
  assert.equal(response.status(), 200);
  assert.equal((await response.json()).username, 'admin');
  assert.match(response.request().headers().authorization ?? '', /^Bearer /);
  const storage = await page.evaluate(() => [localStorage.length, sessionStorage.length]);
  assert.deepEqual(storage, [0, 0], 'the token is not persisted');

  await screenshot(page, 'docs');
  const foreign = requested.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'nothing is fetched from elsewhere');
  // Any Content-Security-Policy refusal shows up as a console error.
  assert.deepEqual([...traffic.failures, ...traffic.errors], []);
  const failed = traffic.responses.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path} -> ${r.status}`);
  assert.deepEqual(failed, []);
});
