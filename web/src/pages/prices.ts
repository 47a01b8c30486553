import * as api from '../api';
import * as bus from '../bus';
import { LiveChart } from '../chart';
import { h, time, type Leave } from '../view';

/** Tomorrow's prices are due by 15:30 Europe/Brussels (the fetcher's stale deadline); missing after it, stale. */
const DEADLINE = '15:30';

function brussels(at: Date): { day: string; clock: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Brussels', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return { day: `${get('year')}-${get('month')}-${get('day')}`, clock: `${get('hour')}:${get('minute')}` };
}

function nextDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function prices(page: HTMLElement): Leave {
  const zone = h('input', { name: 'zone', value: localStorage.getItem('nattery.zone') ?? 'DE_LU', size: '8' });
  const banner = h('div', { class: 'banner', role: 'alert', 'data-testid': 'stale-banner', hidden: '' });
  const chartBox = h('div', { class: 'chart' });
  const summary = h('div', { class: 'price-days' });
  const show = h('button', { type: 'button' }, 'Show');
  page.append(h('h1', {}, 'Day-ahead prices'), h('div', { class: 'toolbar' }, 'Zone:', zone, show), banner,
    summary, chartBox);
  const chart = new LiveChart(chartBox, 'EUR/MWh (today, then tomorrow)',
    [{ label: 'Price', stroke: '#264653', unit: 'EUR/MWh' }], 500, 260);
  let closed = false;

  async function load(): Promise<void> {
    const now = brussels(new Date());
    const today = now.day;
    const tomorrow = nextDay(today);
    const [a, b] = await Promise.all([today, tomorrow].map((day) => api.get(`/api/v1/prices${api.query({ zone: zone.value, day })}`)
      .catch((e: api.ApiError) => ({ missing: true, status: e.status, stale: e.problem?.stale === true, error: e.message }))));
    if (closed) return;
    const missingTomorrow = (b as any).missing === true;
    const stale = (a as any).stale === true || (b as any).stale === true || (missingTomorrow && now.clock >= DEADLINE);
    banner.hidden = !stale;
    banner.textContent = stale
      ? `Prices for ${zone.value} are stale: tomorrow's (${tomorrow}) ${missingTomorrow ? 'are missing' : 'came late'} `
        + `after the ${DEADLINE} deadline (Europe/Brussels). Schedules keep running on the last prices known.`
      : '';
    const days = [[today, a], [tomorrow, b]] as [string, any][];
    summary.replaceChildren(...days.map(([day, c]) => h('div', { class: 'tile', 'data-day': day },
      h('div', { class: 'label' }, day === today ? `Today ${day}` : `Tomorrow ${day}`),
      h('div', { class: 'value' }, c.missing ? (c.status === 404 ? 'not published' : `unavailable (${c.error})`)
        : `${range(c.points)} EUR/MWh`),
      h('div', { class: 'muted' }, c.missing ? '' : `${c.points.length} × ${c.resolution}, ${c.source}, fetched ${time(c.fetched_at)}`))));
    const rows: (number | null)[][] = [];
    for (const [, c] of days) if (!c.missing) for (const p of c.points) rows.push([Date.parse(p.start) / 1000, p.price]);
    chart.load(rows);
  }

  show.onclick = () => { localStorage.setItem('nattery.zone', zone.value); void load(); };
  void load();
  const stop = bus.subscribe('prices.updated', (u) => { if (u.zone === zone.value) void load(); });
  return () => { closed = true; stop(); chart.destroy(); };
}

function range(points: { price: number }[]): string {
  const values = points.map((p) => p.price);
  return `${Math.min(...values).toFixed(1)} … ${Math.max(...values).toFixed(1)}`;
}
