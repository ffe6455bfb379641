// demo.js: the page at `/`, built only on latchkey.js; every server call goes
// through its fetch wrapper, so the page never handles a token itself.
import * as latchkey from './latchkey.js';
import { askForCode, forgetMfa, loadMfa, resetSignIn } from './demo-mfa.js';

const $ = (id) => document.getElementById(id);
const LOG_LIMIT = 30;
let countdownTimer = 0;

function show(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

/** A readable line from a failed response (the server's `detail`, else the status). */
async function problem(res) {
  const body = await res.json().catch(() => ({}));
  const detail = typeof body.detail === 'string' ? body.detail : res.statusText || 'Request failed';
  return `${detail} (HTTP ${res.status}${body.code ? `, ${body.code}` : ''})`;
}

/** Runs a call; a network failure or thrown error becomes a message instead of breaking the page. */
async function attempt(el, task) {
  show(el, '');
  try {
    await task();
    return true;
  } catch (e) {
    show(el, e.message || String(e));
    return false;
  }
}

function signedOut(reason) {
  clearInterval(countdownTimer);
  $('app').hidden = true;
  $('login').hidden = false;
  $('state').textContent = 'signed out';
  $('state').className = 'pill';
  $('sessions').replaceChildren();
  resetSignIn();
  forgetMfa();
  if (reason && !['logout', 'not_found'].includes(reason)) {
    show($('login-error'), `Your session ended (${reason}). Please sign in again.`);
  }
}

async function signedIn() {
  $('login').hidden = true;
  $('app').hidden = false;
  show($('login-error'), '');
  $('state').className = 'pill on';
  clearInterval(countdownTimer);
  countdownTimer = setInterval(tick, 100);
  tick();
  await Promise.all([loadMe(), loadSessions(), loadMfa()]);
}

async function loadMe() {
  await attempt($('app-error'), async () => {
    const res = await latchkey.fetch('/user/me');
    if (!res.ok) throw new Error(`Could not load your account: ${await problem(res)}`);
    const me = await res.json();
    $('who-name').textContent = me.full_name || me.username;
    $('who-detail').textContent = [`@${me.username}`, me.email].filter(Boolean).join(' · ');
    $('who-role').textContent = me.admin ? 'admin' : 'user';
    $('state').textContent = `signed in as ${me.username}`;
  });
}

function tick() {
  const left = latchkey.expiresIn();
  const claims = latchkey.claims();
  const lifetime = claims ? claims.exp - claims.iat : 1;
  $('countdown').textContent = `${left.toFixed(1)} s`;
  $('countdown-bar').value = Math.min(1, left / lifetime);
  $('token-id').textContent = claims ? `…${claims.jti.slice(-8)}` : '–';
}

function logEvent(event) {
  const claims = latchkey.claims();
  const item = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const what = {
    login: 'signed in',
    refresh: event.restored ? 'session restored' : 'token refreshed',
    logout: 'signed out',
    retry: `refresh failed (${event.code}), retrying in ${Math.round((event.retryInMs || 0) / 1000)} s`,
  }[event.type] || event.type;
  const where = event.source === 'other-tab' ? ' in another tab' : '';
  const detail = claims && event.type !== 'logout' ? ` · token …${claims.jti.slice(-8)}, valid ${event.expiresIn.toFixed(1)} s` : '';
  item.append(time, ` ${what}${where}${detail}`);
  item.className = event.type;
  $('refresh-log').prepend(item);
  while ($('refresh-log').children.length > LOG_LIMIT) $('refresh-log').lastChild.remove();
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '–';
}

/** "Chrome 126 on Linux" from a user agent string, for a readable session list. */
function describeAgent(ua) {
  if (!ua) return 'unknown client';
  const browser = [/Edg\/(\d+)/, /Firefox\/(\d+)/, /(?:Headless)?Chrome\/(\d+)/, /Version\/(\d+).*Safari/, /curl\/([\d.]+)/]
    .map((re) => ua.match(re)).find(Boolean);
  const names = { Edg: 'Edge', Firefox: 'Firefox', Chrome: 'Chrome', HeadlessChrome: 'Headless Chrome', Version: 'Safari', curl: 'curl' };
  const label = browser ? `${names[browser[0].split('/')[0]] || 'Browser'} ${browser[1]}` : ua.slice(0, 40);
  const os = ['Android', 'iPhone', 'iPad', 'Windows', 'Mac OS', 'Linux'].find((name) => ua.includes(name));
  return os ? `${label} on ${os.replace('Mac OS', 'macOS')}` : label;
}

function sessionItem(session) {
  const item = document.createElement('li');
  const text = document.createElement('div');
  const title = document.createElement('strong');
  title.textContent = describeAgent(session.user_agent);
  title.title = session.user_agent || '';
  const meta = document.createElement('span');
  meta.className = 'muted small';
  meta.textContent = `${session.ip || '?'} · since ${when(session.created_at)} · last used ${when(session.last_used_at)}`;
  text.append(title, meta);
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Sign out';
  button.dataset.session = session.id;
  if (session.current) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'this device';
    title.append(' ', badge);
  }
  item.append(text, button);
  return item;
}

