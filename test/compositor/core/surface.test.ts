// Surfaces, subsurfaces, xdg-shell, viewporter and presentation, against our
// own client: what a user sees on the output, and the protocol's errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKGROUND, place, Positioner } from '../../../src/compositor/index.js';
import { Output } from '../../../src/compositor/output/output.js';
import { wp_presentation, wp_presentation_feedback } from '../../../src/protocol/presentation-time.js';
import { wp_viewporter } from '../../../src/protocol/viewporter.js';
import { wl_subcompositor, wl_surface } from '../../../src/protocol/wayland.js';
import { xdg_positioner, xdg_surface, xdg_toplevel, xdg_wm_base } from '../../../src/protocol/xdg-shell.js';
import { fixedToDouble } from '../../../src/wire/codec.js';
import { ARGB, bindCore, COPY_AT_COMMIT, expectProtocolError, hex, mappedWindow, pixelAt, present, shmBuffer, startCompositor, toplevel, type Globals } from '../../support/compositor.js';
import type { WaylandClient } from '../../../src/client/index.js';
import { sleep, waitFor } from '../../support/common.js';

const BG = 0xff203040;
const WM = xdg_wm_base.enums.error.entries;
const XDG_SURFACE = xdg_surface.enums.error.entries;
const SURFACE = wl_surface.enums.error.entries;
const STATE = xdg_toplevel.enums.state.entries;

async function setup(options = {}): Promise<{ t: ReturnType<typeof startCompositor>; c: WaylandClient; g: Globals }> {
  const t = startCompositor(options);
  const c = await t.client();
  return { t, c, g: bindCore(c) };
}

test('a toplevel is configured before content, placed on the output, and shown', async () => {
  const { t, c, g } = await setup();
  const w = await toplevel(c, g);
  // Not activated before it is mapped: activated follows keyboard focus (seat.test.ts).
  assert.deepEqual(w.configures, [{ width: 0, height: 0, states: [] }]);
  assert.equal(w.serials.length, 1);
  const b = shmBuffer(g, 50, 40, (x) => (x < 25 ? 0xffff0000 : 0xff0000ff));
  present(w.surface, b.buffer, 50, 40);
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.ok(win.x >= 0 && win.y >= 0 && win.x + 50 <= 640 && win.y + 40 <= 480, 'fully on the output');
  assert.equal(hex(pixelAt(t.compositor, win.x, win.y)), hex(0xffff0000));
  assert.equal(hex(pixelAt(t.compositor, win.x + 49, win.y + 39)), hex(0xff0000ff));
  assert.equal(hex(pixelAt(t.compositor, win.x + 50, win.y + 40)), hex(BG));
  t.close();
});

test('new toplevels cascade: each one visible, none on top of the previous one\'s corner', async () => {
  const { t, c, g } = await setup();
  for (let i = 0; i < 3; i++) {
    const w = await toplevel(c, g);
    present(w.surface, shmBuffer(g, 100, 80, () => 0xff000000 + i * 0x40).buffer, 100, 80);
  }
  await c.roundtrip();
  const [a, b, d] = t.compositor.windows;
  assert.ok(a && b && d);
  assert.ok(b.x > a.x && b.y > a.y && d.x > b.x && d.y > b.y);
  assert.equal(hex(pixelAt(t.compositor, a.x + 1, a.y + 1)), hex(0xff000000));
  t.close();
});

test('state is double-buffered: nothing changes on screen before commit', async () => {
  const { t, c, g } = await setup();
  const { w, win: win } = await mappedWindow(t, c, g, 10, 10, 0xff111111);
  const next = shmBuffer(g, 10, 10, () => 0xff222222);
  w.surface.request('attach', next.buffer, 0, 0);
  w.surface.request('damage', 0, 0, 10, 10);
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 5, win.y + 5)), hex(0xff111111));
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 5, win.y + 5)), hex(0xff222222));
  t.close();
});

