// admin-users.js: the console's user list: search, filters by group, role and status,
// sorting by a column, paging, and the form that creates a user. admin-user.js keeps the
// card of one user.
import * as latchkey from './latchkey.js';
import { $, element, say, show, submitting } from './account-ui.js';
import { Listing, cell } from './admin-table.js';
import { ADMIN_WORDS, groupList, openUser, shortDate } from './admin-user.js';

function row(user) {
  const tr = element('tr');
  tr.dataset.user = user.username;
  const name = element('td');
  const open = element('button', 'link', user.username);
  open.type = 'button';
  open.dataset.open = user.username;
  name.append(open);
  const status = [user.disabled ? 'disabled' : 'enabled', user.mfa ? 'second factor' : ''].filter(Boolean).join(', ');
  tr.append(name, cell(user.full_name), cell(user.email), cell(user.groups?.join(', ')),
    cell(user.admin ? 'admin' : 'user'), cell(status), cell(shortDate(user.created_at)));
  return tr;
}

export const users = new Listing({
  path: '/admin/users', table: 'users-table', pager: 'users-pager', message: 'users-message',
  row, sort: 'username', what: 'users',
});

export const loadUsers = () => users.load();

/** Back to the list from a user's card (after an edit or a delete, reloaded). */
export async function showList(focusUser) {
  $('user-card').hidden = true;
  $('users-card').hidden = false;
  await users.load();
  const button = focusUser && $('users-table').querySelector(`button[data-open="${CSS.escape(focusUser)}"]`);
  (button ?? $('users-heading')).focus();
}

$('users-table').addEventListener('click', (e) => {
  const button = e.target.closest('button[data-open]');
  if (button) openUser(button.dataset.open, showList);
});

$('user-filters').addEventListener('submit', (e) => {
  e.preventDefault();
  users.filter({
    q: $('users-q').value.trim(), group: $('users-group').value.trim(),
    admin: $('users-admin').value, disabled: $('users-disabled').value,
  });
});
// A choice in a list applies at once; typed text on Enter or with the button.
for (const id of ['users-admin', 'users-disabled']) {
  $(id).addEventListener('change', () => $('user-filters').requestSubmit());
}

function createForm(open) {
  $('create-form').hidden = !open;
  $('new-user').setAttribute('aria-expanded', String(open));
  if (open) $('create-username').focus();
}

$('new-user').addEventListener('click', () => {
  show($('create-message'), '');
  createForm($('create-form').hidden);
});
$('create-cancel').addEventListener('click', () => {
  createForm(false);
  $('new-user').focus();
});

$('create-form').addEventListener('submit', (event) => submitting(event, $('create-message'), async () => {
  const body = {
    username: $('create-username').value.trim(),
    password: $('create-password').value,
    admin: $('create-admin').checked,
    groups: groupList($('create-groups').value),
  };
  if ($('create-email').value.trim()) body.email = $('create-email').value.trim();
  if ($('create-full-name').value.trim()) body.full_name = $('create-full-name').value.trim();
  const user = await latchkey.request('/admin/users', 'POST', body);
  event.target.reset();
  say($('create-message'), `User ${user.username} created.`, true);
  await users.load();
}, ADMIN_WORDS));

/** Signed out: nothing of the list stays on the page. */
export function forgetUsers() {
  $('users-table').querySelector('tbody').replaceChildren();
  show($('users-pager').querySelector('.range'), '');
  $('create-form').reset();
  createForm(false);
  show($('create-message'), '');
  $('user-card').hidden = true;
  $('users-card').hidden = false;
}