async function loadSessions() {
  await attempt($('sessions-error'), async () => {
    const res = await latchkey.fetch('/user/sessions');
    if (!res.ok) throw new Error(`Could not load sessions: ${await problem(res)}`);
    const sessions = await res.json();
    $('sessions').replaceChildren(...sessions.map(sessionItem));
  });
}

async function endSession(button) {
  const current = button.closest('li').querySelector('.badge');
  if (current) return latchkey.logout();
  await attempt($('sessions-error'), async () => {
    const res = await latchkey.fetch(`/user/sessions/${encodeURIComponent(button.dataset.session)}`, { method: 'DELETE' });
    if (!res.ok) throw new Error(`Could not end that session: ${await problem(res)}`);
  });
  await loadSessions();
}

async function changePassword(event) {
  event.preventDefault();
  const message = $('password-message');
  const ok = await attempt(message, async () => {
    const res = await latchkey.fetch('/user/password', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ current_password: $('current-password').value, new_password: $('new-password').value }),
    });
    if (res.status === 400) throw new Error('The current password is not right.');
    if (!res.ok) throw new Error(`Could not change the password: ${await problem(res)}`);
    event.target.reset();
  });
  message.className = ok ? 'message ok' : 'message error';
  if (ok) {
    show(message, 'Password changed. Your other sessions were signed out.');
    await loadSessions();
  }
}

async function submitLogin(event) {
  event.preventDefault();
  const button = event.target.querySelector('button');
  button.disabled = true;
  await attempt($('login-error'), async () => {
    try {
      const signedIn = await latchkey.login($('username').value, $('password').value);
      $('password').value = '';
      if (signedIn?.codeNeeded) askForCode();
    } catch (e) {
      const wait = e.retryAfter ? ` Try again in ${e.retryAfter} s.` : '';
      throw new Error(e.code === 'invalid_credentials' ? 'Incorrect username or password.' : `${e.message}${wait}`);
    }
  });
  button.disabled = false;
}

latchkey.onChange((event) => {
  const restored = event.type === 'refresh' && $('app').hidden;
  if (event.type !== 'logout' || !$('app').hidden) logEvent({ ...event, restored });
  if (event.type === 'login' || event.type === 'refresh') show($('app-error'), '');
  if (event.type === 'logout') signedOut(event.code);
  else if (event.type === 'login' || ($('app').hidden && event.type === 'refresh')) signedIn();
});

$('login-form').addEventListener('submit', submitLogin);
$('password-form').addEventListener('submit', changePassword);
$('logout').addEventListener('click', () => attempt($('app-error'), () => latchkey.logout()));
$('logout-all').addEventListener('click', () => attempt($('app-error'), () => latchkey.logoutAll()));
$('refresh-now').addEventListener('click', () => attempt($('app-error'), () => latchkey.refresh()));
$('sessions-reload').addEventListener('click', loadSessions);
$('sessions').addEventListener('click', (e) => {
  if (e.target.dataset.session) endSession(e.target);
});

// One refresh after the page loads brings back the session the cookie holds.
latchkey.restore().then(
  (inSession) => { if (!inSession) signedOut(); },
  (e) => { $('state').textContent = `server unreachable, retrying (${e.code})`; },
);
