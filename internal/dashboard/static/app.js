// ROMS dashboard: plain JavaScript over the public API. The view, its filters and the open
// order are in the address's fragment (#/orders?store=target, #/order/BBY01-1), so a page
// can be bookmarked and Back works; a fragment is never sent to any server.

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
};

const STATUSES = ['verified', 'pending', 'processing', 'unverified', 'review_hold', 'declined', 'cancelled',
  'shipped', 'delivered', 'received', 'returned', 'refunded'];
const PAGE = 50;

// api calls the API with the browser's session; a 401 asks for the token.
async function api(path, options = {}) {
  const resp = await fetch(path, { credentials: 'same-origin', ...options });
  if (resp.status === 401) {
    await signIn();
    return api(path, options);
  }
  const type = resp.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await resp.json() : await resp.text();
  if (!resp.ok) throw new Error((body && body.detail) || resp.statusText);
  return body;
}

function signIn() {
  const dialog = $('#login');
  return new Promise((resolve) => {
    $('#login-form').onsubmit = async (ev) => {
      ev.preventDefault();
      const token = new FormData(ev.target).get('token');
      const resp = await fetch('/api/v2/session', { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
      if (!resp.ok) { $('#login-error').textContent = 'That is not the token.'; return; }
      dialog.close();
      $('#logout').hidden = false;
      startLive();
      resolve();
    };
    if (!dialog.open) dialog.showModal();
  });
}

const money = (m, cur) => (m === null || m === undefined) ? '' : `${Number(m).toFixed(2)} ${cur || ''}`.trim();
// zone is ROMS's time zone (the timezone setting), which "today" and the totals use: every
// time is shown in it, not in the browser's.
let zone;
// One formatter a zone: making one for every date costs a millisecond each.
let dayFormat, dayZone;
const day = (t) => {
  if (!dayFormat || dayZone !== zone) {
    dayFormat = new Intl.DateTimeFormat([], { dateStyle: 'medium', timeStyle: 'short', timeZone: zone });
    dayZone = zone;
  }
  return dayFormat.format(new Date(t));
};

// ---- Orders ----
const state = { filter: {}, cursors: [''], page: 0, rows: new Map(), picked: new Set() };

function query(extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...state.filter, ...extra })) if (v) q.set(k, v);
  return q;
}

async function loadOrders() {
  const q = query({ limit: PAGE });
  if (state.cursors[state.page]) q.set('cursor', state.cursors[state.page]);
  state.pending = []; // live changes that arrive while the page is on its way
  const page = await api('/api/v2/orders?' + q).finally(() => { state.loaded = state.pending; state.pending = null; });
  state.cursors[state.page + 1] = page.next_cursor || '';
  const body = $('#order-table tbody');
  body.replaceChildren();
  state.rows.clear();
  for (const o of page.orders) body.append(orderRow(o));
  const first = state.page * PAGE + 1;
  $('#count').textContent = page.total === 0 ? 'No orders match.' :
    `${first}–${first + page.orders.length - 1} of ${page.total} orders`;
  $('#prev').disabled = state.page === 0;
  $('#next').disabled = !page.next_cursor;
  $('#export').href = '/api/v2/orders/export.csv?' + query();
  for (const change of state.loaded || []) live(change); // newer than the page: shown again
  state.loaded = null;
}

function orderRow(o) {
  const open = () => { location.hash = orderHash(o.order_number); };
  const row = el('tr', { tabindex: 0, 'data-number': o.order_number, onclick: open,
    onkeydown: (ev) => { if (ev.key === 'Enter') open(); } },
  el('td', { onclick: (ev) => ev.stopPropagation() }, el('input', { type: 'checkbox', class: 'pick', 'data-number': o.order_number,
    'aria-label': `Select ${o.order_number}`, onchange: updateBulk, checked: state.picked.has(o.order_number) })),
  el('td', {}, day(o.order_date)), el('td', { class: 'mono' }, o.order_number), el('td', {}, o.product),
  el('td', {}, o.store), el('td', {}, o.profile), el('td', { class: 'num' }, money(o.total, o.currency)),
  el('td', { onclick: (ev) => ev.stopPropagation() }, inlineStatus(o)),
  cell(o, 'tracking_numbers', o.tracking_number || '', (v) => ({ tracking_numbers: v.split(/[\s,]+/).filter(Boolean) })),
  cell(o, 'qty_received', String(o.qty_received), (v) => ({ qty_received: Number(v) }), `of ${o.quantity}`),
  cell(o, 'notes', o.notes || '', (v) => ({ notes: v })));
  state.rows.set(o.order_number, row);
  return row;
}

// inlineStatus changes an order's status from its row, as a spreadsheet's cell would. The
// list of statuses is made when the cell is first used: fifty rows of thirteen options
// each were a third of the list's first paint.
function inlineStatus(o) {
  const select = el('select', { class: 'inline status ' + o.status, 'aria-label': `Status of ${o.order_number}`,
    onchange: async (ev) => {
      try {
        await patch(o.order_number, { status: ev.target.value });
      } catch (err) {
        notice(`${o.order_number}: ${err.message}`);
      }
    } }, el('option', { value: o.status || '', selected: true }, o.status || '-'));
  const fill = () => {
    if (select.options.length > 1) return;
    const options = o.status ? STATUSES : ['', ...STATUSES];
    select.replaceChildren(...options.map((s) => el('option', { value: s, selected: s === (o.status || '') }, s || '-')));
  };
  select.addEventListener('pointerdown', fill);
  select.addEventListener('focus', fill);
  select.addEventListener('keydown', fill);
  return select;
}

// cell is a value edited in place, as in a spreadsheet: a click (or Enter) opens it,
// Enter or leaving it saves what changed, Escape puts it back. The saved order comes
// back on the live stream and redraws the row.
function cell(o, name, text, change, after = '') {
  const td = el('td', { class: 'cell', 'data-field': name, tabindex: 0, title: 'Click to edit' }, text, after && el('small', {}, ' ' + after));
  const open = (ev) => {
    ev.stopPropagation();
    if (td.querySelector('input')) return;
    const input = el('input', { value: text, inputmode: name === 'qty_received' ? 'numeric' : 'text', 'aria-label': `${fieldName(name)} of ${o.order_number}` });
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      const value = input.value.trim();
      td.replaceChildren(save ? value : text, after && el('small', {}, ' ' + after));
      if (!save || value === text) return;
      td.classList.add('saving');
      try {
        await patch(o.order_number, change(value));
      } catch (err) {
        td.replaceChildren(text, after && el('small', {}, ' ' + after));
        notice(`${o.order_number}: ${err.message}`);
      }
      td.classList.remove('saving');
    };
    input.onkeydown = (e) => {
      e.stopPropagation();
      if (e.key === 'Enter') finish(true);
      if (e.key === 'Escape') finish(false);
    };
    input.onblur = () => finish(true);
    input.onclick = (e) => e.stopPropagation();
    td.replaceChildren(input);
    input.focus();
    input.select();
  };
  td.onclick = open;
  td.onkeydown = (e) => { if (e.key === 'Enter') open(e); };
  return td;
}

// patch changes an order and redraws its row from the answer, not waiting for the live
// stream (which may not be connected yet, or at all behind some proxies).
const patch = async (number, change) => {
  const reply = await api('/api/v2/orders/' + encodeURIComponent(number),
    { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(change) });
  if (reply.order && state.rows.has(reply.order.order_number)) live({ type: 'updated', order: reply.order });
  return reply;
};

// ---- Bulk ----
function updateBulk(ev) {
  if (ev) (ev.target.checked ? state.picked.add(ev.target.dataset.number) : state.picked.delete(ev.target.dataset.number));
  $('#bulk').hidden = state.picked.size === 0;
  $('#bulk-count').textContent = `${state.picked.size} selected`;
  $('#bulk-export').href = '/api/v2/orders/export.csv?' + new URLSearchParams({ numbers: [...state.picked].join(','), ...(state.filter.deleted ? { deleted: 'true' } : {}) });
  $('#bulk-confirm').hidden = true;
}

