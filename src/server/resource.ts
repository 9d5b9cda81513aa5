// Resource: one protocol object of one client, as libwayland's wl_resource.
//
// Invariants:
//  - a resource is in its client's object map from creation until destroy();
//  - requests reach the handler set for their name, found by opcode (the
//    table is built once, at implement()); a request without one is ignored
//    (a destructor still destroys);
//  - a handler gets exactly what the dispatcher resolved from the request's
//    signature (see ArgValue): the wire codec checked every value already,
//    so nothing checks them again;
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
import { requestPlansOf, type MessagePlan } from './plan.js';
import type { EventArgs, EventName, EventValue } from './typed.js';

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

/** A decoded request argument, by signature character: i/u/f a number, s a
 * string, a a Uint8Array, o a Resource of the declared interface (null where
 * nullable, or when it names an object already destroyed), n the new
 * Resource (made before the handler runs; untyped: its id), h a ReceivedFd.
 * server/typed.ts gives each its type (SignatureArgs). */
export type ArgValue = WireValue | Resource | ReceivedFd;

/** A request handler taking the arguments as one array: valid only during the
 * call (the dispatcher reuses it for the next request), copy what you keep. */
export type RequestHandler = (resource: Resource, args: readonly ArgValue[]) => void;

/** Request handlers by request name. */
export type Implementation = Readonly<Record<string, RequestHandler | undefined>>;

const NO_HANDLERS: readonly undefined[] = [];

/**
 * An object of interface I (its descriptor's type, e.g. `typeof
 * wl_surface`): send() takes only I's events, each with the arguments its
 * signature names (server/typed.ts). A plain `Resource` is one of an
 * interface not known at compile time: it is passed around and destroyed,
 * it sends nothing.
 */
export class Resource<I extends InterfaceDesc = InterfaceDesc> {
  readonly client: Client;
  readonly id: number;
  readonly iface: I;
  readonly version: number;
  /** The interface's requests by opcode (what the dispatcher needs of each). */
  readonly requestPlans: readonly MessagePlan[];
  /** Owner data (the compositor's object behind this resource). */
  data: unknown = undefined;
  /** Handlers by opcode, either taking the arguments as an array (implement())
   * or as parameters (implementWithParameters()); the other table is empty. */
  #arrayHandlers: readonly (RequestHandler | undefined)[] = NO_HANDLERS;
  // Function: each takes its own parameter list, which server/typed.ts
  // derives from the request's signature; called through Function.call.
  #parameterHandlers: readonly (Function | undefined)[] = NO_HANDLERS;
  /** Each listener in its own entry, so the same function may be added twice and a remover removes one. */
  readonly #destroyListeners = new Set<{ readonly listener: (r: Resource) => void }>();
  #destroyed = false;

  constructor(client: Client, id: number, iface: I, version: number) {
    this.client = client;
    this.id = id;
    this.iface = iface;
    this.version = version;
    this.requestPlans = requestPlansOf(iface);
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Sets the request handlers (chainable). */
  implement(implementation: Implementation, data?: unknown): this {
    this.#arrayHandlers = this.iface.requests.map((desc) => implementation[desc.name]);
    this.#parameterHandlers = NO_HANDLERS;
    if (data !== undefined) this.data = data;
    return this;
  }

  /**
   * Sets request handlers that take the resource, then the request's
   * arguments as parameters, in signature order (chainable): `attach:
   * (surface, buffer, x, y) => ...`. server/typed.ts gives them their
   * types; the values are what ArgValue says of each signature character.
   * Own properties of `handlers` that are not functions are ignored.
   */
  implementWithParameters(handlers: object, data?: unknown): this {
    this.#parameterHandlers = this.iface.requests.map((desc) => {
      const handler: unknown = Object.getOwnPropertyDescriptor(handlers, desc.name)?.value;
      return typeof handler === 'function' ? handler : undefined;
    });
    this.#arrayHandlers = NO_HANDLERS;
    if (data !== undefined) this.data = data;
    return this;
  }

  /**
   * Runs the handler of request `opcode` (the dispatcher's call, once the
   * request decoded and resolved): `args` match the request's signature.
   * No-op without a handler.
   */
  handleRequest(opcode: number, args: readonly ArgValue[]): void {
    const withParameters = this.#parameterHandlers[opcode];
    if (withParameters !== undefined) {
      // Spelled out per arity: no argument array is built per request.
      switch (args.length) {
        case 0:
          withParameters.call(undefined, this);
          return;
        case 1:
          withParameters.call(undefined, this, args[0]);
          return;
        case 2:
          withParameters.call(undefined, this, args[0], args[1]);
          return;
        case 3:
          withParameters.call(undefined, this, args[0], args[1], args[2]);
          return;
        case 4:
          withParameters.call(undefined, this, args[0], args[1], args[2], args[3]);
          return;
        case 5:
          withParameters.call(undefined, this, args[0], args[1], args[2], args[3], args[4]);
          return;
        case 6:
          withParameters.call(undefined, this, args[0], args[1], args[2], args[3], args[4], args[5]);
          return;
        default:
          Reflect.apply(withParameters, undefined, [this, ...args]);
          return;
      }
    }
    const withArray = this.#arrayHandlers[opcode];
    if (withArray !== undefined) withArray(this, args);
  }

  /** Runs `listener` once when the resource is destroyed. Returns a remover. */
  onDestroy(listener: (r: Resource) => void): () => void {
    const entry = { listener };
    this.#destroyListeners.add(entry);
    return () => void this.#destroyListeners.delete(entry);
  }

  /** Sends event `name`: its name and arguments are checked at compile time
   * (server/typed.ts), the version it needs when sent (an older object
   * throws); dropped once destroyed or once the client errored. */
  send<N extends EventName<I>>(name: N, ...args: EventArgs<I, N>): void;
  send(name: string, ...args: EventValue[]): void {
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
