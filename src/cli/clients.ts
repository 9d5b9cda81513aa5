// Built-in TypeScript clients for the main job and the tests: one honest
// animated window, and hostile ones that truncate, lie about or resize the
// memory behind their buffers after the compositor started reading it.
//
// Invariants:
//  - every client draws through pwrite into its memfd (it never maps its
//    own file: a client-side mapping would die of the SIGBUS it provokes);
//  - a hostile client first shows one honest frame, then attacks, then
//    commits damage so the compositor must read the attacked pages;
//  - a client never throws out of its event handlers; its outcome (frames
//    seen, the protocol error received) is in its ClientRun.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { WaylandClient, type Proxy, type ProtocolError } from '../client/index.js';
import { wl_compositor, wl_shm } from '../protocol/wayland.js';
import { xdg_wm_base } from '../protocol/xdg-shell.js';
import { memfd } from '../shm/index.js';
import type { UnixStream } from '../wire/socket.js';

export type HostileKind = 'truncate-zero' | 'truncate-half' | 'pool-larger-than-file' | 'sealed-resize' | 'proc-truncate';

export const HOSTILE_KINDS: readonly HostileKind[] = ['truncate-zero', 'truncate-half', 'pool-larger-than-file', 'sealed-resize', 'proc-truncate'];

export const HOSTILE_DESCRIPTIONS: Readonly<Record<HostileKind, string>> = {
  'truncate-zero': 'truncates its pool to 0 bytes after a commit',
  'truncate-half': 'truncates its pool to half after a commit',
  'pool-larger-than-file': 'declares a pool twice the size of its file',
  'sealed-resize': 'seals its memfd, then resizes the pool beyond the file',
  'proc-truncate': 'truncates its pool through /proc/self/fd/N with O_TRUNC',
};

const XRGB = wl_shm.enums.format.entries.xrgb8888;

/** What happened to one client. */
export class ClientRun {
  readonly name: string;
  /** The attack, for a hostile client. */
  kind: HostileKind | null = null;
  readonly client: WaylandClient;
  /** Frame callbacks received. */
  frames = 0;
  error: ProtocolError | null = null;
  #stopped = false;
  #stopHooks: (() => void)[] = [];

