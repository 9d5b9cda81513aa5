// A byte-for-byte Wayland proxy for benchmarks: clients connect to its
// socket, each connection is forwarded to a compositor's socket both ways,
// bytes and fds unchanged, and every fd a client sends is kept, in the
// order sent, so that a client's WAYLAND_DEBUG trace ("create_pool(…, fd N,
// size)") can be matched to the pool's memory and the pixels of a committed
// buffer read: the same observation under any compositor, with no help from
// it. It adds one hop per message, the same for every compositor measured.
import { fstatSync } from 'node:fs';
import { closeFdQuietly, connectWayland, listenWayland, type Listener, type UnixStream } from '../src/wire/socket.js';

const CHUNK = 64 * 1024;

interface Pending {
  bytes: Uint8Array;
  fds: number[];
}

/** One direction of a connection: reads `from`, writes `to`, queueing what `to` cannot take yet. */
class Pipe {
  readonly #from: UnixStream;
  readonly #to: UnixStream;
  readonly #queue: Pending[] = [];
  readonly #buffer = new Uint8Array(CHUNK);
  readonly #onFds: (fds: number[]) => void;
  readonly #onEnd: () => void;

  /** `onFds` gets the fds read (they stay open after forwarding when it keeps them; closed otherwise). */
  constructor(from: UnixStream, to: UnixStream, onFds: ((fds: number[]) => void) | null, onEnd: () => void) {
    this.#from = from;
    this.#to = to;
    this.#onFds = onFds ?? ((fds) => fds.forEach(closeFdQuietly));
    this.#onEnd = onEnd;
  }

  readable(): void {
    for (;;) {
      if (this.#from.closed || this.#to.closed) return;
      const r = this.#from.read(this.#buffer);
      if (r === 'again') return;
      if (r === 'eof') return this.#onEnd();
      this.#queue.push({ bytes: this.#buffer.slice(0, r.bytes), fds: r.fds });
      this.writable();
    }
  }

  writable(): void {
    while (this.#queue.length && !this.#to.closed) {
      const p = this.#queue[0]!;
      let n: number;
      try {
        n = this.#to.write(p.bytes, p.fds);
      } catch {
        return this.#onEnd(); // the other side hung up
      }
      if (n === 0) break;
      if (p.fds.length) this.#onFds(p.fds);
      p.fds = [];
      if (n < p.bytes.length) {
        p.bytes = p.bytes.subarray(n);
        break;
      }
      this.#queue.shift();
    }
    this.#to.pollStart(true, this.#queue.length > 0);
  }
}

/** A client's connection through the tap: the fds it sent, in order. */
export interface TappedConnection {
  readonly fds: readonly number[];
}

export class WaylandTap {
  readonly #listener: Listener;
  readonly #streams: UnixStream[] = [];
  readonly #kept: number[] = [];
  readonly connections: TappedConnection[] = [];

  /** Listens on `name` in `dir`; each connection goes to the compositor socket `target` (absolute path). */
  constructor(dir: string, name: string, target: string) {
    this.#listener = listenWayland({ name, runtimeDir: dir });
    this.#listener.onConnection((client) => {
      let server: UnixStream;
      try {
        server = connectWayland(target);
      } catch {
        client.close();
        return;
      }
      const fds: number[] = [];
      this.connections.push({ fds });
      this.#streams.push(client, server);
      const end = (): void => {
        client.close();
        server.close();
      };
      const up = new Pipe(client, server, (sent) => {
        fds.push(...sent);
        this.#kept.push(...sent);
      }, end);
      const down = new Pipe(server, client, null, end);
      // Each stream's readiness drives the pipe that reads it and the one that writes it.
      client.onPoll((err, ev) => {
        if (err) return end();
        if (ev.readable || ev.disconnect) up.readable();
        if (ev.writable) down.writable();
      });
      server.onPoll((err, ev) => {
        if (err) return end();
        if (ev.readable || ev.disconnect) down.readable();
        if (ev.writable) up.writable();
      });
      client.pollStart(true, false);
      server.pollStart(true, false);
    });
  }

  get name(): string {
    return this.#listener.name;
  }

  /** The fd a client sent as its `index`-th, on the connection whose fd there is a file of `size` bytes or more (a wl_shm pool of that size). */
  poolFd(index: number, size: number): number | null {
    for (const c of this.connections) {
      const fd = c.fds[index];
      if (fd !== undefined && fstatSync(fd).size >= size) return fd;
    }
    return null;
  }

  close(): void {
    this.#listener.close();
    for (const s of this.#streams) s.close();
    for (const fd of this.#kept.splice(0)) closeFdQuietly(fd);
  }
}