// bulk applies fn to every selected order, one after another, and says how it went.
async function bulk(what, fn) {
  const numbers = [...state.picked];
  let failed = 0;
  for (const n of numbers) {
    try { await fn(n); } catch { failed++; }
  }
  state.picked.clear();
  updateBulk();
  notice(`${what}: ${numbers.length - failed} of ${numbers.length} orders` + (failed ? `; ${failed} could not be changed` : '') + '.',
    what === 'Deleted' ? ['Undo', () => bulkRestore(numbers)] : null);
  await loadOrders();
}

async function bulkRestore(numbers) {
  for (const n of numbers) await api('/api/v2/orders/' + encodeURIComponent(n) + '/restore', { method: 'POST' }).catch(() => {});
  notice(`Restored ${numbers.length} orders.`);
  await loadOrders();
}

// live applies an order change from the stream: a new order appears at the top of the
// first page of the newest-first list, a change redraws its row.
function live(change) {
  if (state.pending) { state.pending.push(change); return; }
  const o = change.order;
  const row = state.rows.get(o.order_number);
  if (row) {
    const fresh = orderRow(o);
    row.replaceWith(fresh);
    flash(fresh);
  } else if (change.type === 'created' && !state.rows.has(o.order_number) && state.page === 0 && (state.filter.sort || 'date_desc') === 'date_desc' && !Object.values({ ...state.filter, sort: '' }).some(Boolean)) {
    const fresh = orderRow(o);
    $('#order-table tbody').prepend(fresh);
    flash(fresh);
    const m = /of (\d+)/.exec($('#count').textContent);
    $('#count').textContent = m ? $('#count').textContent.replace(/of \d+/, `of ${Number(m[1]) + 1}`) : '1 order';
  }
  if (!$('#order').hidden && $('#order').dataset.number === o.order_number) openOrder(o.order_number);
}

function flash(row) {
  row.classList.add('new');
  setTimeout(() => row.classList.remove('new'), 4000);
}

let source;
function startLive() {
  if (source) source.close();
  source = new EventSource('/api/v2/live');
  source.addEventListener('open', () => $('#live').classList.add('on'));
  source.addEventListener('error', () => $('#live').classList.remove('on'));
  source.addEventListener('order', (ev) => live(JSON.parse(ev.data)));
  source.addEventListener('resync', () => { loadOrders(); setTimeout(startLive, 1000); });
}

// ---- One order ----
const orderHash = (number) => '#/order/' + encodeURIComponent(number);
let current; // the order on the page, as loaded: an edit sends only what differs from it

