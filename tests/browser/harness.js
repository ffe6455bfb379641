// The browser test's fixtures: a latchkey binary on a free port with a temp database,
// and Debian's Chromium with a fresh profile. Everything started here is torn down by
// `stop()`, also when the test fails, so no process or file outlives the run.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ADMIN_PASSWORD = 'browser-test-password';
const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
const BINARY = process.env.LATCHKEY_BIN || join(REPO, 'target/debug/latchkey');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Chromium's own background traffic is switched off: the test reaches nothing beyond loopback.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic',
];

// Should the test process end early (crash, Ctrl-C, the runner's SIGTERM), what it
// started goes with it: an interrupted Node exits without running `after` hooks.
const cleanups = [];
function onExit(cleanup) {
  if (!cleanups.length) {
    process.once('exit', () => cleanups.forEach((c) => c()));
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => process.exit(130));
  }
  cleanups.push(cleanup);
}

// With LATCHKEY_TEST_POSTGRES (a server's URL, as scripts/with-postgres sets it) each server
// gets a fresh database there instead of a SQLite file: the pages on the other store.
const POSTGRES = process.env.LATCHKEY_TEST_POSTGRES || '';
const PSQL = '/usr/lib/postgresql';

function psql(url, sql) {
  const versions = readdirSync(PSQL).filter((v) => /^\d+$/.test(v)).sort((a, b) => b - a);
  execFileSync(join(PSQL, versions[0], 'bin/psql'), [url, '-qc', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A database for one server, with what the server needs to open it; `drop` removes it. */
function newDatabase(dir) {
  if (!POSTGRES) return { db: join(dir, 'latchkey.db'), env: {}, drop: () => {} };
  const name = `latchkey_browser_${randomBytes(8).toString('hex')}`;
  psql(POSTGRES, `CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES);
  url.pathname = `/${name}`;
  const env = { LATCHKEY_SECRET: randomBytes(32).toString('hex') };
  return { db: url.toString(), env, drop: () => psql(POSTGRES, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Starts `latchkey serve` on 127.0.0.1:0 and resolves once it says which port it took. */
export async function startServer(flags = []) {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run \`cargo build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-browser-'));
  const database = newDatabase(dir);
  const { db } = database;
  const args = ['--db', db, 'serve', '--bind', '127.0.0.1:0', ...flags];
  const env = {
    ...process.env, ...database.env, LATCHKEY_BOOTSTRAP_PASSWORD: ADMIN_PASSWORD, NO_COLOR: '1', RUST_LOG: 'info',
  };
  const child = spawn(BINARY, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { child, dir, db, env: database.env, drop: database.drop, log: '', port: 0 };
  onExit(() => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  child.stdout.on('data', (d) => { server.log += d; });
  child.stderr.on('data', (d) => { server.log += d; });
  server.port = await new Promise((done, fail) => {
    const timeout = setTimeout(() => fail(new Error(`latchkey did not start:\n${server.log}`)), 15000);
    const look = () => {
      const found = server.log.replace(/\x1b\[[0-9;]*m/g, '').match(/listening on http:\/\/[^:\s]+:(\d+)/);
      if (found) { clearTimeout(timeout); done(Number(found[1])); }
    };
    child.stderr.on('data', look);
    child.on('exit', (code) => { clearTimeout(timeout); fail(new Error(`latchkey exited (${code}):\n${server.log}`)); });
  });
  return server;
}

/** Runs the CLI on the server's database, as an operator would while it serves. */
export function cli(server, ...args) {
  const env = { ...process.env, ...server.env };
  return execFileSync(BINARY, ['--db', server.db, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function stopServer(server) {
  if (!server) return;
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  server.drop();
  rmSync(server.dir, { recursive: true, force: true });
}

/** A persistent context gives a fresh, explicit `--user-data-dir`; `args` are Chromium flags
 * beyond the usual ones (host mapping, a certificate to trust). */
export async function startBrowser({ args = [], viewport = { width: 1100, height: 900 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'));
  onExit(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    viewport,
  });
  return { context, profile };
}

export async function stopBrowser(browser) {
  if (!browser) return;
  await browser.context.close().catch(() => {});
  rmSync(browser.profile, { recursive: true, force: true });
}

/** Every response, failed request and page error in the context, for asserting that nothing failed. */
export function recordTraffic(context) {
  const traffic = { responses: [], failures: [], errors: [] };
  const watch = (page) => {
    page.on('pageerror', (e) => traffic.errors.push(`pageerror: ${e.message}`));
    // A refused request also logs "Failed to load resource"; statuses are judged from the responses.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) traffic.errors.push(`console: ${m.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  context.on('response', (r) => traffic.responses.push({
    at: Date.now(), method: r.request().method(), path: new URL(r.url()).pathname, status: r.status(),
  }));
  context.on('requestfailed', (r) => traffic.failures.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  return traffic;
}

// Screenshots are for looking at, not for the repository: written only when
// LATCHKEY_SCREENSHOTS names a folder; otherwise pages are still rendered, into memory.
export const SCREENSHOTS = process.env.LATCHKEY_SCREENSHOTS || null;

/** A screenshot of `page`, kept as SCREENSHOTS/`name`.png when that is set; returns its path. */
export async function screenshot(page, name, options = {}) {
  if (!SCREENSHOTS) {
    await page.screenshot(options);
    return null;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ ...options, path });
  return path;
}
