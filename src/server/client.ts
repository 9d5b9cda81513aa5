// Client: one connected Wayland client as the server sees it (libwayland's
// wl_client): its object map, request dispatch, events, protocol errors.
//
// Invariants:
//  - every request is checked before any handler runs: target exists, opcode
//    is known and not newer than the object's version, arguments decode
//    strictly (strings, nullability, object types, new_id ranges, fds);
//  - a protocol error is posted once (wl_display.error), flushed, and the
//    client is disconnected; nothing from it is dispatched afterwards;
//  - an exception in a handler is this client's problem only: it gets
//    wl_display.error(implementation) and is disconnected; others go on;
//  - limits bound what one client can make the server hold: objects, queued
//    fds and unsent output (see Connection); exceeding one disconnects it;
//  - on disconnect every resource is destroyed (their listeners close fds and
//    mappings) and the connection closes every fd still queued.
import { interfaces } from '../protocol/index.js';
import { wl_display } from '../protocol/wayland.js';
import type { InterfaceDesc, MessageDesc } from '../protocol/types.js';
import { decode, DisplayError, SERVER_ID_MIN, WireEncodeError, WireWriter, type DecodeContext, type WireValue } from '../wire/codec.js';
import { Connection, type ConnectionOptions, type WireError as ConnectionError } from '../wire/connection.js';
import { closeFdQuietly, dupFd, type PeerCredentials, type UnixStream } from '../wire/socket.js';
import { trace } from '../wire/trace.js';
import type { Display } from './display.js';
import { Resource, type ArgValue } from './resource.js';

export interface ClientLimits {
  /** Live objects per client (default 100,000); more is wl_display.error(no_memory). */
  maxObjects: number;
  /** Queued fds, unsent output: see ConnectionOptions. */
  connection: ConnectionOptions;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = { maxObjects: 100_000, connection: {} };

/** Per-message facts the dispatcher needs, computed once per descriptor. */
interface MessagePlan {
  /** Argument type characters, one per argument ('?' and digits removed). */
  readonly types: string;
  readonly newObjects: readonly (InterfaceDesc | null)[];
}

const plans = new WeakMap<MessageDesc, MessagePlan>();

function planOf(desc: MessageDesc): MessagePlan {
  let plan = plans.get(desc);
  if (!plan) {
    const types = desc.signature.replace(/[?0-9]/g, '');
    const newObjects = [...types].map((c, i) => (c === 'n' && desc.types[i] ? interfaces.get(desc.types[i]!) ?? null : null));
    plan = { types, newObjects };
    plans.set(desc, plan);
  }
  return plan;
}

const eventOpcodes = new WeakMap<InterfaceDesc, Map<string, number>>();

function eventOpcodeOf(iface: InterfaceDesc, name: string): number {
  let map = eventOpcodes.get(iface);
  if (!map) {
    map = new Map(iface.events.map((e, i) => [e.name, i]));
    eventOpcodes.set(iface, map);
  }
  const opcode = map.get(name);
  if (opcode === undefined) throw new WireEncodeError(`${iface.name} has no event ${name}`);
  return opcode;
}

export class Client {
  readonly display: Display;
  readonly connection: Connection;
  readonly credentials: PeerCredentials | null;
  /** wl_display@1 of this client. */
  readonly displayResource: Resource;
  readonly #limits: ClientLimits;
  readonly #objects = new Map<number, Resource>();
  readonly #writer = new WireWriter();
  readonly #args: WireValue[] = [];
  readonly #ctx: DecodeContext;
  readonly #trace: boolean;
  #nextServerId = SERVER_ID_MIN;
  #errored = false;
  #destroyed = false;
  #destroyListeners: ((c: Client) => void)[] = [];

