// latchkey.js: the browser half of latchkey. The access token lives only in this
// module's memory (never in storage); the HttpOnly refresh cookie brings it back.
// Refreshes are timed from `token_expiry` on a monotonic clock, one tab refreshes
// at a time, and only a terminal refresh error ends the session.

const TERMINAL = new Set(['expired', 'reuse_detected', 'revoked', 'user_disabled', 'not_found']);
const MAX_BACKOFF_MS = 30000;

export class LatchkeyError extends Error {
  constructor(detail, { status = 0, code = 'network', retryAfter = null } = {}) {
    super(detail);
    this.name = 'LatchkeyError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** Worth retrying later: the server was busy, throttling, broken or unreachable. */
  get transient() {
    return this.code === 'network' || this.status === 429 || this.status >= 500;
  }
}

const opts = { baseUrl: '', leadSeconds: 30, name: 'latchkey' };
let token = null;
let deadline = 0; // performance.now() at which the token expires
let lifetime = 0; // ms, as the server gave it
let generation = 0; // bumps on every new token, from this tab or another
let epoch = 0; // bumps on every local logout: answers to older requests are dropped
let status = 'unknown'; // 'unknown' until the first refresh answers, then 'in' or 'out'
let inflight = null;
let restoring = null;
let timer = 0;
let failures = 0;
let channel = null;
const listeners = new Set();
const now = () => performance.now();

/** Options: `baseUrl` of the latchkey server (default: this page's origin),
 * `leadSeconds` (refresh this long before expiry, at most a fifth of the lifetime). */
export function configure(options = {}) {
  Object.assign(opts, options);
  openChannel();
}

/** Calls `listener({type, source, expiresIn, code})` on login, refresh, logout and retry. */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const isLoggedIn = () => status === 'in';
export const sessionState = () => status;
/** Seconds the current access token has left (0 when there is none). */
export const expiresIn = () => (token ? Math.max(0, (deadline - now()) / 1000) : 0);

/** The token's claims (`sub`, `sid`, `admin`, ...), decoded without verifying: for display only. */
export function claims() {
  if (!token) return null;
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function emit(event) {
  const full = { expiresIn: expiresIn(), source: 'this-tab', ...event };
  for (const listener of listeners) {
    try { listener(full); } catch (e) { console.error(e); }
  }
}

const apiOrigin = () => new URL(opts.baseUrl || '/', location.href).origin;

function credentials() {
  return apiOrigin() === location.origin ? 'same-origin' : 'include';
}

/** Whether `input` (a URL, a string, or a Request) points at the API's own origin. */
function isApiUrl(input) {
  const url = input instanceof Request ? input.url : String(input);
  try {
    return new URL(url, location.href).origin === apiOrigin();
  } catch {
    return false;
  }
}

async function api(path, init = {}) {
  try {
    return await globalThis.fetch(opts.baseUrl + path, { credentials: credentials(), ...init });
  } catch (e) {
    throw new LatchkeyError(`Network error: ${e.message}`);
  }
}

async function failure(res) {
  const body = await res.json().catch(() => ({}));
  const retry = Number(res.headers.get('Retry-After'));
  return new LatchkeyError(typeof body.detail === 'string' ? body.detail : res.statusText, {
    status: res.status,
    code: body.code || `http_${res.status}`,
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
  });
}

function adopt(accessToken, expiresInMs, type, source) {
  token = accessToken;
  lifetime = expiresInMs;
  deadline = now() + expiresInMs;
  generation += 1;
  status = 'in';
  failures = 0;
  schedule();
  emit({ type, source });
}

async function grant(res, type, startedEpoch = epoch) {
  if (!res.ok) throw await failure(res);
  const body = await res.json();
  if (startedEpoch !== epoch) return null; // logged out meanwhile: do not come back to life
  adopt(body.access_token, body.token_expiry * 1000, type, 'this-tab');
  channel?.postMessage({ type: 'token', token, expiresInMs: lifetime, kind: type });
  return token;
}

/** Ends the session in this tab only (the caller tells the others). */
function endLocal(code, source = 'this-tab') {
  const was = status;
  epoch += 1;
  token = null;
  status = 'out';
  clearTimeout(timer);
  if (was !== 'out' || source === 'this-tab') emit({ type: 'logout', code, source });
}

function schedule(delayMs) {
  clearTimeout(timer);
  if (delayMs === undefined) {
    if (!token) return;
    const lead = Math.min(opts.leadSeconds * 1000, lifetime / 5);
    const jitter = Math.random() * lifetime * 0.05; // keeps tabs from firing together
    delayMs = Math.max(0, deadline - now() - lead - jitter);
  }
  timer = setTimeout(() => refresh().catch(() => {}), delayMs);
}

/** One tab at a time across the browser; without Web Locks, the server's reuse
 * grace makes concurrent refreshes with one cookie safe, so run unlocked. */
function withLock(task) {
  const name = `${opts.name}-refresh:${new URL(opts.baseUrl || '/', location.href).origin}`;
  return navigator.locks ? navigator.locks.request(name, task) : task();
}

/** Refreshes now (once across tabs) and resolves to the new token; a terminal
 * answer ends the session and resolves to null; a transient one rejects and retries later. */
export function refresh() {
  if (inflight) return inflight;
  const seen = generation;
  const started = epoch;
  inflight = withLock(async () => {
    // Another tab refreshed while this one waited for the lock: take its token.
    if (generation !== seen && token && deadline - now() > lifetime / 2) return token;
    return grant(await api('/user/refresh-token', { method: 'POST' }), 'refresh', started);
  })
    .catch((e) => settleFailure(e, seen))
    .finally(() => { inflight = null; });
  return inflight;
}

function settleFailure(e, seen) {
  const error = e instanceof LatchkeyError ? e : new LatchkeyError(String(e));
  // A newer token arrived meanwhile (a login here or in another tab): this answer is stale.
  if (generation !== seen && status === 'in') return token;
  if (!error.transient || TERMINAL.has(error.code)) {
    channel?.postMessage({ type: 'logout', code: error.code });
    endLocal(error.code);
    return null;
  }
  failures += 1;
  const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1)) * (0.75 + Math.random() / 2);
  const wait = error.retryAfter ? error.retryAfter * 1000 : backoff;
  schedule(wait);
  emit({ type: 'retry', code: error.code, retryInMs: wait });
  throw error;
}

