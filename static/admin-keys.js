// admin-keys.js: the signing keys: id, algorithm, state (next, signing, retiring,
// revoked) and dates.
import * as latchkey from './latchkey.js';
import { $, element, report, show, when } from './account-ui.js';
import { cell } from './admin-table.js';
import { ADMIN_WORDS } from './admin-user.js';

const date = (iso) => (iso ? when(iso) : '');

export async function loadKeys() {
  let keys;
  try {
    keys = await latchkey.request('/admin/keys');
  } catch (e) {
    $('keys-table').querySelector('tbody').replaceChildren();
    report($('keys-message'), e, {
      ...ADMIN_WORDS,
      not_found: 'The signing keys are not available from this server (it has no /admin/keys route).',
    });
    return;
  }
  show($('keys-message'), keys.length ? '' : 'No signing keys: access tokens are signed with the server\'s secret (HS256). Keys are made when it runs with --jwt-alg EdDSA.');
  $('keys-table').querySelector('tbody').replaceChildren(...keys.map((key) => {
    const tr = element('tr', key.state);
    const kid = element('td');
    kid.append(element('code', '', key.kid));
    tr.append(kid, cell(key.alg), cell(key.state), cell(date(key.created_at)), cell(date(key.signs_from)), cell(date(key.retires_at)));
    return tr;
  }));
}

export const forgetKeys = () => $('keys-table').querySelector('tbody').replaceChildren();

$('keys-reload').addEventListener('click', loadKeys);
