declare module '@vertx/eventbus-bridge-client.js' {
  export interface BridgeMessage { type: string; address: string; body: any; headers?: Record<string, string> }
  export interface BridgeError { failureCode?: number; failureType?: string; message?: string }
  class EventBus {
    constructor(url: string, options?: object);
    defaultHeaders: Record<string, string> | null;
    onopen: (() => void) | null;
    onclose: ((e: unknown) => void) | null;
    onerror: (err: any) => void;
    onreconnect: (() => void) | null;
    state: number;
    registerHandler(address: string, headers: object, callback: (err: BridgeError | null, msg: BridgeMessage) => void): void;
    unregisterHandler(address: string, headers: object, callback: (err: BridgeError | null, msg: BridgeMessage) => void): void;
    enableReconnect(enable: boolean): void;
    close(): void;
    static OPEN: number;
  }
  export default EventBus;
}