/** The one refresh after a page load that recovers the session from the cookie. */
export function restore() {
  restoring ??= (token ? Promise.resolve(token) : refresh()).then(
    () => status === 'in',
    (e) => { restoring = null; throw e; },
  );
  return restoring;
}

/** Resolves once the session is known to be in or out (not while the server is unreachable). */
function settled() {
  if (status !== 'unknown') return Promise.resolve(status);
  return new Promise((done) => {
    const stop = onChange(() => { if (status !== 'unknown') { stop(); done(status); } });
  });
}

/** The current access token, after any refresh in progress (null when logged out). */
export async function getToken() {
  if (status === 'unknown') await restore().catch(() => {});
  if (inflight) await inflight.catch(() => {});
  return token;
}

let pendingCode = null; // the mfa_token of a login waiting for its one-time code (memory only)

/** Signs in. Resolves to the access token, or, for a user with a second factor
 * when no `otp` was given, to `{ codeNeeded: true }`: the page then asks for a
 * one-time (or recovery) code and calls `verifyCode(code)`. */
export async function login(username, password, { otp } = {}) {
  const fields = otp ? { username, password, otp } : { username, password };
  const body = new URLSearchParams(fields).toString();
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  return withLock(async () => {
    const res = await api('/user/token', { method: 'POST', headers, body });
    if (res.status === 401) {
      const answer = await res.clone().json().catch(() => ({}));
      if (answer.code === 'mfa_required' && typeof answer.mfa_token === 'string') {
        pendingCode = answer.mfa_token;
        return { codeNeeded: true };
      }
    }
    pendingCode = null;
    return grant(res, 'login');
  });
}

/** Whether a login is waiting for its one-time code. */
export const codeNeeded = () => pendingCode !== null;

