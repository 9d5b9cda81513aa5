// A small Wayland client side (libwayland-client's core, minus threads):
// connect by WAYLAND_DISPLAY or WAYLAND_SOCKET, proxies, requests with fds,
// events to handlers, roundtrip, registry and bind. Used by tests and the
// built-in demo clients.
//
// Invariants:
//  - a destroyed proxy is a zombie until the server's delete_id: events to it
//    are discarded (fds closed, objects they create become zombies too) and
//    its id is not reused before that; objects the server created (ids from
//    0xff000000) get no delete_id and are forgotten when destroyed, as in
//    libwayland; events to ids we do not know are dropped;
//  - an event handler that throws fails this client (error listeners, pending
//    roundtrips rejected), never the process;
//  - a wl_display.error or a lost connection rejects every pending roundtrip
//    and is kept in `error`;
//  - fds received in events belong to the handler (closed if there is none).
import { isAbsolute } from 'node:path';
import { interfaces, messageOpcode } from '../protocol/index.js';
import { wl_display, wl_registry } from '../protocol/wayland.js';
import type { InterfaceDesc } from '../protocol/types.js';
import { argTypes, decode, SERVER_ID_MIN, WireWriter, type DecodeContext, type WireValue } from '../wire/codec.js';
import { Connection, type ConnectionOptions } from '../wire/connection.js';
import { closeFdQuietly, connectWayland, dupFd, UnixStream } from '../wire/socket.js';
import { trace, tracingEnabled } from '../wire/trace.js';

export type EventArg = WireValue | Proxy;
export type EventHandler = (...args: EventArg[]) => void;

/** A wl_display.error received from the server. */
export interface ProtocolError extends Error {
  code: 'ERR_NOSIGBUS_PROTOCOL_ERROR' | 'ERR_NOSIGBUS_DISCONNECTED' | 'ERR_NOSIGBUS_HANDLER_THREW';
  /** Object the error is about (its interface and id), error code and message. */
  objectId?: number;
  interfaceName?: string;
  errorCode?: number;
}

function protocolError(code: ProtocolError['code'], message: string, extra: Partial<ProtocolError> = {}): ProtocolError {
  return Object.assign(new Error(message), { code }, extra) as ProtocolError;
}


export class Proxy {
  readonly client: WaylandClient;
  readonly id: number;
  readonly iface: InterfaceDesc;
  readonly version: number;
  #handlers = new Map<string, EventHandler>();
  #destroyed = false;
  /** The server already sent delete_id for this id (it can be reused once destroyed). */
  deleted = false;

  constructor(client: WaylandClient, id: number, iface: InterfaceDesc, version: number) {
    this.client = client;
    this.id = id;
    this.iface = iface;
    this.version = version;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Sets the handler of one event (replacing any earlier one). */
  on(event: string, handler: EventHandler): this {
    if (!this.iface.events.some((e) => e.name === event)) throw new Error(`${this.iface.name} has no event ${event}`);
    this.#handlers.set(event, handler);
    return this;
  }

  handler(event: string): EventHandler | undefined {
    return this.#handlers.get(event);
  }

  /**
   * Sends request `name`. A typed new_id argument is created here: pass
   * `null` in its place and get the new proxy back. fds are dup'ed (the
   * caller keeps its own). A destructor request makes this proxy a zombie.
   */
  request(name: string, ...args: (WireValue | Proxy)[]): Proxy | undefined {
    return this.client.sendRequest(this, name, args);
  }

  /** Marks the proxy destroyed (zombie until delete_id). */
  markDestroyed(): void {
    this.#destroyed = true;
  }

  toString(): string {
    return `${this.iface.name}@${this.id}`;
  }
}

export interface ConnectOptions {
  /** Socket name or absolute path (default $WAYLAND_DISPLAY, then wayland-0). */
  display?: string;
  runtimeDir?: string;
  /** A connected fd (WAYLAND_SOCKET); default: $WAYLAND_SOCKET if set. */
  socketFd?: number;
  connection?: ConnectionOptions;
  trace?: boolean;
}

export interface GlobalInfo {
  name: number;
  interface: string;
  version: number;
}

export class WaylandClient {
  readonly connection: Connection;
  readonly display: Proxy;
  /** Globals seen by the registry (after registry()). */
  readonly globals = new Map<number, GlobalInfo>();
  error: ProtocolError | null = null;
  readonly #objects = new Map<number, Proxy>(); // destroyed proxies are zombies until delete_id
  readonly #freeIds: number[] = [];
  #nextId = 2;
  readonly #writer = new WireWriter();
  readonly #args: WireValue[] = [];
  readonly #ctx: DecodeContext;
  readonly #trace: boolean;
  readonly #pending = new Set<(e: ProtocolError) => void>();
  #registry: Proxy | null = null;
  #errorListeners: ((e: ProtocolError) => void)[] = [];

