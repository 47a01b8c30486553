// Small DOM helpers: pages are plain functions that fill an element and return how to leave.

export type Leave = () => void;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {},
  ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

export function kw(watts: number | null | undefined): string {
  if (watts === null || watts === undefined || Number.isNaN(watts)) return '–';
  const abs = Math.abs(watts);
  return abs >= 1_000_000 ? `${(watts / 1_000_000).toFixed(2)} MW` : `${(watts / 1000).toFixed(2)} kW`;
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${value.toFixed(1)} %`;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(undefined, { hour12: false });
}

export function eur(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${value.toFixed(2)} €`;
}

export function message(el: HTMLElement, text: string, kind: 'info' | 'error' = 'info'): void {
  el.replaceChildren(h('p', { class: kind }, text));
}