/** The second step of a login that resolved to `{ codeNeeded: true }`: a 6-digit
 * code or a recovery code. A wrong one rejects with code `invalid_code` and may be
 * tried again (a few times: then, or after 5 minutes, `login` must start over). */
export async function verifyCode(code) {
  if (!pendingCode) throw new LatchkeyError('No sign-in is waiting for a code', { status: 400, code: 'invalid_code' });
  const body = JSON.stringify({ mfa_token: pendingCode, code: String(code).trim() });
  const headers = { 'Content-Type': 'application/json' };
  return withLock(async () => {
    const res = await api('/user/token/mfa', { method: 'POST', headers, body });
    if (res.ok) pendingCode = null;
    return grant(res, 'login');
  });
}

/** JSON to and from the API with the access token (through `fetch` below, so an
 * expired token is refreshed once): resolves to the parsed answer (undefined for
 * 204) and rejects with the server's error as a LatchkeyError (`status`, `code`,
 * `detail` as its message, `retryAfter` in seconds for 429 and 503). */
export async function request(path, method = 'GET', body = undefined) {
  const res = await call(path, method, body);
  return res.status === 204 ? undefined : res.json();
}

/** One page of a list route (`/admin/users?_start=0&_end=10`, `/admin/audit`), as
 * React Admin reads it: `{ items, total }`, the total from `X-Total-Count`. */
export async function list(path) {
  const res = await call(path, 'GET');
  return { items: await res.json(), total: Number(res.headers.get('X-Total-Count')) };
}

async function call(path, method, body) {
  const init = { method };
  if (body) Object.assign(init, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const res = await fetch(opts.baseUrl + path, init).catch((e) => {
    throw new LatchkeyError(`Network error: ${e.message}`);
  });
  if (!res.ok) throw await failure(res);
  return res;
}

/** The signed-in user's second factor (TOTP). A wrong password or code rejects
 * with status 400 and code `invalid_credentials` or `invalid_code`. */
export const mfa = {
  /** `{ totp, recovery_codes_left }` */
  status: () => request('/user/mfa', 'GET'),
  /** A pending secret: `{ secret, otpauth_url, qr_svg }` (an `<svg>` element as text). While a
   * factor is on, a code of it (or a recovery code) is needed as well, to replace it. */
  enrol: (currentPassword, code) => request('/user/mfa/totp', 'POST', code === undefined
    ? { current_password: currentPassword }
    : { current_password: currentPassword, code: String(code).trim() }),
  /** A code of the pending secret turns it on: resolves to the 10 recovery codes, shown once. */
  confirm: (code) => request('/user/mfa/totp/confirm', 'POST', { code: String(code).trim() }).then((r) => r.recovery_codes),
  /** Turns it off (the password and a code or recovery code); other sessions end. */
  remove: (currentPassword, code) => request('/user/mfa', 'DELETE', { current_password: currentPassword, code: String(code).trim() }),
};

// WebAuthn's binary fields travel as base64url text (RFC 4648 §5, no padding).
const fromB64u = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer;
function toB64u(buffer) {
  let text = '';
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
// A null member is "absent" to a server but a TypeError to the browser: drop them.
const withoutNulls = (value) => (Array.isArray(value) ? value.map(withoutNulls)
  : value && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]))
    : value);
const decodeIds = (list) => list?.map((c) => ({ ...c, id: fromB64u(c.id) }));

/** The browser half of a passkey ceremony, in WebAuthn's JSON forms both ways:
 * `create(publicKey)` (creation options) and `get(publicKey)` (request options)
 * resolve to the credential as JSON, ready to send. A refusal or a cancel by the
 * person rejects with a LatchkeyError of code `passkey_cancelled`. */
export const webauthn = {
  supported: () => typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function',
  create: (json) => ceremony('create', withoutNulls(json)),
  get: (json) => ceremony('get', withoutNulls(json)),
};