test('only the damaged area is copied from the client buffer', async () => {
  const { t, c, g } = await setup({ pixelBudget: COPY_AT_COMMIT });
  const { w, win: win } = await mappedWindow(t, c, g, 20, 20, 0xff111111);
  const next = shmBuffer(g, 20, 20, () => 0xffeeeeee);
  w.surface.request('attach', next.buffer, 0, 0);
  w.surface.request('damage_buffer', 0, 0, 5, 5);
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 2, win.y + 2)), hex(0xffeeeeee));
  assert.equal(hex(pixelAt(t.compositor, win.x + 10, win.y + 10)), hex(0xff111111), 'undamaged: the previous content');
  t.close();
});

test('several damage rects in one commit (as GTK3 sends): each is copied, the gap between them is not', async () => {
  const { t, c, g } = await setup({ pixelBudget: COPY_AT_COMMIT });
  const { w, win } = await mappedWindow(t, c, g, 40, 20, 0xff111111);
  const next = shmBuffer(g, 40, 20, () => 0xffeeeeee);
  w.surface.request('attach', next.buffer, 0, 0);
  w.surface.request('set_buffer_scale', 1); // the same scale again, as GTK3 does each frame: still only the damage
  w.surface.request('damage', 0, 0, 5, 5);
  w.surface.request('damage', 30, 10, 5, 5);
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 2, win.y + 2)), hex(0xffeeeeee));
  assert.equal(hex(pixelAt(t.compositor, win.x + 32, win.y + 12)), hex(0xffeeeeee));
  assert.equal(hex(pixelAt(t.compositor, win.x + 15, win.y + 7)), hex(0xff111111), 'between the rects: the previous content');
  t.close();
});

test('translucent pixels inside the opaque region are shown opaque; outside it they blend', async () => {
  const { t, c, g } = await setup();
  const w = await toplevel(c, g);
  // Premultiplied 50 % grey everywhere; the left half declared opaque.
  const b = shmBuffer(g, 20, 10, () => 0x80404040, ARGB);
  const region = g.compositor.request('create_region', null)!;
  region.request('add', 0, 0, 10, 10);
  w.surface.request('set_opaque_region', region);
  present(w.surface, b.buffer, 20, 10);
  await c.roundtrip();
  const win = t.compositor.windows.at(-1)!;
  assert.equal(hex(pixelAt(t.compositor, win.x + 2, win.y + 5)), hex(0xff404040), 'opaque region: alpha ignored');
  const bg = BACKGROUND >>> 0;
  const half = (shift: number): number => 0x40 + Math.round(((bg >>> shift) & 0xff) * 0x7f / 255);
  const blended = (0xff000000 | (half(16) << 16) | (half(8) << 8) | half(0)) >>> 0;
  assert.equal(hex(pixelAt(t.compositor, win.x + 15, win.y + 5)), hex(blended), 'outside: source-over the background');
  t.close();
});

test('set_opaque_region(NULL) empties the opaque region: a transparent argb buffer committed with it shows what is below', async () => {
  // Chromium's popups do exactly this: the whole surface declared opaque before
  // the first buffer, then the first (still transparent) buffer with the region
  // unset. Read as "no change", the zeros were shown as opaque black.
  const { t, c, g } = await setup();
  const w = await toplevel(c, g);
  const region = g.compositor.request('create_region', null)!;
  region.request('add', 0, 0, 20, 10);
  w.surface.request('set_opaque_region', region);
  w.surface.request('commit');
  await c.roundtrip();
  w.surface.request('set_opaque_region', null);
  present(w.surface, shmBuffer(g, 20, 10, () => 0, ARGB).buffer, 20, 10);
  await c.roundtrip();
  const win = t.compositor.windows.at(-1)!;
  assert.equal(hex(pixelAt(t.compositor, win.x + 5, win.y + 5)), hex(BACKGROUND), 'transparent: the background, not black');
  t.close();
});

