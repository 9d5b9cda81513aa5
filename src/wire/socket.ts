// Unix sockets for Wayland, on Node's event loop (native/addon/socket.c + uv_poll).
//
// fd ownership:
//  - listenWayland(), Listener.accept(), connectWayland(), socketPair() and
//    dupFd() return fds owned by the caller (a UnixStream owns its fd and
//    closes it in close(); a Listener owns its socket and lock fds);
//  - UnixStream.read(): received fds belong to the caller from then on. If the
//    peer sent more fds in one sendmsg than fit (MSG_CTRUNC), every fd of that
//    receive is closed and ERR_NOSIGBUS_SOCKET_FDS_TRUNCATED is thrown;
//  - UnixStream.write(bytes, fds): the fds are borrowed (the kernel copies
//    them into the message); the caller still owns and closes its numbers;
//  - polling never owns the fd: close() stops the poll, then closes the fd.
import { native as addon, type NativeListenResult, type NativePollHandle, type NativeSocketBinding, type PeerCredentials } from '../shm/native.js';
import { isAbsolute, join } from 'node:path';

export type SocketErrorCode =
  | 'ERR_NOSIGBUS_BAD_ARGUMENT'
  | 'ERR_NOSIGBUS_BAD_FD'
  | 'ERR_NOSIGBUS_BAD_RANGE'
  | 'ERR_NOSIGBUS_NO_FDS'
  | 'ERR_NOSIGBUS_NO_MEMORY'
  | 'ERR_NOSIGBUS_CLOSED'
  | 'ERR_NOSIGBUS_INTERNAL'
  | 'ERR_NOSIGBUS_SOCKET_NO_RUNTIME_DIR'
  | 'ERR_NOSIGBUS_SOCKET_PATH_TOO_LONG'
  | 'ERR_NOSIGBUS_SOCKET_LOCK'
  | 'ERR_NOSIGBUS_SOCKET_IN_USE'
  | 'ERR_NOSIGBUS_SOCKET_NO_FREE_NAME'
  | 'ERR_NOSIGBUS_SOCKET_CREATE'
  | 'ERR_NOSIGBUS_SOCKET_BIND'
  | 'ERR_NOSIGBUS_SOCKET_LISTEN'
  | 'ERR_NOSIGBUS_SOCKET_ACCEPT'
  | 'ERR_NOSIGBUS_SOCKET_CONNECT'
  | 'ERR_NOSIGBUS_SOCKET_CREDENTIALS'
  | 'ERR_NOSIGBUS_SOCKET_RECV'
  | 'ERR_NOSIGBUS_SOCKET_SEND'
  | 'ERR_NOSIGBUS_SOCKET_HANGUP'
  | 'ERR_NOSIGBUS_SOCKET_FDS_TRUNCATED'
  | 'ERR_NOSIGBUS_SOCKET_TOO_MANY_FDS'
  | 'ERR_NOSIGBUS_SOCKET_POLL';

export interface SocketError extends Error {
  code: SocketErrorCode;
  errno?: number;
  sysCode?: string;
  syscall?: string;
}

export function socketError(code: SocketErrorCode, message: string): SocketError {
  const error = new Error(message) as SocketError;
  error.code = code;
  return error;
}

