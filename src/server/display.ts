// Display: the server (libwayland's wl_display): listening sockets, clients,
// globals and the registry, serials. wl_display.sync / get_registry and
// wl_registry.bind are handled here; every other interface belongs to the
// layer above (the compositor), which creates globals with a bind callback.
//
// Invariants:
//  - bind is checked like libwayland, with its messages: the global exists,
//    the interface name matches, 1 <= version <= the advertised version;
//    else invalid_object on the registry;
//  - a removed global stays bindable until destroyGlobal(), as with
//    wl_global_remove: a client may bind it before reading global_remove;
//  - one client's failure (protocol error, exception, hang-up) never
//    touches another client;
//  - a client binds one global at most limits.maxBindsPerGlobal times at
//    once (MAX_BINDS_PER_GLOBAL, 64): past it, no_memory (see client.ts);
//  - costs: get_registry is O(globals) (the compositor's, a fixed few
//    dozen), bind O(1); creating or removing a global is O(registries of all
//    clients), which only the compositor does (at start, or for an output);
//  - destroy() disconnects every client and unlinks every socket it made.
import { wl_display, wl_registry } from '../protocol/wayland.js';
import type { InterfaceDesc } from '../protocol/types.js';
import { DisplayError } from '../wire/codec.js';
import { listenWayland, type Listener, type ListenOptions, type UnixStream } from '../wire/socket.js';
import { tracingEnabled } from '../wire/trace.js';
import { Client, DEFAULT_CLIENT_LIMITS, type ClientLimits } from './client.js';
import type { Resource } from './resource.js';
import { implement } from './typed.js';

export interface DisplayOptions {
  limits?: Partial<ClientLimits>;
  /** Trace every message in libwayland's format (default: WAYLAND_DEBUG=1 or =server). */
  trace?: boolean;
  /** Where bugs surfaced while serving a client are reported (default: console.error). */
  onInternalError?: (error: unknown) => void;
}

/** What a global does with each object bound from it (of its interface I). */
export type BindHandler<I extends InterfaceDesc = InterfaceDesc> = (resource: Resource<I>) => void;

export class Global {
  readonly name: number;
  readonly iface: InterfaceDesc;
  readonly version: number;
  /** Makes the object of a checked bind (id `id`, version `version`) and
   * hands it to the global's BindHandler, typed by the global's interface. */
  readonly bind: (registry: Resource<typeof wl_registry>, version: number, id: number) => void;
  removed = false;

  constructor(name: number, iface: InterfaceDesc, version: number, bind: Global['bind']) {
    this.name = name;
    this.iface = iface;
    this.version = version;
    this.bind = bind;
  }
}

export class Display {
  readonly #clients = new Set<Client>();
  readonly #globals = new Map<number, Global>();
  readonly #registries = new Set<Resource<typeof wl_registry>>();
  readonly #listeners: Listener[] = [];
  readonly #limits: ClientLimits;
  readonly #trace: boolean;
  readonly #onInternalError: (error: unknown) => void;
  readonly #clientListeners: ((c: Client) => void)[] = [];
  #nextGlobalName = 1;
  #serial = 0;
  #destroyed = false;