async function openOrder(number) {
  const path = '/api/v2/orders/' + encodeURIComponent(number);
  const [o, events, fee] = await Promise.all([api(path), api(path + '/events'),
    api('/api/v2/fees/' + encodeURIComponent(number)).catch(() => null)]);
  current = o;
  show('order');
  $('#order').dataset.number = o.order_number;
  $('#order-title').textContent = `Order ${o.order_number}`;
  const fields = [['Product', o.product], ['Status', o.status], ['Store', o.store], ['Ordered', day(o.order_date)],
    ['Price', money(o.price, o.currency)], ['Total', money(o.total, o.currency)], ['Commission', money(o.commission, o.currency)],
    ['Quantity', `${o.quantity} ordered, ${o.qty_received} received`],
    ['Profile', o.profile], ['Email', o.email], ['Customer', o.customer_name], ['Tracking', trackingLinks(o)],
    ['Reference #', o.reference_number], ['Payment', o.payment_method], ['Shipping address', o.shipping_address],
    ['Shipping method', o.shipping_method], ['Proxy', o.proxy_list], ['Notes', o.notes],
    ['Items', (o.items || []).map((i) => el('div', {}, `${i.quantity} × ${i.product}` + (i.price != null ? ` at ${money(i.price, o.currency)}` : '')))],
    ...Object.entries(o.extra || {}), ['Header', o.raw_header], ['Deleted', o.deleted_at ? day(o.deleted_at) : ''],
    ['Client\'s fee', fee ? el('a', { href: '#/clients', class: 'fee' }, `${cents(fee.amount, fee.currency)} ${fee.state}, ${fee.client}'s: ${fee.history[fee.history.length - 1].reason}`) : '']];
  $('#order-fields').replaceChildren(...fields.filter(([, v]) => v && (!Array.isArray(v) || v.length))
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const form = $('#edit');
  const options = o.status ? STATUSES : ['', ...STATUSES];
  form.status.replaceChildren(...options.map((s) => el('option', { value: s, selected: s === (o.status || '') }, s || '(none)')));
  form.qty_received.value = o.qty_received;
  form.price.value = o.price ?? '';
  form.notes.value = o.notes;
  form.tracking_number.value = '';
  $('#edit-error').textContent = '';
  $('#delete').hidden = !!o.deleted_at;
  $('#restore').hidden = !o.deleted_at;
  $('#confirm').hidden = true;
  $('#events').replaceChildren(...events.slice().reverse().map((e) => el('li', {},
    el('strong', {}, `${day(e.at)} ${e.type}`), ` by ${actorName(e.actor, e.origin)}`, messageLink(e.origin),
    el('ul', {}, e.changes.map((c) => el('li', {}, `${fieldName(c.field)}: ${fmt(c.old)} → ${fmt(c.new)}`))))));
}

// carriers' tracking pages, by the shape of the number (or the email's Carrier).
const carriers = [
  [/^1Z[0-9A-Z]{16}$/, 'https://www.ups.com/track?tracknum='], [/^TBA\d{12}$/, 'https://track.amazon.com/tracking/'],
  [/^9[1-5]\d{18,20}$|^[A-Z]{2}\d{9}US$/, 'https://tools.usps.com/go/TrackConfirmAction?tLabels='],
  [/^\d{12}$|^\d{15}$/, 'https://www.fedex.com/fedextrack/?trknbr='], [/^\d{10}$/, 'https://www.dhl.com/us-en/home/tracking.html?tracking-id='],
  [/^[CD]\d{14}$/, 'https://www.ontrac.com/tracking/?number='], [/^\d{16}$|^[A-Z]{2}\d{9}CA$/, 'https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor='],
  [/^[A-Z]{2}\d{9}GB$/, 'https://www.royalmail.com/track-your-item#/tracking-results/'],
];

function trackingLinks(o) {
  return (o.tracking_numbers || []).map((n) => {
    const c = carriers.find(([re]) => re.test(n));
    return c ? el('a', { href: c[1] + encodeURIComponent(n), target: '_blank', rel: 'noopener', class: 'mono' }, n, ' ') : el('span', { class: 'mono' }, n + ' ');
  });
}

// fieldName is a change's field as README names it, in words.
const fieldName = (f) => ({ raw_header: 'header', tracking_numbers: 'tracking numbers', qty_received: 'quantity received' }[f] || f.replaceAll('_', ' '));

// actorName says who made a change: which bot's message, which Discord user, which import.
function actorName(a, origin = {}) {
  if (!a) return 'ROMS';
  const [kind, ...rest] = a.split(':');
  const what = rest.join(':');
  const poster = origin.poster ? `${origin.poster}'s` : 'a';
  return ({
    api: () => 'the API or this dashboard', cli: () => 'the command line',
    message: () => what.startsWith('discord') || what.startsWith('backfill') ? `${poster} message in Discord` + (origin.message_id ? ` (${origin.message_id})` : '')
      : what.startsWith('http') ? `${poster} webhook post` : `${poster} ${what || 'webhook'} message`,
    'discord-user': () => `Discord user ${what}`, import: () => `import ${what}`,
    email: () => `an email to mailbox ${what}` + (origin.message_id ? ` (${origin.message_id})` : ''),
    undo: () => `undo of ${what}`, replay: () => `a replay (${what})`,
  }[kind] || (() => a))();
}

// messageLink opens the Discord message a change came from, when it came from one.
function messageLink(origin = {}) {
  if (!origin.guild_id || !origin.channel_id || !origin.message_id) return '';
  return el('a', { href: `https://discord.com/channels/${origin.guild_id}/${origin.channel_id}/${origin.message_id}`, target: '_blank', rel: 'noopener', class: 'open-message' }, ' open it in Discord');
}

const fmt = (v) => v === null || v === undefined ? '(none)' : Array.isArray(v) ? v.join(', ') : String(v);

// saveOrder sends only what the person changed.
async function saveOrder(ev) {
  ev.preventDefault();
  const form = ev.target;
  const number = $('#order').dataset.number;
  const change = {};
  if (form.status.value !== (current.status || '')) change.status = form.status.value;
  if (Number(form.qty_received.value) !== current.qty_received) change.qty_received = Number(form.qty_received.value);
  if (form.notes.value !== (current.notes || '')) change.notes = form.notes.value;
  if (form.price.value !== String(current.price ?? '')) change.price = form.price.value === '' ? null : Number(form.price.value);
  if (form.tracking_number.value.trim()) change.tracking_number = form.tracking_number.value.trim();
  if (Object.keys(change).length === 0) { $('#edit-error').textContent = 'Nothing changed.'; return; }
  try {
    await patch(number, change);
    await openOrder(number);
  } catch (err) {
    $('#edit-error').textContent = err.message;
  }
}

// askDelete asks first; a delete can be undone from the message it leaves.
function askDelete() {
  $('#confirm-text').textContent = `Delete order ${current.order_number}? It leaves the lists and totals; its history stays, and it can be restored.`;
  $('#confirm').hidden = false;
}

async function deleteOrder(restore) {
  const number = $('#order').dataset.number;
  const path = '/api/v2/orders/' + encodeURIComponent(number) + (restore ? '/restore' : '');
  await api(path, { method: restore ? 'POST' : 'DELETE' });
  await openOrder(number);
  notice(restore ? `Order ${number} restored.` : `Order ${number} deleted.`, restore ? null : ['Undo', () => deleteOrder(true)]);
}

// notice shows a message under the header, with one action (Undo) when given.
function notice(text, action) {
  const n = $('#notice');
  n.replaceChildren(text, action ? el('button', { id: 'notice-action', onclick: () => { n.hidden = true; action[1](); } }, action[0]) : '');
  n.hidden = false;
}

// ---- Totals ----
// periodRange is the chosen period as dates in ROMS's zone, both days included; all time
// starts at the first order (''), found from the chart's own figures.
function periodRange(form) {
  const today = daysAgo(0);
  const custom = form.period.value === 'custom';
  for (const label of form.querySelectorAll('.custom')) label.hidden = !custom;
  return {
    today: [today, today], week: [mondayOf(today), today], month: [today.slice(0, 8) + '01', today],
    last30: [daysAgo(29), today], all: ['', today],
    custom: [form.from.value || daysAgo(29), form.to.value || today],
  }[form.period.value];
}

async function loadTotals() {
  const form = $('#period');
  const [from, to] = periodRange(form);
  const period = { from, to };
  const stats = (by) => api('/api/v2/stats?' + new URLSearchParams({ from, to, group_by: by }));
  const bys = [['Store', 'store', 'store'], ['Profile', 'profile', 'profile'], ['Product', 'product', 'q'], ['Status', 'status', 'status']];
  const bucket = form.bucket.value || bestBucket(from, to);
  const [st, series, ...parts] = await Promise.all([stats(form.by.value), stats(bucket), ...bys.map(([, by]) => stats(by))]);
  const t = st.overall;
  const spend = (t.money || []).map((m) => formatMoney({ v: m.spend, cur: m.currency })).join(', ') || '-';
  const average = (t.money || []).map((m) => formatMoney({ v: m.average, cur: m.currency })).join(', ') || '-';
  $('#cards').replaceChildren(card('Checkouts', t.checkouts), card('Units', t.units), card('Spend', spend), card('Average', average),
    card('Cancel rate', `${(100 * t.cancel_rate).toFixed(1)}%`), card('With tracking', t.with_tracking));
  const head = el('tr', {}, el('th', {}, form.by.value), el('th', { class: 'num' }, 'Checkouts'), el('th', { class: 'num' }, 'Units'),
    el('th', { class: 'num' }, 'Spend'), el('th', { class: 'num' }, 'Cancel rate'));
  $('#groups thead').replaceChildren(head);
  $('#groups tbody').replaceChildren(...(st.groups || []).map((g) => el('tr', {}, el('td', {}, g.group || '-'),
    el('td', { class: 'num' }, g.checkouts), el('td', { class: 'num' }, g.units),
    el('td', { class: 'num' }, (g.money || []).map((m) => formatMoney({ v: m.spend, cur: m.currency })).join(', ')),
    el('td', { class: 'num' }, `${(100 * g.cancel_rate).toFixed(1)}%`))));
  const groups = series.groups || [];
  const first = from || (groups.map((g) => g.group).sort()[0] || to).slice(0, 10).padEnd(10, '-01').slice(0, 10);
  const bars = buckets(first, to, bucket);
  $('#chart-title').textContent = `Checkouts and spend ${{ day: 'a day', week: 'a week', month: 'a month' }[bucket]}`;
  const drawn = chart(groups, bars, bucket, { from: first, to });
  drawn.dataset.period = `${form.period.value} ${bucket}`;
  $('#chart').replaceChildren(drawn);
  const peak = Math.max(0, ...groups.map((g) => g.checkouts));
  $('#chart-axis').textContent = `From ${first} to ${to}, ${bars.length} ${bucket}${bars.length === 1 ? '' : 's'}: ` +
    `${t.checkouts} ${t.checkouts === 1 ? 'checkout' : 'checkouts'} in all, at most ${peak} in one ${bucket}. Bars are checkouts, the line is spend; a bar opens its orders.`;
  $('#breakdowns').replaceChildren(...bys.map(([name, , key], i) => breakdown(name, parts[i].groups || [], key, period)));
}

// Dates as the filters write them (2026-12-03), counted in whole days.
const addDays = (d, n) => new Date(Date.parse(d + 'T00:00:00Z') + n * 86400e3).toISOString().slice(0, 10);
const mondayOf = (d) => addDays(d, -((new Date(d + 'T00:00:00Z').getUTCDay() + 6) % 7));
const nextMonth = (d) => { const [y, m] = d.split('-').map(Number); return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`; };
const daysBetween = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / 86400e3);

// bestBucket is a bar a day up to two months, a week up to half a year, else a month.
function bestBucket(from, to) {
  if (!from) return 'month';
  const days = daysBetween(from, to);
  return days <= 62 ? 'day' : days <= 183 ? 'week' : 'month';
}

// buckets are the chart's bars from one date to another, each with its first and last day
// and the key the totals group it by (a day, a week's Monday, a month).
function buckets(from, to, by) {
  const out = [];
  let d = by === 'week' ? mondayOf(from) : by === 'month' ? from.slice(0, 8) + '01' : from;
  while (d <= to && out.length < 400) {
    const next = by === 'day' ? addDays(d, 1) : by === 'week' ? addDays(d, 7) : nextMonth(d);
    out.push({ key: by === 'month' ? d.slice(0, 7) : d, from: d, to: addDays(next, -1) });
    d = next;
  }
  return out;
}

// breakdown draws a period's checkouts by one grouping as labelled bars, the top ten and
// the rest; a bar opens the orders list filtered to it.
function breakdown(name, groups, key, period) {
  const ns = 'http://www.w3.org/2000/svg';
  const sorted = groups.slice().sort((a, b) => b.checkouts - a.checkouts);
  const rows = sorted.slice(0, 10).map((g) => ({ label: g.group || '(none)', value: g.checkouts, group: g.group }));
  const rest = sorted.slice(10).reduce((n, g) => n + g.checkouts, 0);
  if (rest) rows.push({ label: `the rest (${sorted.length - 10})`, value: rest });
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 320 ${rows.length * 22 + 4}`);
  svg.setAttribute('class', 'breakdown');
  rows.forEach((r, i) => {
    const y = i * 22 + 2;
    const link = document.createElementNS(ns, 'a');
    if (r.group) {
      const filter = Object.fromEntries(Object.entries({ [key]: r.group, from: period.from, to: period.to }).filter(([, v]) => v));
      link.setAttribute('href', '#/orders?' + new URLSearchParams(filter));
    }
    const text = (x, anchor, content, cls) => {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', x); t.setAttribute('y', y + 14); t.setAttribute('text-anchor', anchor); t.setAttribute('class', cls);
      t.textContent = content;
      return t;
    };
    const bar = document.createElementNS(ns, 'rect');
    bar.setAttribute('x', 120); bar.setAttribute('y', y + 3); bar.setAttribute('height', 14);
    bar.setAttribute('width', Math.max(2, 160 * r.value / max)); bar.setAttribute('class', 'bar');
    link.append(text(116, 'end', r.label.length > 18 ? r.label.slice(0, 17) + '…' : r.label, 'label'), bar,
      text(124 + 160 * r.value / max, 'start', String(r.value), 'value'));
    link.setAttribute('data-group', r.group ?? '');
    svg.append(link);
  });
  return el('figure', { class: 'breakdown-card', 'data-by': key }, el('figcaption', {}, `Checkouts by ${name.toLowerCase()}`), svg);
}

