// What pixman does for the compositor, seen in screenshots: every advertised
// wl_shm format read back exactly (copied at commit, and shown in place past
// the memory budget; tight odd strides and unaligned offsets included),
// bilinear scaling of a viewported and of a buffer_scale 2 surface against a
// reference computed here, and the eight buffer transforms.
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { loadPngEncoder, type Compositor, type XdgSurface } from '../../../src/compositor/index.js';
import { wl_shm } from '../../../src/protocol/wayland.js';
import { wp_viewporter } from '../../../src/protocol/viewporter.js';
import { memfd } from '../../../src/shm/index.js';
import { native } from '../../../src/shm/native.js';
import { bindCore, hex, startCompositor, toplevel, type Globals, type TestCompositor } from '../../support/compositor.js';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';

const FORMAT = wl_shm.enums.format.entries;
type FormatName = keyof typeof FORMAT;

/** A packed format: fields from the most significant bit down ('x': unused bits). */
interface Packing {
  bytes: number;
  fields: [channel: 'a' | 'r' | 'g' | 'b' | 'x', bits: number][];
}

const P = (bytes: number, ...fields: Packing['fields']): Packing => ({ bytes, fields });
// DRM fourcc layouts (little endian): wayland's wl_shm.format is drm_fourcc.h.
const PACKINGS: Partial<Record<FormatName, Packing>> = {
  argb8888: P(4, ['a', 8], ['r', 8], ['g', 8], ['b', 8]),
  xrgb8888: P(4, ['x', 8], ['r', 8], ['g', 8], ['b', 8]),
  abgr8888: P(4, ['a', 8], ['b', 8], ['g', 8], ['r', 8]),
  xbgr8888: P(4, ['x', 8], ['b', 8], ['g', 8], ['r', 8]),
  rgba8888: P(4, ['r', 8], ['g', 8], ['b', 8], ['a', 8]),
  rgbx8888: P(4, ['r', 8], ['g', 8], ['b', 8], ['x', 8]),
  bgra8888: P(4, ['b', 8], ['g', 8], ['r', 8], ['a', 8]),
  bgrx8888: P(4, ['b', 8], ['g', 8], ['r', 8], ['x', 8]),
  argb2101010: P(4, ['a', 2], ['r', 10], ['g', 10], ['b', 10]),
  xrgb2101010: P(4, ['x', 2], ['r', 10], ['g', 10], ['b', 10]),
  abgr2101010: P(4, ['a', 2], ['b', 10], ['g', 10], ['r', 10]),
  xbgr2101010: P(4, ['x', 2], ['b', 10], ['g', 10], ['r', 10]),
  rgb888: P(3, ['r', 8], ['g', 8], ['b', 8]),
  bgr888: P(3, ['b', 8], ['g', 8], ['r', 8]),
  rgb565: P(2, ['r', 5], ['g', 6], ['b', 5]),
  bgr565: P(2, ['b', 5], ['g', 6], ['r', 5]),
  argb1555: P(2, ['a', 1], ['r', 5], ['g', 5], ['b', 5]),
  xrgb1555: P(2, ['x', 1], ['r', 5], ['g', 5], ['b', 5]),
  abgr1555: P(2, ['a', 1], ['b', 5], ['g', 5], ['r', 5]),
  xbgr1555: P(2, ['x', 1], ['b', 5], ['g', 5], ['r', 5]),
  argb4444: P(2, ['a', 4], ['r', 4], ['g', 4], ['b', 4]),
  xrgb4444: P(2, ['x', 4], ['r', 4], ['g', 4], ['b', 4]),
  abgr4444: P(2, ['a', 4], ['b', 4], ['g', 4], ['r', 4]),
  xbgr4444: P(2, ['x', 4], ['b', 4], ['g', 4], ['r', 4]),
};

