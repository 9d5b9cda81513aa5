// Fractional output scales (1.5, 1.25, 4/3 …) and wp_fractional_scale_v1: what
// the command line takes, what wl_output and xdg_output say, the preferred
// scale a surface is told and when, and what the output shows — a client
// drawing at 1.5 through wp_viewporter copied pixel for pixel, a client
// drawing at 2 shrunk to its logical place — with our own client, and with
// wlr-randr, weston-simple-damage, gtk4-widget-factory and Chromium.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { decode } from 'fast-png';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { BACKGROUND, loadPngEncoder, type Compositor } from '../../../src/compositor/index.js';
import { MAX_FRACTIONAL_SCALES } from '../../../src/compositor/core/fractional-scale.js';
import { composite, Filter, Op } from '../../../src/compositor/core/pixman.js';
import { parseCompositorArgs, UsageError } from '../../../src/cli/options.js';
import { bindCapture, capture, patternClient } from '../../../src/cli/capture-clients.js';
import { wp_fractional_scale_manager_v1 } from '../../../src/protocol/fractional-scale.js';
import { wp_viewporter } from '../../../src/protocol/viewporter.js';
import { wl_output, wl_subcompositor } from '../../../src/protocol/wayland.js';
import { zxdg_output_manager_v1 } from '../../../src/protocol/xdg-output.js';
import { DisplayError } from '../../../src/wire/codec.js';
import { bindCore, expectProtocolError, present, shmBuffer, startCompositor, toplevel, type Globals, type TestCompositor } from '../../support/compositor.js';
import { nosigbus, runtimeDir } from '../../support/cli.js';
import { start } from '../../support/peer-compositors.js';
import { browserEnv, CHROMIUM, chromiumArgs, startGroup } from '../../support/browsers.js';
import { needPeer } from '../../support/peers.js';
import { privateDir, waitFor } from '../../support/common.js';

const WLR_RANDR = '/usr/bin/wlr-randr';
const SIMPLE_DAMAGE = '/usr/bin/weston-simple-damage';
const GTK4_FACTORY = '/usr/bin/gtk4-widget-factory';
const FRACTIONAL_ERROR = wp_fractional_scale_manager_v1.enums.error.entries;
const BG = BACKGROUND & 0xffffff;

/** A decoded screenshot, rgb by pixel. */
interface Shot {
  width: number;
  height: number;
  rgb(x: number, y: number): number;
}

/** The output as `--screenshot` writes it (PNG), decoded. */
async function screenshot(compositor: Compositor): Promise<Shot> {
  await loadPngEncoder();
  return pngShot(compositor.screenshotPng());
}

/** The output now, without the PNG round trip (for polling). */
function frameShot(compositor: Compositor): Shot {
  const fb = compositor.snapshot();
  const width = compositor.output.width;
  return { width, height: compositor.output.height, rgb: (x, y) => fb[y * width + x]! & 0xffffff };
}