export function errorCode(e: unknown): string | undefined {
  const code: unknown = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

// ---------------------------------------------------------------- native binding

// The addon is loaded once, by src/shm/native.ts, which also describes this part of it.
export type { NativeListenResult, NativePollHandle, NativeSocketBinding, PeerCredentials } from '../shm/native.js';
const native = addon.socket;

/** The raw native socket functions (tests and low-level users). */
export const nativeSocket: NativeSocketBinding = native;

/** At most this many fds travel in one sendmsg (Wayland's limit). */
export const MAX_FDS_PER_SEND: number = native.maxFdsPerSend;
/** One recvmsg accepts this many fds; a peer sending more in one sendmsg is fatal. */
export const MAX_FDS_PER_RECV: number = native.maxFdsPerRecv;
/** sizeof(sun_path): a socket path must be shorter (it needs its NUL). */
export const SUN_PATH_MAX: number = native.sunPathMax;

const POLL_READABLE = 1;
const POLL_WRITABLE = 2;
const POLL_DISCONNECT = 4;

export interface PollEvents {
  readable: boolean;
  writable: boolean;
  /** The peer hung up (reading still drains what it sent before). */
  disconnect: boolean;
}

export type PollCallback = (error: SocketError | null, events: PollEvents) => void;

const UV_ERRNO_NAMES: Record<number, string> = { [-9]: 'EBADF', [-22]: 'EINVAL', [-1]: 'EPERM', [-12]: 'ENOMEM' };

/** A uv_poll on an fd that it does not own. */
export class Poller {
  #handle: NativePollHandle | null;
  #events = 0;
  readonly fd: number;

  constructor(fd: number, callback: PollCallback) {
    this.fd = fd;
    this.#handle = native.pollOpen(fd, (status, events) => {
      if (status < 0) {
        this.#events = 0; // libuv stopped the handle: start() must re-arm it
        // libuv reports POLLERR as EBADF; on a socket that is mostly ECONNRESET.
        const err = socketError('ERR_NOSIGBUS_SOCKET_POLL', `polling fd ${fd} failed (${UV_ERRNO_NAMES[status] ?? status}: socket error, e.g. reset by the peer)`);
        err.errno = -status;
        callback(err, { readable: false, writable: false, disconnect: false });
        return;
      }
      callback(null, {
        readable: (events & POLL_READABLE) !== 0,
        writable: (events & POLL_WRITABLE) !== 0,
        disconnect: (events & POLL_DISCONNECT) !== 0,
      });
    });
  }

  get closed(): boolean {
    return this.#handle === null;
  }

  /** Polls for the given readiness; both false stops polling. */
  start(readable: boolean, writable: boolean): void {
    if (!this.#handle) throw socketError('ERR_NOSIGBUS_CLOSED', 'the poller is closed');
    const events = (readable ? POLL_READABLE : 0) | (writable ? POLL_WRITABLE : 0);
    if (events === this.#events) return;
    native.pollStart(this.#handle, events);
    this.#events = events;
  }

  stop(): void {
    if (this.#handle && this.#events !== 0) native.pollStart(this.#handle, 0);
    this.#events = 0;
  }

  get readable(): boolean {
    return (this.#events & POLL_READABLE) !== 0;
  }

  get writable(): boolean {
    return (this.#events & POLL_WRITABLE) !== 0;
  }

  /** Whether an active poll keeps the process alive (it does by default). */
  ref(keepAlive = true): void {
    if (this.#handle) native.pollRef(this.#handle, keepAlive);
  }

  unref(): void {
    this.ref(false);
  }

  /** Stops and releases the poll; the fd stays open. Idempotent. */
  close(): void {
    if (!this.#handle) return;
    native.pollClose(this.#handle);
    this.#handle = null;
    this.#events = 0;
  }
}

// ---------------------------------------------------------------- streams

export interface ReadData {
  bytes: number;
  fds: number[];
}

export type ReadResult = ReadData | 'again' | 'eof';

/** A connected AF_UNIX stream socket. Owns its fd. */
export class UnixStream {
  #fd: number;
  #poller: Poller | null = null;
  #onPoll: PollCallback | null = null;

  /** Takes ownership of fd (a connected AF_UNIX SOCK_STREAM socket). */
  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw socketError('ERR_NOSIGBUS_BAD_FD', `not an fd: ${String(fd)}`);
    this.#fd = fd;
  }

  /** The fd, or -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  #live(): number {
    if (this.#fd < 0) throw socketError('ERR_NOSIGBUS_CLOSED', 'the stream is closed');
    return this.#fd;
  }

  /**
   * Low level read: receives into buffer[offset, offset + length), appends
   * received fds to `fds`. Returns bytes (> 0), 0 at end of stream, -1 if
   * nothing is available. ECONNRESET counts as end of stream.
   */
  readInto(buffer: Uint8Array, offset: number, length: number, fds: number[]): number {
    const fd = this.#live();
    try {
      return native.recv(fd, buffer, offset, length, fds);
    } catch (e) {
      if (errorCode(e) === 'ERR_NOSIGBUS_SOCKET_HANGUP') return 0;
      throw e;
    }
  }

  /** Reads what is available into buffer: bytes and the fds that came with them. */
  read(buffer: Uint8Array): ReadResult {
    const fds: number[] = [];
    const n = this.readInto(buffer, 0, buffer.byteLength, fds);
    if (n < 0) return 'again';
    if (n === 0) {
      // A zero-byte read carries no fds on a stream socket; be safe anyway.
      for (const fd of fds) closeFd(fd);
      return 'eof';
    }
    return { bytes: n, fds };
  }

  /**
   * Sends bytes (and fds with the first byte; at most 28, borrowed: still the
   * caller's to close). Returns the number of bytes written: 0 means the socket
   * buffer is full and nothing, fds included, was sent; a short count means the
   * fds went out with the bytes that did. Throws ERR_NOSIGBUS_SOCKET_HANGUP if
   * the peer is gone.
   */
  write(bytes: Uint8Array, fds: readonly number[] = []): number {
    return this.writeFrom(bytes, 0, bytes.byteLength, fds);
  }

  /** write() of bytes[offset, offset + length) without a subarray. */
  writeFrom(bytes: Uint8Array, offset: number, length: number, fds: readonly number[] = []): number {
    const fd = this.#live();
    if (fds.length > MAX_FDS_PER_SEND)
      throw socketError('ERR_NOSIGBUS_SOCKET_TOO_MANY_FDS', `${fds.length} fds in one sendmsg; at most ${MAX_FDS_PER_SEND}`);
    const n = native.send(fd, bytes, offset, length, fds.length ? fds : null);
    return n < 0 ? 0 : n;
  }

  /** Peer credentials (SO_PEERCRED), as of connect()/socketpair(). */
  peerCredentials(): PeerCredentials {
    return native.peerCredentials(this.#live());
  }

  /** Sets the readiness callback (one per stream). */
  onPoll(callback: PollCallback): void {
    this.#onPoll = callback;
  }

  /** Polls for readiness on the event loop; both false stops. Needs onPoll(). */
  pollStart(readable: boolean, writable: boolean): void {
    const fd = this.#live();
    if (!this.#poller) {
      if (!readable && !writable) return;
      if (!this.#onPoll) throw socketError('ERR_NOSIGBUS_BAD_ARGUMENT', 'set a callback with onPoll() first');
      this.#poller = new Poller(fd, (err, events) => this.#onPoll?.(err, events));
    }
    this.#poller.start(readable, writable);
  }

  pollStop(): void {
    this.#poller?.stop();
  }

  /** Whether an active poll keeps the process alive (default true). */
  ref(keepAlive = true): void {
    this.#poller?.ref(keepAlive);
  }

  /** Stops polling, then closes the fd. Idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    this.#poller?.close();
    this.#poller = null;
    this.#onPoll = null;
    const fd = this.#fd;
    this.#fd = -1;
    native.closeFd(fd);
  }
}

// ---------------------------------------------------------------- listening

export interface ListenOptions {
  /** Socket name (relative to runtimeDir) or absolute path; default: the first free wayland-0 ... wayland-32. */
  name?: string;
  /** Default: $XDG_RUNTIME_DIR. Needed unless name is an absolute path. */
  runtimeDir?: string;
  /** Called with each accepted connection (the callee owns the stream). Starts polling. */
  onConnection?: (stream: UnixStream) => void;
  /** Accept failures (e.g. EMFILE); accepting pauses 100 ms after one. Default: rethrown. */
  onError?: (error: SocketError) => void;
}

export interface Listener {
  readonly fd: number;
  readonly lockFd: number;
  /** Socket path ($XDG_RUNTIME_DIR/wayland-N). */
  readonly path: string;
  /** Value for WAYLAND_DISPLAY. */
  readonly name: string;
  readonly lockPath: string;
  readonly closed: boolean;
  /** Accepts one pending connection, or null. */
  accept(): UnixStream | null;
  /** Sets the connection callback and starts polling. */
  onConnection(callback: (stream: UnixStream) => void, onError?: (error: SocketError) => void): void;
  /** Whether polling keeps the process alive (default true). */
  ref(keepAlive?: boolean): void;
  /** Stops polling; unlinks and closes socket and lock file. Idempotent. */
  close(): void;
}

const ACCEPT_BACKOFF_MS = 100;
const ACCEPTS_PER_WAKEUP = 64;

class WaylandListener implements Listener {
  readonly path: string;
  readonly name: string;
  readonly lockPath: string;
  #fd: number;
  #lockFd: number;
  #poller: Poller | null = null;
  #onConnection: ((stream: UnixStream) => void) | null = null;
  #onError: ((error: SocketError) => void) | null = null;
  #backoff: NodeJS.Timeout | null = null;
  #keepAlive = true;

  constructor(r: NativeListenResult) {
    this.#fd = r.fd;
    this.#lockFd = r.lockFd;
    this.path = r.path;
    this.name = r.name;
    this.lockPath = r.lockPath;
  }

  get fd(): number {
    return this.#fd;
  }

  get lockFd(): number {
    return this.#lockFd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  accept(): UnixStream | null {
    if (this.#fd < 0) throw socketError('ERR_NOSIGBUS_CLOSED', 'the listener is closed');
    const fd = native.accept(this.#fd);
    return fd < 0 ? null : new UnixStream(fd);
  }

  onConnection(callback: (stream: UnixStream) => void, onError?: (error: SocketError) => void): void {
    if (this.#fd < 0) throw socketError('ERR_NOSIGBUS_CLOSED', 'the listener is closed');
    this.#onConnection = callback;
    if (onError) this.#onError = onError;
    if (!this.#poller) {
      this.#poller = new Poller(this.#fd, (err) => this.#readable(err));
      if (!this.#keepAlive) this.#poller.unref();
    }
    if (!this.#backoff) this.#poller.start(true, false);
  }

  set errorHandler(onError: ((error: SocketError) => void) | null) {
    this.#onError = onError;
  }

  #readable(err: SocketError | null): void {
    if (err) return this.#fail(err);
    for (let i = 0; i < ACCEPTS_PER_WAKEUP && this.#fd >= 0; i++) {
      let stream: UnixStream | null;
      try {
        stream = this.accept();
      } catch (e) {
        return this.#fail(e as SocketError);
      }
      if (!stream) return;
      const cb = this.#onConnection;
      if (cb) cb(stream);
      else stream.close();
    }
  }

  #fail(err: SocketError): void {
    // Level-triggered polling would spin on EMFILE: pause accepting briefly.
    if (this.#poller && this.#fd >= 0 && !this.#backoff) {
      this.#poller.stop();
      this.#backoff = setTimeout(() => {
        this.#backoff = null;
        if (this.#fd >= 0 && this.#poller) this.#poller.start(true, false);
      }, ACCEPT_BACKOFF_MS);
      if (!this.#keepAlive) this.#backoff.unref();
    }
    if (this.#onError) this.#onError(err);
    else throw err;
  }

  ref(keepAlive = true): void {
    this.#keepAlive = keepAlive;
    this.#poller?.ref(keepAlive);
    if (this.#backoff) {
      if (keepAlive) this.#backoff.ref();
      else this.#backoff.unref();
    }
  }

  close(): void {
    if (this.#fd < 0) return;
    if (this.#backoff) clearTimeout(this.#backoff);
    this.#backoff = null;
    this.#poller?.close();
    this.#poller = null;
    const fd = this.#fd;
    this.#fd = -1;
    this.#lockFd = -1;
    this.#onConnection = null;
    native.closeListener(fd); // unlinks path and lockPath, closes both fds
  }
}

function runtimeDirFor(name: string | undefined, runtimeDir: string | undefined): string | null {
  if (name !== undefined && isAbsolute(name)) return runtimeDir ?? null;
  const dir = runtimeDir ?? process.env.XDG_RUNTIME_DIR;
  if (!dir || !isAbsolute(dir))
    throw socketError(
      'ERR_NOSIGBUS_SOCKET_NO_RUNTIME_DIR',
      dir ? `runtime directory must be an absolute path, got "${dir}"` : 'XDG_RUNTIME_DIR is not set: pass runtimeDir or an absolute name',
    );
  return dir;
}

/**
 * Listens on a Wayland socket the way libwayland's wl_display_add_socket(_auto)
 * does: `<runtimeDir>/<name>` with `<path>.lock` held by flock(LOCK_EX|LOCK_NB);
 * a stale socket is replaced only once the lock is held. Without a name, the
 * first of wayland-0 ... wayland-32 whose lock is free is taken.
 */
export function listenWayland(options: ListenOptions = {}): Listener {
  const { name, onConnection, onError } = options;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0))
    throw socketError('ERR_NOSIGBUS_BAD_ARGUMENT', 'name must be a non-empty string');
  const dir = runtimeDirFor(name, options.runtimeDir);
  const listener = new WaylandListener(native.listen(name ?? null, dir));
  if (onConnection) {
    try {
      listener.onConnection(onConnection, onError);
    } catch (e) {
      listener.close();
      throw e;
    }
  } else if (onError) {
    (listener as WaylandListener).errorHandler = onError;
  }
  return listener;
}

/**
 * Connects to a Wayland socket: an absolute path, or a name relative to
 * runtimeDir ($XDG_RUNTIME_DIR); default name $WAYLAND_DISPLAY or wayland-0.
 * The socket is non-blocking; a full backlog fails with errno EAGAIN.
 */
export function connectWayland(path?: string, runtimeDir?: string): UnixStream {
  const name = path ?? process.env.WAYLAND_DISPLAY ?? 'wayland-0';
  const full = isAbsolute(name) ? name : join(runtimeDirFor(name, runtimeDir) as string, name);
  return new UnixStream(native.connect(full));
}

/** A connected pair of non-blocking, close-on-exec stream sockets. */
export function socketPair(): [UnixStream, UnixStream] {
  const [a, b] = native.pair(true);
  return [new UnixStream(a), new UnixStream(b)];
}

/**
 * For WAYLAND_SOCKET-style launching: our non-blocking end, and a blocking
 * close-on-exec fd for the child (pass it in spawn's stdio array, which dup2s
 * it into the child, clearing close-on-exec; set WAYLAND_SOCKET to that
 * index). Close childFd in the parent after spawning.
 */
export function socketPairForChild(): { stream: UnixStream; childFd: number } {
  const [a, b] = native.pair(false);
  try {
    native.setNonBlocking(a, true);
  } catch (e) {
    native.closeFd(a);
    native.closeFd(b);
    throw e;
  }
  return { stream: new UnixStream(a), childFd: b };
}

/** dup(fd) with close-on-exec; the caller owns the new fd. */
export function dupFd(fd: number): number {
  return native.dup(fd);
}

/** close(fd); throws ERR_NOSIGBUS_BAD_FD if it was not open. */
export function closeFd(fd: number): void {
  native.closeFd(fd);
}

/** close(fd) for cleanup paths (disconnects, dropped messages) that must not
 * throw; an fd that was not open is ignored there. */
export function closeFdQuietly(fd: number): void {
  try {
    native.closeFd(fd);
  } catch {
    // not open: nothing left to release
  }
}

/** Poll handles of this thread not yet fully closed (leak checks in tests). */
export function activePolls(): number {
  return native.activePolls();
}
