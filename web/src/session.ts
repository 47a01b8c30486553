// The signed-in user's token, kept for the tab only (sessionStorage): never in the URL, never logged.
const KEY = 'nattery.session';

export interface Session { token: string; username: string; role: string; expiresAt: number }

export function current(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const session = JSON.parse(raw) as Session;
  return session.expiresAt > Date.now() ? session : null;
}

export function save(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clear(): void {
  sessionStorage.removeItem(KEY);
}

/** The role claim of a JWT (its payload is readable; the server checks the signature). */
export function roleOf(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return String(payload.role ?? 'viewer');
  } catch {
    return 'viewer';
  }
}

const RANK: Record<string, number> = { viewer: 0, trader: 1, operator: 2, admin: 3 };

/** Operators and admins act on devices (commands, registers); viewers and traders only look. */
export function canOperate(session: Session | null): boolean {
  return !!session && (session.role === 'operator' || RANK[session.role] >= RANK.admin);
}
