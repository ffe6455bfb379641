// admin-table.js: a paged, sortable, filtered table of a list route (`/admin/users`,
// `/admin/audit`) in React Admin's terms: `_start`, `_end`, `_sort`, `_order`, the
// filters as they are, and the total from `X-Total-Count`.
import * as latchkey from './latchkey.js';
import { $, element, report, show } from './account-ui.js';

export const PAGE_SIZE = 10;

/** A table cell with `text` (or a dash when there is none). */
export function cell(text) {
  return element('td', '', text === null || text === undefined || text === '' ? '—' : String(text));
}

function button(text, step) {
  const el = element('button', '', text);
  el.type = 'button';
  el.dataset.page = step;
  return el;
}

export class Listing {
  /** `path`: the list route; `table`, `pager`, `message`: ids; `row(item)`: a `<tr>`;
   * `sort`, `order`: where the list starts; `what`: the plural noun, for the range. */
  constructor({ path, table, pager, message, row, sort, order = 'ASC', what }) {
    Object.assign(this, { path, row, sort, order, what, start: 0, total: 0, filters: {} });
    this.table = $(table);
    this.pager = $(pager);
    this.pager.append(element('p', 'range'), button('Previous page', -1), button('Next page', 1));
    this.pager.firstChild.setAttribute('aria-live', 'polite');
    this.message = $(message);
    this.table.querySelector('thead').addEventListener('click', (e) => {
      const th = e.target.closest('th[data-sort]');
      if (th && e.target.closest('button')) this.sortBy(th.dataset.sort);
    });
    this.pager.addEventListener('click', (e) => {
      // Not `disabled`: a button that keeps the keyboard's focus at the first or last page.
      const button = e.target.closest('button[data-page]');
      if (button && button.getAttribute('aria-disabled') !== 'true') this.go(this.start + Number(button.dataset.page) * PAGE_SIZE);
    });
    this.marks();
  }

  /** New filters (empty values dropped) from the first page on. */
  filter(filters) {
    this.filters = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '' && v != null));
    return this.go(0);
  }

  sortBy(field) {
    this.order = this.sort === field && this.order === 'ASC' ? 'DESC' : 'ASC';
    this.sort = field;
    this.marks();
    return this.go(0);
  }

  go(start) {
    this.start = Math.max(0, start);
    return this.load();
  }

  async load() {
    const query = new URLSearchParams({
      _start: this.start, _end: this.start + PAGE_SIZE, _sort: this.sort, _order: this.order, ...this.filters,
    });
    // Only the newest request is shown: filters changed quickly may answer out of order.
    const ticket = (this.ticket = (this.ticket ?? 0) + 1);
    let page;
    try {
      page = await latchkey.list(`${this.path}?${query}`);
    } catch (e) {
      if (ticket === this.ticket) report(this.message, e);
      return false;
    }
    if (ticket !== this.ticket) return false;
    show(this.message, '');
    // A page past the end (the last item of it was deleted meanwhile): back to the last one.
    if (!page.items.length && this.start > 0 && page.total > 0) return this.go(Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE);
    this.total = page.total;
    const body = this.table.querySelector('tbody');
    if (page.items.length) body.replaceChildren(...page.items.map(this.row));
    else {
      const empty = cell(`No ${this.what} match.`);
      empty.colSpan = this.table.querySelectorAll('thead th').length;
      body.replaceChildren(element('tr', 'empty'));
      body.firstChild.append(empty);
    }
    const last = this.start + page.items.length;
    show(this.pager.querySelector('.range'), page.total
      ? `${this.what[0].toUpperCase()}${this.what.slice(1)} ${this.start + 1}–${last} of ${page.total}`
      : `No ${this.what}`);
    const [prev, next] = this.pager.querySelectorAll('button');
    prev.setAttribute('aria-disabled', String(this.start === 0));
    next.setAttribute('aria-disabled', String(last >= page.total));
    return true;
  }

  /** `aria-sort` on the sorted column, and the buttons say what a click does. */
  marks() {
    for (const th of this.table.querySelectorAll('th[data-sort]')) {
      const on = th.dataset.sort === this.sort;
      if (on) th.setAttribute('aria-sort', this.order === 'ASC' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
      th.querySelector('button').dataset.arrow = on ? (this.order === 'ASC' ? '▲' : '▼') : '';
    }
  }
}