  constructor(options: DisplayOptions = {}) {
    this.#limits = {
      maxObjects: options.limits?.maxObjects ?? DEFAULT_CLIENT_LIMITS.maxObjects,
      maxBindsPerGlobal: options.limits?.maxBindsPerGlobal ?? DEFAULT_CLIENT_LIMITS.maxBindsPerGlobal,
      connection: { ...DEFAULT_CLIENT_LIMITS.connection, ...options.limits?.connection },
    };
    this.#trace = options.trace ?? tracingEnabled('server');
    this.#onInternalError = options.onInternalError ?? ((e) => console.error('nosigbus: internal error while serving a client:', e));
  }

  /** Listens on $XDG_RUNTIME_DIR/<name> (default: the first free wayland-N). */
  addSocket(options: Omit<ListenOptions, 'onConnection'> = {}): Listener {
    const listener = listenWayland({
      ...options,
      onConnection: (stream) => {
        try {
          this.addClient(stream);
        } catch (e) {
          this.reportInternalError(e);
        }
      },
      onError: options.onError ?? ((e) => this.reportInternalError(e)),
    });
    this.#listeners.push(listener);
    return listener;
  }

  get sockets(): readonly Listener[] {
    return this.#listeners;
  }

  /** Serves a connected stream (an accepted socket, or one end of a socketpair). */
  addClient(stream: UnixStream): Client {
    const client = new Client(this, stream, this.#limits, this.#trace);
    this.#clients.add(client);
    client.onDestroy(() => this.#clients.delete(client));
    implement(client.displayResource, wl_display, {
      sync: (_display, callback) => {
        callback.send('done', this.nextSerial());
        callback.destroy();
      },
      get_registry: (_display, registry) => this.#serveRegistry(registry),
    });
    for (const listener of this.#clientListeners) {
      try {
        listener(client);
      } catch (e) {
        this.reportInternalError(e);
      }
    }
    client.start(); // no-op if a listener rejected (destroyed) it
    return client;
  }

  onClient(listener: (c: Client) => void): void {
    this.#clientListeners.push(listener);
  }

  get clients(): ReadonlySet<Client> {
    return this.#clients;
  }

  /** Advertises a global to every registry, present and future. */
  createGlobal<I extends InterfaceDesc>(iface: I, version: number, bind: BindHandler<I>): Global {
    if (!Number.isInteger(version) || version < 1 || version > iface.version)
      throw new RangeError(`${iface.name}: version ${version} is not in 1..${iface.version}`);
    const global = new Global(this.#nextGlobalName++, iface, version, (registry, v, id) => {
      const client = registry.client;
      const resource = client.createResource(iface, v, id, registry, 'bind');
      if (resource && client.countBind(global.name, iface.name, resource)) bind(resource);
    });
    this.#globals.set(global.name, global);
    for (const registry of this.#registries) registry.send('global', global.name, iface.name, version);
    return global;
  }

  /** Withdraws a global: global_remove to every registry, no longer
   * advertised. It stays bindable (for clients that have not read the
   * global_remove yet) until destroyGlobal(). Binds already made stay. */
  removeGlobal(global: Global): void {
    if (global.removed) return;
    global.removed = true;
    for (const registry of this.#registries) registry.send('global_remove', global.name);
  }

  /** Forgets a global entirely (removing it first if needed): binding it is then an error. */
  destroyGlobal(global: Global): void {
    this.removeGlobal(global);
    this.#globals.delete(global.name);
  }

  get globals(): ReadonlyMap<number, Global> {
    return this.#globals;
  }

  nextSerial(): number {
    this.#serial = (this.#serial + 1) >>> 0;
    return this.#serial;
  }

  reportInternalError(error: unknown): void {
    this.#onInternalError(error);
  }

  /** Disconnects every client and closes (unlinks) every socket. Idempotent. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const listener of this.#listeners.splice(0)) listener.close();
    for (const client of [...this.#clients]) client.destroy();
  }

  #serveRegistry(registry: Resource<typeof wl_registry>): void {
    this.#registries.add(registry);
    registry.onDestroy(() => this.#registries.delete(registry));
    implement(registry, wl_registry, { bind: (r, name, iface, version, id) => this.#bind(r, name, iface, version, id) });
    for (const g of this.#globals.values()) if (!g.removed) registry.send('global', g.name, g.iface.name, g.version);
  }

  #bind(registry: Resource<typeof wl_registry>, n: number, iface: string, v: number, id: number): void {
    const global = this.#globals.get(n);
    if (!global) {
      registry.postError(DisplayError.invalid_object, `invalid global ${iface} (${n})`);
    } else if (global.iface.name !== iface) {
      registry.postError(DisplayError.invalid_object, `invalid interface for global ${n}: have ${iface}, wanted ${global.iface.name}`);
    } else if (v === 0) {
      registry.postError(DisplayError.invalid_object, `invalid version for global ${iface} (${n}): 0 is not a valid version`);
    } else if (v > global.version) {
      registry.postError(DisplayError.invalid_object, `invalid version for global ${iface} (${n}): have ${global.version}, wanted ${v}`);
    } else {
      global.bind(registry, v, id);
    }
  }
}

