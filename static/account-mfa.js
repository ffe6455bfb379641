// account-mfa.js: the "Authenticator app" card, built on latchkey.mfa: its status; add
// one (the current password, then a QR code with its key as text, then a code to
// confirm, then the recovery codes, shown this once); remove it (password and a code).
import * as latchkey from './latchkey.js';
import { $, report, say, show, submitting } from './account-ui.js';

const message = () => $('mfa-message');

/** Signed out: the recovery codes and a pending key leave the page. */
export function forgetMfa() {
  $('mfa-recovery-codes').replaceChildren();
  $('mfa-recovery').hidden = true;
  forgetPending();
  show(message(), '');
}

function forgetPending() {
  $('mfa-secret').textContent = '';
  $('mfa-qr').removeAttribute('src');
  $('mfa-confirm-form').hidden = true;
}

/** Shows the card as the server says the factor stands. */
export async function loadMfa() {
  let state;
  try {
    state = await latchkey.mfa.status();
  } catch (e) {
    report(message(), e);
    return;
  }
  // The passkeys card asks for a code too while the factor is on.
  document.dispatchEvent(new CustomEvent('latchkey:mfa', { detail: { totp: state.totp } }));
  const left = state.recovery_codes_left;
  $('mfa-status').textContent = state.totp
    ? `On: signing in asks for a code from your app. ${left} recovery code${left === 1 ? '' : 's'} left.`
    : 'Off: signing in needs only your password.';
  $('mfa-enrol-form').hidden = state.totp || !$('mfa-confirm-form').hidden;
  $('mfa-remove-form').hidden = !state.totp;
}

$('mfa-enrol-form').addEventListener('submit', (event) => submitting(event, message(), async () => {
  $('mfa-recovery').hidden = true;
  const pending = await latchkey.mfa.enrol($('mfa-password').value);
  event.target.reset();
  $('mfa-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(pending.qr_svg)}`;
  $('mfa-secret').textContent = pending.secret;
  event.target.hidden = true;
  $('mfa-confirm-form').hidden = false;
  $('mfa-code').focus();
}));

$('mfa-confirm-form').addEventListener('submit', (event) => submitting(event, message(), async () => {
  const codes = await latchkey.mfa.confirm($('mfa-code').value);
  event.target.reset();
  forgetPending();
  $('mfa-recovery-codes').replaceChildren(...codes.map((code) => {
    const item = document.createElement('li');
    item.textContent = code;
    return item;
  }));
  $('mfa-recovery').hidden = false;
  $('mfa-recovery').focus();
  say(message(), 'The authenticator app is on. Your other sessions were signed out.', true);
  await loadMfa();
}));

$('mfa-cancel').addEventListener('click', () => {
  forgetPending();
  $('mfa-enrol-form').hidden = false;
  $('mfa-password').focus();
});

$('mfa-remove-form').addEventListener('submit', (event) => submitting(event, message(), async () => {
  await latchkey.mfa.remove($('mfa-remove-password').value, $('mfa-remove-code').value);
  event.target.reset();
  $('mfa-recovery').hidden = true;
  say(message(), 'The authenticator app is removed. Your other sessions were signed out.', true);
  await loadMfa();
  $('mfa-heading').focus();
}));
