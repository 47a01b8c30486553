import * as api from '../api';
import * as bus from '../bus';
import * as session from '../session';
import { LiveChart } from '../chart';
import { registers } from './registers';
import { h, kw, pct, time, type Leave } from '../view';

const HISTORY_S = 3600;

/**
 * One device: live charts of SOC and of battery, PV, grid and load power (the last hour from the history API,
 * then every sample from device.{id}.telemetry), its active schedule planned against executed, and, for operators,
 * commands and the register panel.
 */
export function device(page: HTMLElement, id: string): Leave {
  const head = h('div', { class: 'device-head' });
  const socBox = h('div', { class: 'chart', 'data-testid': 'soc-chart' });
  const powerBox = h('div', { class: 'chart', 'data-testid': 'power-chart' });
  const samples = h('span', { class: 'muted', 'data-testid': 'live-samples' }, '0');
  const scheduleBox = h('section', { class: 'card' }, h('h2', {}, 'Schedule'));
  page.append(h('p', {}, h('a', { href: '#/fleet' }, '‹ Fleet')), h('h1', {}, id), head,
    h('section', { class: 'card' }, h('h2', {}, 'Live'), h('p', { class: 'muted' }, 'live samples: ', samples),
      socBox, powerBox),
    scheduleBox);
  const canOperate = session.canOperate(session.current());
  if (canOperate) {
    page.append(commands(id));
    page.append(registers(id));
  }

  const soc = new LiveChart(socBox, 'State of charge', [{ label: 'SOC', stroke: '#2a9d8f', unit: '%' }], 3600, 180);
  const power = new LiveChart(powerBox, 'Power', [
    { label: 'Battery', stroke: '#e76f51', unit: 'W' }, { label: 'PV', stroke: '#e9c46a', unit: 'W' },
    { label: 'Grid', stroke: '#264653', unit: 'W' }, { label: 'Load', stroke: '#8e7dbe', unit: 'W' }], 3600, 240);
  let live = 0;
  let closed = false;

  const stop = bus.subscribe(`device.${id}.telemetry`, (t) => {
    const ts = Date.parse(t.ts) / 1000;
    soc.push(ts, t.soc_pct);
    power.push(ts, t.battery_power_w, t.pv_power_w, t.grid_power_w, t.load_power_w);
    samples.textContent = String(++live);
    renderHead(head, { online: true, telemetry: t, last_seen: t.ts });
  });
  const stopState = bus.subscribe(`device.${id}.state`, (s) => {
    if (typeof s.online === 'boolean') head.querySelector('[data-field=online]')!.textContent = s.online ? 'online' : 'offline';
  });

  (async () => {
    try {
      const d = await api.get(`/api/v1/devices/${encodeURIComponent(id)}`);
      if (closed) return;
      renderHead(head, d);
      void schedule(scheduleBox, d.active_schedule);
    } catch (e) {
      head.replaceChildren(h('p', { class: 'error' }, `Device not available: ${(e as Error).message}`));
    }
    const to = new Date();
    const from = new Date(to.getTime() - HISTORY_S * 1000);
    try {
      const history = await api.get(`/api/v1/devices/${encodeURIComponent(id)}/telemetry` +
        api.query({ from: from.toISOString(), to: to.toISOString(), step: 10 }));
      if (closed) return;
      const items: any[] = history.items;
      soc.prepend(items.map((p) => [Date.parse(p.ts) / 1000, p.soc_pct]));
      power.prepend(items.map((p) => [Date.parse(p.ts) / 1000, p.battery_power_w, p.pv_power_w, p.grid_power_w,
        p.load_power_w]));
    } catch {
      // no history on this node: the live feed still fills the charts
    }
  })();

  return () => {
    closed = true;
    stop();
    stopState();
    soc.destroy();
    power.destroy();
  };
}

function renderHead(el: HTMLElement, d: any): void {
  const t = d.telemetry ?? {};
  const item = (label: string, value: string, field = '') =>
    h('div', { class: 'tile' }, h('div', { class: 'label' }, label), h('div', { class: 'value', 'data-field': field }, value));
  el.replaceChildren(
    item('Status', d.online ? 'online' : 'offline', 'online'),
    item('SOC', pct(t.soc_pct), 'soc'),
    item('Battery', kw(t.battery_power_w), 'battery'),
    item('PV', kw(t.pv_power_w)),
    item('Grid', kw(t.grid_power_w)),
    item('Load', kw(t.load_power_w)),
    item('Mode', `${t.mode ?? '–'} (${kw(t.setpoint_w)})`, 'mode'),
    item('Inverter', t.inverter_state ?? '–'),
    item('Last seen', time(d.last_seen ?? t.ts)));
}

