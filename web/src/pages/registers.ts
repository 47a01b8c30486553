import map from '../../../conf/registers/generic-hybrid.json';
import { send } from './device';
import { h } from '../view';

interface Register { name: string; address: number; type: string; length?: number; access: string; unit?: string;
  description?: string }

/** Registers a value of the type spans. */
function width(r: Register): number {
  if (r.type === 'string') return r.length ?? 1;
  return r.type.endsWith('32') ? 2 : 1;
}

/**
 * The register panel (operators and admins): the shipped generic-hybrid map (conf/registers), any register read
 * through a read_registers command, the writable ones written through write_registers after a confirmation.
 */
export function registers(id: string): HTMLElement {
  const status = h('p', { class: 'muted', 'data-testid': 'register-status', 'aria-live': 'polite' });
  const body = h('tbody');
  for (const r of (map as { registers: Register[] }).registers) {
    const value = h('td', { class: 'mono', 'data-register': String(r.address) }, '');
    const read = h('button', { type: 'button', class: 'small' }, 'Read');
    read.onclick = async () => {
      const done = await send(id, { type: 'read_registers', params: { address: r.address, count: width(r) } }, status);
      const values = done?.result?.values ?? done?.result?.registers;
      if (Array.isArray(values)) value.textContent = values.join(' ');
    };
    const actions = h('td', {}, read);
    if (r.access.includes('write')) {
      const input = h('input', { class: 'narrow', placeholder: 'value(s)', 'aria-label': `new value of ${r.name}` });
      const write = h('button', { type: 'button', class: 'small warn' }, 'Write');
      write.onclick = () => {
        const values = input.value.split(/[ ,]+/).filter(Boolean).map(Number);
        if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0 || v > 65535)) {
          status.textContent = 'Write: give register values, whole numbers 0–65535, separated by spaces.';
          return;
        }
        if (!confirm(`Write ${values.join(' ')} to ${r.name} (${r.address}) of ${id}?`)) return;
        void send(id, { type: 'write_registers', params: { address: r.address, values } }, status);
      };
      actions.append(' ', input, ' ', write);
    }
    body.append(h('tr', {}, h('td', { class: 'mono' }, String(r.address)), h('td', {}, r.name),
      h('td', {}, r.type), h('td', {}, r.access), h('td', { class: 'muted' }, r.description ?? ''), value, actions));
  }
  const table = h('table', { class: 'registers' }, h('thead', {}, h('tr', {},
    ...['Address', 'Name', 'Type', 'Access', 'Description', 'Value', ''].map((t) => h('th', {}, t)))), body);
  const details = h('details', { class: 'card' }, h('summary', {}, 'Registers (generic-hybrid map)'), status, table);
  return details;
}