test('frame callbacks fire once per refresh, only for commits, with a timestamp that advances', async () => {
  const { t, c, g } = await setup({ refresh: 50 });
  const w = await toplevel(c, g);
  const b = shmBuffer(g, 10, 10, () => 0xff101010);
  const times: number[] = [];
  let ticksAtFirst = 0;
  const frame = (): void => {
    const cb = w.surface.request('frame', null)!;
    cb.on('done', (ms) => {
      if (times.length === 0) ticksAtFirst = t.compositor.ticks;
      times.push(Number(ms));
      if (times.length < 5) frame();
    });
    present(w.surface, b.buffer, 10, 10);
  };
  frame();
  await waitFor(() => times.length === 5, 'five frame callbacks');
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!, `callback times advance: ${times.join(', ')}`);
  assert.ok(t.compositor.ticks - ticksAtFirst >= 4, 'one refresh per frame at least');
  // Nothing committed: no timer runs.
  const ticks = t.compositor.ticks;
  await sleep(100);
  assert.equal(t.compositor.ticks, ticks, 'idle: no refresh');
  t.close();
});

test('unconfigured_buffer: a buffer before the first ack_configure', async () => {
  const { t, c, g } = await setup();
  const w = await toplevel(c, g, false);
  present(w.surface, shmBuffer(g, 10, 10, () => 0).buffer, 10, 10);
  await expectProtocolError(c, 'xdg_surface', XDG_SURFACE.unconfigured_buffer, /has never been configured/);
  t.close();
});

test('ack_configure with a serial never sent is invalid_serial', async () => {
  const { t, c, g } = await setup();
  const w = await toplevel(c, g, false);
  w.xdgSurface.request('ack_configure', w.serials[0]! + 1000);
  await expectProtocolError(c, 'xdg_surface', XDG_SURFACE.invalid_serial, /wrong configure serial/);
  t.close();
});

test('a focused toplevel unmapped by a null buffer: the focus change configures nothing it could not ack; it maps again', async () => {
  // The unmapping configured the toplevel (no longer activated), then reset its serials: the client's ack was invalid_serial.
  const { t, c, g } = await setup();
  const { w } = await mappedWindow(t, c, g, 40, 40, 0xff00ff00);
  assert.ok(w.configures.at(-1)!.states.includes(STATE.activated), 'focused: activated');
  w.surface.request('attach', null, 0, 0);
  w.surface.request('commit');
  await c.roundtrip();
  await c.roundtrip(); // the acks of whatever came
  assert.equal(c.error, null, 'every configure it got could be acked');
  assert.equal(t.compositor.windows.length, 0, 'unmapped');
  // Mapped again: the initial commit, its configure, a buffer.
  const n = w.serials.length;
  w.surface.request('commit');
  await waitFor(() => w.serials.length > n, 'the configure of the new initial commit');
  present(w.surface, shmBuffer(g, 40, 40, () => 0xff0000ff).buffer, 40, 40);
  await c.roundtrip();
  assert.equal(c.error, null);
  assert.equal(t.compositor.windows.length, 1, 'mapped again');
  assert.equal(pixelAt(t.compositor, t.compositor.windows.at(0)!.x + 1, t.compositor.windows.at(0)!.y + 1), 0xff0000ff);
  t.close();
});

test('roles: a second xdg_surface, or a subsurface of an xdg surface, is a role error; others go on', async () => {
  for (const misuse of ['xdg twice', 'xdg then subsurface', 'own parent'] as const) {
    const { t, c, g } = await setup();
    const bystander = await t.client('bystander');
    const w = await toplevel(c, g);
    const sub = c.bind(wl_subcompositor, 1);
    if (misuse === 'xdg twice') {
      g.wm.request('get_xdg_surface', null, w.surface);
      await expectProtocolError(c, 'xdg_wm_base', WM.role, /already has a xdg_surface object/);
    } else if (misuse === 'xdg then subsurface') {
      const parent = g.compositor.request('create_surface', null)!;
      sub.request('get_subsurface', null, w.surface, parent);
      await expectProtocolError(c, 'wl_subcompositor', wl_subcompositor.enums.error.entries.bad_surface, /already has another role \(xdg_surface\)/);
    } else {
      sub.request('get_subsurface', null, w.surface, w.surface);
      await expectProtocolError(c, 'wl_subcompositor', wl_subcompositor.enums.error.entries.bad_surface, /cannot be its own parent/);
    }
    await bystander.roundtrip();
    t.close();
  }
});