/** An 8-bit value as `bits` bits, chosen so that widening it back (bit replication) gives the same 8 bits. */
function narrow(v8: number, bits: number): number {
  if (bits >= 8) return (v8 << (bits - 8)) | (v8 >> (16 - bits));
  return v8 >> (8 - bits);
}
function widen(v: number, bits: number): number {
  if (bits >= 8) return v >> (bits - 8);
  let out = 0;
  for (let shift = 8 - bits; shift > -bits; shift -= bits) out |= shift >= 0 ? v << shift : v >> -shift;
  return out & 0xff;
}

/** Opaque colours: primaries, white, black, and values every channel width keeps (see narrow/widen). */
const PALETTE = [0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0x000000, 0x8844cc, 0x33cc66];

/** `rgb` in this packing (alpha opaque), and what the screen shows for it. */
function pack(p: Packing, rgb: number): { value: number; shown: number } {
  const c = { a: 0xff, r: (rgb >> 16) & 0xff, g: (rgb >> 8) & 0xff, b: rgb & 0xff, x: 0 };
  let value = 0;
  const shown = { r: 0, g: 0, b: 0 };
  for (const [ch, bits] of p.fields) {
    const v = ch === 'x' ? (1 << bits) - 1 : narrow(c[ch], bits); // padding bits set: they must be ignored
    value = value * 2 ** bits + v;
    if (ch === 'r' || ch === 'g' || ch === 'b') shown[ch] = widen(v, bits);
  }
  return { value, shown: (0xff000000 | (shown.r << 16) | (shown.g << 8) | shown.b) >>> 0 };
}

interface ClientImage {
  pool: Proxy;
  buffer: Proxy;
}

/** A pool of `bytes` and a buffer over them. */
function clientImage(g: Globals, bytes: Uint8Array, offset: number, width: number, height: number, stride: number, format: number): ClientImage {
  const fd = memfd('pixman-test', bytes.length);
  writeSync(fd, bytes, 0, bytes.length, 0);
  const pool = g.shm.request('create_pool', null, fd, bytes.length)!;
  return { pool, buffer: pool.request('create_buffer', null, offset, width, height, stride, format)! };
}

async function show(c: WaylandClient, surface: Proxy, buffer: Proxy, setup: () => void = () => {}): Promise<void> {
  setup();
  surface.request('attach', buffer, 0, 0);
  surface.request('damage_buffer', 0, 0, 0x7fffffff, 0x7fffffff);
  surface.request('commit');
  await c.roundtrip();
}

/** The output as a user sees it: the PNG screenshot, decoded. */
function screenshot(compositor: Compositor): (x: number, y: number) => number {
  compositor.paint();
  const png = decode(compositor.screenshotPng());
  assert.equal(png.channels, 4);
  return (x, y) => {
    const i = (y * png.width + x) * 4;
    const d = png.data;
    return ((d[i + 3]! << 24) | (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!) >>> 0;
  };
}

async function window(t: TestCompositor): Promise<{ c: WaylandClient; g: Globals; surface: Proxy; win: () => XdgSurface }> {
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  return { c, g, surface: w.surface, win: () => t.compositor.windows.at(-1)! };
}

await loadPngEncoder();

for (const shown of ['copied at commit', 'shown in place'] as const) {
  test(`every advertised format reads back exactly, ${shown}: tight odd strides and unaligned offsets too`, async () => {
    const t = startCompositor(shown === 'shown in place' ? { pixelBudget: { perClient: 0 } } : {});
    const { c, g, surface, win } = await window(t);
    const advertised: number[] = [];
    g.shm.on('format', (f) => advertised.push(Number(f)));
    await c.roundtrip();
    const names = (Object.keys(PACKINGS) as FormatName[]).filter((n) => advertised.includes(FORMAT[n]));
    assert.equal(names.length, advertised.length, 'a packing for every advertised format');
    const W = 7;
    const H = 3;
    for (const name of names) {
      const p = PACKINGS[name]!;
      // 16- and 24-bit rows of 7 pixels are not a multiple of 4 bytes; start 2 bytes in (pixman wants 4).
      const offset = p.bytes === 4 ? 4 : 2;
      const stride = W * p.bytes;
      const bytes = new Uint8Array(offset + stride * H + 8).fill(0xa5);
      const expected: number[] = [];
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const { value, shown: s } = pack(p, PALETTE[(x + y * 3) % PALETTE.length]!);
          for (let k = 0; k < p.bytes; k++) bytes[offset + y * stride + x * p.bytes + k] = Math.floor(value / 2 ** (8 * k)) & 0xff;
          expected.push(s);
        }
      const img = clientImage(g, bytes, offset, W, H, stride, FORMAT[name]);
      await show(c, surface, img.buffer);
      const at = screenshot(t.compositor);
      const w = win();
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) assert.equal(hex(at(w.x + x, w.y + y)), hex(expected[y * W + x]!), `${name} pixel (${x}, ${y})`);
    }
    assert.equal(c.error, null);
    t.close();
  });
}

