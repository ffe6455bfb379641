// account.js: the account page at `/`, written only with latchkey.js, as your own app
// would be: your details, your password (sign-in.js signs in and out; account-sessions.js
// account-mfa.js and account-passkeys.js keep their cards).
import * as latchkey from './latchkey.js';
import { $, report, say, show, submitting } from './account-ui.js';
import { startPage } from './sign-in.js';
import { forgetSessions, loadSessions } from './account-sessions.js';
import { forgetMfa, loadMfa } from './account-mfa.js';
import { forgetPasskeys, loadPasskeys } from './account-passkeys.js';

function forgetDetails() {
  for (const id of ['me-username', 'me-full-name', 'me-email', 'me-groups', 'me-role']) $(id).textContent = '';
  show($('me-error'), '');
  show($('password-message'), '');
  $('password-form').reset();
}

async function loadDetails() {
  show($('me-error'), '');
  try {
    const me = await latchkey.request('/user/me');
    $('me-username').textContent = me.username;
    $('me-full-name').textContent = me.full_name || '(not set)';
    $('me-email').textContent = me.email || '(not set)';
    $('me-groups').textContent = me.groups?.length ? me.groups.join(', ') : '(none)';
    $('me-role').textContent = me.admin ? 'admin' : 'user';
  } catch (e) {
    report($('me-error'), e);
  }
}

$('password-form').addEventListener('submit', (event) => submitting(event, $('password-message'), async () => {
  const body = { current_password: $('current-password').value, new_password: $('new-password').value };
  await latchkey.request('/user/password', 'POST', body);
  event.target.reset();
  say($('password-message'), 'Password changed. Your other sessions were signed out.', true);
  await loadSessions();
}));

startPage({
  content: $('account'),
  heading: $('account-heading'),
  load: () => Promise.all([loadDetails(), loadSessions(), loadMfa(), loadPasskeys()]),
  forget: () => {
    forgetDetails();
    forgetSessions();
    forgetMfa();
    forgetPasskeys();
  },
});
