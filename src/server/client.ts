// Client: one connected Wayland client as the server sees it (libwayland's
// wl_client): its object map, request dispatch, events, protocol errors.
//
// Invariants:
//  - every request is checked before any handler runs: target exists, opcode
//    is known and not newer than the object's version, arguments decode
//    strictly (strings, nullability, object types, new_id ranges, fds), and
//    a new id is the next free one, as libwayland's wl_map requires;
//  - a protocol error is posted once (wl_display.error, its text cut to
//    libwayland's 127 bytes), flushed, and the client is disconnected; no
//    other event and no request of that client is processed afterwards;
//  - nothing a client sends can throw out of dispatch: a handler's exception
//    gets that client wl_display.error(implementation) and a disconnect;
//    other clients go on;
//  - fds of a request are ReceivedFd objects: a handler that keeps one calls
//    take(); every fd not taken is closed when the handler returns or throws;
//  - limits bound what one client can make the server hold: objects (its
//    own and server-created), binds of one global (each bound object hears
//    that global's broadcasts, so a client's binds multiply what every
//    change costs), queued fds and unsent output (Connection); past a limit
//    the client gets wl_display.error(no_memory);
//  - on disconnect the client's destroy listeners run, then every resource
//    is destroyed once, newest first (their listeners close fds and
//    mappings), then the connection closes every fd still queued. From the
//    start of disconnect no object can be created for the client (a
//    listener that would make one, e.g. a selection offer, gets null), so
//    disconnect is one pass over the objects;
//  - costs: dispatch, object creation and lookup, adding and removing a
//    destroy listener are O(1) in the number of objects; an event to a client
//    whose connection no longer sends (it stopped reading, hung up, or is
//    closing) is dropped before it is encoded, so broadcasts to a dead
//    client cost next to nothing.
import { messageOpcode } from '../protocol/index.js';
import { wl_display } from '../protocol/wayland.js';
import type { InterfaceDesc } from '../protocol/types.js';
import { decodeWith, DisplayError, SERVER_ID_MAX, SERVER_ID_MIN, WireEncodeError, WireWriter, type DecodeContext, type WireValue } from '../wire/codec.js';
import { Connection, type ConnectionOptions, type ConnectionError } from '../wire/connection.js';
import { closeFdQuietly, dupFd, type PeerCredentials, type UnixStream } from '../wire/socket.js';
import { trace } from '../wire/trace.js';
import type { Display } from './display.js';
import { planOf, type MessagePlan } from './plan.js';
import { ReceivedFd, Resource, type ArgValue } from './resource.js';
import type { EventValue } from './typed.js';

export interface ClientLimits {
  /** Live objects per client (default 100,000); more is wl_display.error(no_memory). */
  maxObjects: number;
  /** Live objects one client bound from one global (default 64); more is wl_display.error(no_memory). */
  maxBindsPerGlobal: number;
  /** Queued fds, unsent output: see ConnectionOptions. */
  connection: ConnectionOptions;
}

/** Real clients bind a global once per library that uses it (a handful); every
 * bound wl_output, output manager or data-control manager hears its global's
 * broadcasts and is walked for per-client events (sync_output per feedback). */
export const MAX_BINDS_PER_GLOBAL = 64;

export const DEFAULT_CLIENT_LIMITS: ClientLimits = { maxObjects: 100_000, maxBindsPerGlobal: MAX_BINDS_PER_GLOBAL, connection: {} };

/** libwayland formats error messages into a 128-byte buffer. */
const MAX_ERROR_MESSAGE_BYTES = 127;
/** libwayland's WL_MAP_MAX_OBJECTS: client ids stay below it. */
const MAX_CLIENT_ID = 0xf00000;

function eventOpcodeOf(iface: InterfaceDesc, name: string): number {
  const opcode = messageOpcode(iface, 'events', name);
  if (opcode < 0) throw new WireEncodeError(`${iface.name} has no event ${name}`);
  return opcode;
}