test('wl_surface errors: scale 0, transform 8, attach offset in version 5', async () => {
  for (const [request, args, code, message] of [
    ['set_buffer_scale', [0], SURFACE.invalid_scale, /buffer scale must be at least one/],
    ['set_buffer_transform', [8], SURFACE.invalid_transform, /buffer transform must be a valid transform/],
    ['attach', [null, 3, 0], SURFACE.invalid_offset, /invalid offset/],
  ] as const) {
    const { t, c, g } = await setup();
    const s = g.compositor.request('create_surface', null)!;
    s.request(request, ...args);
    await expectProtocolError(c, 'wl_surface', code, message);
    t.close();
  }
});

test('xdg_wm_base destroyed before its surfaces is defunct_surfaces', async () => {
  const { t, c, g } = await setup();
  await toplevel(c, g);
  g.wm.request('destroy');
  // The client already forgot its xdg_wm_base (a destructor): the error names an object it no longer knows.
  await expectProtocolError(c, '', WM.defunct_surfaces, /destroyed before children/);
  t.close();
});

test('maximize and fullscreen are configured to the output size', async () => {
  const { t, c, g } = await setup({ width: 800, height: 600, scale: 2 });
  const w = await toplevel(c, g);
  w.toplevel.request('set_maximized');
  await c.roundtrip();
  assert.deepEqual(w.configures.at(-1), { width: 400, height: 300, states: [STATE.maximized] });
  w.toplevel.request('unset_maximized');
  w.toplevel.request('set_fullscreen', null);
  await c.roundtrip();
  assert.deepEqual(w.configures.at(-1), { width: 400, height: 300, states: [STATE.fullscreen] });
  t.close();
});

test('buffer scale and output scale: a scale-2 buffer on a scale-1 output is shown at half size', async () => {
  const { t, c, g } = await setup();
  const w = await toplevel(c, g);
  w.surface.request('set_buffer_scale', 2);
  present(w.surface, shmBuffer(g, 40, 40, (x, y) => (x < 20 && y < 20 ? 0xffff0000 : 0xff00ff00)).buffer, 40, 40);
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.equal(win.windowWidth, 20);
  assert.equal(hex(pixelAt(t.compositor, win.x + 4, win.y + 4)), hex(0xffff0000));
  assert.equal(hex(pixelAt(t.compositor, win.x + 15, win.y + 15)), hex(0xff00ff00));
  assert.equal(hex(pixelAt(t.compositor, win.x + 20, win.y + 20)), hex(BG));
  t.close();
});

test('subsurfaces: synchronized state waits for the parent commit; stacking and position follow it', async () => {
  const { t, c, g } = await setup();
  const { w, win: win } = await mappedWindow(t, c, g, 40, 40, 0xff0000ff);
  const childSurface = g.compositor.request('create_surface', null)!;
  const sub = c.bind(wl_subcompositor, 1).request('get_subsurface', null, childSurface, w.surface)!;
  sub.request('set_position', 10, 10);
  present(childSurface, shmBuffer(g, 10, 10, () => 0xffff0000).buffer, 10, 10);
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 12, win.y + 12)), hex(0xff0000ff), 'sync child: not shown before the parent commits');
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 12, win.y + 12)), hex(0xffff0000), 'shown at its position after the parent commit');
  sub.request('place_below', w.surface);
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 12, win.y + 12)), hex(0xff0000ff), 'below the parent now');
  sub.request('place_above', w.surface);
  sub.request('set_desync');
  w.surface.request('commit');
  present(childSurface, shmBuffer(g, 10, 10, () => 0xff00ff00).buffer, 10, 10);
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 12, win.y + 12)), hex(0xff00ff00), 'desync: its own commit shows at once');
  sub.request('place_above', g.compositor.request('create_surface', null)!);
  await expectProtocolError(c, 'wl_subsurface', 0, /is not a sibling or the parent/);
  t.close();
});

