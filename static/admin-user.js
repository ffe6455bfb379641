// admin-user.js: the card of one user in the console: details, groups, role and status
// (PATCH), a new password, the second factor, the passkeys (removed after a confirmation),
// the user's sessions, and deleting the user after a confirmation.
import * as latchkey from './latchkey.js';
import { $, element, report, say, sessionItem, show, submitting, when } from './account-ui.js';

/** How the console words what the admin API refuses. */
export const ADMIN_WORDS = {
  conflict: (e) => `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}.`.replace(/\.\.$/, '.'),
  not_found: 'That user no longer exists: it may have been deleted meanwhile.',
};

export const shortDate = (iso) => (iso ? new Date(iso).toLocaleDateString() : '');

/** "ops, dev-team" or "ops dev-team" as a list. */
export const groupList = (text) => text.split(/[\s,]+/).filter(Boolean);

const url = (username, tail = '') => `/admin/users/${encodeURIComponent(username)}${tail}`;
let user = null; // the record on the card
let backToList = () => {};

/** Opens the card of `username` in place of the list; `back(name)` returns to it. */
export async function openUser(username, back) {
  backToList = back;
  let record;
  try {
    record = await latchkey.request(url(username));
  } catch (e) {
    report($('users-message'), e, ADMIN_WORDS);
    return;
  }
  for (const id of ['user-message', 'edit-message', 'set-password-message', 'user-mfa-message', 'user-passkeys-message', 'user-sessions-message', 'delete-message']) {
    show($(id), '');
  }
  $('set-password-form').reset();
  confirmDelete(false);
  confirmPasskeys(false);
  fill(record);
  $('users-card').hidden = true;
  $('user-card').hidden = false;
  $('user-heading').focus();
  await loadSessions();
}

function fill(record) {
  user = record;
  $('user-heading').textContent = record.username;
  $('user-facts').textContent = `${record.admin ? 'Admin' : 'User'} · ${record.disabled ? 'disabled' : 'enabled'} · created ${when(record.created_at)}`;
  $('edit-email').value = record.email ?? '';
  $('edit-full-name').value = record.full_name ?? '';
  $('edit-groups').value = (record.groups ?? []).join(', ');
  $('edit-admin').checked = record.admin;
  $('edit-disabled').checked = record.disabled;
  $('user-mfa-status').textContent = record.mfa
    ? 'On: signing in asks for a code from an authenticator app. Removing it ends the user\'s sessions.'
    : 'Off: signing in needs only the password.';
  $('user-mfa-remove').hidden = !record.mfa;
  const keys = record.passkeys ?? 0;
  $('user-passkeys-status').textContent = keys
    ? `${keys} passkey${keys === 1 ? '' : 's'}: each signs in alone, with the device's screen lock or a security key.`
    : 'None.';
  $('user-passkeys-remove').hidden = !keys;
  $('passkeys-question').textContent = `Remove ${keys === 1 ? 'the passkey' : `all ${keys} passkeys`} of ${record.username}? Their sessions end at once.`;
  $('delete-question').textContent = `Delete ${record.username} for good? Their sessions end at once.`;
  $('delete-yes').textContent = `Delete ${record.username}`;
}

$('user-close').addEventListener('click', () => backToList(user?.username));

$('edit-form').addEventListener('submit', (event) => submitting(event, $('edit-message'), async () => {
  const body = {
    email: $('edit-email').value.trim() || null,
    full_name: $('edit-full-name').value.trim() || null,
    groups: groupList($('edit-groups').value),
    admin: $('edit-admin').checked,
    disabled: $('edit-disabled').checked,
  };
  fill(await latchkey.request(url(user.username), 'PATCH', body));
  say($('edit-message'), 'Changes saved.', true);
  await loadSessions();
}, ADMIN_WORDS));