/** Cuts a message to libwayland's length, at a UTF-8 boundary, without NULs. */
function errorText(message: string): string {
  const bytes = Buffer.from(message.replace(/\0/g, ''), 'utf8');
  if (bytes.length <= MAX_ERROR_MESSAGE_BYTES) return bytes.toString('utf8');
  let end = MAX_ERROR_MESSAGE_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // not inside a character
  return bytes.subarray(0, end).toString('utf8');
}

/** Decoded argument `i`, an object id, new id or fd: the codec writes each
 * as a number (anything else is a bug of ours, served as one). */
function idAt(raw: readonly WireValue[], i: number): number {
  const v = raw[i];
  if (typeof v !== 'number') throw new TypeError(`argument ${i} decoded as ${typeof v}, not a number`);
  return v;
}

/** `count` nulls: a reused argument array, its length set once. */
function nulls(count: number): null[] {
  return Array.from({ length: count }, () => null);
}

function describe(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e);
  } catch {
    return 'unprintable exception';
  }
}

export class Client {
  readonly display: Display;
  readonly connection: Connection;
  readonly credentials: PeerCredentials | null;
  /** wl_display@1 of this client. */
  readonly displayResource: Resource<typeof wl_display>;
  readonly #limits: ClientLimits;
  readonly #objects = new Map<number, Resource>();
  readonly #writer = new WireWriter();
  /** The request being served, decoded, then resolved (objects, new objects,
   * fds), in arrays reused from request to request (as handlers are told),
   * one per argument count: the length of an array never changes per
   * request (setting it is a call into the runtime). */
  readonly #decodedByCount: WireValue[][] = [];
  readonly #resolvedByCount: ArgValue[][] = [];
  /** The object the previous request went to: most go to the same one as
   * the one before (attach, damage, commit), and the lookup in #objects is
   * the dearest step of dispatch. Forgotten when that object is removed. */
  #lastTarget: Resource | null = null;
  readonly #ctx: DecodeContext;
  readonly #trace: boolean;
  /** Client ids: every id below this was handed out once; free ones may be reused. */
  #clientIdEnd = 2;
  #nextServerId = SERVER_ID_MIN;
  readonly #freeServerIds: number[] = [];
  /** Live bound objects per global name (only globals bound at least once). */
  readonly #binds = new Map<number, number>();
  #errored = false;
  #destroyed = false;
  /** Input paused by deferInput() until this fires. */
  #deferTimer: NodeJS.Timeout | null = null;
  readonly #destroyListeners = new Set<{ readonly listener: (c: Client) => void }>();

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
        onMessage: (id, opcode, body) => this.#dispatchSafely(id, opcode, body, 0, body.length),
        onMessageAt: (id, opcode, bytes, start, end) => this.#dispatchSafely(id, opcode, bytes, start, end),
        onError: (e) => this.#onConnectionError(e),
        onHangup: () => this.destroy(),
      },
      limits.connection,
    );
    this.displayResource = new Resource(this, 1, wl_display, 1);
    this.#objects.set(1, this.displayResource);
  }

  /** Starts reading requests (no-op once destroyed). */
  start(): void {
    if (!this.#destroyed) this.connection.start();
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** A protocol error was posted: the client is on its way out. */
  get errored(): boolean {
    return this.#errored;
  }

  /** Live objects of this client. */
  get objectCount(): number {
    return this.#objects.size;
  }

  getResource(id: number): Resource | undefined {
    return this.#objects.get(id);
  }

  /** Runs `listener` when the client goes away (before its resources are destroyed). Returns a remover. */
  onDestroy(listener: (c: Client) => void): () => void {
    const entry = { listener };
    this.#destroyListeners.add(entry);
    return () => void this.#destroyListeners.delete(entry);
  }

  /** Live objects this client bound from the global named `name`. */
  bindsOf(name: number): number {
    return this.#binds.get(name) ?? 0;
  }

  /**
   * Counts a bind of global `name` about to be made; false (after
   * no_memory) past maxBindsPerGlobal. `resource` is the bound object: the
   * count drops when it is destroyed.
   */
  countBind(name: number, ifaceName: string, resource: Resource): boolean {
    const n = this.bindsOf(name);
    if (n >= this.#limits.maxBindsPerGlobal) {
      this.postError(this.displayResource, DisplayError.no_memory, `too many binds of ${ifaceName} (limit ${this.#limits.maxBindsPerGlobal})`);
      return false;
    }
    this.#binds.set(name, n + 1);
    resource.onDestroy(() => {
      const left = this.bindsOf(name) - 1;
      if (left > 0) this.#binds.set(name, left);
      else this.#binds.delete(name);
    });
    return true;
  }

  /**
   * Creates a resource with an id the client chose (a new_id argument).
   * Like libwayland, the id must be the next one or a freed one; else, or
   * past the object limit, the client gets a protocol error and null.
   */
  createResource<I extends InterfaceDesc>(iface: I, version: number, id: number, request?: Resource, requestName?: string): Resource<I> | null {
    if (this.#destroyed) return null;
    if (this.#objects.has(id) || id > this.#clientIdEnd || id >= MAX_CLIENT_ID) {
      this.postError(this.displayResource, DisplayError.invalid_method,
        request && requestName ? `invalid arguments for ${request}.${requestName}` : `invalid new id ${id}`);
      return null;
    }
    if (this.#objects.size >= this.#limits.maxObjects) {
      this.postError(this.displayResource, DisplayError.no_memory, `too many objects (limit ${this.#limits.maxObjects})`);
      return null;
    }
    if (id === this.#clientIdEnd) this.#clientIdEnd++;
    const r = new Resource(this, id, iface, version);
    this.#objects.set(id, r);
    return r;
  }

  /** Creates a resource with a server-allocated id (for new_id in events).
   * Freed ids are reused, as libwayland does. Past the object limit the
   * client gets no_memory and this returns null; once the client is
   * disconnecting (or errored) it is null as well: nothing would reach it. */
  createServerResource<I extends InterfaceDesc>(iface: I, version: number): Resource<I> | null {
    if (this.#destroyed || this.#errored) return null;
    if (this.#objects.size >= this.#limits.maxObjects) {
      this.postError(this.displayResource, DisplayError.no_memory, `too many objects (limit ${this.#limits.maxObjects})`);
      return null;
    }
    let id = this.#freeServerIds.pop();
    if (id === undefined) {
      if (this.#nextServerId > SERVER_ID_MAX) {
        this.postError(this.displayResource, DisplayError.no_memory, 'server object ids exhausted');
        return null;
      }
      id = this.#nextServerId++;
    }
    const r = new Resource(this, id, iface, version);
    this.#objects.set(id, r);
    return r;
  }

  /** Called by Resource.destroy(). */
  removeResource(r: Resource): void {
    if (this.#lastTarget === r) this.#lastTarget = null;
    if (this.#objects.get(r.id) !== r) return;
    this.#objects.delete(r.id);
    if (this.#destroyed) return;
    if (r.id >= SERVER_ID_MIN) this.#freeServerIds.push(r.id);
    else if (r.id !== 1) this.displayResource.send('delete_id', r.id);
  }

  /**
   * Sends an event: what Resource.send does once the compiler checked the
   * name and arguments (call that, not this). fds in the arguments are
   * dup'ed: the caller keeps its own. Dropped once the target is destroyed
   * or the client errored (as libwayland drops everything after
   * wl_display.error), and once the
   * connection no longer sends (see Connection.writable). Object arguments
   * that are destroyed or belong to another client are sent as null where
   * allowed; elsewhere that is a bug of the caller and throws.
   */
  sendEvent(target: Resource, name: string, args: readonly EventValue[]): void {
    if (this.#destroyed || !this.connection.writable || target.destroyed) return;
    const opcode = eventOpcodeOf(target.iface, name);
    if (this.#errored && !(target === this.displayResource && name === 'error')) return;
    const desc = target.iface.events[opcode]!;
    if (desc.since > target.version)
      throw new WireEncodeError(`${target}.${name} needs version ${desc.since}, the object has ${target.version}`);
    const plan = planOf(desc);
    const values: WireValue[] = new Array<WireValue>(args.length);
    const dups: number[] = [];
    try {
      for (let i = 0; i < args.length; i++) {
        const v = args[i]!;
        if (v instanceof Resource) {
          if (v.client === this && !v.destroyed) values[i] = v.id;
          else if (plan.nullable[i]) values[i] = 0;
          else throw new WireEncodeError(`${target}.${name}: argument ${i} is ${v.destroyed ? 'a destroyed object' : "another client's object"}`);
        } else if (plan.types[i] === 'h' && typeof v === 'number') {
          const d = dupFd(v);
          dups.push(d);
          values[i] = d;
        } else values[i] = v;
      }
      this.#writer.clear();
      this.#writer.encode(target.id, opcode, desc, values);
    } catch (e) {
      dups.forEach(closeFdQuietly);
      this.#writer.clear();
      throw e;
    }
    if (this.#trace) trace(target.iface.name, target.id, desc, values, 'send', { objectInterface: (id) => this.#objects.get(id)?.iface.name });
    this.connection.write(this.#writer.bytes, this.#writer.fds.slice());
    this.#writer.clear();
  }

  /** wl_display.error on `object`, flush, disconnect. Only the first error is sent. Never throws. */
  postError(object: Resource, code: number, message: string): void {
    if (this.#errored || this.#destroyed) return;
    this.#errored = true;
    try {
      this.connection.pauseInput();
      this.displayResource.send('error', object, code >>> 0, errorText(message));
      this.connection.flush();
    } catch (e) {
      this.#report(e);
    } finally {
      queueMicrotask(() => this.destroy());
    }
  }

  /**
   * Stops reading this client's requests for about `ms` milliseconds (what
   * an expensive request of it just cost, e.g. compiling its keymap): the
   * rest of what it sent waits, every other client is served meanwhile, so
   * a flood of such requests takes at most about half of the event loop.
   * No-op while already deferred, after an error, once destroyed.
   */
  deferInput(ms: number): void {
    if (this.#destroyed || this.#errored || this.#deferTimer || !(ms > 0)) return;
    this.connection.pauseInput();
    this.#deferTimer = setTimeout(() => {
      this.#deferTimer = null;
      if (!this.#destroyed && !this.#errored) this.connection.resumeInput();
    }, Math.ceil(ms));
  }

  /** A bug of ours surfaced while serving this client: tell it, drop it, keep serving others. */
  postImplementationError(e: unknown): void {
    this.#report(e);
    this.postError(this.displayResource, DisplayError.implementation, `internal error: ${describe(e)}`);
  }

  /** Disconnects: destroy listeners, then every resource, then the connection and its fds. Idempotent. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#deferTimer) clearTimeout(this.#deferTimer);
    this.#deferTimer = null;
    const listeners = [...this.#destroyListeners];
    this.#destroyListeners.clear();
    for (const { listener } of listeners) {
      try {
        listener(this);
      } catch (e) {
        this.#report(e);
      }
    }
    // Newest first, once each. Listeners may destroy other objects (skipped
    // then: destroy is idempotent) but create none (#destroyed refuses).
    const all = [...this.#objects.values()];
    for (let i = all.length - 1; i >= 0; i--) all[i]!.destroy();
    this.#objects.clear();
    this.#lastTarget = null;
    this.#binds.clear();
    this.connection.close();
  }

  #report(e: unknown): void {
    try {
      this.display.reportInternalError(e);
    } catch {
      // the owner's reporter failed too: nothing more to do for this one
    }
  }

  /** Last line of defence: nothing from a client may throw into the event loop. */
  #dispatchSafely(objectId: number, opcode: number, bytes: Uint8Array, start: number, end: number): void {
    try {
      this.#dispatch(objectId, opcode, bytes, start, end);
    } catch (e) {
      this.#report(e);
      this.destroy();
    }
  }

  /** Serves one request, its body `bytes[start, end)`. */
  #dispatch(objectId: number, opcode: number, bytes: Uint8Array, start: number, end: number): void {
    if (this.#errored || this.#destroyed) return;
    const last = this.#lastTarget;
    const target = last !== null && last.id === objectId ? last : this.#objects.get(objectId);
    if (!target) {
      this.postError(this.displayResource, DisplayError.invalid_object, `invalid object ${objectId}`);
      return;
    }
    this.#lastTarget = target;
    const plan = target.requestPlans[opcode];
    if (!plan) {
      this.postError(this.displayResource, DisplayError.invalid_method, `invalid method ${opcode}, object ${target}`);
      return;
    }
    const desc = plan.desc;
    if (desc.since > target.version) {
      this.postError(this.displayResource, DisplayError.invalid_method,
        `invalid method ${opcode} (since ${target.version} < ${desc.since}), object ${target}`);
      return;
    }
    const count = plan.types.length;
    const decoded: WireValue[] = this.#decodedByCount[count] ?? (this.#decodedByCount[count] = nulls(count));
    const failure = decodeWith(desc, plan.codes, bytes, this.connection.fds, this.#ctx, decoded, start, end);
    if (failure) {
      failure.fds.forEach(closeFdQuietly);
      this.postError(this.displayResource, failure.displayErrorCode, `invalid arguments for ${target}.${desc.name}: ${failure.message}`);
      return;
    }
    if (this.#trace) trace(target.iface.name, target.id, desc, decoded, 'receive', { objectInterface: (id) => this.#objects.get(id)?.iface.name });
    // Only requests with fds make a list of them (few do).
    const fds: ReceivedFd[] | null = plan.takesFds ? [] : null;
    try {
      let args: readonly ArgValue[] = decoded;
      if (plan.resolves) {
        const resolved = this.#resolve(target, plan, decoded, fds);
        if (!resolved) return;
        args = resolved;
      }
      target.handleRequest(opcode, args);
      if (desc.destructor && !target.destroyed) target.destroy();
    } catch (e) {
      this.postImplementationError(e);
    } finally {
      if (fds) for (const fd of fds) fd.closeUnlessTaken();
      if (plan.resolves) {
        // The reused array holds no object past its request.
        const resolved = this.#resolvedByCount[count];
        if (resolved) for (let i = 0; i < count; i++) resolved[i] = null;
      }
    }
  }

  /** Objects to resources, typed new_ids to new resources (version of the
   * parent), fds to ReceivedFd (listed in `fds`, each before anything can
   * fail), into a reused array. Returns null after posting an error. */
  #resolve(target: Resource, plan: MessagePlan, raw: readonly WireValue[], fds: ReceivedFd[] | null): ArgValue[] | null {
    const types = plan.types;
    const n = types.length;
    const args: ArgValue[] = this.#resolvedByCount[n] ?? (this.#resolvedByCount[n] = nulls(n));
    if (fds) {
      for (let i = 0; i < n; i++) {
        if (types.charCodeAt(i) === 0x68 /* h */) {
          const fd = new ReceivedFd(idAt(raw, i));
          fds.push(fd);
          args[i] = fd;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const t = types.charCodeAt(i);
      const newObject = plan.newObjects[i];
      if (t === 0x6f /* o */) {
        const id = idAt(raw, i);
        args[i] = id === 0 ? null : this.#objects.get(id) ?? null;
      } else if (t === 0x6e /* n */ && newObject) {
        const r = this.createResource(newObject, target.version, idAt(raw, i), target, plan.desc.name);
        if (!r) return null;
        args[i] = r;
      } else if (t !== 0x68 /* h */) {
        args[i] = raw[i]!;
      }
    }
    return args;
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