test('wp_viewporter: destination size scales the buffer; a source outside the buffer is out_of_buffer', async () => {
  const { t, c, g } = await setup();
  const w = await toplevel(c, g);
  const vp = c.bind(wp_viewporter, 1).request('get_viewport', null, w.surface)!;
  vp.request('set_destination', 60, 30);
  present(w.surface, shmBuffer(g, 20, 10, (x) => (x < 10 ? 0xffff0000 : 0xff0000ff)).buffer, 20, 10);
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.equal(win.windowWidth, 60);
  assert.equal(hex(pixelAt(t.compositor, win.x + 28, win.y + 29)), hex(0xffff0000), "a source pixel centre: red, not blended");
  assert.equal(hex(pixelAt(t.compositor, win.x + 32, win.y + 29)), hex(0xff0000ff), "past the blend across the edge: blue");
  vp.request('set_source', 0, 0, 30, 5); // 30 wide > 20
  w.surface.request('commit');
  await expectProtocolError(c, 'wp_viewport', 2, /outside of the content area/);
  t.close();
});

test('wp_presentation: clock_id monotonic, presented with the refresh period and a sequence', async () => {
  const { t, c, g } = await setup({ refresh: 50 });
  let clock = -1;
  const pres = c.bind(wp_presentation, 1).on('clock_id', (id) => (clock = Number(id)));
  const w = await toplevel(c, g);
  const got: number[][] = [];
  const fb = pres.request('feedback', w.surface, null)!;
  fb.on('sync_output', () => {}).on('presented', (...a) => got.push(a.map(Number))).on('discarded', () => got.push([]));
  present(w.surface, shmBuffer(g, 10, 10, () => 0xff000000).buffer, 10, 10);
  await waitFor(() => got.length === 1, 'presented');
  assert.equal(clock, 1);
  const [secHi, secLo, nsec, refresh, seqHi, seqLo, flags] = got[0]!;
  const ns = (secHi! * 2 ** 32 + secLo!) * 1e9 + nsec!;
  const now = Number(process.hrtime.bigint());
  assert.ok(ns <= now + 1e6 && ns > now - 5e9, 'a recent CLOCK_MONOTONIC time');
  assert.equal(refresh, 20_000_000);
  assert.ok(seqHi === 0 && seqLo! >= 1);
  assert.equal(flags, wp_presentation_feedback.enums.kind.entries.vsync);
  t.close();
});

test('xdg_popup: needs a complete positioner, is placed by it and shown above its parent', async () => {
  const { t, c, g } = await setup();
  const { w, win: parent } = await mappedWindow(t, c, g, 100, 100, 0xff0000ff);
  const pos = g.wm.request('create_positioner', null)!;
  pos.request('set_size', 30, 20);
  pos.request('set_anchor_rect', 10, 10, 20, 20);
  pos.request('set_anchor', xdg_positioner.enums.anchor.entries.bottom_right);
  pos.request('set_gravity', xdg_positioner.enums.gravity.entries.bottom_right);
  const ps = g.compositor.request('create_surface', null)!;
  ps.on('enter', () => {});
  const pxdg = g.wm.request('get_xdg_surface', null, ps)!;
  let box: number[] = [];
  const popup = pxdg.request('get_popup', null, w.xdgSurface, pos)!;
  popup.on('configure', (...a) => (box = a.map(Number))).on('popup_done', () => {}).on('repositioned', () => {});
  pxdg.on('configure', (serial) => pxdg.request('ack_configure', serial));
  ps.request('commit');
  await c.roundtrip();
  assert.deepEqual(box, [30, 30, 30, 20]);
  present(ps, shmBuffer(g, 30, 20, () => 0xffffff00).buffer, 30, 20);
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, parent.x + 35, parent.y + 35)), hex(0xffffff00));
  // A positioner without an anchor rectangle is incomplete.
  const bad = g.wm.request('create_positioner', null)!;
  bad.request('set_size', 10, 10);
  const s2 = g.compositor.request('create_surface', null)!;
  g.wm.request('get_xdg_surface', null, s2)!.request('get_popup', null, w.xdgSurface, bad);
  await expectProtocolError(c, 'xdg_wm_base', WM.invalid_positioner, /positioner object is not complete/);
  t.close();
});

