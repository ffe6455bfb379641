// demo-mfa.js: the demo page's second factor, built only on latchkey.js: the code
// prompt of a sign-in that needs one, and the account card that turns it on
// (QR code, confirm, recovery codes shown once) and off.
import * as latchkey from './latchkey.js';

const $ = (id) => document.getElementById(id);

function show(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

function say(text, ok) {
  $('mfa-message').className = ok ? 'message ok' : 'message error';
  show($('mfa-message'), text);
}

/** A sign-in answered "code needed": the password form gives way to the code form. */
export function askForCode() {
  $('login-form').hidden = true;
  $('code-form').hidden = false;
  show($('code-error'), '');
  $('code').value = '';
  $('code').focus();
}

/** Back to the password form (signed out, or "start over"). */
export function resetSignIn() {
  $('code-form').hidden = true;
  $('login-form').hidden = false;
}

/** Signed out: the recovery codes and the pending key leave the page. */
export function forgetMfa() {
  $('mfa-recovery-codes').replaceChildren();
  $('mfa-recovery').hidden = true;
  $('mfa-secret').textContent = '';
  $('mfa-qr').removeAttribute('src');
  $('mfa-confirm-form').hidden = true;
  say('');
}

async function submitCode(event) {
  event.preventDefault();
  const button = event.target.querySelector('button[type=submit]');
  button.disabled = true;
  show($('code-error'), '');
  try {
    await latchkey.verifyCode($('code').value);
    resetSignIn();
  } catch (e) {
    const wait = e.retryAfter ? ` Try again in ${e.retryAfter} s.` : '';
    show($('code-error'), e.code === 'invalid_code' ? 'That code is not right, or was already used.' : `${e.message}${wait}`);
  }
  button.disabled = false;
}

/** Shows the card as the server says the factor stands. */
export async function loadMfa() {
  try {
    const state = await latchkey.mfa.status();
    $('mfa-status').textContent = state.totp
      ? `On: sign-in asks for a code. ${state.recovery_codes_left} recovery code(s) left.`
      : 'Off: sign-in needs only your password.';
    $('mfa-enrol-form').hidden = state.totp;
    $('mfa-remove-form').hidden = !state.totp;
    $('mfa-confirm-form').hidden = true;
  } catch (e) {
    say(`Could not load the second factor: ${e.message}`, false);
  }
}

async function enrol(event) {
  event.preventDefault();
  say('');
  $('mfa-recovery').hidden = true;
  try {
    const pending = await latchkey.mfa.enrol($('mfa-password').value);
    event.target.reset();
    $('mfa-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(pending.qr_svg)}`;
    $('mfa-secret').textContent = pending.secret;
    $('mfa-enrol-form').hidden = true;
    $('mfa-confirm-form').hidden = false;
    $('mfa-code').focus();
  } catch (e) {
    say(e.code === 'invalid_credentials' ? 'The current password is not right.' : e.message, false);
  }
}

async function confirm(event) {
  event.preventDefault();
  say('');
  try {
    const codes = await latchkey.mfa.confirm($('mfa-code').value);
    event.target.reset();
    $('mfa-recovery-codes').replaceChildren(...codes.map((code) => {
      const item = document.createElement('li');
      item.textContent = code;
      return item;
    }));
    $('mfa-recovery').hidden = false;
    say('Two-step sign-in is on. Your other sessions were signed out.', true);
    await loadMfa();
  } catch (e) {
    say(e.code === 'invalid_code' ? 'That code is not right; try the one shown now.' : e.message, false);
  }
}

async function remove(event) {
  event.preventDefault();
  say('');
  try {
    await latchkey.mfa.remove($('mfa-remove-password').value, $('mfa-remove-code').value);
    event.target.reset();
    $('mfa-recovery').hidden = true;
    say('Two-step sign-in is off. Your other sessions were signed out.', true);
    await loadMfa();
  } catch (e) {
    const why = { invalid_credentials: 'The current password is not right.', invalid_code: 'That code is not right, or was already used.' };
    say(why[e.code] || e.message, false);
  }
}

$('code-form').addEventListener('submit', submitCode);
$('code-cancel').addEventListener('click', resetSignIn);
$('mfa-enrol-form').addEventListener('submit', enrol);
$('mfa-confirm-form').addEventListener('submit', confirm);
$('mfa-remove-form').addEventListener('submit', remove);
