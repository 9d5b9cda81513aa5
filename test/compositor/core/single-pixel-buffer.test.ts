// wp_single_pixel_buffer_manager_v1: a one-colour wl_buffer, stretched by
// wp_viewport, as a client sees it on the output: the exact colour over the
// destination rectangle (blended when translucent), the buffer released at
// commit, the per-client bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wp_single_pixel_buffer_manager_v1 } from '../../../src/protocol/single-pixel-buffer.js';
import { wp_viewporter } from '../../../src/protocol/viewporter.js';
import { MAX_SINGLE_PIXEL_BUFFERS } from '../../../src/compositor/core/single-pixel-buffer.js';
import { DisplayError } from '../../../src/wire/codec.js';
import { bindCore, expectProtocolError, hex, startCompositor, toplevel } from '../../support/compositor.js';

const BG = 0xff203040;
const FULL = 0xffffffff;
const HALF = 0x80000000; // 128 of 255, rounded

/** Every output pixel of `w` × `h` at (x, y), and the ones just right and below it. */
function pixelsOf(frame: Uint32Array, width: number, x: number, y: number, w: number, h: number): Set<string> {
  const seen = new Set<string>();
  for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) seen.add(hex(frame[j * width + i]!));
  return seen;
}

/** pixman's un8 multiply, rounded: x·y / 255. */
const mul = (x: number, y: number): number => {
  const t = x * y + 0x80;
  return ((t >> 8) + t) >> 8;
};

/** Source-over of premultiplied argb `src` on opaque `dst`, as pixman computes it. */
function over(src: number, dst: number): number {
  const inv = 255 - (src >>> 24);
  let out = 0;
  for (const shift of [24, 16, 8, 0]) out |= Math.min(255, ((src >>> shift) & 0xff) + mul((dst >>> shift) & 0xff, inv)) << shift;
  return out >>> 0;
}

async function setup() {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const spb = c.bind(wp_single_pixel_buffer_manager_v1, 1);
  const viewporter = c.bind(wp_viewporter, 1);
  return { t, c, g, spb, viewporter };
}

/** A toplevel showing a single-pixel buffer of (r, g, b, a) stretched to 200 × 100; its window and the buffer's releases. */
async function solidWindow(channels: [number, number, number, number]) {
  const s = await setup();
  const w = await toplevel(s.c, s.g);
  const buffer = s.spb.request('create_u32_rgba_buffer', null, ...channels)!;
  const released = { count: 0 };
  buffer.on('release', () => released.count++);
  const vp = s.viewporter.request('get_viewport', null, w.surface)!;
  vp.request('set_destination', 200, 100);
  w.surface.request('attach', buffer, 0, 0);
  w.surface.request('damage_buffer', 0, 0, 1, 1);
  w.surface.request('commit');
  await s.c.roundtrip();
  const win = s.t.compositor.windows.at(-1);
  assert.ok(win, 'mapped');
  return { ...s, w, buffer, released, win };
}

test('an opaque single-pixel buffer stretched to 200×100 shows exactly its colour there, and is released at commit', async () => {
  const { t, win, released } = await solidWindow([FULL, HALF, 0, FULL]);
  assert.equal(win.windowWidth, 200);
  assert.equal(released.count, 1, 'released at the commit that took its colour');
  const frame = t.compositor.snapshot();
  const W = t.compositor.output.width;
  assert.deepEqual([...pixelsOf(frame, W, win.x, win.y, 200, 100)], [hex(0xffff8000)]);
  // Nothing outside the rectangle.
  assert.equal(hex(frame[(win.y + 100) * W + win.x]!), hex(BG));
  assert.equal(hex(frame[win.y * W + win.x + 200]!), hex(BG));
  t.close();
});

test('a half-transparent single-pixel buffer blends over what is below it (premultiplied source-over)', async () => {
  // Premultiplied half-alpha blue: b = a = 0.5.
  const { t, win } = await solidWindow([0, 0, HALF, HALF]);
  const frame = t.compositor.snapshot();
  const expected = over(0x80000080, BG);
  assert.deepEqual([...pixelsOf(frame, t.compositor.output.width, win.x, win.y, 200, 100)], [hex(expected)]);
  assert.equal(hex(expected), hex(0xff1018a0), 'the expectation itself, by hand');
  t.close();
});

test('the colour stays after the client destroys the wl_buffer; a new one replaces it; without a viewport the surface is 1×1', async () => {
  const { t, c, w, buffer, spb, win } = await solidWindow([0, FULL, 0, FULL]);
  buffer.request('destroy');
  await c.roundtrip();
  const W = t.compositor.output.width;
  assert.deepEqual([...pixelsOf(t.compositor.snapshot(), W, win.x, win.y, 200, 100)], [hex(0xff00ff00)]);
  const red = spb.request('create_u32_rgba_buffer', null, FULL, 0, 0, FULL)!;
  red.on('release', () => {});
  w.surface.request('attach', red, 0, 0);
  w.surface.request('damage_buffer', 0, 0, 1, 1);
  w.surface.request('commit');
  await c.roundtrip();
  assert.deepEqual([...pixelsOf(t.compositor.snapshot(), W, win.x, win.y, 200, 100)], [hex(0xffff0000)]);
  t.close();

  const s = await setup();
  const plain = await toplevel(s.c, s.g);
  const one = s.spb.request('create_u32_rgba_buffer', null, 0, 0, FULL, FULL)!;
  one.on('release', () => {});
  plain.surface.request('attach', one, 0, 0);
  plain.surface.request('commit');
  await s.c.roundtrip();
  const pw = s.t.compositor.windows.at(-1)!;
  assert.equal(pw.windowWidth, 1);
  const frame = s.t.compositor.snapshot();
  const SW = s.t.compositor.output.width;
  assert.equal(hex(frame[pw.y * SW + pw.x]!), hex(0xff0000ff));
  assert.equal(hex(frame[pw.y * SW + pw.x + 1]!), hex(BG));
  s.t.close();
});

test(`a client holds at most ${MAX_SINGLE_PIXEL_BUFFERS} single-pixel buffers: destroyed ones make room, one more is no_memory`, async () => {
  const { t, c, spb } = await setup();
  const made = [];
  for (let i = 0; i < MAX_SINGLE_PIXEL_BUFFERS; i++) made.push(spb.request('create_u32_rgba_buffer', null, 0, 0, 0, FULL)!);
  await c.roundtrip();
  made.pop()!.request('destroy');
  spb.request('create_u32_rgba_buffer', null, 0, 0, 0, FULL);
  await c.roundtrip();
  assert.equal(c.error, null);
  spb.request('create_u32_rgba_buffer', null, 0, 0, 0, FULL);
  await expectProtocolError(c, 'wl_display', DisplayError.no_memory, /too many single-pixel buffers \(limit 4096\)/);
  // Another client is not affected.
  const other = await t.client('other');
  other.bind(wp_single_pixel_buffer_manager_v1, 1).request('create_u32_rgba_buffer', null, 0, 0, 0, FULL);
  await other.roundtrip();
  assert.equal(other.error, null);
  t.close();
});
