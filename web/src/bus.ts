import EventBus from '@vertx/eventbus-bridge-client.js';
import type { BridgeError, BridgeMessage } from '@vertx/eventbus-bridge-client.js';
import * as session from './session';

/**
 * The one bridge connection of the page: subscriptions survive reconnects (each is registered again, with the
 * current token in the frame's headers, as PROTOCOL.md asks), and a page drops its own when it is left.
 */
type Listener = (body: any, address: string) => void;

let bus: EventBus | null = null;
const listeners = new Map<string, Set<Listener>>();
const failures = new Map<string, string>();
const handlers = new Map<string, (err: BridgeError | null, msg: BridgeMessage) => void>();
let statusHandler: (state: 'live' | 'connecting' | 'offline') => void = () => {};

export function onStatus(handler: typeof statusHandler): void {
  statusHandler = handler;
}

export function connect(): void {
  if (bus) return;
  const s = session.current();
  if (!s) return;
  bus = new EventBus('/eventbus', { vertxbus_ping_interval: 5000 });
  bus.enableReconnect(true);
  bus.defaultHeaders = { authorization: `Bearer ${s.token}` };
  bus.onopen = () => {
    statusHandler('live');
    for (const address of listeners.keys()) register(address);
  };
  bus.onclose = () => statusHandler(bus ? 'connecting' : 'offline');
  bus.onerror = () => {};
  statusHandler('connecting');
}

export function disconnect(): void {
  const b = bus;
  bus = null;
  if (b) b.close();
  listeners.clear();
  handlers.clear();
  failures.clear();
  statusHandler('offline');
}

/** Listens to an address; the answer stops listening. */
export function subscribe(address: string, listener: Listener): () => void {
  let set = listeners.get(address);
  if (!set) {
    set = new Set();
    listeners.set(address, set);
    register(address);
  }
  set.add(listener);
  return () => {
    const current = listeners.get(address);
    if (!current) return;
    current.delete(listener);
    if (current.size === 0) {
      listeners.delete(address);
      failures.delete(address);
      if (bus && bus.state === EventBus.OPEN) {
        const handler = handlers.get(address);
        if (handler) try { bus.unregisterHandler(address, {}, handler); } catch { /* closed meanwhile */ }
      }
    }
  };
}

/** Why the bridge refused an address, if it did. */
export function refusal(address: string): string | undefined {
  return failures.get(address);
}

function register(address: string): void {
  if (!bus || bus.state !== EventBus.OPEN) return; // registered on open
  try {
    const handler = (err: BridgeError | null, msg: BridgeMessage) => dispatch(address, err, msg);
    handlers.set(address, handler);
    bus.registerHandler(address, {}, handler);
  } catch {
    /* not open yet: registered on open */
  }
}

function dispatch(address: string, err: BridgeError | null, msg: BridgeMessage): void {
  if (err) {
    failures.set(address, `${err.failureType ?? 'refused'}: ${err.message ?? ''}`);
    return;
  }
  failures.delete(address);
  listeners.get(address)?.forEach((l) => l(msg.body, address));
}
