// What a fractional output scale costs the renderer: a full repaint of a
// 1920 × 1080 output holding one window that covers it, at scale 1 and at
// 1.5, as ratios to scale 1. At 1.5 three kinds of client: one drawing at
// 1.5 through wp_viewporter (copied pixel for pixel, as at 1), one drawing
// at buffer scale 2 (what a client without fractional scale does: shrunk by
// 4/3 with the area average), one drawing at 1 (magnified, bilinear); and,
// for the filter choice, the same 4/3 shrink by bilinear, pixman alone.
// In process, CPU time of the renderer (process.cpuUsage: the machine may be
// shared), the median of interleaved rounds.
import { writeSync } from 'node:fs';
import { WaylandClient } from '../src/client/index.js';
import { Compositor } from '../src/compositor/index.js';
import { composite, Filter, Op, type Affine } from '../src/compositor/core/pixman.js';
import { wp_viewporter } from '../src/protocol/viewporter.js';
import { wl_compositor, wl_shm } from '../src/protocol/wayland.js';
import { xdg_wm_base } from '../src/protocol/xdg-shell.js';
import { memfd } from '../src/shm/index.js';
import { socketPair } from '../src/wire/socket.js';

const WIDTH = 1920;
const HEIGHT = 1080;
const ROUNDS = 7;
const PAINTS = 10;

interface Case {
  name: string;
  scale: number;
  /** The window's buffer: its size and buffer scale; a viewport destination when drawn at a fractional scale. */
  buffer: { width: number; height: number; scale: number; destination?: [number, number] };
}

const CASES: Case[] = [
  { name: 'scale 1, buffer at 1', scale: 1, buffer: { width: WIDTH, height: HEIGHT, scale: 1 } },
  { name: 'scale 1.5, buffer at 1.5 (fractional-scale client)', scale: 1.5, buffer: { width: WIDTH, height: HEIGHT, scale: 1, destination: [1280, 720] } },
  { name: 'scale 1.5, buffer at 2 (area average)', scale: 1.5, buffer: { width: 2560, height: 1440, scale: 2 } },
  { name: 'scale 1.5, buffer at 1 (bilinear)', scale: 1.5, buffer: { width: 1280, height: 720, scale: 1 } },
];

const noop = (): void => {};

/** A compositor at `c.scale` with one fullscreen window (at 0,0, covering the output), drawn by an in-process client. */
async function setUp(c: Case): Promise<{ compositor: Compositor; client: WaylandClient }> {
  const compositor = new Compositor({ width: WIDTH, height: HEIGHT, scale: c.scale, logLevel: 'error', pingIntervalMs: 0 });
  const [server, end] = socketPair();
  compositor.addClient(server, 'bench');
  const client = new WaylandClient(end);
  await client.registry();
  const wm = client.bind(xdg_wm_base, 5).on('ping', (s) => wm.request('pong', s));
  const surface = client.bind(wl_compositor, 5).request('create_surface', null)!.on('enter', noop).on('leave', noop);
  const xdg = wm.request('get_xdg_surface', null, surface)!.on('configure', (serial) => xdg.request('ack_configure', serial));
  xdg.request('get_toplevel', null)!.on('configure', noop).on('close', noop).request('set_fullscreen', null);
  surface.request('commit');
  await client.roundtrip();
  const { width, height, scale, destination } = c.buffer;
  if (destination) client.bind(wp_viewporter, 1).request('get_viewport', null, surface)!.request('set_destination', ...destination);
  surface.request('set_buffer_scale', scale);
  const bytes = new Uint32Array(width * height).map((_, i) => 0xff000000 | ((i * 40503) & 0xffffff));
  const fd = memfd('bench', bytes.byteLength);
  writeSync(fd, bytes);
  const pool = client.bind(wl_shm, 1).on('format', noop).request('create_pool', null, fd, bytes.byteLength)!;
  surface.request('attach', pool.request('create_buffer', null, 0, width, height, width * 4, wl_shm.enums.format.entries.xrgb8888)!.on('release', noop), 0, 0);
  surface.request('damage_buffer', 0, 0, width, height);
  surface.request('commit');
  await client.roundtrip();
  return { compositor, client };
}

/** CPU milliseconds `work` takes, the mean of PAINTS runs. */
function cpuMsEach(work: () => void): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < PAINTS; i++) work();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000 / PAINTS;
}

/** One full repaint. */
function repaintMs(compositor: Compositor): number {
  return cpuMsEach(() => {
    compositor.renderer.invalidate();
    compositor.paint();
  });
}

/** Milliseconds of a 4/3 shrink of a 2560 × 1440 image into the framebuffer by `filter`, pixman alone. */
function shrinkMs(filter: Filter): number {
  const src = new Uint32Array(2560 * 1440).map((_, i) => 0xff000000 | ((i * 40503) & 0xffffff));
  const dst = new Uint32Array(WIDTH * HEIGHT);
  const m: Affine = Float64Array.of(4 / 3, 0, 0, 0, 4 / 3, 0);
  const image = { memory: src, offset: 0, stride: 2560 * 4, format: 0, width: 2560, height: 1440 };
  return cpuMsEach(() => composite({ pixels: dst, width: WIDTH, height: HEIGHT }, image, Op.CopyOpaque, filter, m, { x: 0, y: 0, width: WIDTH, height: HEIGHT }));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function run(): Promise<void> {
  const compositors: { compositor: Compositor; client: WaylandClient }[] = [];
  for (const c of CASES) compositors.push(await setUp(c));
  const times = CASES.map(() => [] as number[]);
  const box: number[] = [];
  const bilinear: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    compositors.forEach((t, i) => times[i]!.push(repaintMs(t.compositor)));
    box.push(shrinkMs(Filter.Box));
    bilinear.push(shrinkMs(Filter.Bilinear));
  }
  for (const t of compositors) {
    t.client.close();
    t.compositor.close();
  }
  console.log(`full repaint of a ${WIDTH}×${HEIGHT} output under one window covering it, median of ${ROUNDS} rounds of ${PAINTS}`);
  const base = median(times[0]!);
  CASES.forEach((c, i) => {
    const ms = median(times[i]!);
    console.log(`${c.name.padEnd(52)} ${ms.toFixed(2)} ms   ratio ${(ms / base).toFixed(2)} to scale 1`);
  });
  const b = median(box);
  const l = median(bilinear);
  console.log(`4/3 shrink of 2560×1440, pixman alone: area average ${b.toFixed(2)} ms, bilinear ${l.toFixed(2)} ms   ratio ${(b / l).toFixed(2)}`);
}