  constructor(name: string, client: WaylandClient) {
    this.name = name;
    this.client = client;
    client.onError((e) => {
      if (!this.#stopped) this.error = e;
    });
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  onStop(hook: () => void): void {
    this.#stopHooks.push(hook);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const h of this.#stopHooks.splice(0)) h();
    this.client.close();
  }
}

/** The moving band of the honest client, 16 pixels wide, 4 pixels further each frame. */
export const HONEST_BAND = 0xffffff40;

/** The honest client's fixed gradient at (x, y) of a window `width` wide (argb, opaque). */
export function honestGradient(x: number, y: number, width: number): number {
  return (0xff000000 | (Math.floor((x * 255) / width) << 16) | (((y * 3) & 0xff) << 8) | 0xc0) >>> 0;
}

/** The honest client's frame `frame` at (x, y). */
export function honestPixel(x: number, y: number, frame: number, width: number): number {
  const band = (frame * 4) % width;
  return x >= band && x < band + 16 ? HONEST_BAND : honestGradient(x, y, width);
}

export interface Window {
  surface: Proxy;
  shm: Proxy;
  compositor: Proxy;
}

/** Binds the globals, makes an xdg_toplevel and waits for its first configure. */
export async function openWindow(run: ClientRun, title: string): Promise<Window> {
  const c = run.client;
  await c.registry();
  const compositor = c.bind(wl_compositor, 5);
  const shm = c.bind(wl_shm, 1).on('format', () => {});
  const wm = c.bind(xdg_wm_base, 5).on('ping', (serial) => wm.request('pong', serial));
  const surface = compositor.request('create_surface', null)!;
  surface.on('enter', () => {}).on('leave', () => {});
  const xdg = wm.request('get_xdg_surface', null, surface)!;
  const toplevel = xdg.request('get_toplevel', null)!;
  toplevel.on('configure', () => {}).on('close', () => {}).on('configure_bounds', () => {}).on('wm_capabilities', () => {});
  toplevel.request('set_title', title);
  const configured = new Promise<void>((resolve) => {
    xdg.on('configure', (serial) => {
      xdg.request('ack_configure', serial);
      resolve();
    });
  });
  surface.request('commit');
  await configured;
  return { surface, shm, compositor };
}

/** Writes a width × height image (argb/xrgb words, little endian) at `offset` of fd. */
export function writeImage(fd: number, offset: number, width: number, height: number, pixel: (x: number, y: number) => number): void {
  const bytes = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) bytes.writeUInt32LE(pixel(x, y), (y * width + x) * 4);
  writeSync(fd, bytes, 0, bytes.length, offset);
}

/** Commits `buffer` with full damage and a frame callback; `onFrame` runs at the callback. */
export function show(run: ClientRun, w: Window, buffer: Proxy, width: number, height: number, onFrame: () => void): void {
  if (run.stopped || run.client.error) return;
  w.surface.request('attach', buffer, 0, 0);
  w.surface.request('damage_buffer', 0, 0, width, height);
  const cb = w.surface.request('frame', null)!;
  cb.on('done', () => {
    run.frames++;
    if (!run.stopped && !run.client.error) onFrame();
  });
  w.surface.request('commit');
}

/**
 * An honest animated client: double-buffered xrgb8888, a new frame at each
 * frame callback, for as long as it runs.
 */
export async function honestClient(stream: UnixStream, name = 'honest', width = 240, height = 160): Promise<ClientRun> {
  const run = new ClientRun(name, new WaylandClient(stream));
  const w = await openWindow(run, name);
  const size = width * height * 4;
  const fd = memfd(name, size * 2);
  run.onStop(() => closeSync(fd));
  const pool = w.shm.request('create_pool', null, fd, size * 2)!;
  const buffers = [0, 1].map((i) => pool.request('create_buffer', null, i * size, width, height, width * 4, XRGB)!);
  for (const b of buffers) b.on('release', () => {});
  let frame = 0;
  const draw = (): void => {
    const i = frame % 2;
    const k = frame;
    writeImage(fd, i * size, width, height, (x, y) => honestPixel(x, y, k, width));
    frame++;
    show(run, w, buffers[i]!, width, height, draw);
  };
  draw();
  return run;
}

/**
 * A hostile client of the given kind: shows one honest frame (or, for a pool
 * larger than its file, starts lying at once), attacks, and commits again.
 * Under policy 'zero' it goes on committing frames (the compositor shows
 * zeros: black); under 'error' it receives invalid_fd on its wl_buffer.
 */
export async function hostileClient(stream: UnixStream, kind: HostileKind, width = 160, height = 120): Promise<ClientRun> {
  const run = new ClientRun(kind, new WaylandClient(stream));
  run.kind = kind;
  const w = await openWindow(run, kind);
  const size = width * height * 4;
  const fileSize = kind === 'pool-larger-than-file' ? size / 2 : size;
  const fd = memfd(kind, fileSize, kind === 'sealed-resize' ? { seal: true } : {});
  run.onStop(() => closeSync(fd));
  const pool = w.shm.request('create_pool', null, fd, size)!;
  let buffer = pool.request('create_buffer', null, 0, width, height, width * 4, XRGB)!;
  buffer.on('release', () => {});
  writeImage(fd, 0, width, fileSize === size ? height : height / 2, (x, y) => ((0xff000000 | ((x * 255) / width) << 8 | ((y * 2) & 0xff)) >>> 0));
  const attack = (): void => {
    switch (kind) {
      case 'truncate-zero':
        ftruncateSync(fd, 0);
        break;
      case 'truncate-half':
        ftruncateSync(fd, size / 2);
        break;
      case 'proc-truncate':
        // A fresh open of the same file with O_TRUNC ('w'): no ftruncate on our fd.
        closeSync(openSync(`/proc/self/fd/${fd}`, 'w'));
        break;
      case 'sealed-resize':
        // The file cannot shrink or grow (sealed); the pool grows past it, and
        // the new buffer lives entirely beyond the end of the file.
        pool.request('resize', size * 2);
        buffer = pool.request('create_buffer', null, size, width, height, width * 4, XRGB)!;
        buffer.on('release', () => {});
        break;
      case 'pool-larger-than-file':
        break; // the lie was told at create_pool
    }
  };
  let frames = 0;
  const next = (): void => {
    if (frames++ === 0) attack();
    show(run, w, buffer, width, height, next);
  };
  show(run, w, buffer, width, height, next);
  return run;
}