/** Planned battery power of each slot (the contract's signs: > 0 discharging) against what the device did. */
async function schedule(box: HTMLElement, active: { schedule_id: string; version: number } | null): Promise<void> {
  if (!active) {
    box.append(h('p', { class: 'muted' }, 'No active schedule: the device runs self-consumption.'));
    return;
  }
  box.append(h('p', {}, `Schedule ${active.schedule_id}, version ${active.version}`));
  let detail: any;
  try {
    detail = await api.get(`/api/v1/schedules/${encodeURIComponent(active.schedule_id)}`);
  } catch (e) {
    box.append(h('p', { class: 'muted' }, `Its slots are not available: ${(e as Error).message}`));
    return;
  }
  const slots: any[] = detail.slots ?? detail.schedule?.slots ?? [];
  const executions: any[] = detail.executions ?? [];
  const executed = new Map(executions.map((x: any) => [x.slot_start, x]));
  const table = h('table', { class: 'slots' }, h('thead', {}, h('tr', {},
    ...['Slot', 'Mode', 'Planned', 'Executed', 'Status'].map((t) => h('th', {}, t)))), h('tbody'));
  const chartBox = h('div', { class: 'chart' });
  box.append(chartBox, table);
  const chart = new LiveChart(chartBox, 'Planned against executed', [
    { label: 'Planned', stroke: '#457b9d', unit: 'kW' }, { label: 'Executed', stroke: '#e76f51', unit: 'kW' }], 500, 200);
  const rows: (number | null)[][] = [];
  for (const slot of slots) {
    const sign = slot.mode === 'charge' ? -1 : slot.mode === 'discharge' ? 1 : 0;
    const planned = slot.mode === 'self_consumption' ? null : sign * slot.rate_kw;
    const x = slot.execution ?? executed.get(slot.start);
    const actual = x ? sign * x.actual_kw : null;
    rows.push([Date.parse(slot.start) / 1000, planned, actual]);
    table.tBodies[0].append(h('tr', {}, h('td', {}, time(slot.start)), h('td', {}, slot.mode),
      h('td', {}, planned === null ? '–' : `${planned.toFixed(2)} kW`),
      h('td', {}, actual === null ? '–' : `${actual.toFixed(2)} kW`), h('td', {}, x?.status ?? 'pending')));
  }
  chart.load(rows);
}

/** Commands go through REST (POST /devices/{id}/commands), then their status is followed until it settles. */
function commands(id: string): HTMLElement {
  const powerW = h('input', { type: 'number', name: 'power_w', step: '100', value: '-2000', 'data-testid': 'power-w' });
  const mode = h('select', { name: 'mode' }, ...['self_consumption', 'charge', 'discharge', 'idle']
    .map((m) => h('option', { value: m }, m)));
  const status = h('p', { class: 'muted', 'data-testid': 'command-status', 'aria-live': 'polite' });
  const button = (label: string, testid: string, action: () => { type: string; params?: object }, confirmText?: string) => {
    const b = h('button', { type: 'button', 'data-testid': testid }, label);
    b.onclick = () => {
      if (confirmText && !confirm(confirmText)) return;
      void send(id, action(), status);
    };
    return b;
  };
  return h('section', { class: 'card' }, h('h2', {}, 'Commands'),
    h('div', { class: 'toolbar' }, 'Power (W, < 0 charges):', powerW,
      button('Set power', 'set-power', () => ({ type: 'set_power', params: { power_w: Number(powerW.value) } }))),
    h('div', { class: 'toolbar' }, 'Mode:', mode,
      button('Set mode', 'set-mode', () => ({ type: 'set_mode', params: { mode: mode.value } }))),
    h('div', { class: 'toolbar' },
      button('Emergency stop', 'emergency-stop', () => ({ type: 'emergency_stop', params: {} }), `Stop ${id} now?`),
      button('Resume', 'resume', () => ({ type: 'resume', params: {} }))),
    status);
}

export async function send(id: string, command: { type: string; params?: object }, status: HTMLElement): Promise<any> {
  status.textContent = `${command.type}: sending…`;
  try {
    const accepted = await api.post(`/api/v1/devices/${encodeURIComponent(id)}/commands`, command);
    const commandId = accepted.command_id;
    status.textContent = `${command.type}: accepted (${commandId})`;
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const c = await api.get(`/api/v1/commands/${encodeURIComponent(commandId)}`);
      const state = String(c.status ?? '').toUpperCase();
      status.textContent = `${command.type}: ${state}${c.reason ? ` (${c.reason})` : ''}`;
      if (['DONE', 'REJECTED', 'FAILED', 'EXPIRED'].includes(state)) return c;
    }
  } catch (e) {
    status.textContent = `${command.type}: refused: ${(e as Error).message}`;
  }
  return null;
}
