// account-ui.js: how latchkey's pages speak. Every API error becomes words a person can
// act on (a 422 beside the field it names, a 429 or 503 with its wait), and an access
// token the server no longer takes sends the page back to its sign-in form.
export const $ = (id) => document.getElementById(id);

export function show(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

/** A message that reads as a success (`ok`) or as an error. */
export function say(el, text, ok) {
  el.classList.toggle('ok', Boolean(ok));
  el.classList.toggle('error', !ok);
  show(el, text);
}

/** "45 seconds" or "5 minutes", for a Retry-After. */
export function inWords(seconds) {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** The words for a LatchkeyError; `words` may give its own for some codes (text, or a
 * function of the error). */
export function describe(error, words = {}) {
  const own = words[error.code];
  if (own) return typeof own === 'function' ? own(error) : own;
  const wait = error.retryAfter ? `Try again in ${inWords(error.retryAfter)}.` : 'Try again shortly.';
  if (error.code === 'network') return 'The server cannot be reached. Check your connection and try again.';
  if (error.status === 429) return `Too many failed attempts. ${wait}`;
  if (error.status === 503) return `The server is busy. ${wait}`;
  if (error.status === 409) return `That conflicts with your account as it is now: ${error.message}`;
  if (error.status === 404) return 'That was not found: it may have been removed meanwhile. Reload to see what is there now.';
  if (error.code === 'invalid_token') return 'Your session has ended. Please sign in again.';
  if (error.status >= 500) return 'Something went wrong on the server. Try again later.';
  return error.message || `The request failed (HTTP ${error.status}).`;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'unknown');

/** "Chrome 126 on Linux" from a user agent string, for a readable list. */
export function describeAgent(ua) {
  if (!ua) return 'Unknown client';
  const browser = [/Edg\/(\d+)/, /Firefox\/(\d+)/, /(?:Headless)?Chrome\/(\d+)/, /Version\/(\d+).*Safari/, /curl\/([\d.]+)/]
    .map((re) => ua.match(re)).find(Boolean);
  const names = { Edg: 'Edge', Firefox: 'Firefox', Chrome: 'Chrome', HeadlessChrome: 'Headless Chrome', Version: 'Safari', curl: 'curl' };
  const label = browser ? `${names[browser[0].split('/')[0]] || 'Browser'} ${browser[1]}` : ua.slice(0, 40);
  const os = ['Android', 'iPhone', 'iPad', 'Windows', 'Mac OS', 'Linux'].find((name) => ua.includes(name));
  return os ? `${label} on ${os.replace('Mac OS', 'macOS')}` : label;
}

export function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text) el.textContent = text;
  return el;
}

/** A session as a list item: the client, when and where it signed in, and a button to end
 * it. With `signOut`, the caller's own session (`current`) offers a sign-out instead. */
export function sessionItem(session, { signOut = false } = {}) {
  const li = element('li', session.current ? 'current' : '');
  li.dataset.session = session.id;
  const agent = describeAgent(session.user_agent);
  const title = element('strong', '', agent);
  if (session.current) title.append(' ', element('span', 'badge on', 'this device'));
  if (session.kind) title.append(' ', element('span', 'badge', session.kind));
  const facts = element('span', 'muted small',
    `Signed in ${when(session.created_at)} · last used ${when(session.last_used_at)} · from ${session.ip || 'an unknown address'}`);
  const text = element('div');
  text.append(title, facts, element('span', 'muted small agent', session.user_agent || ''));
  const mine = signOut && session.current;
  const button = element('button', mine ? '' : 'danger', mine ? 'Sign out' : 'End session');
  button.type = 'button';
  button.setAttribute('aria-label', mine
    ? 'Sign out on this device'
    : `End session of ${agent} from ${session.ip || 'an unknown address'}, last used ${when(session.last_used_at)}`);
  li.append(text, button);
  return li;
}

/** The server refused the access token even after a refresh: the session ended
 * elsewhere. sign-in.js listens and shows the sign-in form with a message. */
function checkEnded(error) {
  if (error.code === 'invalid_token') document.dispatchEvent(new CustomEvent('latchkey:ended'));
  // Not an admin (any more): the admin console says so in place of its data.
  if (error.status === 403) document.dispatchEvent(new CustomEvent('latchkey:forbidden'));
}

/** Shows `error` in `el` (and signs out when the session is gone). */
export function report(el, error, words) {
  checkEnded(error);
  say(el, describe(error, words), false);
}

// Codes that always concern one field, whatever the form: the field's API name.
const FIELD_OF_CODE = { invalid_credentials: 'current_password', invalid_code: 'code' };
const FIELD_WORDS = {
  invalid_credentials: 'The current password is not right.',
  invalid_code: 'That code is not right, or was already used.',
};

function labelOf(input) {
  return document.querySelector(`label[for="${input.id}"]`)?.textContent ?? input.name;
}

/** Puts `error` beside the input it concerns, if any: a 422 names the field in its
 * detail (`new_password must differ…`), a wrong password or code is its own field. */
function fieldError(form, error) {
  const inputs = [...form.elements].filter((el) => el.name);
  let input;
  let text;
  if (error.status === 422) {
    // An input may name the words its errors use (`data-field="group name"`).
    input = inputs.find((el) => new RegExp(`\\b${el.dataset.field ?? el.name}\\b`).test(error.message));
    text = input && `${error.message.replace(input.name, labelOf(input))}.`.replace(/\.\.$/, '.');
  } else if (FIELD_OF_CODE[error.code]) {
    input = inputs.find((el) => el.name === FIELD_OF_CODE[error.code]);
    text = FIELD_WORDS[error.code];
  }
  const slot = input && $(`${input.id}-error`);
  if (!slot) return false;
  input.setAttribute('aria-invalid', 'true');
  show(slot, text.charAt(0).toUpperCase() + text.slice(1));
  input.focus();
  return true;
}

function clearFieldErrors(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    const slot = $(`${input.id}-error`);
    if (slot) show(slot, '');
  }
}

/** Runs a form's `task` once at a time (the button keeps its focus: it is never
 * disabled); an error lands by its field, else in `message` in words. */
export async function submitting(event, message, task, words) {
  event.preventDefault();
  const form = event.target;
  if (form.getAttribute('aria-busy') === 'true') return;
  form.setAttribute('aria-busy', 'true');
  clearFieldErrors(form);
  show(message, '');
  try {
    await task();
  } catch (e) {
    checkEnded(e);
    if (!words?.[e.code] && fieldError(form, e)) return;
    say(message, describe(e, words), false);
  } finally {
    form.setAttribute('aria-busy', 'false');
  }
}