test('positioner constraint adjustment: flip, slide and resize keep a popup on the output', () => {
  const output = new Output({ width: 200, height: 100, scale: 1, refresh: 60 });
  const p = new Positioner();
  p.width = 50;
  p.height = 40;
  p.anchorRect = { x: 180, y: 80, width: 10, height: 10 };
  p.anchor = xdg_positioner.enums.anchor.entries.bottom_right;
  p.gravity = xdg_positioner.enums.gravity.entries.bottom_right;
  const ADJ = xdg_positioner.enums.constraint_adjustment.entries;
  assert.deepEqual(place(p, null, output), { x: 190, y: 90, width: 50, height: 40 }, 'no adjustment: as asked');
  p.adjustment = ADJ.flip_x | ADJ.flip_y;
  assert.deepEqual(place(p, null, output), { x: 130, y: 40, width: 50, height: 40 }, 'flipped to the other side of the anchor');
  p.adjustment = ADJ.slide_x | ADJ.slide_y;
  assert.deepEqual(place(p, null, output), { x: 150, y: 60, width: 50, height: 40 }, 'slid inside');
  p.adjustment = ADJ.resize_x | ADJ.resize_y;
  assert.deepEqual(place(p, null, output), { x: 190, y: 90, width: 10, height: 10 }, 'cut to the output');
  assert.equal(fixedToDouble(256 * 3), 3);
});

test('a client that does not answer pings is reported unresponsive, not disconnected', async () => {
  const t = startCompositor({ pingIntervalMs: 30 });
  const c = await t.client('silent');
  let pings = 0;
  c.bind(xdg_wm_base, 5).on('ping', () => pings++); // never pongs
  await waitFor(() => pings >= 2, 'two pings');
  await c.roundtrip();
  const stats = t.compositor.clientStats.find((s) => s.label === 'silent')!;
  assert.equal(stats.unresponsive, true);
  assert.equal(stats.disconnected, false);
  assert.equal(c.error, null);
  t.close();
});

test('a popup whose parent goes away gets popup_done', async () => {
  const { t, c, g } = await setup();
  const w = await toplevel(c, g);
  present(w.surface, shmBuffer(g, 50, 50, () => 0xff0000ff).buffer, 50, 50);
  const pos = g.wm.request('create_positioner', null)!;
  pos.request('set_size', 10, 10);
  pos.request('set_anchor_rect', 0, 0, 1, 1);
  const ps = g.compositor.request('create_surface', null)!;
  ps.on('enter', () => {});
  const pxdg = g.wm.request('get_xdg_surface', null, ps)!;
  let done = 0;
  pxdg.request('get_popup', null, w.xdgSurface, pos)!.on('configure', () => {}).on('popup_done', () => done++).on('repositioned', () => {});
  pxdg.on('configure', (serial) => pxdg.request('ack_configure', serial));
  ps.request('commit');
  await c.roundtrip();
  present(ps, shmBuffer(g, 10, 10, () => 0xffffffff).buffer, 10, 10);
  await c.roundtrip();
  assert.equal(t.compositor.windows.length, 2);
  w.surface.request('attach', null, 0, 0); // unmaps the parent
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(done, 1);
  assert.equal(t.compositor.windows.length, 0);
  t.close();
});

test('buffer transform 90: the shown size is swapped and the buffer\'s halves become the top and bottom', async () => {
  const { t, c, g } = await setup();
  const w = await toplevel(c, g);
  w.surface.request('set_buffer_transform', 1);
  present(w.surface, shmBuffer(g, 20, 10, (x) => (x < 10 ? 0xffff0000 : 0xff0000ff)).buffer, 20, 10);
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.deepEqual([win.windowWidth, win.windowHeight], [10, 20]);
  const top = pixelAt(t.compositor, win.x + 5, win.y + 2);
  const bottom = pixelAt(t.compositor, win.x + 5, win.y + 17);
  assert.deepEqual(new Set([hex(top), hex(bottom)]), new Set([hex(0xffff0000), hex(0xff0000ff)]));
  for (let x = 0; x < 10; x++) assert.equal(hex(pixelAt(t.compositor, win.x + x, win.y + 4)), hex(top), 'a whole row is one half');
  t.close();
});
