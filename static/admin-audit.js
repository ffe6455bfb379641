// admin-audit.js: the audit trail (filters by user, event and time; paging) and a chart
// of sign-ins and failures per hour over the last 24 hours or 7 days, drawn as SVG; each
// bar names its numbers, and a table under the chart holds them all.
import * as latchkey from './latchkey.js';
import { $, element, report, show } from './account-ui.js';
import { Listing, cell } from './admin-table.js';
import { ADMIN_WORDS } from './admin-user.js';

const EVENTS = [
  'login_ok', 'login_failed', 'login_throttled', 'login_code_required', 'refresh_reuse_detected', 'logout',
  'logout_all', 'session_ended', 'sessions_revoked', 'password_changed', 'password_change_failed', 'user_created',
  'user_disabled', 'user_enabled', 'user_deleted', 'user_role_changed', 'user_renamed', 'groups_changed',
  'key_rotated', 'key_revoked', 'mfa_enrolled', 'mfa_confirmed', 'mfa_removed', 'mfa_recovery_code_used',
  'mfa_code_failed',
];
$('audit-event').append(...EVENTS.map((name) => {
  const option = element('option', '', name.replaceAll('_', ' '));
  option.value = name;
  return option;
}));

function row(entry) {
  const tr = element('tr');
  tr.append(cell(new Date(entry.at).toLocaleString()), cell(entry.event.replaceAll('_', ' ')), cell(entry.username),
    cell(entry.actor), cell(entry.address), cell(entry.reason));
  return tr;
}

export const audit = new Listing({
  path: '/admin/audit', table: 'audit-table', pager: 'audit-pager', message: 'audit-message',
  row, sort: 'at', order: 'DESC', what: 'events',
});

$('audit-filters').addEventListener('submit', (e) => {
  e.preventDefault();
  const hours = Number($('audit-since').value);
  audit.filter({
    username: $('audit-username').value.trim(),
    event: $('audit-event').value,
    since: hours ? new Date(Date.now() - hours * 3600e3).toISOString().replace(/\.\d+Z$/, 'Z') : '',
  });
});
for (const id of ['audit-event', 'audit-since']) {
  $(id).addEventListener('change', () => $('audit-filters').requestSubmit());
}

// The chart: one column per hour, sign-ins and failures side by side.
const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 120;

function svg(tag, attributes, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  if (text) el.textContent = text;
  return el;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const hourLabel = (iso, long) => new Date(iso).toLocaleString([], long
  ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
  : { hour: '2-digit', minute: '2-digit' });

function draw(hours, span) {
  const top = Math.max(1, ...hours.map((h) => Math.max(h.sign_ins, h.failures)));
  const width = hours.length * 10;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', 'aria-labelledby': 'chart-summary', preserveAspectRatio: 'none',
  });
  hours.forEach((hour, i) => {
    const group = svg('g', { class: 'hour' });
    const said = `${hourLabel(hour.hour, span > 24)}: ${plural(hour.sign_ins, 'sign-in')}, ${plural(hour.failures, 'failure')}`;
    group.append(svg('title', {}, said));
    group.append(svg('rect', { class: 'slot', x: i * 10, y: 0, width: 10, height: HEIGHT }));
    for (const [n, kind, dx] of [[hour.sign_ins, 'ok', 1], [hour.failures, 'fail', 5]]) {
      const h = (n / top) * (HEIGHT - 4);
      group.append(svg('rect', { class: `bar ${kind}`, x: i * 10 + dx, y: HEIGHT - h, width: 4, height: h }));
    }
    chart.append(group);
  });
  chart.append(svg('line', { class: 'axis', x1: 0, x2: width, y1: HEIGHT, y2: HEIGHT }));
  return chart;
}

export async function loadChart() {
  const span = Number(document.querySelector('input[name="chart-hours"]:checked').value);
  let hours;
  try {
    hours = await latchkey.request(`/admin/audit/hourly?hours=${span}`);
  } catch (e) {
    $('chart').replaceChildren();
    $('chart-table').querySelector('tbody').replaceChildren();
    show($('chart-summary'), '');
    report($('chart-message'), e, {
      ...ADMIN_WORDS,
      not_found: 'The hourly numbers are not available from this server (it has no /admin/audit/hourly route).',
    });
    return;
  }
  show($('chart-message'), '');
  const sum = (key) => hours.reduce((total, h) => total + h[key], 0);
  show($('chart-summary'), `${span > 24 ? 'Last 7 days' : 'Last 24 hours'}: ${plural(sum('sign_ins'), 'sign-in')} and ${plural(sum('failures'), 'failure')} in all, one bar per hour.`);
  $('chart').replaceChildren(draw(hours, span));
  // The ends of the time axis, as text under the chart (SVG text would stretch with it).
  $('chart-from').textContent = hours.length ? hourLabel(hours[0].hour, true) : '';
  $('chart-to').textContent = hours.length ? hourLabel(hours.at(-1).hour, true) : '';
  $('chart-table').querySelector('tbody').replaceChildren(...hours.map((hour) => {
    const tr = element('tr');
    tr.append(cell(hourLabel(hour.hour, true)), cell(hour.sign_ins), cell(hour.failures));
    return tr;
  }));
}

for (const radio of document.querySelectorAll('input[name="chart-hours"]')) radio.addEventListener('change', loadChart);

export const loadAudit = () => Promise.all([audit.load(), loadChart()]);

export function forgetAudit() {
  $('audit-table').querySelector('tbody').replaceChildren();
  $('chart').replaceChildren();
  $('chart-table').querySelector('tbody').replaceChildren();
  show($('chart-summary'), '');
}
