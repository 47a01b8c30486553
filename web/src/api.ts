import * as session from './session';

/** An answer other than 2xx, with the problem+json detail when there is one. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: any) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
  }
}

let onUnauthorised: () => void = () => {};

export function whenUnauthorised(handler: () => void): void {
  onUnauthorised = handler;
}

export async function call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const s = session.current();
  if (s) headers.Authorization = `Bearer ${s.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const json = text ? safeJson(text) : null;
  if (response.status === 401 && !path.endsWith('/auth/token')) {
    session.clear();
    onUnauthorised();
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json as T;
}

export const get = <T = any>(path: string) => call<T>('GET', path);
export const post = <T = any>(path: string, body: unknown) => call<T>('POST', path, body);

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}

export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
