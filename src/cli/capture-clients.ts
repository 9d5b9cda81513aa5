// Built-in screen-capture clients (wlr-screencopy): an honest one, and
// hostile ones that truncate or lie about the buffer the compositor writes
// the frame into; and a still window of a known pattern to capture.
//
// Invariants:
//  - a capture client never maps its own file (the truncation it provokes
//    would SIGBUS it): the frame is read back with pread after the copy;
//  - the attack is made before `copy` reaches the compositor ('truncate-zero',
//    'truncate-half', 'sealed-resize', 'read-only') or while the compositor
//    writes ('truncate-during': a worker thread watches the file and
//    truncates it to half as soon as the first bytes of the frame land; it
//    always does once they landed, during the copy or, when the machine did
//    not schedule it in time, after ready);
//  - the outcome (ready, failed, or the protocol error) and the file
//    afterwards (size, bytes) are in the CaptureResult; nothing throws out of
//    an event handler.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { WaylandClient, type Proxy, type ProtocolError } from '../client/index.js';
import { wl_output, wl_shm } from '../protocol/wayland.js';
import { zwlr_screencopy_manager_v1 } from '../protocol/wlr-screencopy.js';
import { memfd } from '../shm/index.js';
import type { UnixStream } from '../wire/socket.js';
import { ClientRun, openWindow, show, writeImage } from './clients.js';

export type CaptureAttack = 'truncate-zero' | 'truncate-half' | 'truncate-during' | 'sealed-resize' | 'read-only';

export const CAPTURE_ATTACKS: readonly CaptureAttack[] = ['truncate-zero', 'truncate-half', 'truncate-during', 'sealed-resize', 'read-only'];

export const CAPTURE_ATTACK_DESCRIPTIONS: Readonly<Record<CaptureAttack, string>> = {
  'truncate-zero': 'truncates its capture buffer to 0 bytes before copy',
  'truncate-half': 'truncates its capture buffer to half before copy',
  'truncate-during': 'truncates its capture buffer to half while the compositor writes it',
  'sealed-resize': 'seals its memfd, resizes the pool beyond it, captures into the part past the file',
  'read-only': 'hands over its capture pool through an O_RDONLY fd',
};

/** Fills files the compositor must not write (sealed-resize): never a frame's bytes. */
export const UNTOUCHED = 0x5a;

export interface CaptureOptions {
  /** Output-logical region (capture_output_region), else the whole output. */
  region?: { x: number; y: number; width: number; height: number };
  withDamage?: boolean;
  attack?: CaptureAttack;
  /** Makes the destination file (an fd of `size` bytes) instead of a memfd: e.g. a file on a full disk. */
  destination?: (size: number) => number;
}

export interface CaptureResult {
  outcome: 'ready' | 'failed' | 'error';
  error: ProtocolError | null;
  /** From the buffer event (0 when failed first). */
  format: number;
  width: number;
  height: number;
  stride: number;
  /** damage events, buffer-local. */
  damage: { x: number; y: number; width: number; height: number }[];
  /** ready's timestamp in ns (CLOCK_MONOTONIC), or null. */
  timeNs: bigint | null;
  /** The capture file afterwards: its size, and all its bytes. */
  fileSize: number;
  file: Buffer;
  /** truncate-during: the worker truncated the file (after the first bytes of the frame landed). */
  truncatedDuring: boolean;
}

/** The globals a capture needs. */
export interface CaptureGlobals {
  shm: Proxy;
  manager: Proxy;
  output: Proxy;
}

/** Binds wl_shm, wl_output and the screencopy manager (v3) of a client whose registry was read. */
export function bindCapture(c: WaylandClient): CaptureGlobals {
  const output = c.bind(wl_output, 4);
  for (const e of ['geometry', 'mode', 'scale', 'name', 'description', 'done']) output.on(e, () => {});
  return { shm: c.bind(wl_shm, 1).on('format', () => {}), manager: c.bind(zwlr_screencopy_manager_v1, 3), output };
}