  constructor(stream: UnixStream, options: ConnectOptions = {}) {
    this.#trace = options.trace ?? tracingEnabled('client');
    this.#ctx = {
      sender: 'server',
      lookup: (id) => {
        const p = this.#objects.get(id);
        return p === undefined ? undefined : p.destroyed ? null : p.iface.name;
      },
    };
    this.connection = new Connection(
      stream,
      {
        onMessage: (id, opcode, body) => this.#dispatch(id, opcode, body),
        onError: (e) => this.#fail(protocolError('ERR_NOSIGBUS_DISCONNECTED', `connection error: ${e.message}`)),
        onHangup: () => this.#fail(protocolError('ERR_NOSIGBUS_DISCONNECTED', 'the server closed the connection')),
      },
      options.connection,
    );
    this.display = new Proxy(this, 1, wl_display, 1);
    this.#objects.set(1, this.display);
    this.display.on('error', (object, code, message) => {
      const target = object instanceof Proxy ? object : null;
      this.#fail(
        protocolError('ERR_NOSIGBUS_PROTOCOL_ERROR', `${target ? String(target) : `object ${String(object)}`}: error ${String(code)}: ${String(message)}`, {
          objectId: target?.id ?? (typeof object === 'number' ? object : 0),
          interfaceName: target?.iface.name ?? '',
          errorCode: code as number,
        }),
      );
    });
    this.display.on('delete_id', (id) => {
      const p = this.#objects.get(id as number);
      if (!p) return;
      p.deleted = true;
      if (p.destroyed) this.#forget(p);
    });
    this.connection.start();
  }

  /** Connects like libwayland: WAYLAND_SOCKET fd, else the WAYLAND_DISPLAY socket. */
  static connect(options: ConnectOptions = {}): WaylandClient {
    const envFd = process.env.WAYLAND_SOCKET;
    const socketFd = options.socketFd ?? (envFd !== undefined && options.display === undefined ? Number(envFd) : undefined);
    if (socketFd !== undefined) {
      if (!Number.isInteger(socketFd) || socketFd < 0) throw new Error(`WAYLAND_SOCKET is not an fd: ${String(envFd)}`);
      return new WaylandClient(new UnixStream(socketFd), options);
    }
    const display = options.display ?? process.env.WAYLAND_DISPLAY ?? 'wayland-0';
    return new WaylandClient(connectWayland(display, isAbsolute(display) ? undefined : options.runtimeDir), options);
  }

  onError(listener: (e: ProtocolError) => void): void {
    this.#errorListeners.push(listener);
  }

  /** Resolves when the server has processed every request sent so far. */
  roundtrip(): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const fail = (e: ProtocolError): void => reject(e);
      this.#pending.add(fail);
      const cb = this.display.request('sync', null)!;
      cb.on('done', () => {
        this.#pending.delete(fail);
        resolve();
      });
    });
  }

  /** Gets the registry and waits for the globals. */
  async registry(): Promise<Map<number, GlobalInfo>> {
    if (!this.#registry) {
      const registry = this.display.request('get_registry', null)!;
      registry.on('global', (name, iface, version) => {
        this.globals.set(name as number, { name: name as number, interface: iface as string, version: version as number });
      });
      registry.on('global_remove', (name) => this.globals.delete(name as number));
      this.#registry = registry;
    }
    await this.roundtrip();
    return this.globals;
  }

  /** Binds a global by interface (the first one advertised) or by name. */
  bind(iface: InterfaceDesc, version: number, name?: number): Proxy {
    if (!this.#registry) throw new Error('call registry() first');
    const g = name !== undefined ? this.globals.get(name) : [...this.globals.values()].find((x) => x.interface === iface.name);
    if (!g) throw new Error(`no global ${iface.name}`);
    const id = this.#allocateId();
    const proxy = new Proxy(this, id, iface, version);
    this.#objects.set(id, proxy);
    this.#send(this.#registry, messageOpcode(wl_registry, 'requests', 'bind'), [g.name, iface.name, version, id]);
    return proxy;
  }

  sendRequest(target: Proxy, name: string, args: readonly (WireValue | Proxy)[]): Proxy | undefined {
    const opcode = messageOpcode(target.iface, 'requests', name);
    if (opcode < 0) throw new Error(`${target.iface.name} has no request ${name}`);
    const desc = target.iface.requests[opcode]!;
    const types = argTypes(desc);
    let created: Proxy | undefined;
    const values: WireValue[] = [];
    for (let i = 0; i < types.length; i++) {
      const v = args[i] ?? null;
      if (types[i] === 'n' && desc.types[i]) {
        const iface = interfaces.get(desc.types[i]!);
        if (!iface) throw new Error(`unknown interface ${desc.types[i]}`);
        created = new Proxy(this, this.#allocateId(), iface, target.version);
        this.#objects.set(created.id, created);
        values.push(created.id);
      } else {
        values.push(v instanceof Proxy ? v.id : v);
      }
    }
    this.#send(target, opcode, values);
    if (desc.destructor) this.#destroyed(target);
    return created;
  }

  /** A proxy was destroyed: a zombie until delete_id, except where no delete_id will come. */
  #destroyed(p: Proxy): void {
    p.markDestroyed();
    if (p.deleted || p.id >= SERVER_ID_MIN) this.#forget(p);
  }

  #forget(p: Proxy): void {
    if (this.#objects.get(p.id) !== p) return;
    this.#objects.delete(p.id);
    if (p.id < SERVER_ID_MIN) this.#freeIds.push(p.id);
  }

  /** Sends raw bytes (tests: malformed input). */
  sendRaw(bytes: Uint8Array, fds: readonly number[] = []): void {
    this.connection.write(bytes, fds.map((fd) => dupFd(fd)));
  }

  /** Flushes what the socket takes now. */
  flush(): boolean {
    return this.connection.flush();
  }

  close(): void {
    this.connection.close();
    this.#fail(protocolError('ERR_NOSIGBUS_DISCONNECTED', 'closed by the client'), false);
  }

  #allocateId(): number {
    return this.#freeIds.pop() ?? this.#nextId++;
  }

  #send(target: Proxy, opcode: number, values: WireValue[]): void {
    if (this.error) throw this.error;
    const desc = target.iface.requests[opcode]!;
    const types = argTypes(desc);
    const dups: number[] = [];
    try {
      for (let i = 0; i < types.length; i++) {
        if (types[i] === 'h') {
          const d = dupFd(values[i] as number);
          dups.push(d);
          values[i] = d;
        }
      }
      this.#writer.clear();
      this.#writer.encode(target.id, opcode, desc, values);
    } catch (e) {
      dups.forEach(closeFdQuietly);
      throw e;
    }
    if (this.#trace) trace(target.iface.name, target.id, desc, values, 'send');
    this.connection.write(this.#writer.bytes, this.#writer.fds.slice());
    this.#writer.clear();
  }

  #dispatch(objectId: number, opcode: number, body: Uint8Array): void {
    const target = this.#objects.get(objectId);
    if (target === undefined) return; // unknown (e.g. forgotten server object): dropped, as libwayland does
    const desc = target.iface.events[opcode];
    if (!desc) {
      this.#fail(protocolError('ERR_NOSIGBUS_DISCONNECTED', `invalid event ${opcode} for ${target}`));
      return;
    }
    const failure = decode(desc, body, this.connection.fds, this.#ctx, this.#args);
    if (failure) {
      failure.fds.forEach(closeFdQuietly);
      // A zombie's event may name objects already forgotten (server-made ones
      // born zombies): libwayland drops it without looking them up.
      if (!target.destroyed) this.#fail(protocolError('ERR_NOSIGBUS_DISCONNECTED', `malformed event ${target}.${desc.name}: ${failure.message}`));
      return;
    }
    const types = argTypes(desc);
    if (target.destroyed) {
      // A zombie: decode only to take its fds off the queue, then drop them;
      // objects the event creates are born zombies, so their events go too.
      if (this.#trace) trace(target.iface.name, target.id, desc, this.#args, 'receive', { discarded: true });
      for (let i = 0; i < types.length; i++) {
        if (types[i] === 'h') closeFdQuietly(this.#args[i] as number);
        else if (types[i] === 'n' && desc.types[i]) {
          const p = new Proxy(this, this.#args[i] as number, interfaces.get(desc.types[i]!)!, target.version);
          p.markDestroyed();
          if (p.id < SERVER_ID_MIN) this.#objects.set(p.id, p);
        }
      }
      return;
    }
    if (this.#trace) trace(target.iface.name, target.id, desc, this.#args, 'receive');
    const args: EventArg[] = [];
    for (let i = 0; i < this.#args.length; i++) {
      const v = this.#args[i]!;
      if (types[i] === 'o') {
        const p = v === 0 ? undefined : this.#objects.get(v as number);
        args.push(p && !p.destroyed ? p : null);
      }
      else if (types[i] === 'n' && desc.types[i]) {
        const iface = interfaces.get(desc.types[i]!)!;
        const p = new Proxy(this, v as number, iface, target.version);
        this.#objects.set(p.id, p);
        args.push(p);
      } else args.push(v);
    }
    const handler = target.handler(desc.name);
    try {
      if (handler) handler(...args);
      else for (let i = 0; i < types.length; i++) if (types[i] === 'h') closeFdQuietly(args[i] as number);
    } catch (e) {
      this.#fail(protocolError('ERR_NOSIGBUS_HANDLER_THREW', `${target}.${desc.name} handler threw: ${e instanceof Error ? e.message : String(e)}`));
    } finally {
      if (desc.destructor) this.#destroyed(target);
    }
  }

  #fail(e: ProtocolError, notify = true): void {
    if (this.error) return;
    this.error = e;
    for (const reject of this.#pending) reject(e);
    this.#pending.clear();
    if (notify) for (const l of this.#errorListeners) l(e);
  }
}
