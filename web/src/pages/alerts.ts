import * as api from '../api';
import * as bus from '../bus';
import { h, time, type Leave } from '../view';

/** Raised and cleared alerts, newest first (GET /alerts), with new ones prepended live from the alerts address. */
export function alerts(page: HTMLElement): Leave {
  const state = h('select', { name: 'state' }, h('option', { value: '' }, 'all'), h('option', { value: 'raised' }, 'raised'),
    h('option', { value: 'cleared' }, 'cleared'));
  const severity = h('select', { name: 'severity' }, h('option', { value: '' }, 'any severity'),
    ...['critical', 'warning', 'info'].map((s) => h('option', { value: s }, s)));
  const body = h('tbody');
  const info = h('p', { class: 'muted' });
  page.append(h('h1', {}, 'Alerts'), h('div', { class: 'toolbar' }, state, severity), info,
    h('table', { class: 'alerts', 'data-testid': 'alerts-table' }, h('thead', {}, h('tr', {},
      ...['When', 'State', 'Severity', 'Type', 'Device / zone', 'Detail'].map((t) => h('th', {}, t)))), body));

  const row = (a: any) => h('tr', { class: a.severity }, h('td', {}, time(a.ts ?? a.at)), h('td', {}, a.state ?? (a.active ? 'raised' : 'cleared')),
    h('td', { class: a.severity === 'critical' ? 'bad' : '' }, a.severity ?? ''), h('td', {}, a.type ?? a.code ?? ''),
    h('td', {}, a.device_id ?? a.zone ?? ''), h('td', {}, a.detail ?? ''));

  async function load(): Promise<void> {
    try {
      const answer = await api.get(`/api/v1/alerts${api.query({ state: state.value, severity: severity.value })}`);
      body.replaceChildren(...answer.items.map(row));
      info.textContent = answer.items.length ? '' : 'No alerts.';
    } catch (e) {
      info.textContent = `Alerts not available: ${(e as Error).message}`;
    }
  }
  state.onchange = severity.onchange = () => void load();
  void load();
  const stop = bus.subscribe('alerts', (a) => {
    if ((state.value && a.state !== state.value) || (severity.value && a.severity !== severity.value)) return;
    body.prepend(row(a));
    info.textContent = '';
  });
  return stop;
}