function pngShot(bytes: Uint8Array): Shot {
  const png = decode(bytes);
  const d = png.data;
  assert.equal(png.channels, 4);
  return {
    width: png.width,
    height: png.height,
    rgb: (x, y) => {
      const o = (y * png.width + x) * 4;
      return (d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!;
    },
  };
}

const hex6 = (v: number): string => v.toString(16).padStart(6, '0');

/** A wp_fractional_scale_v1 for `surface`, and the preferred scales it was told, in order. */
function fractionalScale(manager: Proxy, surface: Proxy): { proxy: Proxy; told: number[] } {
  const told: number[] = [];
  const proxy = manager.request('get_fractional_scale', null, surface)!;
  proxy.on('preferred_scale', (s) => told.push(Number(s)));
  return { proxy, told };
}

/** What a client sees of the output: wl_output.scale and xdg_output's logical size, the latest of each. */
function watchOutput(c: WaylandClient): { scale: number; logical: [number, number] } {
  const seen = { scale: 0, logical: [0, 0] as [number, number] };
  const out = c.bind(wl_output, 4);
  out.on('geometry', () => {}).on('mode', () => {}).on('name', () => {}).on('description', () => {}).on('done', () => {});
  out.on('scale', (s) => (seen.scale = Number(s)));
  const xdg = c.bind(zxdg_output_manager_v1, 3).request('get_xdg_output', null, out)!;
  xdg.on('logical_position', () => {}).on('name', () => {}).on('description', () => {}).on('done', () => {});
  xdg.on('logical_size', (w, h) => (seen.logical = [Number(w), Number(h)]));
  return seen;
}

/** A pattern where every pixel differs from its neighbours and from the background: a shifted or resampled copy shows. */
const pattern = (seed: number) => (x: number, y: number): number => 0xff000000 | ((x * 40503 + y * 9973 + seed * 7919) & 0xffffff) | 0x010101;

test('--scale takes multiples of 1/120 in 0.25..8 (decimals or fractions) and refuses anything else, saying so', async () => {
  const scaleOf = (text: string): number => parseCompositorArgs(['--scale', text]).scale;
  for (const [text, value] of [['1', 1], ['1.5', 1.5], ['1.25', 1.25], ['1.75', 1.75], ['2', 2], ['4/3', 4 / 3], ['0.25', 0.25], ['8', 8], ['1.1', 1.1]] as const)
    assert.equal(scaleOf(text), value, text);
  for (const text of ['1.33', '0.2', '8.5', '1.004', '0', 'abc', '1e0', '3/0', '']) {
    assert.throws(() => scaleOf(text), (e: unknown) => e instanceof UsageError && /^--scale: expected a multiple of 1\/120 in 0\.25\.\.8/.test(e.message), text);
  }
  // The command says so and exits 2 (a usage error), before starting anything.
  const dir = runtimeDir();
  try {
    const r = await nosigbus(['run', '--scale', '1.33', '--', 'true'], { XDG_RUNTIME_DIR: dir }).ended;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--scale: expected a multiple of 1\/120 in 0\.25\.\.8 \(such as 1, 1\.25, 1\.5, 2 or 4\/3\), got '1\.33'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wl_output says the scale rounded up, xdg_output the mode over the scale (rounded down); both follow a change', async () => {
  const t = startCompositor({ width: 1024, height: 768, scale: 1.5 });
  const c = await t.client();
  const seen = watchOutput(c);
  await c.roundtrip();
  assert.deepEqual(seen, { scale: 2, logical: [682, 512] });
  assert.deepEqual([t.compositor.output.logicalWidth, t.compositor.output.logicalHeight], [682, 512]);
  for (const [scale, wl, logical] of [[1.25, 2, [819, 614]], [0.5, 1, [2048, 1536]], [1.75, 2, [585, 438]], [3, 3, [341, 256]]] as const) {
    t.compositor.output.setMode({ width: 1024, height: 768, scale });
    await c.roundtrip();
    assert.deepEqual(seen, { scale: wl, logical }, `scale ${scale}`);
  }
  assert.throws(() => t.compositor.output.setMode({ width: 1024, height: 768, scale: 1.33 }), /scale 1\.33 is not a multiple of 1\/120 in 0\.25\.\.8/);
  assert.throws(() => t.compositor.output.setMode({ width: 1024, height: 768, scale: 9 }), RangeError);
  t.close();
});

test('wp_fractional_scale_v1: preferred_scale at once and at each scale change only, one per surface, inert after its surface, bounded per client', async () => {
  const t = startCompositor({ width: 600, height: 400, scale: 1.5 });
  const c = await t.client();
  const g = bindCore(c);
  const manager = c.bind(wp_fractional_scale_manager_v1, 1);
  const surface = g.compositor.request('create_surface', null)!;
  const first = fractionalScale(manager, surface);
  await c.roundtrip();
  assert.deepEqual(first.told, [180], 'sent at once: 1.5 is 180/120');
  assert.equal(t.compositor.fractionalScales.live, 1);
  // A mode change that keeps the scale tells nothing; a new scale is told once.
  t.compositor.output.setMode({ width: 800, height: 600 });
  t.compositor.output.setMode({ width: 800, height: 600, scale: 2 });
  await c.roundtrip();
  assert.deepEqual(first.told, [180, 240]);
  // Destroyed, another may be made for the same surface.
  first.proxy.request('destroy');
  const second = fractionalScale(manager, surface);
  await c.roundtrip();
  assert.deepEqual(second.told, [240]);
  // The manager's destroy leaves the objects it made working.
  manager.request('destroy');
  t.compositor.output.setMode({ width: 800, height: 600, scale: 1.25 });
  await c.roundtrip();
  assert.deepEqual(second.told, [240, 150]);
  // The surface gone: the object is told nothing more, and may still be destroyed.
  surface.request('destroy');
  await c.roundtrip();
  assert.equal(t.compositor.fractionalScales.live, 0);
  t.compositor.output.setMode({ width: 800, height: 600, scale: 1 });
  await c.roundtrip();
  assert.deepEqual(second.told, [240, 150]);
  second.proxy.request('destroy');
  await c.roundtrip();
  assert.equal(c.error, null);

  // A second object for a surface that has one is fractional_scale_exists.
  const c2 = await t.client();
  const g2 = bindCore(c2);
  const m2 = c2.bind(wp_fractional_scale_manager_v1, 1);
  const s2 = g2.compositor.request('create_surface', null)!;
  fractionalScale(m2, s2);
  fractionalScale(m2, s2);
  await expectProtocolError(c2, 'wp_fractional_scale_manager_v1', FRACTIONAL_ERROR.fractional_scale_exists, /already has a fractional scale object/);

  // At most MAX_FRACTIONAL_SCALES live ones a client: one more is no_memory; the client gone, none are left.
  const c3 = await t.client();
  const g3 = bindCore(c3);
  const m3 = c3.bind(wp_fractional_scale_manager_v1, 1);
  for (let i = 0; i < MAX_FRACTIONAL_SCALES; i++) fractionalScale(m3, g3.compositor.request('create_surface', null)!);
  await c3.roundtrip();
  assert.equal(t.compositor.fractionalScales.live, MAX_FRACTIONAL_SCALES);
  fractionalScale(m3, g3.compositor.request('create_surface', null)!);
  await expectProtocolError(c3, 'wl_display', DisplayError.no_memory, /too many fractional scale objects \(limit 1024\)/);
  await waitFor(() => t.compositor.fractionalScales.live === 0, 'the objects of the client that left to go');
  t.close();
});

/** A toplevel drawn at the output's scale the way wp_fractional_scale_v1 clients draw: a buffer of
 * round(logical × scale) pixels (halves away from zero, as the protocol says), viewport destination = logical size. */
function drawnAtScale(g: Globals, viewporter: Proxy, surface: Proxy, logicalWidth: number, logicalHeight: number, scale: number, pixel: (x: number, y: number) => number): { width: number; height: number } {
  const width = Math.round(logicalWidth * scale);
  const height = Math.round(logicalHeight * scale);
  viewporter.request('get_viewport', null, surface)!.request('set_destination', logicalWidth, logicalHeight);
  present(surface, shmBuffer(g, width, height, pixel).buffer, width, height);
  return { width, height };
}

/** Every pixel of the w × h box at (x0, y0) of the screenshot is `pixel` of the buffer, exactly. */
function assertCopied(shot: Shot, x0: number, y0: number, w: number, h: number, pixel: (x: number, y: number) => number, what: string): void {
  let wrong = 0;
  let firstWrong = '';
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const want = pixel(x, y) & 0xffffff;
      const got = shot.rgb(x0 + x, y0 + y);
      if (got !== want && wrong++ === 0) firstWrong = `buffer ${x},${y} at ${x0 + x},${y0 + y}: ${hex6(got)}, not ${hex6(want)}`;
    }
  assert.equal(wrong, 0, `${what}: ${wrong} of ${w * h} pixels are not the buffer's (first: ${firstWrong})`);
}

test('at 1.5, a client drawing at 1.5 through wp_viewporter is copied pixel for pixel, at odd places and sizes too; its damage redraws only where it lies', async () => {
  const t = startCompositor({ width: 600, height: 400, scale: 1.5 });
  const c = await t.client();
  const g = bindCore(c);
  const viewporter = c.bind(wp_viewporter, 1);
  const manager = c.bind(wp_fractional_scale_manager_v1, 1);
  const w = await toplevel(c, g);
  const fs = fractionalScale(manager, w.surface);
  await c.roundtrip();
  assert.deepEqual(fs.told, [180]);
  const scale = fs.told[0]! / 120;
  // 101 × 67 logical is 151.5 × 100.5: a 152 × 101 buffer.
  const top = pattern(1);
  const size = drawnAtScale(g, viewporter, w.surface, 101, 67, scale, top);
  assert.deepEqual(size, { width: 152, height: 101 });
  // A subsurface at an odd offset (7, 5): its origin at a half pixel (58.5, 55.5), 20 × 11 logical in a 30 × 17 buffer.
  const childSurface = g.compositor.request('create_surface', null)!;
  const sub = c.bind(wl_subcompositor, 1).request('get_subsurface', null, childSurface, w.surface)!;
  sub.request('set_position', 7, 5);
  const child = pattern(2);
  drawnAtScale(g, viewporter, childSurface, 20, 11, scale, child);
  w.surface.request('commit');
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.deepEqual([win.x, win.y, win.windowWidth, win.windowHeight], [32, 32, 101, 67], 'the first cascade place, the logical size');
  const x0 = Math.round(win.x * scale);
  const y0 = Math.round(win.y * scale);
  let shot = await screenshot(t.compositor);
  assert.deepEqual([shot.width, shot.height], [600, 400], 'the screenshot is the mode, in pixels');
  // Every pixel where it should be: the window's buffer, the subsurface's over it from round(39 × 1.5) = 59, round(37 × 1.5) = 56.
  const sx = Math.round((win.x + 7) * scale);
  const sy = Math.round((win.y + 5) * scale);
  assert.deepEqual([sx, sy], [59, 56]);
  assertCopied(shot, sx, sy, 30, 17, child, 'the subsurface');
  const parentOnly = (x: number, y: number): boolean => x0 + x < sx || x0 + x >= sx + 30 || y0 + y < sy || y0 + y >= sy + 17;
  let wrong = 0;
  for (let y = 0; y < 101; y++) for (let x = 0; x < 152; x++) if (parentOnly(x, y) && shot.rgb(x0 + x, y0 + y) !== (top(x, y) & 0xffffff)) wrong++;
  assert.equal(wrong, 0, `the toplevel: ${wrong} pixels are not its buffer's`);
  // And nothing of it outside its 152 × 101 box.
  for (let x = x0 - 1; x <= x0 + 152; x++) {
    assert.equal(hex6(shot.rgb(x, y0 - 1)), hex6(BG), `above the window at ${x}`);
    assert.equal(hex6(shot.rgb(x, y0 + 101)), hex6(BG), `below the window at ${x}`);
  }
  for (let y = y0; y < y0 + 101; y++) {
    assert.equal(hex6(shot.rgb(x0 - 1, y)), hex6(BG), `left of the window at ${y}`);
    assert.equal(hex6(shot.rgb(x0 + 152, y)), hex6(BG), `right of the window at ${y}`);
  }

  // A 10 × 10 buffer rect redrawn (damage_buffer, through the viewport): that area is repainted, not the window.
  const changed = (x: number, y: number): number => (x >= 100 && x < 110 && y >= 40 && y < 50 ? pattern(3)(x, y) : top(x, y));
  const b = shmBuffer(g, 152, 101, changed);
  // Everything before is painted (the screenshot above); whatever paints the commit (the refresh or the screenshot) counts.
  const before = t.compositor.renderer.pixelsDrawn;
  w.surface.request('attach', b.buffer, 0, 0);
  w.surface.request('damage_buffer', 100, 40, 10, 10);
  w.surface.request('commit');
  await c.roundtrip();
  shot = await screenshot(t.compositor);
  const drawn = t.compositor.renderer.pixelsDrawn - before;
  assert.ok(drawn > 0 && drawn <= 16 * 16, `${drawn} output pixels redrawn for a 10 × 10 buffer rect`);
  assertCopied(shot, x0 + 100, y0 + 40, 10, 10, (x, y) => changed(x + 100, y + 40), 'the redrawn rect');
  t.close();
});

test('at 1.5, a client drawing at buffer scale 2 is shown at its logical place and size, each output pixel the average of what it covers', async () => {
  const t = startCompositor({ width: 600, height: 400, scale: 1.5 });
  const c = await t.client();
  const g = bindCore(c);
  const seen = watchOutput(c);
  const w = await toplevel(c, g);
  assert.equal(seen.scale, 2, 'what a client without fractional scale draws at');
  // 100 × 60 logical at buffer scale 2, four colours in quadrants.
  const quadrant = (x: number, y: number): number => (y < 60 ? (x < 100 ? 0xffff0000 : 0xff00ff00) : x < 100 ? 0xff0000ff : 0xffffff00);
  w.surface.request('set_buffer_scale', 2);
  present(w.surface, shmBuffer(g, 200, 120, quadrant).buffer, 200, 120);
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.deepEqual([win.x, win.y, win.windowWidth, win.windowHeight], [32, 32, 100, 60]);
  const shot = await screenshot(t.compositor);
  // Logical 32..132 × 32..92 is output 48..198 × 48..138; the quadrants meet at 48 + 75, 48 + 45.
  const inside: [number, number, number][] = [
    [48, 48, 0xff0000], [122, 92, 0xff0000], [123, 48, 0x00ff00], [197, 92, 0x00ff00],
    [48, 93, 0x0000ff], [122, 137, 0x0000ff], [123, 93, 0xffff00], [197, 137, 0xffff00],
  ];
  for (const [x, y, want] of inside) assert.equal(hex6(shot.rgb(x, y)), hex6(want), `${x},${y}`);
  for (const [x, y] of [[47, 60], [198, 60], [100, 47], [100, 138], [47, 47], [198, 138]] as const) assert.equal(hex6(shot.rgb(x, y)), hex6(BG), `${x},${y} is outside`);

  // A one-pixel line keeps its weight wherever it falls (bilinear would show it at full strength
  // in one pixel here and at a third in two there): its light across a row is 255 × 0.75.
  for (let k = 20; k < 26; k++) {
    const line = (x: number): number => (x === k ? 0xffffffff : 0xff000000);
    present(w.surface, shmBuffer(g, 200, 120, line).buffer, 200, 120);
    await c.roundtrip();
    const row = await screenshot(t.compositor);
    let sum = 0;
    for (let x = 48; x < 198; x++) sum += row.rgb(x, 100) >>> 16;
    assert.ok(Math.abs(sum - 191.25) <= 3, `line at buffer column ${k}: ${sum} across the row, not 191`);
  }
  t.close();
});

test('at 1.5, capture_output_region takes logical coordinates: the pixels between its rounded edges, those a surface there covers', async () => {
  const t = startCompositor({ width: 600, height: 400, scale: 1.5 });
  await patternClient(t.stream('pattern'));
  const c = await t.client('capture');
  const g = bindCapture(c);
  await c.roundtrip();
  // 33..134 × 21..88 logical: edges at 49.5 → 50, 201, 31.5 → 32, 132.
  const r = await capture(c, g, { region: { x: 33, y: 21, width: 101, height: 67 } });
  assert.equal(r.outcome, 'ready', r.error?.message);
  assert.deepEqual([r.width, r.height], [151, 100]);
  t.compositor.paint();
  const fb = t.compositor.output.framebuffer;
  let wrong = 0;
  for (let y = 0; y < 100; y++) for (let x = 0; x < 151; x++) if (r.file.readUInt32LE((y * 151 + x) * 4) !== fb[(32 + y) * 600 + 50 + x]) wrong++;
  assert.equal(wrong, 0, 'the captured pixels are the output\'s from 50, 32');
  // Past the logical size (400 × 266) is cut off: 390..410 logical is 585..600.
  const clamped = await capture(c, g, { region: { x: 390, y: 0, width: 20, height: 10 } });
  assert.deepEqual([clamped.outcome, clamped.width, clamped.height], ['ready', 15, 15]);
  t.close();
});

test('at 4/3, input given in output pixels (the live view) lands on the surface the output shows there', async () => {
  const t = startCompositor({ width: 600, height: 400, scale: 4 / 3 });
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  present(w.surface, shmBuffer(g, 60, 40, () => 0xff0000ff).buffer, 60, 40);
  // A subsurface at (2, 2): logical 34 is output 45.33, so it starts at pixel 45 (whose corner, 33.75, is left of it).
  const childSurface = g.compositor.request('create_surface', null)!;
  const sub = c.bind(wl_subcompositor, 1).request('get_subsurface', null, childSurface, w.surface)!;
  sub.request('set_position', 2, 2);
  present(childSurface, shmBuffer(g, 10, 10, () => 0xffff0000).buffer, 10, 10);
  w.surface.request('commit');
  await c.roundtrip();
  const { compositor } = t;
  const out = compositor.output;
  assert.deepEqual([compositor.windows.at(0)!.x, out.toOutputPixels(34)], [32, 45]);
  const shot = await screenshot(compositor);
  for (const px of [44, 45, 58, 59]) {
    const shown = shot.rgb(px, px) === 0xff0000 ? 'subsurface' : 'window';
    const hit = compositor.seat.surfaceAt(out.toLogical(px), out.toLogical(px));
    assert.equal(hit?.surface.roleName === 'wl_subsurface' ? 'subsurface' : 'window', shown, `pixel ${px},${px} shows the ${shown}`);
  }
  t.close();
});

/** The area average of `src` (w × h argb, premultiplied) at destination (X, Y) under x' = kx·X + ox, y' = ky·Y + oy,
 * in floating point: each channel, the edge pixels repeated past the edges. */
function areaAverage(src: Uint32Array, w: number, h: number, kx: number, ox: number, ky: number, oy: number, X: number, Y: number): number[] {
  const taps = (k: number, o: number, d: number, size: number): [number, number][] => {
    const side = Math.min(Math.max(k, 1), 2);
    const centre = k * (d + 0.5) + o;
    const lo = centre - side / 2;
    const hi = centre + side / 2;
    const list: [number, number][] = [];
    for (let p = Math.floor(lo); p < hi; p++) {
      const overlap = Math.min(hi, p + 1) - Math.max(lo, p);
      if (overlap > 0) list.push([Math.min(Math.max(p, 0), size - 1), overlap / side]);
    }
    return list;
  };
  const out = [0, 0, 0, 0];
  for (const [sy, wy] of taps(ky, oy, Y, h))
    for (const [sx, wx] of taps(kx, ox, X, w)) {
      const p = src[sy * w + sx]!;
      for (let c = 0; c < 4; c++) out[c]! += ((p >>> (8 * c)) & 0xff) * wx * wy;
    }
  return out;
}

test('the area average against a reference: random premultiplied pixels, shrunk by 4/3 and by 1.6 × 1.2, copied and blended, an unaligned source, the edges', () => {
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  const W = 61;
  const H = 47;
  const src = new Uint32Array(W * H);
  for (let i = 0; i < src.length; i++) {
    const a = random();
    const premultiplied = (): number => Math.round((random() * a) / 255);
    src[i] = ((a << 24) | (premultiplied() << 16) | (premultiplied() << 8) | premultiplied()) >>> 0;
  }
  // The same pixels one byte into their memory, rows 3 bytes longer: nothing 4-byte aligned.
  const stride = W * 4 + 3;
  const bytes = new Uint8Array(1 + stride * H);
  for (let y = 0; y < H; y++) bytes.set(new Uint8Array(src.buffer, y * W * 4, W * 4), 1 + y * stride);
  for (const [kx, ky, ox, oy] of [[4 / 3, 4 / 3, 0, 0], [1.6, 1.2, -0.7, 0.45]] as const)
    for (const [op, blend] of [[Op.Copy, false], [Op.Over, true]] as const) {
      const DW = 50;
      const DH = 42;
      const under = 0xff336699;
      const dst = new Uint32Array(DW * DH).fill(under);
      // The area 3..47 × 2..40: the sources' edges are reached (and repeated) on every side.
      const area = { x: 3, y: 2, width: 44, height: 38 };
      composite({ pixels: dst, width: DW, height: DH }, { memory: bytes, offset: 1, stride, format: 0, width: W, height: H }, op, Filter.Box, Float64Array.of(kx, 0, ox, 0, ky, oy), area);
      let worst = 0;
      for (let Y = 0; Y < DH; Y++)
        for (let X = 0; X < DW; X++) {
          const got = dst[Y * DW + X]!;
          const inside = X >= area.x && X < area.x + area.width && Y >= area.y && Y < area.y + area.height;
          if (!inside) {
            assert.equal(got, under, `${X},${Y} is outside the area: untouched`);
            continue;
          }
          const avg = areaAverage(src, W, H, kx, ox, ky, oy, X, Y);
          for (let c = 0; c < 4; c++) {
            const below = (under >>> (8 * c)) & 0xff;
            const want = blend ? avg[c]! + (below * (255 - avg[3]!)) / 255 : avg[c]!;
            worst = Math.max(worst, Math.abs(((got >>> (8 * c)) & 0xff) - want));
          }
        }
      assert.ok(worst <= 2, `${kx} × ${ky}, ${blend ? 'over' : 'copy'}: off by up to ${worst.toFixed(2)} of 255`);
    }
});

/** The in-process compositor on a socket in a private runtime dir, for real clients. */
function onSocket(options: { width: number; height: number; scale: number }): { t: TestCompositor; env: NodeJS.ProcessEnv; dir: string; close(): void } {
  const t = startCompositor(options);
  const dir = privateDir('nosigbus-fscale-');
  const listener = t.compositor.listen('wayland-1', dir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: listener.name };
  return { t, env, dir, close: () => (t.close(), rmSync(dir, { recursive: true, force: true })) };
}

test('wlr-randr --scale 1.5 sets a fractional scale: surfaces are told 180, xdg_output the logical size; --scale 1.33 fails', async (t: TestContext) => {
  if (!needPeer(t, [WLR_RANDR], 'wlr-randr')) return;
  const s = onSocket({ width: 1024, height: 768, scale: 1 });
  try {
    const c = await s.t.client();
    const g = bindCore(c);
    const seen = watchOutput(c);
    const fs = fractionalScale(c.bind(wp_fractional_scale_manager_v1, 1), g.compositor.request('create_surface', null)!);
    await c.roundtrip();
    assert.deepEqual(fs.told, [120]);
    const r = await start(WLR_RANDR, ['--output', 'HEADLESS-1', '--scale', '1.5'], s.env).exited;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(s.t.compositor.output.scale, 1.5);
    await waitFor(() => fs.told.length === 2, 'the new preferred scale');
    await c.roundtrip();
    assert.deepEqual(fs.told, [120, 180]);
    assert.deepEqual(seen, { scale: 2, logical: [682, 512] });
    const list = await start(WLR_RANDR, [], s.env).exited;
    assert.match(list.stdout, /Scale: 1\.500000/);
    // 1.33 is no multiple of 1/120: the configuration fails and nothing changes.
    const bad = await start(WLR_RANDR, ['--output', 'HEADLESS-1', '--scale', '1.33'], s.env).exited;
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /failed/);
    await c.roundtrip();
    assert.equal(s.t.compositor.output.scale, 1.5);
    assert.deepEqual(fs.told, [120, 180]);
  } finally {
    s.close();
  }
});

