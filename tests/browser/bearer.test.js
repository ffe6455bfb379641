// static/latchkey.js sends the access token only to the API's own origin: its `fetch` with a
// third-party URL (answered here by the browser's router, never the network) carries none.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startBrowser, startServer, stopBrowser, stopServer } from './harness.js';

let server;
let browser;
after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'authorization',
};

test('the client module sends its Bearer token to its own API and never to a third party', { timeout: 60000 }, async () => {
  server = await startServer();
  browser = await startBrowser();
  const { context } = browser;
  const sent = [];
  context.on('request', async (request) => {
    if (request.method() === 'OPTIONS') return;
    const headers = await request.allHeaders();
    sent.push({ url: request.url(), authorization: headers.authorization ?? null });
  });
  await context.route('https://third-party.example/**', (route) => route.fulfill({ status: 200, body: 'ok', headers: CORS }));
  // A blank page of the API's origin, without the account page's CSP (which alone would
  // keep any third-party call from leaving the page).
  const origin = `http://localhost:${server.port}`;
  await context.route(`${origin}/blank`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${origin}/blank`);

  const statuses = await page.evaluate(async (password) => {
    const m = await import('/static/latchkey.js');
    await m.login('admin', password);
    const statusOf = (call) => call.then((res) => res.status, (e) => `failed: ${e.message}`);
    return [
      await statusOf(m.fetch('/user/me')),
      await statusOf(m.fetch(`${location.origin}/user/me`)),
      await statusOf(m.fetch('https://third-party.example/collect')),
      await statusOf(m.fetch(new URL('https://third-party.example/url'))),
      await statusOf(m.fetch(new Request('https://third-party.example/request'))),
    ];
  }, ADMIN_PASSWORD);

  assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
  const own = sent.filter((r) => r.url === `${origin}/user/me`);
  assert.equal(own.length, 2);
  assert.ok(own.every((r) => /^Bearer \S+$/.test(r.authorization)), 'the API gets the token');
  const third = sent.filter((r) => r.url.startsWith('https://third-party.example/'));
  assert.deepEqual(third.map((r) => [new URL(r.url).pathname, r.authorization]),
    [['/collect', null], ['/url', null], ['/request', null]], 'no third party ever sees it');
});