/** Premultiplied source-over as pixman computes it in 8 bits: s + d × (255 − αs) / 255, rounded. */
function over(s: number, d: number): number {
  const a = s >>> 24;
  let out = 0;
  for (const shift of [24, 16, 8, 0]) {
    const t = ((d >>> shift) & 0xff) * (255 - a) + 0x80;
    out |= Math.min(255, ((s >>> shift) & 0xff) + ((t + (t >> 8)) >> 8)) << shift;
  }
  return out >>> 0;
}

test('8-bit alpha formats blend over what is below (premultiplied source-over)', async () => {
  const t = startCompositor();
  const { c, g, surface, win } = await window(t);
  const translucent = 0x80402010; // premultiplied: every channel ≤ alpha
  const a = translucent >>> 24, r = (translucent >> 16) & 0xff, gr = (translucent >> 8) & 0xff, b = translucent & 0xff;
  const layouts: [FormatName, number][] = [
    ['argb8888', translucent],
    ['abgr8888', ((a << 24) | (b << 16) | (gr << 8) | r) >>> 0],
    ['rgba8888', ((r << 24) | (gr << 16) | (b << 8) | a) >>> 0],
    ['bgra8888', ((b << 24) | (gr << 16) | (r << 8) | a) >>> 0],
  ];
  for (const [name, value] of layouts) {
    const bytes = new Uint8Array(4 * 4 * 4);
    new DataView(bytes.buffer).setUint32(20, value, true); // pixel (1, 1); the rest transparent
    await show(c, surface, clientImage(g, bytes, 0, 4, 4, 16, FORMAT[name]).buffer);
    const at = screenshot(t.compositor);
    const w = win();
    const below = at(w.x, w.y); // transparent pixel: the background
    assert.equal(hex(at(w.x + 1, w.y + 1)), hex(over(translucent, below)), name);
  }
  t.close();
});

/** A width × height argb8888 image whose every pixel differs from its neighbours. */
function gradient(width: number, height: number): Uint32Array {
  const px = new Uint32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) px[y * width + x] = (0xff000000 | (((x * 37) & 0xff) << 16) | (((y * 53) & 0xff) << 8) | (((x * 11 + y * 7) * 5) & 0xff)) >>> 0;
  return px;
}

/** Bilinear sample of `img` at (u, v) (pixel centres at +0.5), edges repeated. */
function bilinear(img: Uint32Array, width: number, height: number, u: number, v: number): number[] {
  const x = u - 0.5;
  const y = v - 0.5;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number): number => img[Math.min(height - 1, Math.max(0, yy)) * width + Math.min(width - 1, Math.max(0, xx))]!;
  const out: number[] = [];
  for (const shift of [16, 8, 0]) {
    const ch = (p: number): number => (p >>> shift) & 0xff;
    const top = ch(at(x0, y0)) * (1 - fx) + ch(at(x0 + 1, y0)) * fx;
    const bottom = ch(at(x0, y0 + 1)) * (1 - fx) + ch(at(x0 + 1, y0 + 1)) * fx;
    out.push(top * (1 - fy) + bottom * fy);
  }
  return out;
}