test('nosigbus run --scale 1.5 --screenshot: weston-simple-damage drawing at 2 is shown at its logical place and size', async (t: TestContext) => {
  if (!needPeer(t, [SIMPLE_DAMAGE], 'weston')) return;
  const dir = runtimeDir();
  const shotFile = join(dir, '..', `${dir.split('/').at(-1)}-shot.png`);
  try {
    // It draws until SIGINT; the screenshot is the output when the command ends.
    const r = await nosigbus(['run', '--width', '600', '--height', '450', '--scale', '1.5', '--screenshot', shotFile, '--',
      'sh', '-c', `${SIMPLE_DAMAGE} --scale=2 & p=$!; sleep 2; kill -INT $p; wait $p`], { XDG_RUNTIME_DIR: dir }).ended;
    assert.equal(r.code, 0, r.stderr);
    const shot = pngShot(readFileSync(shotFile));
    assert.deepEqual([shot.width, shot.height], [600, 450]);
    // Its 300 × 200 window at 32, 32 (logical) is output 48..498 × 48..348; its white frame, 10 wide, is 15 pixels.
    const white = 0xffffff;
    for (const [x, y, want] of [
      [47, 100, BG], [48, 100, white], [62, 100, white], [497, 100, white], [498, 100, BG],
      [100, 47, BG], [100, 48, white], [100, 62, white], [100, 347, white], [100, 348, BG],
    ] as const) assert.equal(hex6(shot.rgb(x, y)), hex6(want), `${x},${y}`);
    // Inside the frame, from 48 + 15 = 63: its dark field, not white.
    assert.notEqual(hex6(shot.rgb(63, 100)), hex6(white));
    assert.notEqual(hex6(shot.rgb(100, 63)), hex6(white));
  } finally {
    rmSync(shotFile, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Rough lightness of an rgb pixel (0..255). */
const lightness = (rgb: number): number => (((rgb >>> 16) & 0xff) + ((rgb >>> 8) & 0xff) + (rgb & 0xff)) / 3;

test('gtk4-widget-factory (GTK 4.8: no fractional scale) at 1.5 draws at buffer scale 2; its window has its logical size on the output', async (t: TestContext) => {
  if (!needPeer(t, [GTK4_FACTORY], 'gtk-4-examples')) return;
  // 1800 × 1200 logical: room for its 1337 × 800 window at the first cascade place.
  const s = onSocket({ width: 2700, height: 1800, scale: 1.5 });
  const gtk = start(GTK4_FACTORY, [], { ...s.env, GDK_BACKEND: 'wayland', NO_AT_BRIDGE: '1', GTK_A11Y: 'none', GSK_RENDERER: 'cairo' }, 60_000);
  try {
    const { compositor } = s.t;
    await waitFor(() => (compositor.windows.at(0)?.surface.content?.width ?? 0) > 0 || gtk.child.exitCode !== null, 'its window', 30_000);
    const win = compositor.windows.at(0);
    assert.ok(win, `no window: ${gtk.stderr()}`);
    const surface = win.surface;
    // What GTK 4.8 does with wl_output.scale 2: buffer scale 2, a buffer of its logical size × 2; it asks for no fractional scale.
    assert.equal(surface.scale, 2);
    assert.deepEqual([surface.content!.width, surface.content!.height], [surface.width * 2, surface.height * 2]);
    assert.equal(compositor.fractionalScales.live, 0);
    // Its window (the xdg geometry, inside its shadows) on the output: edges at its logical edges × 1.5.
    const out = compositor.output;
    const box = out.toOutputRect(win.x, win.y, win.windowWidth, win.windowHeight);
    const shot = await screenshot(compositor);
    const midX = box.x + (box.width >> 1);
    const midY = box.y + (box.height >> 1);
    // 3 pixels inside each edge: the window's light body (Adwaita); 3 outside: the shadow over the dark background.
    for (const [x, y, where] of [[box.x + 3, midY, 'left'], [box.x + box.width - 4, midY, 'right'], [midX, box.y + box.height - 4, 'bottom'], [midX, box.y + 3, 'top']] as const)
      assert.ok(lightness(shot.rgb(x, y)) > 160, `inside its ${where} edge at ${x},${y}: ${hex6(shot.rgb(x, y))}`);
    for (const [x, y, where] of [[box.x - 4, midY, 'left'], [box.x + box.width + 3, midY, 'right'], [midX, box.y + box.height + 3, 'bottom']] as const)
      assert.ok(lightness(shot.rgb(x, y)) < 100, `outside its ${where} edge at ${x},${y}: ${hex6(shot.rgb(x, y))}`);
    // Beyond its surface (shadows included): the background.
    const whole = out.toOutputRect(win.originX, win.originY, surface.width, surface.height);
    assert.equal(hex6(shot.rgb(whole.x + whole.width + 1, midY)), hex6(BG));
    assert.equal(hex6(shot.rgb(midX, whole.y + whole.height + 1)), hex6(BG));
    assert.equal(gtk.child.exitCode, null, `it exited: ${gtk.stderr()}`);
  } finally {
    gtk.child.kill('SIGKILL');
    await gtk.exited;
    s.close();
  }
});

/** The bounding box of the pure-red (#ff0000) pixels of a screenshot, and how many there are. */
function redBox(shot: Shot): { x: number; y: number; width: number; height: number; count: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  let count = 0;
  for (let y = 0; y < shot.height; y++)
    for (let x = 0; x < shot.width; x++)
      if (shot.rgb(x, y) === 0xff0000) {
        count++;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1, count };
}

test('Chromium at 1.5 draws buffers of its logical size × 1.5 (wp_fractional_scale_v1, wp_viewporter), shown crisp; wlr-randr --scale 1.25 makes it draw at 1.25', async (t: TestContext) => {
  if (!needPeer(t, [CHROMIUM], 'chromium') || !needPeer(t, [WLR_RANDR], 'wlr-randr')) return;
  const s = onSocket({ width: 1200, height: 900, scale: 1.5 });
  // A green page with a red 100 × 100 CSS pixel square at its top left: 150 × 150 output pixels at 1.5.
  const page = join(s.dir, 'page.html');
  writeFileSync(page, '<!doctype html><html><body style="margin:0;background:#00ff00"><div style="width:100px;height:100px;background:#ff0000"></div></body></html>');
  const args = chromiumArgs(join(s.dir, 'profile'), `file://${page}`, { width: 600, height: 400 });
  const env: NodeJS.ProcessEnv = { ...browserEnv(s.dir, s.env.WAYLAND_DISPLAY!) };
  const chromium = startGroup(CHROMIUM, args, env, 120_000);
  const { compositor } = s.t;
  /** Chromium's window surface once it shows a buffer drawn at `scale` (logical size × scale). */
  const drawnAt = (scale: number): boolean => {
    const surface = compositor.windows.at(0)?.surface;
    const c = surface?.content;
    return !!surface && !!c && c.width === Math.round(surface.width * scale) && c.height === Math.round(surface.height * scale);
  };
  try {
    await waitFor(() => drawnAt(1.5) || chromium.child.exitCode !== null, 'a Chromium window drawn at 1.5', 60_000);
    assert.equal(chromium.child.exitCode, null, `Chromium exited: ${chromium.stderr().slice(-2000)}`);
    const surface = compositor.windows.at(0)!.surface;
    assert.equal(surface.scale, 1, 'buffer scale 1: the scale is in the buffer size');
    assert.deepEqual(surface.viewport.destination, { width: surface.width, height: surface.height }, 'the viewport makes it its logical size');
    assert.ok(compositor.fractionalScales.live >= 1, 'it asked for the preferred scale');
    t.diagnostic(`Chromium's window: ${surface.width} x ${surface.height} logical, buffer ${surface.content!.width} x ${surface.content!.height}`);
    // The page's square: 150 × 150 output pixels of pure red, nothing of it blended into its neighbours.
    await waitFor(() => redBox(frameShot(compositor)).count > 0, 'the page drawn', 30_000, 100);
    let red = redBox(await screenshot(compositor));
    assert.deepEqual([red.width, red.height, red.count], [150, 150, 150 * 150], `the red square at 1.5: ${JSON.stringify(red)}`);

    // wlr-randr --scale 1.25: Chromium is told 150/120 and draws 1.25 × its logical size.
    const r = await start(WLR_RANDR, ['--output', 'HEADLESS-1', '--scale', '1.25'], s.env).exited;
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => drawnAt(1.25), 'Chromium drawing at 1.25', 30_000);
    await waitFor(() => redBox(frameShot(compositor)).width === 125, 'the square at 1.25', 30_000, 100);
    red = redBox(await screenshot(compositor));
    assert.deepEqual([red.width, red.height, red.count], [125, 125, 125 * 125], `the red square at 1.25: ${JSON.stringify(red)}`);
  } finally {
    await chromium.stop();
    s.close();
  }
});
