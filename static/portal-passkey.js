// portal-passkey.js: the portal sign-in page's "Sign in with a passkey" button. The page
// works without it (the button stays hidden where the browser has no WebAuthn); with it,
// the browser offers its passkeys for this site, the portal sets its cookie, and the
// visitor goes on to where the form's `rd` (or the portal) says.
import { describe } from './account-ui.js';
import { LatchkeyError, webauthn } from './latchkey.js';

const $ = (id) => document.getElementById(id);
const WORDS = { invalid_credentials: 'Incorrect username or password' };

async function post(path, body) {
  const init = { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body) Object.assign(init, { headers: { ...init.headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new LatchkeyError(`Network error: ${e.message}`);
  }
  const answer = await res.json().catch(() => ({}));
  if (res.ok) return answer;
  const retry = Number(res.headers.get('Retry-After'));
  throw new LatchkeyError(typeof answer.detail === 'string' ? answer.detail : res.statusText, {
    status: res.status, code: answer.code || `http_${res.status}`, retryAfter: retry > 0 ? retry : null,
  });
}

async function signIn() {
  const begun = await post('/login/passkey');
  const credential = await webauthn.get(begun.options.publicKey);
  const rd = document.querySelector('form[action="/login"] input[name="rd"]')?.value;
  const done = await post('/login/passkey/finish', { challenge_id: begun.challenge_id, credential, ...(rd ? { rd } : {}) });
  location.assign(done.location);
}

const box = $('passkey-sign-in');
const button = $('passkey-button');
if (box && button && webauthn.supported()) {
  box.hidden = false;
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-busy') === 'true') return;
    button.setAttribute('aria-busy', 'true');
    // The error line exists only with the script: the page without it has no empty one.
    let error = $('passkey-error');
    if (!error) {
      error = Object.assign(document.createElement('p'), { id: 'passkey-error', className: 'error' });
      error.setAttribute('role', 'alert');
      box.append(error);
    }
    error.hidden = true;
    try {
      await signIn();
    } catch (e) {
      error.textContent = describe(e, WORDS);
      error.hidden = false;
    } finally {
      button.setAttribute('aria-busy', 'false');
    }
  });
}