/** Every pixel of the window within `tolerance` of the reference; and some blended (not a nearest-neighbour copy). */
function assertBilinear(at: (x: number, y: number) => number, win: XdgSurface, width: number, height: number, reference: (x: number, y: number) => number[], img: Uint32Array): void {
  const colours = new Set(img);
  let blended = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = at(win.x + x, win.y + y);
      const ref = reference(x, y);
      const got = [(p >>> 16) & 0xff, (p >>> 8) & 0xff, p & 0xff];
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[k]! - ref[k]!) <= 2, `(${x}, ${y}) channel ${k}: ${got[k]} against ${ref[k]!.toFixed(2)}`);
      if (!colours.has(p)) blended++;
    }
  assert.ok(blended > (width * height) / 2, `bilinear, not nearest: ${blended} of ${width * height} pixels are blends`);
}

test('bilinear: a buffer_scale 2 surface on a scale 1 output averages each 2×2 block', async () => {
  const t = startCompositor();
  const { c, g, surface, win } = await window(t);
  const [BW, BH] = [24, 16];
  const img = gradient(BW, BH);
  const { buffer } = clientImage(g, new Uint8Array(img.buffer), 0, BW, BH, BW * 4, FORMAT.argb8888);
  await show(c, surface, buffer, () => surface.request('set_buffer_scale', 2));
  const w = win();
  assert.equal(w.windowWidth, BW / 2);
  // Output pixel centre x + 0.5 is buffer point 2x + 1: halfway between pixels 2x and 2x + 1.
  assertBilinear(screenshot(t.compositor), w, BW / 2, BH / 2, (x, y) => bilinear(img, BW, BH, 2 * x + 1, 2 * y + 1), img);
  t.close();
});

test('bilinear: a viewport crops a source rectangle and scales it to its destination size', async () => {
  const t = startCompositor();
  const { c, g, surface, win } = await window(t);
  const [BW, BH] = [16, 12];
  const img = gradient(BW, BH);
  const { buffer } = clientImage(g, new Uint8Array(img.buffer), 0, BW, BH, BW * 4, FORMAT.xrgb8888);
  const vp = c.bind(wp_viewporter, 1).request('get_viewport', null, surface)!;
  const src = { x: 2, y: 1, width: 8, height: 6 };
  const [DW, DH] = [20, 15]; // 2.5 times
  await show(c, surface, buffer, () => {
    vp.request('set_source', src.x, src.y, src.width, src.height);
    vp.request('set_destination', DW, DH);
  });
  const w = win();
  assert.equal(w.windowWidth, DW);
  const k = src.width / DW;
  assertBilinear(screenshot(t.compositor), w, DW, DH, (x, y) => bilinear(img, BW, BH, src.x + (x + 0.5) * k, src.y + (y + 0.5) * (src.height / DH)), img);
  t.close();
});

