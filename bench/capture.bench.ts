// Issue 10: wlr-screencopy captures of 1920×1080 and 3840×2160 outputs into a
// client's wl_shm buffer through the real path (a client on the socket, in a
// child process: capture_output, buffer_done, copy, wait for ready), against
// a plain memcpy of the same bytes (the output's framebuffer) in the same
// run. Target: compositor CPU per capture ≤ 1.5 × the fastest memcpy.
//
// A copy is answered at the next refresh (60 Hz grid), so wall time per
// capture is about one refresh period whatever the copy costs; what a
// capture costs is the compositor process's CPU from the request to the
// client's ready (protocol, timer, the guarded write, and the IPC reply
// that ends the capture; the client's own work is in its process, printed
// apart). Floor and capture alternate at the
// refresh's pace, so the machine's load and the cache (warm, or evicted by
// other processes between refreshes) weigh on both alike.
// First: the test build of the addon, before anything from src/ loads one.
import { native } from '../test/support/native-testing.js';
import { chmodSync, closeSync, rmSync } from 'node:fs';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { patternClient } from '../src/cli/capture-clients.js';
import { Compositor } from '../src/compositor/index.js';
import { map, memfd } from '../src/shm/index.js';
import { socketPair } from '../src/wire/socket.js';
import { ShmBuffer } from '../src/compositor/core/shm.js';
import type { CaptureMode, CaptureReply, CaptureRequest } from './capture-client.js';
import { privateDir } from '../test/support/common.js';

const CLIENT = fileURLToPath(new URL('./capture-client.js', import.meta.url));
const SIZES: readonly [number, number][] = [[1920, 1080], [3840, 2160]];
const CAPTURES = Number(process.env.BENCH_CAPTURES ?? 60);
const WARMUP = 5;
const ms = (x: number): string => `${x.toFixed(3).padStart(7)} ms`;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** This process's CPU ms for fn. */
function cpuMsOf(fn: () => void): number {
  const t0 = cpuMs();
  fn();
  return cpuMs() - t0;
}

// The guarded write itself (ShmBuffer.writeInto: the mapping's checks, then
// writeFrame's copy), timed where the compositor calls it.
let writeMs = 0;
const writeInto = ShmBuffer.prototype.writeInto;
ShmBuffer.prototype.writeInto = function (this: ShmBuffer, write) {
  const t0 = cpuMs();
  try {
    return writeInto.call(this, write);
  } finally {
    writeMs += cpuMs() - t0;
  }
};

interface Figures {
  /** Compositor process, ms per capture. */
  compositor: number;
  /** Of which the guarded write into the client's buffer. */
  write: number;
  /** Client process, ms per capture. */
  client: number;
  /** Each floor, ms per copy. */
  floors: number[];
}