$('set-password-form').addEventListener('submit', (event) => submitting(event, $('set-password-message'), async () => {
  await latchkey.request(url(user.username), 'PATCH', { password: $('set-password').value });
  event.target.reset();
  say($('set-password-message'), `Password set. ${user.username}'s sessions were ended.`, true);
  await loadSessions();
}, ADMIN_WORDS));

$('user-mfa-remove').addEventListener('click', async () => {
  try {
    await latchkey.request(url(user.username, '/mfa'), 'DELETE');
    fill({ ...user, mfa: false });
    say($('user-mfa-message'), 'The second factor is removed; signing in needs only the password now.', true);
  } catch (e) {
    report($('user-mfa-message'), e, ADMIN_WORDS);
  }
  // The button is gone: keep the keyboard in this part of the card.
  $('user-mfa-heading').focus();
  await loadSessions();
});

function confirmPasskeys(open) {
  $('passkeys-confirm').hidden = !open;
  $('user-passkeys-remove').setAttribute('aria-expanded', String(open));
  if (open) $('passkeys-no').focus();
}

$('user-passkeys-remove').addEventListener('click', () => confirmPasskeys($('passkeys-confirm').hidden));
$('passkeys-no').addEventListener('click', () => {
  confirmPasskeys(false);
  $('user-passkeys-remove').focus();
});
$('passkeys-yes').addEventListener('click', async () => {
  try {
    await latchkey.request(url(user.username, '/passkeys'), 'DELETE');
    fill({ ...user, passkeys: 0 });
    say($('user-passkeys-message'), `The passkeys of ${user.username} are removed, and their sessions ended.`, true);
  } catch (e) {
    report($('user-passkeys-message'), e, ADMIN_WORDS);
  }
  confirmPasskeys(false);
  // The buttons are gone: keep the keyboard in this part of the card.
  $('user-passkeys-heading').focus();
  await loadSessions();
});

function confirmDelete(open) {
  $('delete-confirm').hidden = !open;
  $('user-delete').setAttribute('aria-expanded', String(open));
  if (open) $('delete-no').focus();
}

$('user-delete').addEventListener('click', () => confirmDelete($('delete-confirm').hidden));
$('delete-no').addEventListener('click', () => {
  confirmDelete(false);
  $('user-delete').focus();
});
$('delete-yes').addEventListener('click', async () => {
  try {
    await latchkey.request(url(user.username), 'DELETE');
  } catch (e) {
    report($('delete-message'), e, ADMIN_WORDS);
    return;
  }
  const gone = user.username;
  await backToList();
  say($('users-message'), `User ${gone} deleted.`, true);
});

// The user's sessions: every browser or app signed in as them; an admin may end one.
async function loadSessions() {
  let sessions;
  try {
    sessions = await latchkey.request(url(user.username, '/sessions'));
  } catch (e) {
    $('user-sessions').replaceChildren();
    report($('user-sessions-message'), e, {
      ...ADMIN_WORDS,
      not_found: 'The sessions of a user are not available from this server (it has no /admin/users/{username}/sessions route).',
    });
    return;
  }
  if (!sessions.length) {
    $('user-sessions').replaceChildren(element('li', 'muted', 'No live sessions.'));
    return;
  }
  $('user-sessions').replaceChildren(...sessions.map((session) => sessionItem(session)));
}

$('user-sessions').addEventListener('click', async (e) => {
  const li = e.target.closest('button')?.closest('li');
  if (!li) return;
  try {
    await latchkey.request(url(user.username, `/sessions/${encodeURIComponent(li.dataset.session)}`), 'DELETE');
    say($('user-sessions-message'), 'Session ended.', true);
  } catch (e2) {
    report($('user-sessions-message'), e2, { ...ADMIN_WORDS, not_found: 'That session had already ended.' });
  }
  await loadSessions();
  $('user-sessions-heading').focus();
});
$('user-sessions-reload').addEventListener('click', () => {
  show($('user-sessions-message'), '');
  loadSessions();
});
