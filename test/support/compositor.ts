// An in-process compositor and clients connected to it over socketpairs.
import assert from 'node:assert/strict';
import { rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { WaylandClient, type Proxy } from '../../src/client/index.js';
import { Compositor, type CompositorOptions, type XdgSurface } from '../../src/compositor/index.js';
import { wl_compositor, wl_shm } from '../../src/protocol/wayland.js';
import { xdg_wm_base } from '../../src/protocol/xdg-shell.js';
import { memfd } from '../../src/shm/index.js';
import { socketPair, type UnixStream } from '../../src/wire/socket.js';
import { privateDir } from './common.js';
import type { Proc } from './peer-compositors.js';

export interface TestCompositor {
  compositor: Compositor;
  /** A socketpair end served by the compositor under `label`. */
  stream(label?: string): UnixStream;
  /** A connected client with its registry read. */
  client(label?: string): Promise<WaylandClient>;
  close(): void;
}

const open = new Set<TestCompositor>();
// A failed assertion skips a test's close(): close what is left, so the file's process can end.
after(() => {
  for (const t of open) t.close();
});

export function startCompositor(options: CompositorOptions = {}): TestCompositor {
  // Several outputs replace the one 640 × 480 output (width and height would be a TypeError with them).
  const compositor = new Compositor({ ...(options.outputs ? {} : { width: 640, height: 480 }), logLevel: 'error', pingIntervalMs: 0, ...options });
  const clients: WaylandClient[] = [];
  const stream = (label = 'test'): UnixStream => {
    const [server, client] = socketPair();
    compositor.addClient(server, label);
    return client;
  };
  const t: TestCompositor = {
    compositor,
    stream,
    client: async (label = 'test') => {
      const c = new WaylandClient(stream(label));
      clients.push(c);
      await c.registry();
      return c;
    },
    close: () => {
      open.delete(t);
      for (const c of clients) if (!c.error) c.close();
      compositor.close();
    },
  };
  open.add(t);
  return t;
}


export interface Globals {
  compositor: Proxy;
  shm: Proxy;
  wm: Proxy;
}

export function bindCore(c: WaylandClient): Globals {
  const wm = c.bind(xdg_wm_base, 5).on('ping', (s) => wm.request('pong', s));
  return { compositor: c.bind(wl_compositor, 5), shm: c.bind(wl_shm, 1).on('format', () => {}), wm };
}

export interface Toplevel {
  surface: Proxy;
  xdgSurface: Proxy;
  toplevel: Proxy;
  /** Sizes received in xdg_toplevel.configure, and the last states. */
  configures: { width: number; height: number; states: number[] }[];
  serials: number[];
}

/** A toplevel, initial commit made and (by default) its first configure acked. */
export async function toplevel(c: WaylandClient, g: Globals, ack = true): Promise<Toplevel> {
  const surface = g.compositor.request('create_surface', null)!;
  surface.on('enter', () => {}).on('leave', () => {});
  const xdgSurface = g.wm.request('get_xdg_surface', null, surface)!;
  const tl = xdgSurface.request('get_toplevel', null)!;
  const t: Toplevel = { surface, xdgSurface, toplevel: tl, configures: [], serials: [] };
  tl.on('configure', (w, h, states) => {
    assert.ok(states instanceof Uint8Array);
    const list: number[] = [];
    for (let i = 0; i + 4 <= states.length; i += 4) list.push(new DataView(states.buffer, states.byteOffset + i, 4).getUint32(0, true));
    t.configures.push({ width: Number(w), height: Number(h), states: list });
  }).on('close', () => {});
  xdgSurface.on('configure', (serial) => {
    t.serials.push(Number(serial));
    if (ack) xdgSurface.request('ack_configure', serial);
  });
  surface.request('commit');
  await c.roundtrip();
  return t;
}

/** Expects the client to receive a protocol error: code, interface of the object, message. */
export async function expectProtocolError(c: WaylandClient, iface: string, code: number, message: RegExp): Promise<void> {
  await assert.rejects(c.roundtrip(), { code: 'ERR_NOSIGBUS_PROTOCOL_ERROR' });
  assert.equal(c.error?.interfaceName, iface, c.error?.message);
  assert.equal(c.error?.errorCode, code, c.error?.message);
  assert.match(c.error!.message, message);
}

/** Pixel of the output (argb) after painting what is pending. */
export function pixelAt(compositor: Compositor, x: number, y: number): number {
  compositor.paint();
  return compositor.output.framebuffer[y * compositor.output.width + x]!;
}

export const hex = (p: number): string => `0x${(p >>> 0).toString(16).padStart(8, '0')}`;

/** A budget that copies buffers at commit and releases them at once (the default's). */
export const COPY_AT_COMMIT = { perClient: 128 * 1024 * 1024, total: 384 * 1024 * 1024 };

export const XRGB = wl_shm.enums.format.entries.xrgb8888;
export const ARGB = wl_shm.enums.format.entries.argb8888;

export interface ShmBuffer {
  fd: number;
  pool: Proxy;
  buffer: Proxy;
  released: number;
}

/** A memfd-backed pool holding one width × height image drawn by `pixel`, and a buffer over it. */
export function shmBuffer(g: Globals, width: number, height: number, pixel: (x: number, y: number) => number, format: number = XRGB): ShmBuffer {
  const size = width * height * 4;
  const fd = memfd('test', size);
  const bytes = Buffer.alloc(size);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) bytes.writeUInt32LE(pixel(x, y) >>> 0, (y * width + x) * 4);
  writeSync(fd, bytes, 0, size, 0);
  const pool = g.shm.request('create_pool', null, fd, size)!;
  const buffer = pool.request('create_buffer', null, 0, width, height, width * 4, format)!;
  const b: ShmBuffer = { fd, pool, buffer, released: 0 };
  buffer.on('release', () => b.released++);
  return b;
}

/** attach + damage_buffer (whole) + commit. */
export function present(surface: Proxy, buffer: Proxy, width: number, height: number): void {
  surface.request('attach', buffer, 0, 0);
  surface.request('damage_buffer', 0, 0, width, height);
  surface.request('commit');
}

/** A toplevel showing a width × height buffer of one color, and its window in the compositor. */
export async function mappedWindow(t: TestCompositor, c: WaylandClient, g: Globals, width: number, height: number, color: number): Promise<{ w: Toplevel; win: XdgSurface }> {
  const w = await toplevel(c, g);
  present(w.surface, shmBuffer(g, width, height, () => color).buffer, width, height);
  await c.roundtrip();
  const win = t.compositor.windows.at(-1);
  assert.ok(win, 'mapped');
  return { w, win };
}

/** The compositor on a socket, for real clients (Debian peers) started with `env`. */
export interface SocketSession {
  t: TestCompositor;
  /** The private 0700 runtime directory, also HOME (fuzzel writes its cache there). */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Peers to stop (SIGTERM by pid, waited for) at close(). */
  procs: Proc[];
  close(): Promise<void>;
}

/** startCompositor(options) listening on wayland-1 in a private runtime dir named after `prefix`. */
export function socketSession(options: CompositorOptions, prefix: string): SocketSession {
  const t = startCompositor(options);
  const dir = privateDir(prefix);
  const listener = t.compositor.listen('wayland-1', dir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: listener.name, XDG_CONFIG_HOME: join(dir, 'config') };
  const procs: Proc[] = [];
  return {
    t,
    dir,
    env,
    procs,
    close: async () => {
      for (const p of procs) {
        if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid) process.kill(p.child.pid, 'SIGTERM');
        await p.exited;
      }
      t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