interface Bench {
  capture(mode: CaptureMode): Promise<{ compositorMs: number; writeMs: number; clientMs: number }>;
  close(): Promise<void>;
  frame: Buffer;
}
async function start(width: number, height: number): Promise<Bench> {
  const dir = privateDir('nosigbus-bench-capture-');
  chmodSync(dir, 0o700);
  const compositor = new Compositor({ width, height, logLevel: 'error', pingIntervalMs: 0 });
  compositor.listen('bench-capture', dir);
  const [server, stream] = socketPair();
  compositor.addClient(server, 'pattern');
  const pattern = await patternClient(stream, 'pattern', 400, 300);
  const client = fork(CLIENT, ['bench-capture', dir, String(width), String(height)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => client.once('exit', () => resolve()));
  let waiting: ((m: unknown) => void) | null = null;
  client.on('message', (m) => waiting?.(m));
  void exited.then(() => waiting?.('exited'));
  const next = (): Promise<unknown> => new Promise((resolve) => (waiting = resolve));
  if ((await next()) !== 'ready') throw new Error('capture client did not start');
  const fb = compositor.output.framebuffer;
  return {
    frame: Buffer.from(fb.buffer, fb.byteOffset, fb.byteLength),
    async capture(mode) {
      const reply = next();
      client.send({ mode } satisfies CaptureRequest);
      // After the send (a pipe write waking the client): the compositor's work starts here.
      const t0 = cpuMs();
      writeMs = 0;
      const r = await reply;
      if (typeof r !== 'object' || r === null || !('clientMs' in r)) throw new Error(`capture client: ${String(r)}`);
      const { clientMs, error } = r as CaptureReply;
      if (error) throw new Error(error);
      return { compositorMs: cpuMs() - t0, writeMs, clientMs };
    },
    async close() {
      client.send('close');
      await exited;
      pattern.stop();
      compositor.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CAPTURES captures, each after one of `floors` (in turn). */
async function interleaved(b: Bench, mode: CaptureMode, floors: readonly (() => void)[]): Promise<Figures> {
  for (let i = 0; i < WARMUP; i++) {
    await b.capture(mode);
    floors.forEach((f) => f());
  }
  const compositor: number[] = [];
  const write: number[] = [];
  const client: number[] = [];
  const floorMs: number[][] = floors.map(() => []);
  for (let i = 0; i < CAPTURES; i++) {
    const k = i % floors.length;
    floorMs[k]!.push(cpuMsOf(floors[k]!));
    const r = await b.capture(mode);
    compositor.push(r.compositorMs);
    write.push(r.writeMs);
    client.push(r.clientMs);
  }
  return { compositor: mean(compositor), write: mean(write), client: mean(client), floors: floorMs.map(mean) };
}

async function measure(width: number, height: number): Promise<{ reused: Figures; fresh: Figures; pixel: Figures; ping: number }> {
  const b = await start(width, height);
  const size = width * height * 4;
  const { frame } = b;
  const dst = Buffer.alloc(size);
  const floorFd = memfd('bench-floor', size);
  const floorMap = map(floorFd, { length: size, writable: true });
  floorMap.bytes.set(frame);
  // A screen recorder's way: one buffer, captured into again and again.
  const reused = await interleaved(b, 'reused', [() => frame.copy(dst), () => dst.set(frame), () => floorMap.copyTo(dst, 0, size)]);
  // grim's way: a fresh memfd, pool and buffer per capture (the compositor
  // maps and faults in new pages each time). Floor: the same bytes into
  // fresh anonymous pages (the addon maps files read-only), faults included.
  const fresh = await interleaved(b, 'fresh', [
    () => {
      const [ab, handle] = native.testing.rawMap(-1, size);
      new Uint8Array(ab).set(frame);
      native.testing.rawUnmap(ab, handle);
    },
  ]);
  // What a capture costs with (almost) no pixels: protocol, timer, refresh.
  const pixel = await interleaved(b, 'pixel', [() => {}]);
  const ping = await interleaved(b, 'ping', [() => {}]);
  floorMap.close();
  closeSync(floorFd);
  await b.close();
  return { reused, fresh, pixel, ping: ping.compositor };
}

export async function run(): Promise<void> {
  console.log(`${CAPTURES} captures per row, each after a floor copy in turn; means of CPU time of the process (compositor / client; the floor runs in the compositor's)`);
  for (const [w, h] of SIZES) {
    const { reused, fresh, pixel, ping } = await measure(w, h);
    const [copy, set, nat] = reused.floors as [number, number, number];
    const best = Math.min(copy, set, nat);
    const ratio = (x: number, floor = best): string => `ratio ${(x / floor).toFixed(2)}`;
    console.log(`\n${w}×${h} (${((w * h * 4) / 2 ** 20).toFixed(1)} MiB)`);
    console.log(`  floor, the framebuffer's bytes: Buffer.copy ${ms(copy)}, TypedArray.set ${ms(set)}, native memcpy (SafeMapping.copyTo) ${ms(nat)}`);
    console.log(`  capture into one reused buffer:`);
    console.log(`    the guarded write into it  ${ms(reused.write)}   ${ratio(reused.write)} to the fastest floor (target ≤ 1.5)`);
    console.log(`    compositor, whole capture  ${ms(reused.compositor)}   ${ratio(reused.compositor)}   (client ${ms(reused.client)})`);
    console.log(`  1×1 region capture (per-capture cost): compositor ${ms(pixel.compositor)}, of which the write ${ms(pixel.write)}   (client ${ms(pixel.client)}); the bench's IPC alone ${ms(ping)} (in every compositor figure)`);
    console.log(`  capture into a fresh memfd each time (as grim): write ${ms(fresh.write)}, compositor ${ms(fresh.compositor)}; floor: memcpy into fresh mmap'd pages ${ms(fresh.floors[0]!)}; ${ratio(fresh.write, fresh.floors[0]!)} (write), ${ratio(fresh.compositor, fresh.floors[0]!)} (whole)`);
  }
}