// ---- Overview ----
// The periods side by side, each with the one before it.
const PERIODS = { today: ['Today', 'yesterday', 'today'], week: ['This week', 'last week', 'week'],
  month: ['This month', 'last month', 'month'], all: ['All time', '', ''] };

async function loadOverview() {
  const [periods, owed] = await Promise.all([api('/api/v2/overview'), api('/api/v2/owed').catch(() => [])]);
  overviewClients(owed);
  $('#overview-periods').replaceChildren(...periods.map((period) => {
    const [name, than, from] = PERIODS[period.name];
    const p = { name, than, from };
    const now = kpis(period.now), before = period.before && kpis(period.before);
    const row = (name, key, show, points) => el('div', { class: 'kpi', 'data-kpi': key }, el('span', {}, name), el('strong', {}, show(now[key])),
      before ? el('small', { class: 'change' }, change(now[key], before[key], points, p.than)) : '');
    return el('section', { class: 'period', 'data-period': p.from || 'all' }, el('h2', {}, p.name),
      row('Checkouts', 'checkouts', String), row('Units', 'units', String), row('Spend', 'spend', formatMoney),
      row('Average', 'average', formatMoney), row('Success rate', 'success', percent, true), row('Cancel rate', 'cancel', percent, true));
  }));
}

// overviewClients sums what the ACO clients owe, when there are clients: each card opens
// the Clients page.
function overviewClients(owed) {
  const box = $('#overview-clients');
  box.hidden = !owed.length;
  if (!owed.length) return;
  const cur = (owed.find((o) => o.currency) || {}).currency;
  const sum = (k) => owed.reduce((n, o) => n + Number(o[k] || 0), 0);
  const card = (name, key) => el('a', { class: 'card link', href: '#/clients', 'data-owed': key }, el('span', {}, name), el('strong', {}, cents(sum(key), cur)));
  box.replaceChildren(card('Clients owe you', 'owes'), card('Fees due', 'due'), card('On invoices', 'invoiced'),
    card('In their hold', 'pending'), card('Credit owed back', 'credit'), card('Paid', 'paid'));
}

// kpis are a period's figures: money in its first currency (the configured one, for most).
function kpis(t) {
  const m = (t.money || [])[0] || { spend: 0, average: 0, currency: '' };
  return { checkouts: t.checkouts, units: t.units, spend: { v: m.spend, cur: m.currency }, average: { v: m.average, cur: m.currency },
    success: t.checkouts ? (t.checkouts - t.declined) / t.checkouts : null, cancel: t.checkouts ? t.cancel_rate : null };
}

const value = (x) => (x && typeof x === 'object' ? x.v : x);
const percent = (r) => (r === null ? '-' : `${(100 * r).toFixed(1)}%`);

// formatMoney writes an amount as the currency is written, with separators: $26,596.59.
function formatMoney(m) {
  if (!m || !m.cur) return m && m.v ? Number(m.v).toFixed(2) : '-';
  return new Intl.NumberFormat([], { style: 'currency', currency: m.cur }).format(m.v);
}

// change is how a figure moved since the period before: a percentage, or points for a rate.
function change(now, before, points, than) {
  const a = value(now), b = value(before);
  if (b === null || b === undefined || (!points && b === 0)) return a ? `none ${than}` : `none ${than} either`;
  if (a === null || a === undefined) return `none yet; ${points ? percent(b) : b} ${than}`;
  if (points) return `${a >= b ? '+' : ''}${(100 * (a - b)).toFixed(1)} pts vs ${than}`;
  const pct = (100 * (a - b)) / b;
  return `${pct >= 0 ? '▲ +' : '▼ '}${pct.toFixed(0)}% vs ${than}`;
}

// ---- Pending ----
// daysAgo is the date n days before today in ROMS's zone, as the filters take it.
function daysAgo(n) {
  const d = new Date(Date.now() - n * 86400e3);
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

async function loadPending() {
  const lists = [
    ['No tracking after 3 days', { has_tracking: 'false', open: 'true', to: daysAgo(3) }],
    ['Shipped, not received', { status: 'shipped', fully_received: 'false' }],
    ['Delivered, not all received', { status: 'delivered', fully_received: 'false' }],
    ['In review hold', { status: 'review_hold' }],
    ['Still open', { open: 'true' }],
  ];
  const totals = await Promise.all(lists.map(([, f]) => api('/api/v2/orders?' + new URLSearchParams({ ...f, limit: 1 })).then((p) => p.total)));
  $('#pending-cards').replaceChildren(...lists.map(([name, f], i) => el('a', { class: 'card link', href: '#/orders?' + new URLSearchParams(f),
    'data-pending': name }, el('span', {}, name), el('strong', {}, String(totals[i])))));
}

const card = (name, value) => el('div', { class: 'card' }, el('span', {}, name), el('strong', {}, String(value)));

// chart draws a bar of checkouts per bucket, with its count on it when there is room, and
// the bucket's spend (in the first currency) as a line; both axes are labelled, so it
// reads without hovering. A bar opens the orders of its days.
function chart(groups, bars, by, period) {
  const ns = 'http://www.w3.org/2000/svg';
  const node = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    return n;
  };
  const byKey = new Map(groups.map((g) => [g.group, g]));
  const currency = groups.flatMap((g) => g.money || []).map((m) => m.currency)[0];
  const spendOf = (g) => Number(((g && g.money) || []).find((m) => m.currency === currency)?.spend || 0);
  const W = Math.max(300, ($('#chart').clientWidth || 300) - 16), H = 200, left = 36, right = currency ? 64 : 8, top = 14, bottom = 30;
  const w = W - left - right, h = H - top - bottom, step = w / Math.max(1, bars.length);
  const max = Math.max(1, ...groups.map((g) => g.checkouts)), maxSpend = Math.max(1, ...groups.map(spendOf));
  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H });
  const counts = max >= 4 ? [0, Math.round(max / 2), max] : [0, max]; // whole checkouts only
  for (const n of counts) { // grid lines with both axes' values
    const y = top + h - h * n / max;
    svg.append(node('line', { x1: left, x2: left + w, y1: y, y2: y, class: 'grid' }),
      node('text', { x: left - 4, y: y + 4, 'text-anchor': 'end', class: 'tick' }, String(n)));
  }
  if (currency) {
    for (const f of [0, 0.5, 1]) {
      svg.append(node('text', { x: left + w + 4, y: top + h - f * h + 4, class: 'tick spend-tick' }, formatMoney({ v: f * maxSpend, cur: currency })));
    }
  }
  const every = Math.ceil(bars.length / Math.max(1, Math.floor(w / 70))); // x labels at least 70 px apart
  const points = [];
  bars.forEach((b, i) => {
    const g = byKey.get(b.key), n = g ? g.checkouts : 0, x = left + i * step;
    const bh = n ? Math.max(2, h * n / max) : 0;
    const link = node('a', { href: '#/orders?' + new URLSearchParams({ from: b.from < period.from ? period.from : b.from, to: b.to > period.to ? period.to : b.to }), 'data-bucket': b.key });
    const bar = node('rect', { x: x + step * 0.1, width: Math.max(1, step * 0.8), y: top + h - bh, height: bh, class: 'bar' });
    bar.append(node('title', {}, `${bucketName(b, by)}: ${n} checkouts, ${g ? (g.money || []).map((m) => money(m.spend, m.currency)).join(', ') : '0'}`));
    link.append(bar);
    if (n && step >= 18) link.append(node('text', { x: x + step / 2, y: top + h - bh - 3, 'text-anchor': 'middle', class: 'value' }, String(n)));
    svg.append(link);
    if (i % every === 0) svg.append(node('text', { x: x + step / 2, y: H - bottom + 16, 'text-anchor': 'middle', class: 'tick' }, bucketName(b, by)));
    points.push(`${x + step / 2},${top + h - h * spendOf(g) / maxSpend}`);
  });
  if (currency) svg.append(node('polyline', { points: points.join(' '), class: 'spend' }));
  return svg;
}

