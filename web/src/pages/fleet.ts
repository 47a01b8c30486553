import * as api from '../api';
import * as bus from '../bus';
import { h, kw, pct, time, type Leave } from '../view';

const PAGE_SIZE = 25;
const REFRESH_MS = 10_000;

interface Device {
  device_id: string; site: string | null; online: boolean; last_seen: string | null;
  telemetry: any | null; alarms: any[];
}

/**
 * Fleet totals live from fleet.summary; the devices a page at a time (cursor paging of the API), the visible
 * page's values live from each device's telemetry address, and online flags and alarms refreshed every 10 s.
 */
export function fleet(page: HTMLElement): Leave {
  const totals = h('section', { class: 'totals', 'data-testid': 'fleet-totals' });
  const filter = h('select', { name: 'online' },
    h('option', { value: '' }, 'all devices'), h('option', { value: 'true' }, 'online'),
    h('option', { value: 'false' }, 'offline'));
  const prev = h('button', { type: 'button' }, '‹ Previous');
  const next = h('button', { type: 'button' }, 'Next ›');
  const where = h('span', { class: 'muted' });
  const body = h('tbody');
  const table = h('table', { class: 'devices', 'data-testid': 'device-table' },
    h('thead', {}, h('tr', {}, ...['Device', 'Site', 'Online', 'SOC', 'Battery', 'PV', 'Grid', 'Load', 'Alarms',
      'Last seen'].map((t) => h('th', {}, t)))),
    body);
  page.append(h('h1', {}, 'Fleet'), totals,
    h('div', { class: 'toolbar' }, filter, prev, next, where), table);

  const cursors: (string | null)[] = [null];
  let index = 0;
  let nextCursor: string | null = null;
  const rows = new Map<string, HTMLTableRowElement>();
  let unsubscribers: (() => void)[] = [];
  let closed = false;

  renderTotals(totals, null);
  const stopSummary = bus.subscribe('fleet.summary', (summary) => renderTotals(totals, summary));

  async function load(): Promise<void> {
    try {
      const answer = await api.get<{ items: Device[]; next_cursor: string | null }>('/api/v1/devices' +
        api.query({ limit: PAGE_SIZE, cursor: cursors[index], online: filter.value || null }));
      if (closed) return;
      nextCursor = answer.next_cursor;
      prev.disabled = index === 0;
      next.disabled = !nextCursor;
      where.textContent = `page ${index + 1}, devices ${index * PAGE_SIZE + 1}–${index * PAGE_SIZE + answer.items.length}`;
      const ids = answer.items.map((d) => d.device_id);
      if (ids.join() !== [...rows.keys()].join()) {
        unsubscribers.forEach((u) => u());
        rows.clear();
        body.replaceChildren();
        for (const d of answer.items) {
          const row = h('tr', { 'data-device': d.device_id });
          rows.set(d.device_id, row);
          body.append(row);
        }
        unsubscribers = ids.map((id) => bus.subscribe(`device.${id}.telemetry`, (t) => {
          const row = rows.get(id);
          if (row) fill(row, { ...(row as any).device, online: true, telemetry: t, last_seen: t.ts });
        }));
      }
      for (const d of answer.items) fill(rows.get(d.device_id)!, d);
      if (answer.items.length === 0) body.append(h('tr', {}, h('td', { colspan: '10' }, 'No devices.')));
    } catch (e) {
      where.textContent = `Devices not available: ${(e as Error).message}`;
    }
  }

  prev.onclick = () => { if (index > 0) { index--; void load(); } };
  next.onclick = () => {
    if (nextCursor) { cursors[index + 1] = nextCursor; index++; void load(); }
  };
  filter.onchange = () => { cursors.length = 1; index = 0; void load(); };
  void load();
  const refresh = window.setInterval(load, REFRESH_MS);

  return () => {
    closed = true;
    clearInterval(refresh);
    stopSummary();
    unsubscribers.forEach((u) => u());
  };
}

function fill(row: HTMLTableRowElement, d: Device): void {
  (row as any).device = d;
  const t = d.telemetry ?? {};
  const alarms: any[] = t.alarms?.length ? t.alarms : d.alarms ?? [];
  const link = h('a', { href: `#/device/${encodeURIComponent(d.device_id)}` }, d.device_id);
  row.replaceChildren(
    h('td', {}, link),
    h('td', {}, d.site ?? ''),
    h('td', { class: d.online ? 'ok' : 'bad', 'data-field': 'online' }, d.online ? 'online' : 'offline'),
    h('td', { 'data-field': 'soc' }, soc(t.soc_pct)),
    h('td', { 'data-field': 'battery' }, kw(t.battery_power_w)),
    h('td', {}, kw(t.pv_power_w)),
    h('td', {}, kw(t.grid_power_w)),
    h('td', {}, kw(t.load_power_w)),
    h('td', { class: alarms.length ? 'bad' : '' }, alarms.length ? alarms.map((a) => typeof a === 'string' ? a : a.code ?? a.type ?? '?').join(', ') : '–'),
    h('td', { class: 'muted', 'data-field': 'seen' }, time(d.last_seen ?? t.ts)));
}

function soc(value: number | undefined): HTMLElement {
  if (value === undefined || value === null) return h('span', {}, '–');
  const bar = h('span', { class: 'soc' }, h('span', { style: `width:${Math.max(0, Math.min(100, value))}%` }));
  return h('span', {}, bar, ` ${pct(value)}`);
}

function renderTotals(el: HTMLElement, s: any | null): void {
  const tile = (label: string, value: string, id: string) =>
    h('div', { class: 'tile' }, h('div', { class: 'label' }, label), h('div', { class: 'value', 'data-total': id }, value));
  if (!s) {
    el.replaceChildren(h('p', { class: 'muted' }, 'Waiting for the fleet summary…'));
    return;
  }
  el.replaceChildren(
    tile('Devices', `${s.online} online / ${s.devices}`, 'devices'),
    tile('Mean SOC', pct(s.soc_pct_mean), 'soc'),
    tile('Battery', kw(s.battery_power_w), 'battery'),
    tile('PV', kw(s.pv_power_w), 'pv'),
    tile('Grid', kw(s.grid_power_w), 'grid'),
    tile('Load', kw(s.load_power_w), 'load'),
    tile('With alarms', String(s.devices_with_alarms), 'alarms'),
    h('div', { class: 'muted stamp' }, `updated ${time(s.ts)} · ${s.reporting} reporting`));
}
