// Resource: one protocol object of one client, as libwayland's wl_resource.
//
// Invariants:
//  - a resource is in its client's object map from creation until destroy();
//  - requests reach `implementation[name]`; a request the implementation
//    lacks is ignored (a destructor still destroys);
//  - an fd argument is a ReceivedFd: the handler calls take() to keep it;
//    an fd not taken is closed once the handler returns or throws;
//  - destroy() runs the destroy listeners once, in the order they were
//    added, removes the id, and for ids the client allocated sends
//    wl_display.delete_id (as libwayland does);
//  - cost: adding or removing a destroy listener is O(1) (a resource may
//    carry one listener per object that refers to it, e.g. every frame that
//    writes into one buffer: removal must not scan them).
import type { InterfaceDesc } from '../protocol/types.js';
import type { WireValue } from '../wire/codec.js';
import { closeFdQuietly } from '../wire/socket.js';
import type { Client } from './client.js';

/** An fd received with a request. Use `fd` during the handler; call take()
 * to keep it past the handler (then it is yours to close). */
export class ReceivedFd {
  readonly fd: number;
  #taken = false;

  constructor(fd: number) {
    this.fd = fd;
  }

  /** Takes ownership: the dispatcher will not close it. */
  take(): number {
    this.#taken = true;
    return this.fd;
  }

  get taken(): boolean {
    return this.#taken;
  }

  /** Called by the dispatcher after the handler. */
  closeUnlessTaken(): void {
    if (!this.#taken) {
      this.#taken = true;
      closeFdQuietly(this.fd);
    }
  }
}

/** A decoded request argument: objects resolved to resources (or null), new
 * objects created before the handler runs, fds as ReceivedFd. */
export type ArgValue = WireValue | Resource | ReceivedFd;

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
  /** Each listener in its own entry, so the same function may be added twice and a remover removes one. */
  readonly #destroyListeners = new Set<{ readonly listener: (r: Resource) => void }>();
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

  /** Runs `listener` once when the resource is destroyed. Returns a remover. */
  onDestroy(listener: (r: Resource) => void): () => void {
    const entry = { listener };
    this.#destroyListeners.add(entry);
    return () => void this.#destroyListeners.delete(entry);
  }

  /** Sends event `name` (checked against the descriptor and this object's
   * version; dropped once destroyed or once the client errored). */
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
    const entries = [...this.#destroyListeners];
    this.#destroyListeners.clear();
    for (const { listener } of entries) {
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