// bucketName is a bar's label: Dec 3, the week of Nov 30, Dec 2026.
function bucketName(b, by) {
  const d = new Date(b.from + 'T12:00:00Z');
  if (by === 'month') return d.toLocaleDateString([], { month: 'short', year: 'numeric', timeZone: 'UTC' });
  return d.toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

// ---- Clients (ACO) ----
const rate = (r, n) => (n ? percent(r) : '-');
const cents = (m, cur) => formatMoney({ v: m, cur: cur || 'USD' });
let clients = [];

async function loadClients() {
  const period = $('#client-period').period.value;
  const [list, figures, owed, unmatched, invoices] = await Promise.all([api('/api/v2/clients'),
    api('/api/v2/clients/figures?' + new URLSearchParams({ period })), api('/api/v2/owed'),
    api('/api/v2/aco/unmatched?days=7'), api('/api/v2/invoices')]);
  clients = list;
  const fig = new Map(figures.map((f) => [f.client, f]));
  const owes = new Map(owed.map((o) => [o.client, o]));
  $('#client-table tbody').replaceChildren(...list.map((c) => {
    const f = fig.get(c.id) || {}, o = owes.get(c.id) || {}, cur = f.currency || o.currency;
    return el('tr', { 'data-client': c.id },
      el('td', {}, el('strong', {}, c.name), el('div', { class: 'muted mono' }, c.id)),
      el('td', {}, [...(c.profiles || []), ...(c.emails || [])].join(', ') || '-'),
      el('td', {}, feeText(c.fee)),
      el('td', { class: 'num' }, String(f.checkouts || 0)), el('td', { class: 'num' }, cents(f.spend || 0, cur)),
      el('td', { class: 'num' }, rate(f.success_rate, f.checkouts)), el('td', { class: 'num' }, rate(f.cancel_rate, f.checkouts)),
      el('td', { class: 'num' }, cents(f.fees_pending || 0, cur)), el('td', { class: 'num' }, cents(f.fees_due || 0, cur)),
      el('td', { class: 'num' }, cents(f.fees_paid || 0, cur)), el('td', { class: 'num' }, cents(f.fees_voided || 0, cur)),
      el('td', { class: 'num owes' }, el('strong', {}, cents(o.owes || 0, cur))),
      el('td', {}, el('button', { type: 'button', class: 'edit-client', onclick: () => editClient(c) }, 'Edit'), ' ',
        el('button', { type: 'button', class: 'danger remove-client', onclick: () => removeClient(c) }, 'Remove')));
  }));
  if (!list.length) $('#client-table tbody').append(el('tr', {}, el('td', { colspan: 13, class: 'muted' }, 'No clients yet: add one below.')));
  const options = () => list.map((c) => el('option', { value: c.id }, c.name));
  $('#unmatched tbody').replaceChildren(...unmatched.map((u) => {
    const pick = el('select', { 'aria-label': `Whose is ${u.order_number}` }, el('option', { value: '' }, '—'), ...options());
    const teach = el('input', { type: 'checkbox', checked: true, 'aria-label': 'and the next like it' });
    return el('tr', { 'data-unmatched': u.order_number }, el('td', {}, day(u.order_date)), el('td', { class: 'mono' }, u.order_number),
      el('td', {}, u.product || '-'), el('td', {}, u.profile || '-'), el('td', {}, u.email || '-'),
      el('td', {}, (u.doubt || []).length ? el('div', { class: 'muted' }, `Could be ${u.doubt.join(' or ')}`) : '', pick, ' ',
        el('label', {}, teach, ' and the next like it'), ' ',
        el('button', { type: 'button', class: 'assign', onclick: () => assign(u.order_number, pick.value, teach.checked) }, 'Assign')));
  }));
  if (!unmatched.length) $('#unmatched tbody').append(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'Every recent order is a client\'s.')));
  $('#invoice-form').client.replaceChildren(...options());
  $('#invoices tbody').replaceChildren(...invoices.map((inv) => el('tr', { 'data-invoice': inv.id },
    el('td', {}, el('a', { href: '#/invoice/' + encodeURIComponent(inv.id) }, inv.id)), el('td', {}, inv.name), el('td', {}, day(inv.made)),
    el('td', { class: 'num' }, cents(inv.total, inv.currency)), el('td', {}, inv.state))));
}

// feeText writes a fee rule as the form takes it.
function feeText(f) {
  const one = (r) => !r || !r.kind ? '' : (r.kind === 'percent' ? `${r.percent}%` : `${Number(r.amount).toFixed(2)}/${r.kind === 'flat' ? 'order' : 'unit'}`) +
    (r.minimum ? ` min ${Number(r.minimum).toFixed(2)}` : '');
  return [one(f), ...(f.stores || []).map((s) => `${s.store}: ${one(s)}`)].filter(Boolean).join('; ') || 'no fee';
}

function editClient(c) {
  const form = $('#client-form');
  for (const [k, v] of Object.entries({ id: c.id, name: c.name, profiles: (c.profiles || []).join(', '), emails: (c.emails || []).join(', '),
    fee: feeText(c.fee) === 'no fee' ? '' : feeText(c.fee), discord_user: c.discord_user || '', channel: c.channel || '', notify: c.notify || '', notes: c.notes || '' })) {
    form.elements[k].value = v;
  }
  $('#client-form-title').textContent = `Change ${c.name}`;
  $('#client-new').hidden = false;
  form.name.focus();
}

function newClientForm() {
  $('#client-form').reset();
  $('#client-form').elements.id.value = '';
  $('#client-form-title').textContent = 'Add a client';
  $('#client-new').hidden = true;
}

async function saveClient(ev) {
  ev.preventDefault();
  const form = ev.target;
  const list = (v) => v.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean);
  const body = { name: form.name.value, profiles: list(form.profiles.value), emails: list(form.emails.value), fee: form.fee.value,
    discord_user: form.discord_user.value.trim(), channel: form.channel.value.trim(), notify: form.notify.value, notes: form.notes.value };
  const id = form.elements.id.value;
  try {
    const c = await api('/api/v2/clients' + (id ? '/' + encodeURIComponent(id) : ''), { method: id ? 'PUT' : 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    $('#client-error').textContent = '';
    $('#clients-note').textContent = `${id ? 'Changed' : 'Added'} ${c.name}.`;
    newClientForm();
    await loadClients();
  } catch (err) {
    $('#client-error').textContent = err.message;
  }
}

async function removeClient(c) {
  try {
    await api('/api/v2/clients/' + encodeURIComponent(c.id), { method: 'DELETE' });
    $('#clients-note').textContent = `Removed ${c.name}.`;
  } catch (err) {
    $('#clients-note').textContent = err.message;
  }
  await loadClients();
}

async function assign(number, client, teach) {
  try {
    const r = await api('/api/v2/aco/assign', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ order_number: number, client, teach }) });
    $('#clients-note').textContent = r.fee ? `${number} is ${client}'s: a fee of ${cents(r.fee.amount, r.fee.currency)}, ${r.fee.state}.` : `${number} is no one's.`;
  } catch (err) {
    $('#clients-note').textContent = err.message;
  }
  await loadClients();
}