async function ceremony(kind, json) {
  if (!webauthn.supported()) throw new LatchkeyError('This browser does not support passkeys.', { code: 'passkey_unsupported' });
  const PKC = window.PublicKeyCredential;
  let publicKey;
  if (kind === 'create') {
    publicKey = PKC.parseCreationOptionsFromJSON ? PKC.parseCreationOptionsFromJSON(json) : {
      ...json,
      challenge: fromB64u(json.challenge),
      user: { ...json.user, id: fromB64u(json.user.id) },
      excludeCredentials: decodeIds(json.excludeCredentials),
    };
  } else {
    publicKey = PKC.parseRequestOptionsFromJSON ? PKC.parseRequestOptionsFromJSON(json) : {
      ...json,
      challenge: fromB64u(json.challenge),
      allowCredentials: decodeIds(json.allowCredentials),
    };
  }
  let credential;
  try {
    credential = await navigator.credentials[kind]({ publicKey });
  } catch (e) {
    const words = e?.name === 'NotAllowedError'
      ? 'The passkey request was cancelled or timed out.'
      : e?.name === 'InvalidStateError' ? 'This device already holds a passkey for this account.' : `The passkey request failed: ${e?.message ?? e}`;
    throw new LatchkeyError(words, { code: e?.name === 'InvalidStateError' ? 'passkey_exists' : 'passkey_cancelled' });
  }
  if (!credential) throw new LatchkeyError('No passkey was chosen.', { code: 'passkey_cancelled' });
  return credentialJSON(credential);
}

function credentialJSON(credential) {
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const r = credential.response;
  const response = { clientDataJSON: toB64u(r.clientDataJSON) };
  if (r.attestationObject) {
    Object.assign(response, { attestationObject: toB64u(r.attestationObject), transports: r.getTransports?.() ?? [] });
  } else {
    Object.assign(response, { authenticatorData: toB64u(r.authenticatorData), signature: toB64u(r.signature) });
    if (r.userHandle) response.userHandle = toB64u(r.userHandle);
  }
  return {
    id: credential.id, rawId: toB64u(credential.rawId), type: credential.type, response,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
  };
}

/** The signed-in user's passkeys: `[{ id, name, created_at, last_used_at }]`. */
export const passkeys = {
  list: () => request('/user/passkeys', 'GET'),
  rename: (id, name) => request(`/user/passkeys/${encodeURIComponent(id)}`, 'PATCH', { name }),
  /** Needs the current password; the user's other sessions end. */
  remove: (id, currentPassword) => request(`/user/passkeys/${encodeURIComponent(id)}`, 'DELETE', { current_password: currentPassword }),
};

/** Adds a passkey named `name` on this device (the browser asks the person for it):
 * resolves to the new item. `currentPassword` is needed, and `code` too when the user
 * has an authenticator app. The user's other sessions end. */
export async function registerPasskey(name, { currentPassword, code } = {}) {
  const body = { current_password: currentPassword ?? '' };
  if (code !== undefined && code !== null && String(code).trim()) body.code = String(code).trim();
  const { challenge_id: challengeId, options } = await request('/user/passkeys/register', 'POST', body);
  const credential = await webauthn.create(options.publicKey);
  return request('/user/passkeys/register/finish', 'POST', { challenge_id: challengeId, name, credential });
}

/** Signs in with a passkey of this device (the browser offers the ones it holds):
 * resolves to the access token, as `login` does; a refused one rejects with code
 * `invalid_credentials`, a cancelled one with `passkey_cancelled`. */
export async function loginWithPasskey() {
  const started = epoch;
  const headers = { 'Content-Type': 'application/json' };
  const begun = await api('/user/token/passkey', { method: 'POST' });
  if (!begun.ok) throw await failure(begun);
  const { challenge_id: challengeId, options } = await begun.json();
  const credential = await webauthn.get(options.publicKey);
  const body = JSON.stringify({ challenge_id: challengeId, credential });
  return withLock(async () => {
    pendingCode = null;
    return grant(await api('/user/token/passkey/finish', { method: 'POST', headers, body }), 'login', started);
  });
}