  constructor(display: Display, stream: UnixStream, limits: ClientLimits, traceEnabled: boolean) {
    this.display = display;
    this.#limits = limits;
    this.#trace = traceEnabled;
    let credentials: PeerCredentials | null = null;
    try {
      credentials = stream.peerCredentials();
    } catch {
      credentials = null; // a socketpair peer may have none
    }
    this.credentials = credentials;
    this.#ctx = { sender: 'client', lookup: (id) => this.#objects.get(id)?.iface.name };
    this.connection = new Connection(
      stream,
      {
        onMessage: (id, opcode, body) => this.#dispatch(id, opcode, body),
        onError: (e) => this.#onConnectionError(e),
        onHangup: () => this.destroy(),
      },
      limits.connection,
    );
    this.displayResource = new Resource(this, 1, wl_display, 1);
    this.#objects.set(1, this.displayResource);
  }

  /** Starts reading requests. */
  start(): void {
    this.connection.start();
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Live objects of this client. */
  get objectCount(): number {
    return this.#objects.size;
  }

  getResource(id: number): Resource | undefined {
    return this.#objects.get(id);
  }

  onDestroy(listener: (c: Client) => void): void {
    this.#destroyListeners.push(listener);
  }

  /** Creates a resource with an id the client chose (from a new_id argument). */
  createResource(iface: InterfaceDesc, version: number, id: number): Resource | null {
    if (this.#objects.has(id)) throw new Error(`object id ${id} is in use`);
    if (this.#objects.size >= this.#limits.maxObjects) {
      this.postError(this.displayResource, DisplayError.no_memory, `too many objects (limit ${this.#limits.maxObjects})`);
      return null;
    }
    const r = new Resource(this, id, iface, version);
    this.#objects.set(id, r);
    return r;
  }

  /** Creates a resource with a server-allocated id (for new_id in events). */
  createServerResource(iface: InterfaceDesc, version: number): Resource {
    while (this.#objects.has(this.#nextServerId)) this.#nextServerId++;
    const r = new Resource(this, this.#nextServerId++, iface, version);
    this.#objects.set(r.id, r);
    return r;
  }

  /** Called by Resource.destroy(). */
  removeResource(r: Resource): void {
    if (this.#objects.get(r.id) !== r) return;
    this.#objects.delete(r.id);
    if (!this.#destroyed && r.id < SERVER_ID_MIN && r.id !== 1) this.sendEvent(this.displayResource, 'delete_id', [r.id]);
  }

  /** Sends an event. fds in the arguments are dup'ed: the caller keeps its own. */
  sendEvent(target: Resource, name: string, args: readonly (WireValue | Resource)[]): void {
    if (this.#destroyed || this.connection.closed) return;
    const opcode = eventOpcodeOf(target.iface, name);
    const desc = target.iface.events[opcode]!;
    if (desc.since > target.version)
      throw new WireEncodeError(`${target}.${name} needs version ${desc.since}, the object has ${target.version}`);
    const plan = planOf(desc);
    const values: WireValue[] = new Array<WireValue>(args.length);
    const dups: number[] = [];
    try {
      for (let i = 0; i < args.length; i++) {
        const v = args[i]!;
        if (v instanceof Resource) values[i] = v.id;
        else if (plan.types[i] === 'h' && typeof v === 'number') {
          const d = dupFd(v);
          dups.push(d);
          values[i] = d;
        } else values[i] = v;
      }
      this.#writer.clear();
      this.#writer.encode(target.id, opcode, desc, values);
    } catch (e) {
      dups.forEach(closeFdQuietly);
      throw e;
    }
    if (this.#trace) trace(target.iface.name, target.id, desc, values, 'send', { objectInterface: (id) => this.#objects.get(id)?.iface.name });
    this.connection.write(this.#writer.bytes, this.#writer.fds.slice());
    this.#writer.clear();
  }

  /** wl_display.error on `object`, flush, disconnect. Only the first error is sent. */
  postError(object: Resource, code: number, message: string): void {
    if (this.#errored || this.#destroyed) return;
    this.#errored = true;
    this.connection.pauseInput();
    try {
      this.sendEvent(this.displayResource, 'error', [object, code, message]);
      this.connection.flush();
    } finally {
      queueMicrotask(() => this.destroy());
    }
  }

  /** A bug of ours surfaced while serving this client: tell it, drop it, keep serving others. */
  postImplementationError(e: unknown): void {
    this.display.reportInternalError(e);
    this.postError(this.displayResource, DisplayError.implementation, `internal error: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** Disconnects: destroys every resource, closes the connection and its fds. Idempotent. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const all = [...this.#objects.values()].reverse();
    for (const r of all) r.destroy();
    this.#objects.clear();
    this.connection.close();
    for (const listener of this.#destroyListeners.splice(0)) {
      try {
        listener(this);
      } catch (e) {
        this.display.reportInternalError(e);
      }
    }
  }

  #dispatch(objectId: number, opcode: number, body: Uint8Array): void {
    if (this.#errored || this.#destroyed) return;
    const target = this.#objects.get(objectId);
    if (!target) {
      this.postError(this.displayResource, DisplayError.invalid_object, `invalid object ${objectId}`);
      return;
    }
    const desc = target.iface.requests[opcode];
    if (!desc) {
      this.postError(this.displayResource, DisplayError.invalid_method, `invalid method ${opcode}, object ${target}`);
      return;
    }
    if (desc.since > target.version) {
      this.postError(this.displayResource, DisplayError.invalid_method,
        `invalid method ${opcode} (since ${desc.since} < ${target.version}), object ${target}`);
      return;
    }
    const failure = decode(desc, body, this.connection.fds, this.#ctx, this.#args);
    if (failure) {
      failure.fds.forEach(closeFdQuietly);
      this.postError(this.displayResource, failure.displayErrorCode, `invalid arguments for ${target}.${desc.name}: ${failure.message}`);
      return;
    }
    if (this.#trace) trace(target.iface.name, target.id, desc, this.#args, 'receive', { objectInterface: (id) => this.#objects.get(id)?.iface.name });
    const args = this.#resolve(target, desc);
    if (!args) return;
    const handler = target.implementation[desc.name];
    try {
      if (handler) handler(target, args);
      else this.#dropFds(desc, args);
      if (desc.destructor && !target.destroyed) target.destroy();
    } catch (e) {
      this.postImplementationError(e);
    }
  }

  /** Objects to resources; typed new_ids to new resources (version of the parent). */
  #resolve(target: Resource, desc: MessageDesc): ArgValue[] | null {
    const plan = planOf(desc);
    const raw = this.#args;
    const args: ArgValue[] = new Array<ArgValue>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i]!;
      const t = plan.types.charCodeAt(i);
      if (t === 0x6f /* o */) {
        args[i] = v === 0 ? null : this.#objects.get(v as number) ?? null;
      } else if (t === 0x6e /* n */ && plan.newObjects[i]) {
        const r = this.createResource(plan.newObjects[i]!, target.version, v as number);
        if (!r) {
          this.#dropFds(desc, raw);
          return null;
        }
        args[i] = r;
      } else {
        args[i] = v;
      }
    }
    return args;
  }

  #dropFds(desc: MessageDesc, args: readonly ArgValue[]): void {
    const { types } = planOf(desc);
    for (let i = 0; i < types.length; i++) if (types[i] === 'h' && typeof args[i] === 'number') closeFdQuietly(args[i] as number);
  }

  #onConnectionError(e: ConnectionError): void {
    // Malformed framing (a bad size, more fds in one sendmsg than any message
    // may carry) is invalid_method; fds piling up unused past the limit
    // exhaust what the server will hold for a client: no_memory.
    const code =
      e.code === 'ERR_NOSIGBUS_WIRE_TOO_MANY_FDS'
        ? DisplayError.no_memory
        : e.code === 'ERR_NOSIGBUS_WIRE_BAD_SIZE' || e.code === 'ERR_NOSIGBUS_SOCKET_FDS_TRUNCATED'
          ? DisplayError.invalid_method
          : null;
    if (code === null) this.destroy();
    else this.postError(this.displayResource, code, e.message);
  }
}