interface Advertised {
  format: number;
  width: number;
  height: number;
  stride: number;
}

/** One capture into a fresh memfd buffer, with `options.attack` made on it. */
export async function capture(c: WaylandClient, g: CaptureGlobals, options: CaptureOptions = {}): Promise<CaptureResult> {
  const r = options.region;
  const frame = r
    ? g.manager.request('capture_output_region', null, 0, g.output, r.x, r.y, r.width, r.height)!
    : g.manager.request('capture_output', null, 0, g.output)!;
  const result: CaptureResult = { outcome: 'failed', error: null, format: 0, width: 0, height: 0, stride: 0, damage: [], timeNs: null, fileSize: 0, file: Buffer.alloc(0), truncatedDuring: false };
  let settle: (outcome: CaptureResult['outcome']) => void = () => {};
  const settled = new Promise<CaptureResult['outcome']>((resolve) => (settle = resolve));
  c.onError((e) => {
    result.error = e;
    settle('error');
  });
  const advertised = new Promise<Advertised | null>((resolve) => {
    let info: Advertised | null = null;
    frame
      .on('buffer', (format, width, height, stride) => {
        info = { format: Number(format), width: Number(width), height: Number(height), stride: Number(stride) };
      })
      .on('linux_dmabuf', () => {})
      .on('buffer_done', () => resolve(info))
      .on('flags', () => {})
      .on('damage', (x, y, width, height) => result.damage.push({ x: Number(x), y: Number(y), width: Number(width), height: Number(height) }))
      .on('ready', (hi, lo, ns) => {
        result.timeNs = (BigInt(Number(hi)) << 32n | BigInt(Number(lo))) * 1_000_000_000n + BigInt(Number(ns));
        settle('ready');
      })
      .on('failed', () => {
        resolve(null);
        settle('failed');
      });
    void settled.then(() => resolve(null));
  });
  const info = await advertised;
  if (!info) {
    result.outcome = await settled;
    return result;
  }
  Object.assign(result, info);
  const size = info.stride * info.height;
  const attack = options.attack;
  const sealed = attack === 'sealed-resize';
  const fd = options.destination ? options.destination(size) : memfd('capture', size, sealed ? { seal: true } : {});
  const fds = [fd];
  let worker: Worker | null = null;
  try {
    if (sealed) writeImage(fd, 0, info.stride / 4, info.height, () => UNTOUCHED * 0x01010101);
    let poolFd = fd;
    if (attack === 'read-only') fds.push((poolFd = openSync(`/proc/self/fd/${fd}`, 'r')));
    const pool = g.shm.request('create_pool', null, poolFd, size)!;
    let offset = 0;
    if (sealed) {
      // The file cannot grow (sealed); the pool does, and the buffer lies wholly past the file.
      pool.request('resize', size * 2);
      offset = size;
    }
    const buffer = pool.request('create_buffer', null, offset, info.width, info.height, info.stride, info.format)!;
    buffer.on('release', () => {});
    if (attack === 'truncate-zero') ftruncateSync(fd, 0);
    if (attack === 'truncate-half') ftruncateSync(fd, Math.floor(size / 2));
    if (attack === 'truncate-during') worker = await truncateOnFirstWrite(fd, Math.floor(size / 2));
    frame.request(options.withDamage ? 'copy_with_damage' : 'copy', buffer);
    result.outcome = await settled;
    // After ready the frame's first bytes are in the file: the watcher finds
    // them and truncates however late it runs (a loaded machine may not
    // schedule it during the copy), so it is waited for, not stopped; after
    // failed or an error nothing may ever land, and it is stopped.
    if (worker) result.truncatedDuring = await stopWorker(worker, result.outcome !== 'ready');
    worker = null;
    result.fileSize = fstatSync(fd).size;
    result.file = Buffer.alloc(result.fileSize);
    if (result.fileSize > 0) readSync(fd, result.file, 0, result.fileSize, 0);
    if (!c.error) {
      frame.request('destroy');
      buffer.request('destroy');
      pool.request('destroy');
    }
  } finally {
    if (worker) void stopWorker(worker, true);
    for (const f of fds) closeSync(f);
  }
  return result;
}

