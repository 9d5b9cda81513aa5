// nosigbus/client: a small Wayland client side, for tests and demo clients.
export { WaylandClient, Proxy } from './client.js';
export type { ConnectOptions, EventArg, EventHandler, GlobalInfo, ProtocolError } from './client.js';
