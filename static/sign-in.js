// sign-in.js: what latchkey's own pages share around the session: the sign-in form (and
// its one-time-code step, and a passkey in its place), the status pill, the sign-out button, and the way back to the
// form when the session ends. A page gives what to show once signed in and what to
// forget once signed out.
import * as latchkey from './latchkey.js';
import { $, describe, inWords, show, submitting } from './account-ui.js';

// Why a session ended, by the code of the refresh that found it gone.
const ENDED = {
  expired: 'Your session expired. Please sign in again.',
  revoked: 'Your session was ended elsewhere: signed out on another device, by a password change, or by an administrator. Please sign in again.',
  reuse_detected: 'Your session was ended because its sign-in cookie was used from two places. Please sign in again.',
  user_disabled: 'Your account is disabled. Ask an administrator to enable it.',
  invalid_token: 'Your session was ended elsewhere. Please sign in again.',
};
const QUIET = new Set(['logout', 'not_found']); // a sign-out of your own, or no session to begin with
const LOGIN_WORDS = { invalid_credentials: 'Incorrect username or password.' };
const PASSKEY_WORDS = {
  invalid_credentials: 'That passkey was not accepted: it may have been removed from your account. Sign in with your password instead.',
};

// The forms, the same on every page: a page's `#sign-in` section has only its heading.
const FORMS = `
<p id="sign-in-notice" class="notice" role="alert" hidden></p>
<form id="login-form" autocomplete="on" novalidate>
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required aria-describedby="username-error">
  <p id="username-error" class="field-error" hidden></p>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="password-error">
  <p id="password-error" class="field-error" hidden></p>
  <button type="submit" class="primary">Sign in</button>
  <p id="login-error" class="error" role="alert" hidden></p>
</form>
<div id="passkey-sign-in" class="passkey-sign-in" hidden>
  <p class="muted small">Or, without typing a password:</p>
  <button id="passkey-button" type="button">Sign in with a passkey</button>
  <p id="passkey-error" class="error" role="alert" hidden></p>
</div>
<form id="code-form" autocomplete="off" novalidate hidden>
  <p id="code-hint" class="muted">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
  <label for="code">Code</label>
  <input id="code" name="code" autocomplete="one-time-code" required aria-describedby="code-hint code-error">
  <p id="code-error" class="field-error" role="alert" hidden></p>
  <div class="row">
    <button type="submit" class="primary">Verify</button>
    <button id="code-cancel" type="button" class="link">Start over</button>
  </div>
</form>`;

/** `content`: the element shown once signed in; `heading`: where the keyboard lands then;
 * `load()`: fills it; `forget()`: empties it again on sign-out. */
export function startPage({ content, heading, load, forget }) {
  let view = 'unknown'; // 'in' or 'out' once known
  $('sign-in').insertAdjacentHTML('beforeend', FORMS);

  function showSignIn(reason) {
    view = 'out';
    content.hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('state').className = 'pill';
    $('state').textContent = 'signed out';
    forget();
    codeStep(false);
    show($('sign-in-notice'), reason && !QUIET.has(reason) ? ENDED[reason] ?? `Your session ended (${reason}). Please sign in again.` : '');
    // The name stays for the next sign-in; the keyboard starts where typing is needed.
    ($('username').value ? $('password') : $('username')).focus();
  }

  async function showContent() {
    if (view === 'in') return;
    const fromForm = $('sign-in').contains(document.activeElement);
    view = 'in';
    $('sign-in').hidden = true;
    content.hidden = false;
    $('sign-out').hidden = false;
    $('state').className = 'pill on';
    $('state').textContent = `signed in as ${latchkey.claims()?.sub ?? '…'}`;
    // After a sign-in the form the keyboard was in is gone: start at the top of the content.
    if (fromForm || document.activeElement === document.body) heading.focus();
    await load();
  }

  /** The sign-in's second step (a code) in place of the password form, or back. */
  function codeStep(on) {
    $('login-form').hidden = on;
    $('passkey-sign-in').hidden = on || !latchkey.webauthn.supported();
    show($('passkey-error'), '');
    $('code-form').hidden = !on;
    $('code').value = '';
    show($('code-error'), '');
    $('code').removeAttribute('aria-invalid');
    if (on) $('code').focus();
  }

  $('login-form').addEventListener('submit', (event) => submitting(event, $('login-error'), async () => {
    show($('sign-in-notice'), ''); // read, and acted on
    const signedIn = await latchkey.login($('username').value, $('password').value);
    $('password').value = '';
    if (signedIn?.codeNeeded) codeStep(true);
  }, LOGIN_WORDS));

  // One gesture, two factors: the browser offers the passkeys it holds for this site.
  $('passkey-button').addEventListener('click', async () => {
    const button = $('passkey-button');
    if (button.getAttribute('aria-busy') === 'true') return;
    button.setAttribute('aria-busy', 'true');
    show($('sign-in-notice'), '');
    show($('login-error'), '');
    show($('passkey-error'), '');
    try {
      await latchkey.loginWithPasskey();
    } catch (e) {
      show($('passkey-error'), describe(e, PASSKEY_WORDS));
    } finally {
      button.setAttribute('aria-busy', 'false');
    }
  });

  $('code-form').addEventListener('submit', (event) => submitting(event, $('code-error'), async () => {
    await latchkey.verifyCode($('code').value);
  }));

  $('code-cancel').addEventListener('click', () => {
    codeStep(false);
    $('password').focus();
  });

  $('sign-out').addEventListener('click', () => {
    latchkey.logout().catch((e) => show($('sign-in-notice'), `You are signed out here, but the server did not hear it: ${describe(e)}`));
  });

  // An API call found the session gone (ended on another device, or by an administrator).
  document.addEventListener('latchkey:ended', () => {
    if (view !== 'in') return;
    latchkey.logout().catch(() => {});
    showSignIn('invalid_token');
  });

  /** A refresh that failed for now (busy, throttled, unreachable) is retried by latchkey.js. */
  function retrying(event) {
    const wait = inWords(Math.max(1, Math.round((event.retryInMs || 0) / 1000)));
    const why = { busy: 'The server is busy', throttled: 'The server asks to slow down', network: 'The server cannot be reached' };
    $('state').textContent = `${why[event.code] ?? `The server answered ${event.code}`}; trying again in ${wait}.`;
  }

  latchkey.onChange((event) => {
    if (event.type === 'logout') showSignIn(event.code);
    else if (event.type === 'retry') retrying(event);
    else {
      const said = `signed in as ${latchkey.claims()?.sub ?? '…'}`;
      // A live region: only a change is worth saying again (after a retry, or another user).
      if (view === 'in' && $('state').textContent !== said) $('state').textContent = said;
      showContent();
    }
  });

  // One refresh after the page loads brings back the session the cookie holds.
  latchkey.restore().then(
    (inSession) => { if (!inSession && view !== 'out') showSignIn(); },
    (e) => { $('state').textContent = `${describe(e)} Trying again…`; },
  );
}
