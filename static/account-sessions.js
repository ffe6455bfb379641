// account-sessions.js: the "Your sessions" card: every live session of the user, this
// device marked; end one, or every other one (this one stays).
import * as latchkey from './latchkey.js';
import { $, report, say, sessionItem, show } from './account-ui.js';

let sessions = [];
const GONE = { not_found: 'That session had already ended.' };

export function forgetSessions() {
  sessions = [];
  $('sessions').replaceChildren();
  show($('sessions-message'), '');
}

export async function loadSessions() {
  try {
    sessions = await latchkey.request('/user/sessions');
  } catch (e) {
    report($('sessions-message'), e);
    return;
  }
  $('sessions').replaceChildren(...sessions.map((session) => sessionItem(session, { signOut: true })));
  $('end-others').hidden = !sessions.some((s) => !s.current);
}

const end = (id) => latchkey.request(`/user/sessions/${encodeURIComponent(id)}`, 'DELETE');

async function endOne(li) {
  if (li.classList.contains('current')) {
    await latchkey.logout().catch(() => {});
    return;
  }
  try {
    await end(li.dataset.session);
    say($('sessions-message'), 'Session ended.', true);
  } catch (e) {
    report($('sessions-message'), e, GONE);
  }
  await loadSessions();
  // The button that had the focus is gone with its row: keep the keyboard in this card.
  $('sessions-heading').focus();
}

async function endOthers() {
  const others = sessions.filter((s) => !s.current);
  const results = await Promise.allSettled(others.map((s) => end(s.id)));
  const failed = results.find((r) => r.status === 'rejected' && r.reason?.code !== 'not_found');
  if (failed) report($('sessions-message'), failed.reason);
  else say($('sessions-message'), `Ended ${others.length} other session${others.length === 1 ? '' : 's'}.`, true);
  await loadSessions();
  $('sessions-heading').focus();
}

$('sessions').addEventListener('click', (e) => {
  const button = e.target.closest('button');
  if (button) endOne(button.closest('li'));
});
$('end-others').addEventListener('click', endOthers);
$('sessions-reload').addEventListener('click', () => {
  show($('sessions-message'), '');
  loadSessions();
});
