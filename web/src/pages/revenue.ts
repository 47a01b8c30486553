import * as api from '../api';
import { h, eur, type Leave } from '../view';

/** GET /analytics/revenue: the fleet (or one device) over a range of days, per Brussels day and in total. */
export function revenue(page: HTMLElement): Leave {
  const today = new Date().toISOString().slice(0, 10);
  const weekAgo = new Date(Date.now() - 7 * 86400_000).toISOString().slice(0, 10);
  const deviceId = h('input', { name: 'device_id', placeholder: 'whole fleet', size: '14' });
  const from = h('input', { name: 'from', type: 'date', value: weekAgo });
  const to = h('input', { name: 'to', type: 'date', value: today });
  const show = h('button', { type: 'button' }, 'Show');
  const out = h('div');
  page.append(h('h1', {}, 'Revenue'), h('div', { class: 'toolbar' }, 'Device:', deviceId, 'From:', from, 'to:', to, show), out);

  async function load(): Promise<void> {
    out.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    const end = new Date(`${to.value}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    try {
      const r = await api.get(`/api/v1/analytics/revenue${api.query({ device_id: deviceId.value.trim() || null,
        from: `${from.value}T00:00:00Z`, to: end.toISOString() })}`);
      const keys = Object.keys(r.total ?? {}).filter((k) => k.endsWith('_eur'));
      const label = (k: string) => k.replace(/_eur$/, '').replace(/_/g, ' ');
      const tiles = h('section', { class: 'totals' }, ...keys.map((k) => h('div', { class: 'tile' },
        h('div', { class: 'label' }, label(k)), h('div', { class: 'value' }, eur(r.total[k])))));
      const head = h('thead', {}, h('tr', {}, h('th', {}, 'Day'), ...keys.map((k) => h('th', {}, label(k)))));
      const rows = (r.days ?? []).map((d: any) => h('tr', {}, h('td', {}, d.day), ...keys.map((k) => h('td', {}, eur(d[k])))));
      out.replaceChildren(tiles, h('table', {}, head, h('tbody', {}, ...rows)));
      if (!(r.days ?? []).length) out.append(h('p', { class: 'muted' }, 'Nothing settled in this range yet.'));
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error' }, `Revenue not available: ${(e as Error).message}`));
    }
  }
  show.onclick = () => void load();
  void load();
  return () => {};
}
