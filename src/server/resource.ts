// Resource: one protocol object of one client, as libwayland's wl_resource.
//
// Invariants:
//  - a resource is in its client's object map from creation until destroy();
//  - requests reach `implementation[name]`; a request the implementation
//    lacks is ignored (a destructor still destroys), and any fd it carried is
//    closed, so nothing leaks;
//  - destroy() runs the destroy listeners once, removes the id, and for ids
//    the client allocated sends wl_display.delete_id (as libwayland does).
import type { InterfaceDesc } from '../protocol/types.js';
import type { WireValue } from '../wire/codec.js';
import type { Client } from './client.js';

/** A decoded request argument: objects resolved to resources (or null), new
 * objects created before the handler runs. */
export type ArgValue = WireValue | Resource;

export type RequestHandler = (resource: Resource, args: readonly ArgValue[]) => void;

/** Request handlers by request name. */
export type Implementation = Readonly<Record<string, RequestHandler | undefined>>;

export class Resource {
  readonly client: Client;
  readonly id: number;
  readonly iface: InterfaceDesc;
  readonly version: number;
  implementation: Implementation = {};
  /** Owner data (the compositor's object behind this resource). */
  data: unknown = undefined;
  #destroyListeners: ((r: Resource) => void)[] = [];
  #destroyed = false;

  constructor(client: Client, id: number, iface: InterfaceDesc, version: number) {
    this.client = client;
    this.id = id;
    this.iface = iface;
    this.version = version;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Sets the request handlers (chainable). */
  implement(implementation: Implementation, data?: unknown): this {
    this.implementation = implementation;
    if (data !== undefined) this.data = data;
    return this;
  }

  onDestroy(listener: (r: Resource) => void): void {
    this.#destroyListeners.push(listener);
  }

  /** Sends event `name` (checked against the descriptor and this object's version). */
  send(name: string, ...args: (WireValue | Resource)[]): void {
    this.client.sendEvent(this, name, args);
  }

  /** Posts a protocol error on this object: wl_display.error, flush, disconnect. */
  postError(code: number, message: string): void {
    this.client.postError(this, code, message);
  }

  /** Destroys the object (idempotent): listeners, then the id is freed. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const listener of this.#destroyListeners.splice(0)) {
      try {
        listener(this);
      } catch (e) {
        this.client.display.reportInternalError(e);
      }
    }
    this.client.removeResource(this);
  }

  toString(): string {
    return `${this.iface.name}@${this.id}`;
  }
}
