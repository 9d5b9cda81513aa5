// nosigbus/server: a Wayland server library (display, clients, resources, globals).
export { Display, Global } from './display.js';
export type { DisplayOptions, BindHandler } from './display.js';
export { Client, DEFAULT_CLIENT_LIMITS, MAX_BINDS_PER_GLOBAL } from './client.js';
export type { ClientLimits } from './client.js';
export { ReceivedFd, Resource } from './resource.js';
export type { ArgValue, Implementation, RequestHandler } from './resource.js';
export { dataOf, implement } from './typed.js';
export type { EventArgs, EventName, Handlers, SignatureArgs } from './typed.js';