async function importClients(ev) {
  const file = ev.target.files[0];
  if (!file) return;
  try {
    const r = await api('/api/v2/clients/import', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: await file.text() });
    $('#clients-note').textContent = `Imported ${file.name}: ${r.added} added, ${r.replaced} replaced.`;
  } catch (err) {
    $('#clients-note').textContent = err.message;
  }
  ev.target.value = '';
  await loadClients();
}

async function makeInvoice(ev) {
  ev.preventDefault();
  try {
    const inv = await api('/api/v2/invoices', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client: ev.target.client.value, period: ev.target.period.value }) });
    $('#invoice-error').textContent = '';
    go('#/invoice/' + encodeURIComponent(inv.id));
  } catch (err) {
    $('#invoice-error').textContent = err.message;
  }
}

// openInvoice shows an invoice as a sheet to print, with what can be done to it.
async function openInvoice(id) {
  const inv = await api('/api/v2/invoices/' + encodeURIComponent(id));
  show('invoice');
  $('#invoice').dataset.id = inv.id;
  const row = (l, cls) => el('tr', { class: cls || (l.void ? 'void' : '') }, el('td', {}, day(l.order_date).replace(/,? \d+:\d+.*$/, '')),
    el('td', { class: 'mono' }, l.order_number), el('td', {}, `${l.product || ''}${l.store ? ' (' + l.store + ')' : ''}${l.note ? ' — ' + l.note : ''}`),
    el('td', { class: 'num' }, cents(l.amount, inv.currency)));
  const paid = (inv.payments || []).reduce((n, p) => n + Number(p.amount), 0);
  $('#invoice-sheet').replaceChildren(el('h2', {}, `Invoice ${inv.id}`),
    el('p', {}, `For ${inv.name}. Made ${day(inv.made)}. `, el('strong', { class: 'invoice-state' }, inv.state),
      inv.paid_at ? ` on ${day(inv.paid_at)}` : ''),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Date'), el('th', {}, 'Order'), el('th', {}, 'What'), el('th', { class: 'num' }, 'Fee'))),
      el('tbody', {}, ...inv.lines.map((l) => row(l)), ...(inv.credits || []).map((l) => row(l, 'credit')),
        el('tr', { class: 'total' }, el('td', { colspan: 3 }, 'Total'), el('td', { class: 'num invoice-total' }, cents(inv.total, inv.currency))))),
    ...(inv.payments || []).map((p) => el('p', { class: 'muted' }, `Paid ${cents(p.amount, inv.currency)} on ${day(p.at)}${p.method ? ' by ' + p.method : ''}.`)),
    inv.state !== 'paid' && paid ? el('p', {}, `Left to pay: ${cents(inv.total - paid, inv.currency)}.`) : '');
  $('#invoice-csv').href = `/api/v2/invoices/${encodeURIComponent(inv.id)}/csv`;
  $('#invoice-sent').hidden = inv.state !== 'open';
  $('#payment').hidden = inv.state === 'paid';
}

async function invoiceAction(path, body) {
  const id = $('#invoice').dataset.id;
  try {
    await api(`/api/v2/invoices/${encodeURIComponent(id)}/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined });
    $('#payment-error').textContent = '';
  } catch (err) {
    $('#payment-error').textContent = err.message;
  }
  await openInvoice(id);
}

async function recordPayment(ev) {
  ev.preventDefault();
  const f = ev.target;
  await invoiceAction('payments', { amount: Number(f.amount.value), date: f.date.value || undefined, method: f.method.value });
  f.reset();
}

// ---- Imports ----
// loadImports lists the kinds with what each reads and a sample file to start from.
let kinds = [];
async function loadImports() {
  if (!kinds.length) kinds = await api('/api/v2/imports/kinds');
  const form = $('#import');
  const chosen = form.kind.value || kinds[0].kind;
  form.kind.replaceChildren(...kinds.map((k) => el('option', { value: k.kind, selected: k.kind === chosen }, k.name)));
  describeKind();
  await loadBatches();
}

function describeKind() {
  const k = kinds.find((x) => x.kind === $('#import').kind.value);
  if (!k) return;
  const url = URL.createObjectURL(new Blob([k.sample], { type: 'text/csv' }));
  $('#import-reads').replaceChildren(`Reads ${k.reads}. `, el('a', { href: url, download: `sample-${k.kind}.csv`, id: 'import-sample' }, 'Download a sample file'));
}

// dropFile takes a file dropped on the import form as its file.
function dropFile(ev) {
  ev.preventDefault();
  const file = ev.dataTransfer && ev.dataTransfer.files[0];
  if (!file) return;
  const dt = new DataTransfer();
  dt.items.add(file);
  $('#import').file.files = dt.files;
  $('#import').classList.remove('over');
}

async function importFile(ev) {
  ev.preventDefault();
  const form = ev.target;
  const data = new FormData();
  data.set('file', form.file.files[0]);
  const out = $('#import-result');
  out.textContent = 'Importing…';
  try {
    const sum = await api('/api/v2/imports/' + form.kind.value, { method: 'POST', body: data });
    const children = [el('p', {}, importWords(sum)), ...(sum.notes || []).map((n) => el('p', { class: 'muted' }, n))];
    if (sum.rejected_csv) {
      const url = URL.createObjectURL(new Blob([sum.rejected_csv], { type: 'text/csv' }));
      children.push(el('p', {}, el('a', { href: url, download: `not-imported-${sum.batch}.csv` }, 'Download the rows not used')));
    }
    if (sum.created + sum.updated > 0) children.push(el('button', { onclick: () => undoImport(sum.batch, out) }, 'Undo this import'));
    out.replaceChildren(...children);
  } catch (err) {
    out.replaceChildren(el('p', { class: 'error' }, err.message));
  }
  loadBatches();
}

// importWords says what an import did: "2 rows: 1 updated, 1 not found."
function importWords(sum) {
  const parts = [['created', sum.created], ['updated', sum.updated], ['already up to date', sum.unchanged],
    ['not found', sum.not_found], ['could not be read', sum.invalid], ['conflicts', sum.conflicts]].filter(([, n]) => n);
  return `${sum.rows} ${sum.rows === 1 ? 'row' : 'rows'}` + (parts.length ? ': ' + parts.map(([w, n]) => `${n} ${w}`).join(', ') : '') + '.';
}

const undoWords = (u) => `Undone: ${u.reverted} orders put back, ${u.deleted} deleted, ${u.left_alone} changes left alone (changed again since)` +
  ((u.kept || []).length ? `, ${u.kept.length} kept (changed since by others: ${u.kept.join(', ')})` : '') + '.';

async function undoImport(batch, out) {
  try {
    const u = await api(`/api/v2/imports/${batch}/undo`, { method: 'POST' });
    out.replaceChildren(el('p', {}, u.already_undone ? 'Nothing to undo: the orders are already as they were before this import.' : undoWords(u)));
  } catch (err) {
    out.replaceChildren(el('p', { class: 'error' }, err.message));
  }
  loadBatches();
}

// loadBatches lists past imports with what each did and its undo, or what the undo did.
async function loadBatches() {
  const batches = await api('/api/v2/imports?limit=50');
  const kindName = (k) => (kinds.find((x) => x.kind === k) || { name: k }).name;
  $('#batches tbody').replaceChildren(...batches.map((b) => {
    const status = el('td', { class: 'undo' });
    if (b.undone) status.append(el('span', { class: 'muted' }, `${undoWords(b.undone)} (${day(b.undone_at)}, by ${actorName(b.undone_by)})`));
    else if (b.created + b.updated > 0) status.append(el('button', { onclick: () => undoImport(b.batch, status) }, 'Undo'));
    return el('tr', { 'data-batch': b.batch }, el('td', {}, day(b.at)), el('td', {}, kindName(b.kind)), el('td', {}, importWords(b)), status);
  }));
  if (!batches.length) $('#batches tbody').append(el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'No imports yet.')));
}

// ---- Needs a look ----
// FIELDS are the fields a label can name (parser.FieldNames; a Go test keeps them equal).
const FIELDS = ['commission', 'customer_name', 'email', 'image_url', 'notes', 'order_number', 'payment_method', 'price',
  'product', 'profile', 'proxy_list', 'qty_received', 'quantity', 'reference_number', 'share_link', 'shipping_address',
  'shipping_method', 'status', 'store', 'total', 'tracking_number', 'tracking_url'];

async function loadReview() {
  const [health, review] = await Promise.all([api('/api/v2/parse-health'), api('/api/v2/review?limit=50')]);
  $('#sources tbody').replaceChildren(...health.sources.map((s) => el('tr', { class: s.alerting ? 'alerting' : '' },
    el('td', { class: 'mono' }, s.source), el('td', { class: 'num' }, s.seen), el('td', { class: 'num' }, s.read),
    el('td', { class: 'num' }, s.guessed), el('td', { class: 'num' }, s.noise), el('td', { class: 'num' }, s.unread),
    el('td', {}, s.alerting ? 'no longer read' : 'ok'))));
  const list = $('#review-list');
  list.replaceChildren(...(review.entries.length ? review.entries.map(reviewPost) : [el('p', { class: 'muted' }, 'Nothing needs a look.')]));
  countReview(review.entries.length);
}

function countReview(n) {
  const badge = $('#review-count');
  badge.hidden = n === 0;
  badge.textContent = n;
}

// reviewPost shows one post as Discord shows it, what ROMS read from it, and a way to
// teach each label it did not know.
function reviewPost(e) {
  const read = Object.entries(e.read || {}).filter(([k, v]) => v !== null && v !== '' && k !== 'extra' && k !== 'raw_header' &&
    !(Array.isArray(v) && v.length === 0));
  const result = el('p', { class: 'muted', 'aria-live': 'polite' });
  const teachers = (e.unknown_labels || []).map((label) => teachForm(label, e.source, result));
  return el('article', { class: 'post', 'data-log': e.log_id },
    el('header', {}, `#${e.log_id} · ${e.source} · ${day(e.received_at)} · ${e.outcome}${e.reason ? ': ' + e.reason : ''}` +
      (e.similar ? ` · and ${e.similar} older posts like it` : '')),
    el('div', { class: 'columns' },
      postAsShown(e),
      el('div', {},
        el('h3', {}, 'What ROMS reads'),
        read.length ? el('dl', {}, ...read.flatMap(([k, v]) => [el('dt', {}, k + ((e.inferred || []).includes(k) ? ' (guessed)' : '')), el('dd', {}, String(v))]))
          : el('p', { class: 'muted' }, 'Nothing.'),
        teachers.length ? el('h3', {}, 'Labels ROMS did not know') : '',
        ...teachers,
        el('button', { class: 'danger', onclick: async () => {
          await api(`/api/v2/review/${e.log_id}/dismiss`, { method: 'POST' });
          loadReview();
        } }, 'Not an order'),
        result)));
}