/** Ends this session on the server, here and in every other tab. */
export async function logout() {
  pendingCode = null;
  endLocal('logout');
  channel?.postMessage({ type: 'logout', code: 'logout' });
  // Under the lock, so the cookie sent is the newest any tab has received.
  const res = await withLock(() => api('/user/logout', { method: 'POST' }));
  if (!res.ok) throw await failure(res);
}

/** Ends every session of the user (every device), then this one locally. */
export async function logoutAll() {
  const res = await fetch(opts.baseUrl + '/user/logout-all', { method: 'POST' });
  if (!res.ok && res.status !== 401) throw await failure(res);
  await logout();
}

/** `fetch` with `Authorization: Bearer`; on a 401 `invalid_token` it refreshes once
 * and retries, so bodies must be re-sendable (strings, FormData, URLSearchParams).
 * The token goes only to the API's own origin (`baseUrl`): any other URL is
 * fetched as it is, so a third party never sees it. */
export async function fetch(input, init = {}) {
  if (!isApiUrl(input)) return globalThis.fetch(input, init);
  const send = (bearer) => {
    const headers = new Headers(init.headers);
    if (bearer) headers.set('Authorization', `Bearer ${bearer}`);
    return globalThis.fetch(input, { ...init, headers });
  };
  const sent = await getToken();
  const res = await send(sent);
  if (res.status !== 401 || !sent || !(await isInvalidToken(res))) return res;
  const fresh = token !== sent ? token : await refresh().catch(() => null);
  return fresh ? send(fresh) : res;
}

async function isInvalidToken(res) {
  const body = await res.clone().json().catch(() => ({}));
  return body.code === 'invalid_token';
}

function openChannel() {
  channel?.close();
  channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`${opts.name}:${opts.baseUrl}`) : null;
  if (channel) channel.onmessage = ({ data }) => onMessage(data);
}

function onMessage(data) {
  // Once logged out, only a login (not a late refresh) brings this tab back.
  if (data?.type === 'token' && typeof data.token === 'string' && (status !== 'out' || data.kind === 'login')) {
    adopt(data.token, data.expiresInMs, data.kind === 'login' ? 'login' : 'refresh', 'other-tab');
  } else if (data?.type === 'logout') {
    endLocal(data.code, 'other-tab');
  }
}

// A tab coming back from the background may have slept through its timer.
if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && token && deadline - now() < lifetime / 5) {
      refresh().catch(() => {});
    }
  });
}

openChannel();

/** React Admin's auth provider: `<Admin authProvider={authProvider()}>`. */
export function authProvider(options = {}) {
  if (Object.keys(options).length) configure(options);
  return {
    // A user with a second factor: the first call rejects with `mfaRequired: true`
    // (code `mfa_required`); the login page then asks for the code and calls
    // `login({ code })` (or sends `code` with the username and password at once).
    login: async ({ username, password, code }) => {
      if (code && codeNeeded()) return verifyCode(code).then(() => undefined);
      const signedIn = await login(username, password, code ? { otp: code } : {});
      if (signedIn?.codeNeeded) {
        throw Object.assign(new Error('A one-time code is required.'), { code: 'mfa_required', mfaRequired: true });
      }
      return undefined;
    },
    logout: () => logout().catch(() => undefined),
    // React Admin logs out when this rejects, so an unreachable server is waited out, not a reason.
    checkAuth: async () => {
      await getToken();
      if ((await settled()) !== 'in') throw new Error('Not logged in');
    },
    // A 401 the refresh could not cure ends the session; while the server is
    // only unreachable or busy the session stays, and React Admin shows the error.
    checkError: async (error) => {
      if ((error?.status ?? error?.response?.status) !== 401) return;
      if (status === 'in') await refresh().catch(() => {});
      if (status !== 'in') throw new Error('Session ended');
    },
    getIdentity: async () => {
      const res = await fetch(`${opts.baseUrl}/user/me`);
      if (!res.ok) throw await failure(res);
      const me = await res.json();
      return { id: me.username, fullName: me.full_name || me.username, ...me };
    },
    getPermissions: async () => ((await getToken()) ? (claims().admin ? 'admin' : 'user') : null),
  };
}