test('the eight buffer transforms show the buffer turned back, pixel for pixel', async () => {
  const t = startCompositor();
  const { c, g, surface, win } = await window(t);
  const [BW, BH] = [5, 3];
  const img = gradient(BW, BH);
  const { buffer } = clientImage(g, new Uint8Array(img.buffer), 0, BW, BH, BW * 4, FORMAT.xrgb8888);
  // The buffer is the surface's image (u, v), TW × TH, flipped (4–7: mirrored left to right) then
  // turned counter-clockwise by 0, 90, 180 or 270° (wl_output.transform); turning (x, y) of a
  // w × h image counter-clockwise by 90° puts it at (y, w − 1 − x).
  const ccw90 = ([x, y]: [number, number], w: number): [number, number] => [y, w - 1 - x];
  const source = (t: number, u: number, v: number, TW: number, TH: number): [number, number] => {
    let p: [number, number] = t >= 4 ? [TW - 1 - u, v] : [u, v];
    let [w, h] = [TW, TH];
    for (let k = 0; k < (t & 3); k++) {
      p = ccw90(p, w);
      [w, h] = [h, w];
    }
    return p;
  };
  for (let transform = 0; transform < 8; transform++) {
    await show(c, surface, buffer, () => surface.request('set_buffer_transform', transform));
    const [TW, TH] = transform & 1 ? [BH, BW] : [BW, BH];
    const w = win();
    assert.deepEqual([w.windowWidth, w.windowHeight], [TW, TH], `transform ${transform}: size`);
    const at = screenshot(t.compositor);
    for (let v = 0; v < TH; v++)
      for (let u = 0; u < TW; u++) {
        const [bx, by] = source(transform, u, v, TW, TH);
        assert.equal(hex(at(w.x + u, w.y + v)), hex(img[by * BW + bx]!), `transform ${transform}, shown (${u}, ${v}) is buffer (${bx}, ${by})`);
      }
  }
  t.close();
});

test('composite refuses what would read or write outside its images, with a clear error', () => {
  const dst = new Uint32Array(4 * 4);
  const src = new Uint8Array(4 * 4 * 4);
  const id = Float64Array.of(1, 0, 0, 0, 1, 0);
  const call = (over: Partial<Record<string, unknown>>): void => {
    const a = { op: 0, filter: 0, dst, dw: 4, dh: 4, src, offset: 0, stride: 16, format: 0, sw: 4, sh: 4, m: id, x: 0, y: 0, w: 4, h: 4, ...over };
    native.composite(a.op as number, a.filter as number, a.dst as Uint32Array, a.dw as number, a.dh as number, a.src as Uint8Array, a.offset as number,
      a.stride as number, a.format as number, a.sw as number, a.sh as number, a.m as Float64Array, a.x as number, a.y as number, a.w as number, a.h as number);
  };
  call({});
  const bad = { code: 'ERR_NOSIGBUS_BAD_ARGUMENT' };
  assert.throws(() => call({ dh: 5 }), bad, 'destination larger than its memory');
  assert.throws(() => call({ x: 1 }), bad, 'rectangle past the destination');
  assert.throws(() => call({ sh: 5 }), bad, 'source rows past its memory');
  assert.throws(() => call({ offset: 4 }), bad, 'source offset pushes the last row past its memory');
  assert.throws(() => call({ stride: 12 }), bad, 'stride shorter than a row');
  assert.throws(() => call({ format: FORMAT.nv12 }), bad, 'a format pixman does not read');
  assert.throws(() => call({ op: 7 }), bad, 'unknown op');
  assert.throws(() => call({ m: Float64Array.of(1, 0, NaN, 0, 1, 0) }), bad, 'matrix not finite');
  assert.throws(() => call({ m: new Float64Array(4) }), bad, 'matrix of 4');
  assert.throws(() => call({ src: {} }), { code: 'ERR_NOSIGBUS_BAD_ARGUMENT' }, 'source neither bytes nor a mapping');
});

test('composite: a minification steeper than pixman\'s coordinates reach still samples the source, one point a pixel', () => {
  // 1 × 100000 source pixels onto 4 × 1: 25,000 source pixels per destination pixel.
  const W = 100_000;
  const src = new Uint32Array(W);
  for (let x = 0; x < W; x++) src[x] = x < W / 2 ? 0xffff0000 : 0xff0000ff;
  const dst = new Uint32Array(4);
  const k = W / 4;
  native.composite(0, 1, dst, 4, 1, src, 0, W * 4, FORMAT.argb8888, W, 1, Float64Array.of(k, 0, 0, 0, 1, 0), 0, 0, 4, 1);
  assert.deepEqual([...dst].map(hex), [0xffff0000, 0xffff0000, 0xff0000ff, 0xff0000ff].map(hex));
});