// postAsShown draws the post's embed as Discord would (title, then each field's name and
// value), or its text.
function postAsShown(e) {
  let embed;
  try {
    const body = JSON.parse(e.body);
    embed = (body.embeds || [])[0];
  } catch { /* a text post */ }
  if (!embed) return el('div', { class: 'embed' }, e.text || e.body);
  return el('div', { class: 'embed' },
    el('div', { class: 'title' }, (embed.author && embed.author.name ? embed.author.name + '\n' : '') + (embed.title || '')),
    embed.description ? el('div', {}, embed.description) : '',
    ...(embed.fields || []).flatMap((f) => [el('div', { class: 'name' }, f.name), el('div', {}, f.value)]));
}

// teachForm maps one label to a field: a dry run first says what reading the logged posts
// again would change, then Teach does it.
function teachForm(label, source, result) {
  const select = el('select', { 'aria-label': `Field for ${label}` }, el('option', { value: '' }, 'is the…'),
    ...FIELDS.map((f) => el('option', { value: f }, f)));
  const form = el('form', { class: 'teach', 'data-label': label }, el('code', {}, label), select,
    el('button', { type: 'submit' }, 'Check'));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    if (!select.value) return;
    const teaching = { label, field: select.value };
    try {
      const dry = await api('/api/v2/review/teach', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...teaching, dry_run: true }) });
      result.replaceChildren(`Teaching “${label}” as ${select.value} reads ${dry.posts} logged posts again: ` +
        `${dry.created} new orders, ${dry.updated} changed. `,
      el('button', { class: 'confirm', onclick: async () => {
        const done = await api('/api/v2/review/teach', { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(teaching) });
        result.replaceChildren(`Taught “${label}” as ${done.field}: ${done.created} new orders, ${done.updated} changed.`);
        setTimeout(loadReview, 1500);
      } }, 'Teach'));
    } catch (err) {
      result.replaceChildren(el('span', { class: 'error' }, err.message));
    }
  };
  return form;
}

// ---- Health ----
async function loadHealth() {
  const [h, logs, parse] = await Promise.all([fetch('/health').then((r) => r.json()), api('/api/v2/webhooks/logs?limit=20'),
    api('/api/v2/parse-health')]);
  $('#health-words').replaceChildren(...healthWords(h, logs.logs || [], parse.sources || []).map(([ok, text]) =>
    el('li', { class: ok ? 'ok' : 'bad' }, (ok ? '✓ ' : '⚠ ') + text)));
  const db = h.database;
  const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
  $('#health-cards').replaceChildren(
    card('Database', db.state === 'ok' ? 'ok' : `problem: ${db.error}`), card('Orders', db.orders), card('Database size', mb(db.size_bytes)),
    card('Webhook log', `${db.webhook_logs} inputs, ${mb(db.webhook_log_bytes || 0)}`),
    card('Discord', h.discord.state + (h.discord.last_event_at ? `, last message ${day(h.discord.last_event_at)}` : '')),
    card('Discord sessions today', `${h.discord.identifies_24h}` + (h.discord.sessions_left != null ? `, ${h.discord.sessions_left} left` : '')),
    card('Live clients', h.live_subscribers), card('Version', h.version));
  const mail = h.mail || [];
  $('#mail-none').hidden = mail.length > 0;
  $('#mail').hidden = mail.length === 0;
  $('#mail tbody').replaceChildren(...mail.map((m) => el('tr', { class: m.state === 'failing' ? 'bad' : '' },
    el('td', {}, `${m.name} (${m.server})`), el('td', {}, m.state), el('td', {}, m.last_read ? day(m.last_read) : 'not yet'),
    el('td', {}, `${m.read}` + (m.backlog ? `, ${m.backlog} to go` : '')), el('td', {}, `${m.applied}`), el('td', {}, m.message || ''))));
  $('#inputs tbody').replaceChildren(...logs.logs.map((l) => el('tr', { class: l.outcome === 'rejected' ? 'bad' : '' },
    el('td', {}, day(l.created_at)), el('td', {}, l.origin.source), el('td', {}, l.outcome), el('td', { class: 'mono' }, l.order_number || ''),
    el('td', {}, l.error_message || ''))));
}

