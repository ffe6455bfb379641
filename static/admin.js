// admin.js: the admin console at `/admin/`, written only with latchkey.js and the public
// JSON API, as any admin app would be: users (admin-users.js, admin-user.js), the audit
// trail and its chart (admin-audit.js), the signing keys (admin-keys.js). Its sections
// are `#users`, `#audit` and `#keys`; a signed-in user without the admin role sees that
// the console is for admins only, and no data.
import * as latchkey from './latchkey.js';
import { $ } from './account-ui.js';
import { startPage } from './sign-in.js';
import { forgetUsers, loadUsers } from './admin-users.js';
import { forgetAudit, loadAudit } from './admin-audit.js';
import { forgetKeys, loadKeys } from './admin-keys.js';

const VIEWS = { users: loadUsers, audit: loadAudit, keys: loadKeys };
let admin = false;

const viewOf = () => (location.hash.slice(1) in VIEWS ? location.hash.slice(1) : 'users');

/** Shows the section the address names, and loads it. */
function showView() {
  if (!admin) return Promise.resolve();
  const view = viewOf();
  for (const name of Object.keys(VIEWS)) $(`view-${name}`).hidden = name !== view;
  for (const link of $('views-nav').querySelectorAll('a')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  return VIEWS[view]();
}

function adminsOnly(on) {
  $('admins-only').hidden = !on;
  $('views-nav').hidden = on;
  if (on) for (const name of Object.keys(VIEWS)) $(`view-${name}`).hidden = true;
}

// The API answers 403 to a user who lost the admin role meanwhile.
document.addEventListener('latchkey:forbidden', () => {
  admin = false;
  adminsOnly(true);
});

window.addEventListener('hashchange', () => {
  showView();
  // A link of the menu moves the keyboard to the section it opened.
  if (document.activeElement?.closest('#views-nav')) $(`view-${viewOf()}`).querySelector('h2').focus();
});

startPage({
  content: $('console'),
  heading: $('console-heading'),
  load: () => {
    admin = Boolean(latchkey.claims()?.admin);
    adminsOnly(!admin);
    return showView();
  },
  forget: () => {
    admin = false;
    forgetUsers();
    forgetAudit();
    forgetKeys();
  },
});