// The worker polls the file's first word with pread and truncates the file
// the moment it turns non-zero: the compositor has begun writing the frame
// (an xrgb8888 pixel of an opaque output is never all zeros).
const WATCHER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync, ftruncateSync } = require('node:fs');
const { fd, to, stop } = workerData;
const flag = new Int32Array(stop);
const word = Buffer.alloc(4);
parentPort.postMessage('watching');
let truncated = false;
while (Atomics.load(flag, 0) === 0) {
  readSync(fd, word, 0, 4, 0);
  if (word.readUInt32LE(0) !== 0) { ftruncateSync(fd, to); truncated = true; break; }
}
parentPort.postMessage(truncated ? 'truncated' : 'stopped');
`;

const stops = new WeakMap<Worker, { flag: Int32Array; result: Promise<boolean> }>();

async function truncateOnFirstWrite(fd: number, to: number): Promise<Worker> {
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(WATCHER, { eval: true, workerData: { fd, to, stop } });
  const messages: string[] = [];
  let wake: () => void = () => {};
  worker.on('message', (m: unknown) => {
    messages.push(String(m));
    wake();
  });
  const next = (want: (m: string) => boolean): Promise<string> =>
    new Promise((resolve) => {
      const check = (): void => {
        const m = messages.find(want);
        if (m !== undefined) resolve(m);
      };
      wake = check;
      check();
    });
  await next((m) => m === 'watching');
  stops.set(worker, { flag: new Int32Array(stop), result: next((m) => m !== 'watching').then((m) => m === 'truncated') });
  return worker;
}

/** The watcher's verdict (it truncated); `abort` stops it if it has not yet. */
async function stopWorker(worker: Worker, abort: boolean): Promise<boolean> {
  const s = stops.get(worker)!;
  if (abort) Atomics.store(s.flag, 0, 1);
  const truncated = await s.result;
  await worker.terminate();
  return truncated;
}

/** The still pattern: every pixel differs from its neighbours, so a shifted or scaled copy shows. */
export function patternPixel(x: number, y: number): number {
  return (0xff000000 | (((x * 37 + y * 11) & 0xff) << 16) | (((x ^ (y * 3)) & 0xff) << 8) | ((x * y + 7) & 0xff)) >>> 0;
}

/** A window showing patternPixel, committed once; resolves once it was shown (its first frame callback). */
export async function patternClient(stream: UnixStream, name = 'pattern', width = 200, height = 150): Promise<ClientRun> {
  const run = new ClientRun(name, new WaylandClient(stream));
  const w = await openWindow(run, name);
  const size = width * height * 4;
  const fd = memfd(name, size);
  run.onStop(() => closeSync(fd));
  writeImage(fd, 0, width, height, patternPixel);
  const pool = w.shm.request('create_pool', null, fd, size)!;
  const buffer = pool.request('create_buffer', null, 0, width, height, width * 4, wl_shm.enums.format.entries.xrgb8888)!;
  buffer.on('release', () => {});
  await new Promise<void>((resolve) => show(run, w, buffer, width, height, resolve));
  return run;
}

/** A client that captures once, with `options` (an attack, a region), then disconnects. */
export async function captureClient(stream: UnixStream, options: CaptureOptions = {}): Promise<CaptureResult> {
  const c = new WaylandClient(stream);
  try {
    await c.registry();
    const g = bindCapture(c);
    await c.roundtrip();
    return await capture(c, g, options);
  } finally {
    if (!c.error) c.close();
  }
}