// healthWords says how ROMS is, in sentences a person who is not a programmer reads:
// each with whether it is well.
function healthWords(h, logs, sources) {
  const words = [];
  const db = h.database;
  words.push(db.state === 'ok' ? [true, `The database is well: ${db.orders} orders kept.`] :
    [false, `The database has a problem: ${db.error}. See README "Backups" and "Troubleshooting".`]);
  const d = h.discord;
  words.push({
    disabled: [true, 'Discord is not set up: checkouts come only through the webhook. README "Connect to Discord" shows how to add it.'],
    connected: [true, 'Discord is connected' + (d.last_event_at ? `; the last message arrived ${day(d.last_event_at)}.` : '.')],
    standby: [true, `Another ROMS holds the Discord connection; this one takes over if it stops.`],
  }[d.state] || [false, `Discord is ${d.state}: ${d.message || 'ROMS keeps trying.'}`]);
  const failed = logs.filter((l) => l.outcome === 'rejected');
  words.push(failed.length ? [false, `${failed.length} of the last ${logs.length} inputs could not be stored or read; the table below says why.`] :
    [true, logs.length ? `The webhook and Discord posts are read: the last ${logs.length} inputs were stored or set aside as not orders.` : 'No input has arrived yet.']);
  const alerting = sources.filter((s) => s.alerting);
  words.push(alerting.length ? [false, `${alerting.map((s) => s.source).join(', ')} stopped being read as orders: a bot changed its posts. "Needs a look" lists them and can teach ROMS the new labels.`] :
    [true, sources.length ? `Every bot's posts are read (${sources.length} ${sources.length === 1 ? 'source' : 'sources'} since start).` : 'No bot has posted since ROMS started.']);
  for (const m of h.mail || []) {
    words.push(m.state === 'failing' ? [false, `Mailbox ${m.name}: ${m.message}`] :
      [true, `Mailbox ${m.name} is read${m.last_read ? `, last ${day(m.last_read)}` : ''}: ${m.read} emails, ${m.applied} changed an order.`]);
  }
  return words;
}

// A banner for what the owner must fix in Discord (a missing intent, a spent allowance of
// sessions): it says what to do, and goes once Discord reads again.
async function checkDiscord(known) {
  try {
    const h = known || await (await fetch('/health')).json();
    const d = h.discord || {};
    const alert = $('#discord-alert');
    const show = d.state === 'refused' || d.message_content === 'missing' || (d.sessions_left != null && d.sessions_left < 250);
    alert.hidden = !show;
    alert.textContent = show ? `Discord: ${d.message || d.state}` : '';
  } catch { /* the next check tries again */ }
}

// ---- Views ----
function show(view) {
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== view;
  for (const b of document.querySelectorAll('nav button')) {
    if (b.dataset.view === view || (view === 'order' && b.dataset.view === 'orders') || (view === 'invoice' && b.dataset.view === 'clients')) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
}

const loaders = { overview: loadOverview, pending: loadPending, orders: loadOrders, totals: loadTotals, health: loadHealth, review: loadReview,
  imports: loadImports, clients: loadClients };

// route shows what the address's fragment names: a view with its filters, or an order.
async function route() {
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
  const [view, ...rest] = path.split('/');
  if (view === 'order' && rest.length) return openOrder(decodeURIComponent(rest.join('/')));
  if (view === 'invoice' && rest.length) return openInvoice(decodeURIComponent(rest.join('/')));
  const name = loaders[view] ? view : 'overview';
  if (name === 'orders') {
    const filter = Object.fromEntries(new URLSearchParams(search || ''));
    if (JSON.stringify(filter) !== JSON.stringify(state.filter)) {
      state.filter = filter;
      state.cursors = [''];
      state.page = 0;
    }
    const form = $('#filters');
    for (const input of form.elements) if (input.name) input.value = filter[input.name] ?? (input.tagName === 'SELECT' ? input.options[0]?.value ?? '' : '');
  }
  show(name);
  await loaders[name]();
}

// go shows what hash names, again if it is already the address.
const go = (hash) => { if (location.hash === hash) route(); else location.hash = hash; };

const ordersHash = () => '#/orders' + (query().toString() ? '?' + query() : '');

// theme follows the system until the toggle chooses light or dark; the choice is kept.
function applyTheme() {
  const chosen = localStorage.getItem('roms-theme');
  if (chosen) document.documentElement.dataset.theme = chosen;
  else delete document.documentElement.dataset.theme;
}

function toggleTheme() {
  const dark = document.documentElement.dataset.theme === 'dark' ||
    (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
  localStorage.setItem('roms-theme', dark ? 'light' : 'dark');
  applyTheme();
}

async function start() {
  const boot = Promise.all([fetch('/api/v2/session', { credentials: 'same-origin' }).then((r) => r.json()),
    fetch('/health').then((r) => r.json())]); // asked first: the rest of the start waits on them
  applyTheme();
  $('#theme').onclick = toggleTheme;
  $('#filters').status.append(...STATUSES.map((s) => el('option', { value: s }, s)));
  for (const b of document.querySelectorAll('nav button')) b.onclick = () => go(b.dataset.view === 'orders' ? ordersHash() : '#/' + b.dataset.view);
  $('#filters').onsubmit = (ev) => {
    ev.preventDefault();
    const filter = Object.fromEntries([...new FormData(ev.target)].filter(([k, v]) => v && !(k === 'sort' && v === 'date_desc')));
    go('#/orders' + (Object.keys(filter).length ? '?' + new URLSearchParams(filter) : ''));
  };
  $('#bulk-status').append(...STATUSES.map((s) => el('option', { value: s }, s)));
  $('#bulk-set').onclick = () => bulk(`Status ${$('#bulk-status').value}`, (n) => patch(n, { status: $('#bulk-status').value }));
  $('#bulk-cancel').onclick = () => bulk('Cancelled', (n) => patch(n, { status: 'cancelled' }));
  $('#bulk-delete').onclick = () => { $('#bulk-n').textContent = state.picked.size; $('#bulk-confirm').hidden = false; };
  $('#bulk-delete-no').onclick = () => { $('#bulk-confirm').hidden = true; };
  $('#bulk-delete-yes').onclick = () => bulk('Deleted', (n) => api('/api/v2/orders/' + encodeURIComponent(n), { method: 'DELETE' }));
  $('#pick-all').onchange = (ev) => {
    for (const box of document.querySelectorAll('#order-table .pick')) {
      box.checked = ev.target.checked;
      (box.checked ? state.picked.add(box.dataset.number) : state.picked.delete(box.dataset.number));
    }
    updateBulk();
  };
  $('#filters-toggle').onclick = (ev) => {
    const open = $('#filters').classList.toggle('open');
    ev.target.setAttribute('aria-expanded', String(open));
  };
  $('#prev').onclick = () => { state.page--; loadOrders(); };
  $('#next').onclick = () => { state.page++; loadOrders(); };
  $('#back').onclick = () => go(ordersHash());
  $('#edit').onsubmit = saveOrder;
  $('#delete').onclick = askDelete;
  $('#confirm-delete').onclick = () => deleteOrder(false);
  $('#confirm-keep').onclick = () => { $('#confirm').hidden = true; };
  $('#restore').onclick = () => deleteOrder(true);
  window.addEventListener('hashchange', route);
  // A page left keeps its stream open until the server notices; a browser gives a site six
  // connections, so a few reloads would leave none for the page that follows.
  window.addEventListener('pagehide', () => { if (source) source.close(); });
  $('#period').onchange = loadTotals;
  $('#import').onsubmit = importFile;
  $('#client-form').onsubmit = saveClient;
  $('#client-new').onclick = newClientForm;
  $('#client-period').onchange = loadClients;
  $('#clients-import').onchange = importClients;
  $('#invoice-form').onsubmit = makeInvoice;
  $('#invoice-print').onclick = () => window.print();
  $('#invoice-sent').onclick = () => invoiceAction('sent');
  $('#payment').onsubmit = recordPayment;
  $('#import').kind.onchange = describeKind;
  $('#import').addEventListener('dragover', (ev) => { ev.preventDefault(); $('#import').classList.add('over'); });
  $('#import').addEventListener('dragleave', () => $('#import').classList.remove('over'));
  $('#import').addEventListener('drop', dropFile);
  $('#logout').onclick = async () => { await fetch('/api/v2/session', { method: 'DELETE' }); location.reload(); };
  const [session, health] = await boot;
  zone = health.time_zone || undefined;
  const signedIn = !(session.token_required && !session.authenticated);
  if (!signedIn) await signIn();
  else $('#logout').hidden = !session.token_required;
  if (signedIn) startLive(); // first: a change made while the page loads must not be missed
  const shown = route(); // its data is asked for before the date formatter, slow to make, is made
  try { day(0); } catch { zone = undefined; } // an old browser that lacks the zone: its own
  await shown; // the page first; then what only the header shows
  checkDiscord(health);
  setInterval(checkDiscord, 60000);
  api('/api/v2/review?limit=200').then((r) => countReview(r.entries.length)).catch(() => {});
}

start();
