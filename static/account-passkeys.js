// account-passkeys.js: the "Passkeys" card, built on latchkey.passkeys and
// latchkey.registerPasskey: the list (name, added, last used); add one (a name, the
// current password, and a code while an authenticator app is on); rename one; remove
// one (the current password). Adding or removing ends the user's other sessions.
import * as latchkey from './latchkey.js';
import { $, element, report, say, show, submitting, when } from './account-ui.js';

const message = () => $('passkeys-message');
const WORDS = {
  passkey_exists: 'This device already holds a passkey for your account: it is in the list.',
  not_found: 'That passkey was already removed. The list shows what is there now.',
};
let items = [];

export function forgetPasskeys() {
  items = [];
  $('passkeys-list').replaceChildren();
  $('passkey-add-form').reset();
  show(message(), '');
}

// account-mfa.js says whether an authenticator app is on: adding a passkey then needs a code.
document.addEventListener('latchkey:mfa', (event) => {
  $('passkey-code-field').hidden = !event.detail.totp;
  $('passkey-code').required = event.detail.totp;
});

export async function loadPasskeys() {
  const supported = latchkey.webauthn.supported();
  $('passkey-add-form').hidden = !supported;
  $('passkeys-unsupported').hidden = supported;
  try {
    items = await latchkey.passkeys.list();
  } catch (e) {
    report(message(), e, WORDS);
    return;
  }
  $('passkeys-list').replaceChildren(...(items.length ? items.map(passkeyItem) : [element('li', 'muted', 'No passkeys yet.')]));
}

function passkeyItem(item) {
  const li = element('li');
  li.dataset.passkey = item.id;
  const text = element('div');
  const used = item.last_used_at ? `last used ${when(item.last_used_at)}` : 'never used to sign in';
  text.append(element('strong', '', item.name), element('span', 'muted small', `Added ${when(item.created_at)} · ${used}`));
  const buttons = element('div', 'row');
  for (const [action, words, className] of [['rename', 'Rename', 'link'], ['remove', 'Remove', 'danger']]) {
    const button = element('button', className, words);
    button.type = 'button';
    button.dataset.action = action;
    button.setAttribute('aria-label', `${words} the passkey ${item.name}`);
    buttons.append(button);
  }
  li.append(text, buttons);
  return li;
}

/** The one open rename or remove form, in the row of its passkey. */
function closeEdit() {
  document.querySelector('#passkeys-list form')?.remove();
}

function editForm(li, item, action) {
  closeEdit();
  const rename = action === 'rename';
  const form = element('form', 'passkey-edit');
  form.noValidate = true;
  const input = element('input');
  Object.assign(input, rename
    ? { id: 'passkey-new-name', name: 'name', value: item.name, maxLength: 64, autocomplete: 'off' }
    : { id: 'passkey-remove-password', name: 'current_password', type: 'password', autocomplete: 'current-password' });
  input.required = true;
  input.setAttribute('aria-describedby', `${input.id}-error`);
  const label = element('label', '', rename ? `New name for ${item.name}` : `Current password, to remove ${item.name}`);
  label.htmlFor = input.id;
  const error = element('p', 'field-error');
  error.id = `${input.id}-error`;
  error.hidden = true;
  const submit = element('button', rename ? 'primary' : 'danger', rename ? 'Save the name' : 'Remove the passkey');
  submit.type = 'submit';
  const cancel = element('button', 'link', 'Cancel');
  cancel.type = 'button';
  cancel.addEventListener('click', () => {
    form.remove();
    li.querySelector(`button[data-action="${action}"]`)?.focus();
  });
  const row = element('div', 'row');
  row.append(submit, cancel);
  form.append(label, input, error, row);
  form.addEventListener('submit', (event) => submitting(event, message(), async () => {
    if (rename) {
      const renamed = await latchkey.passkeys.rename(item.id, input.value.trim());
      say(message(), `Renamed to ${renamed.name}.`, true);
    } else {
      await latchkey.passkeys.remove(item.id, input.value);
      say(message(), `The passkey ${item.name} is removed. Your other sessions were signed out.`, true);
    }
    await loadPasskeys();
    $('passkeys-heading').focus();
  }, WORDS));
  li.append(form);
  input.focus();
  if (rename) input.select();
}

$('passkeys-list').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  const li = button?.closest('li');
  const item = li && items.find((p) => p.id === li.dataset.passkey);
  if (item) editForm(li, item, button.dataset.action);
});

$('passkey-add-form').addEventListener('submit', (event) => submitting(event, message(), async () => {
  const name = $('passkey-name').value.trim();
  if (!name) {
    $('passkey-name').setAttribute('aria-invalid', 'true');
    show($('passkey-name-error'), 'Give the passkey a name, such as the device it is on.');
    $('passkey-name').focus();
    return;
  }
  const code = $('passkey-code-field').hidden ? undefined : $('passkey-code').value;
  const added = await latchkey.registerPasskey(name, { currentPassword: $('passkey-password').value, code }).catch((e) => {
    // A 400 refusal of the browser's answer (a 422 names its field and stays as it is).
    if (e.status === 400 && e.code === 'invalid_request') {
      e.message = `The server did not accept this passkey (${e.message}). It may already be registered, or the request took too long: try again.`;
    }
    throw e;
  });
  event.target.reset();
  say(message(), `The passkey ${added.name} is added: you can sign in with it now. Your other sessions were signed out.`, true);
  await loadPasskeys();
}, WORDS));
