// What one client's absurd but legal numbers do to the scene (issue 15):
// 3,000 toplevels, a 3,000-deep popup chain, a click under 3,000 windows, a
// 3,000-deep set_parent chain, thousands of unacked configures, 2,000 layer
// surfaces. Each test asserts what a user sees (focus, stacking, pixels,
// events, errors) and that another client is still served, never a time.
// The cost is measured by bench/scene-cost.ts: 3,000 toplevels mapped one at
// a time cost ~21 s of compositor CPU before the window stack, focus and
// pointer focus were made O(1) per request, ~5 s after (most of it painting).
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../src/client/index.js';
import type { XdgSurface } from '../../src/compositor/index.js';
import { wl_seat } from '../../src/protocol/wayland.js';
import { zwlr_layer_shell_v1, zwlr_layer_surface_v1 } from '../../src/protocol/wlr-layer-shell.js';
import { xdg_positioner, xdg_surface, xdg_toplevel } from '../../src/protocol/xdg-shell.js';
import { bindCore, expectProtocolError, hex, mappedWindow, pixelAt, present, shmBuffer, startCompositor, toplevel, type Globals, type ShmBuffer, type TestCompositor } from '../support/compositor.js';
import { waitFor } from '../support/common.js';

const MANY = 3000;
const ACTIVATED = xdg_toplevel.enums.state.entries.activated;
const TOPLEVEL_ERROR = xdg_toplevel.enums.error.entries;
const SURFACE_ERROR = xdg_surface.enums.error.entries;
const ANCHOR = xdg_positioner.enums.anchor.entries;
const GRAVITY = xdg_positioner.enums.gravity.entries;
const LAYER = zwlr_layer_shell_v1.enums.layer.entries;
const LAYER_ANCHOR = zwlr_layer_surface_v1.enums.anchor.entries;

const GREY = 0xff808080;
const RED = 0xffff0000;
const GREEN = 0xff00ff00;
const BLUE = 0xff0000ff;
const noop = (): void => {};

interface Window {
  surface: Proxy;
  xdgSurface: Proxy;
  toplevel: Proxy;
  /** States of the last xdg_toplevel.configure. */
  states: number[];
}

function states(bytes: unknown): number[] {
  assert.ok(bytes instanceof Uint8Array);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getUint32(i, true));
  return out;
}

/**
 * `count` toplevels as a hurried client makes them: every initial commit,
 * one roundtrip, then every buffer (`bufferOf(i)`), one roundtrip.
 */
async function manyToplevels(c: WaylandClient, g: Globals, count: number, bufferOf: (i: number) => { b: ShmBuffer; w: number; h: number }): Promise<Window[]> {
  const windows: Window[] = [];
  for (let i = 0; i < count; i++) {
    const surface = g.compositor.request('create_surface', null)!.on('enter', noop).on('leave', noop);
    const xdgSurface = g.wm.request('get_xdg_surface', null, surface)!;
    const tl = xdgSurface.request('get_toplevel', null)!;
    const w: Window = { surface, xdgSurface, toplevel: tl, states: [] };
    tl.on('configure', (_w, _h, s) => (w.states = states(s))).on('close', noop);
    xdgSurface.on('configure', (serial) => xdgSurface.request('ack_configure', serial));
    surface.request('commit');
    windows.push(w);
  }
  await c.roundtrip();
  windows.forEach((w, i) => {
    const { b, w: width, h } = bufferOf(i);
    present(w.surface, b.buffer, width, h);
  });
  await c.roundtrip();
  return windows;
}

/** The compositor's window for a client's wl_surface (while that client's are the only windows). */
function windowOf(t: TestCompositor, surface: Proxy): XdgSurface {
  const win = t.compositor.windows.find((w) => w.surface.resource.id === surface.id);
  assert.ok(win, `window of wl_surface@${surface.id}`);
  return win;
}

/** wl_seat and wl_keyboard; the serial of the last keyboard enter. */
function keyboardOf(c: WaylandClient): { seat: Proxy; enterSerial: () => number } {
  let serial = 0;
  const seat = c.bind(wl_seat, 7).on('capabilities', noop).on('name', noop);
  seat
    .request('get_keyboard', null)!
    .on('keymap', (_f, fd) => closeSync(Number(fd)))
    .on('enter', (s) => (serial = Number(s)))
    .on('leave', noop)
    .on('modifiers', noop)
    .on('repeat_info', noop)
    .on('key', noop);
  return { seat, enterSerial: () => serial };
}

/** Another client maps a window: it is served, focused and shown on top. */
async function anotherClientIsServed(t: TestCompositor): Promise<void> {
  const b = await t.client('bystander');
  const gb = bindCore(b);
  const { win } = await mappedWindow(t, b, gb, 40, 40, GREEN);
  assert.equal(t.compositor.seat.keyboardFocus, win.surface);
  assert.equal(t.compositor.windows.at(-1), win);
  assert.equal(hex(pixelAt(t.compositor, win.x + 5, win.y + 5)), hex(GREEN));
}

test('3,000 toplevels from one client: all map, the last has keyboard focus, is the only one activated and is on top; another client is served', async () => {
  const t = startCompositor(); // 640×480
  const c = await t.client('many');
  const g = bindCore(c);
  const grey = { b: shmBuffer(g, 64, 64, () => GREY), w: 64, h: 64 };
  const red = { b: shmBuffer(g, 64, 64, () => RED), w: 64, h: 64 };
  const windows = await manyToplevels(c, g, MANY, (i) => (i === MANY - 1 ? red : grey));
  assert.equal(t.compositor.windows.length, MANY);
  const last = windowOf(t, windows.at(-1)!.surface);
  assert.equal(t.compositor.windows.at(-1), last, 'the last mapped is on top of the stack');
  assert.equal(t.compositor.seat.keyboardFocus, last.surface);
  assert.deepEqual(
    windows.flatMap((w, i) => (w.states.includes(ACTIVATED) ? [i] : [])),
    [MANY - 1],
    'only the last is activated',
  );
  assert.equal(hex(pixelAt(t.compositor, last.x + 10, last.y + 10)), hex(RED), 'and painted on top');
  await anotherClientIsServed(t);
  // The many-window client leaves: its 3,000 windows go, the bystander keeps focus.
  c.close();
  await waitFor(() => t.compositor.windows.length === 1, 'the 3,000 windows to leave');
  assert.equal(t.compositor.seat.keyboardFocus, t.compositor.windows.at(-1)!.surface);
  t.close();
});

test('a click on a window under 2,999 others raises it, focuses and activates it', async () => {
  const t = startCompositor(); // 640×480
  const c = await t.client('many');
  const g = bindCore(c);
  // The first window is 600×400 at 32,32; the 2,999 others, 64×64, cascade over its top-left corner (32..384).
  const big = { b: shmBuffer(g, 600, 400, () => BLUE), w: 600, h: 400 };
  const grey = { b: shmBuffer(g, 64, 64, () => GREY), w: 64, h: 64 };
  const windows = await manyToplevels(c, g, MANY, (i) => (i === 0 ? big : grey));
  const first = windowOf(t, windows[0]!.surface);
  assert.equal(t.compositor.windows.at(0), first);
  assert.equal(hex(pixelAt(t.compositor, 40, 40)), hex(GREY), 'covered');
  await t.compositor.input.pointer.click('left', { x: 620, y: 420 }); // only the first window is there
  await c.roundtrip();
  assert.equal(t.compositor.windows.at(-1), first, 'raised');
  assert.equal(t.compositor.seat.keyboardFocus, first.surface);
  assert.ok(windows[0]!.states.includes(ACTIVATED));
  assert.ok(!windows.at(-1)!.states.includes(ACTIVATED), 'the last one is activated no more');
  assert.equal(hex(pixelAt(t.compositor, 40, 40)), hex(BLUE), 'painted on top');
  await anotherClientIsServed(t);
  t.close();
});

test('the window mapped last under the pointer gets pointer focus (scene changes re-evaluate it, coalesced)', async () => {
  const t = startCompositor();
  const c = await t.client('many');
  const g = bindCore(c);
  await t.compositor.input.pointer.move(40, 40); // nothing there yet
  const grey = { b: shmBuffer(g, 64, 64, () => GREY), w: 64, h: 64 };
  const windows = await manyToplevels(c, g, MANY, () => grey);
  // Window i cascades to 32·(i mod 10 + 1): 40,40 is in the windows with i mod 10 = 0, the topmost is 2,990.
  const expected = windowOf(t, windows[MANY - 10]!.surface);
  await waitFor(() => t.compositor.seat.pointer.focus === expected.surface, 'pointer focus on the topmost window under the pointer');
  assert.equal(t.compositor.seat.surfaceAt(40, 40)?.surface, expected.surface);
  t.close();
});

interface PopupChain {
  popups: { surface: Proxy; xdgSurface: Proxy; popup: Proxy }[];
  /** Indices of the popups that got popup_done, in order. */
  done: number[];
}

/**
 * A chain of `depth` 20×20 popups over `parent`, each the parent of the
 * next, all at the parent's origin; each grabs with `grab` if given.
 */
async function popupChain(c: WaylandClient, g: Globals, parent: Proxy, depth: number, grab: { seat: Proxy; serial: number } | null): Promise<PopupChain> {
  const positioner = g.wm.request('create_positioner', null)!;
  positioner.request('set_size', 20, 20);
  positioner.request('set_anchor_rect', 0, 0, 20, 20);
  positioner.request('set_anchor', ANCHOR.top_left);
  positioner.request('set_gravity', GRAVITY.bottom_right);
  const chain: PopupChain = { popups: [], done: [] };
  let above = parent;
  for (let i = 0; i < depth; i++) {
    const surface = g.compositor.request('create_surface', null)!.on('enter', noop).on('leave', noop);
    const xdgSurface = g.wm.request('get_xdg_surface', null, surface)!;
    const popup = xdgSurface.request('get_popup', null, above, positioner)!;
    popup.on('configure', noop).on('repositioned', noop).on('popup_done', () => chain.done.push(i));
    xdgSurface.on('configure', (serial) => xdgSurface.request('ack_configure', serial));
    if (grab) popup.request('grab', grab.seat, grab.serial);
    surface.request('commit');
    chain.popups.push({ surface, xdgSurface, popup });
    above = xdgSurface;
  }
  await c.roundtrip();
  const buffer = shmBuffer(g, 20, 20, () => RED);
  for (const p of chain.popups) present(p.surface, buffer.buffer, 20, 20);
  await c.roundtrip();
  return chain;
}

/** Destroys a chain's popups from the deepest up, as the protocol asks. */
function destroyFromTheTop(chain: PopupChain): void {
  for (let i = chain.popups.length - 1; i >= 0; i--) {
    const p = chain.popups[i]!;
    p.popup.request('destroy');
    p.xdgSurface.request('destroy');
    p.surface.request('destroy');
  }
}

test('a 3,000-deep chain of grabbing popups: the deepest has focus; a click outside dismisses all, deepest first; destroyed from the top', async () => {
  const t = startCompositor();
  const c = await t.client('chain');
  const g = bindCore(c);
  const kb = keyboardOf(c);
  const { w, win } = await mappedWindow(t, c, g, 100, 100, BLUE); // at 32,32
  await c.roundtrip();
  const chain = await popupChain(c, g, w.xdgSurface, MANY, { seat: kb.seat, serial: kb.enterSerial() });
  assert.equal(t.compositor.windows.length, MANY + 1);
  const deepest = windowOf(t, chain.popups.at(-1)!.surface);
  assert.equal(t.compositor.seat.keyboardFocus, deepest.surface, 'the deepest grabbing popup has focus');
  assert.equal(t.compositor.windows.at(-1), deepest);
  assert.equal(hex(pixelAt(t.compositor, 40, 40)), hex(RED), 'the popups are painted over their toplevel');
  await t.compositor.input.pointer.click('left', { x: 600, y: 400 });
  await c.roundtrip();
  assert.equal(chain.done.length, MANY, 'every popup got popup_done');
  assert.deepEqual(chain.done.slice(0, 3), [MANY - 1, MANY - 2, MANY - 3], 'the deepest first');
  assert.equal(chain.done.at(-1), 0);
  assert.equal(t.compositor.windows.length, 1);
  assert.equal(t.compositor.seat.keyboardFocus, win.surface, 'focus back on the toplevel');
  destroyFromTheTop(chain);
  await c.roundtrip(); // no not_the_topmost_popup
  assert.equal(c.error, null);
  await anotherClientIsServed(t);
  t.close();
});

test('a 3,000-deep popup chain whose toplevel goes: every popup is dismissed, children first; the client goes on', async () => {
  const t = startCompositor();
  const c = await t.client('chain');
  const g = bindCore(c);
  const { w } = await mappedWindow(t, c, g, 100, 100, BLUE);
  const chain = await popupChain(c, g, w.xdgSurface, MANY, null);
  assert.equal(t.compositor.windows.length, MANY + 1);
  // Destroying a non-topmost popup is an error; the toplevel is not a popup: it may go first.
  w.toplevel.request('destroy');
  await c.roundtrip();
  assert.equal(t.compositor.windows.length, 0);
  assert.equal(chain.done.length, MANY);
  assert.deepEqual([chain.done[0], chain.done.at(-1)], [MANY - 1, 0], 'children first');
  destroyFromTheTop(chain);
  await c.roundtrip();
  assert.equal(c.error, null);
  await anotherClientIsServed(t);
  t.close();
});

test('destroying a popup under an open one is still not_the_topmost_popup', async () => {
  const t = startCompositor();
  const c = await t.client('chain');
  const g = bindCore(c);
  const { w } = await mappedWindow(t, c, g, 100, 100, BLUE);
  const chain = await popupChain(c, g, w.xdgSurface, 3, null);
  chain.popups[1]!.popup.request('destroy');
  await expectProtocolError(c, 'xdg_wm_base', 2 /* not_the_topmost_popup */, /not the topmost popup/);
  t.close();
});

test('a 3,000-deep set_parent chain: a loop through it is invalid_parent, also across an unmapped link; an unmapped parent hands its children on', async () => {
  const t = startCompositor();
  const c = await t.client('parents');
  const g = bindCore(c);
  const grey = { b: shmBuffer(g, 64, 64, () => GREY), w: 64, h: 64 };
  const windows = await manyToplevels(c, g, MANY, () => grey);
  for (let i = 1; i < MANY; i++) windows[i]!.toplevel.request('set_parent', windows[i - 1]!.toplevel);
  await c.roundtrip();
  assert.equal(c.error, null, 'a chain is no loop');
  // The middle one unmaps: its children's parent is now its parent (the chain holds), and it has no children when it maps again.
  const middle = windows[MANY / 2]!;
  middle.surface.request('attach', null, 0, 0);
  middle.surface.request('commit');
  middle.surface.request('commit'); // the initial commit again: configured, acked by the handler
  await c.roundtrip();
  present(middle.surface, grey.b.buffer, 64, 64);
  await c.roundtrip();
  assert.equal(t.compositor.windows.length, MANY);
  middle.toplevel.request('set_parent', windows.at(-1)!.toplevel); // below it no more: allowed
  await c.roundtrip();
  assert.equal(c.error, null, 'the remapped toplevel has no children');
  windows[0]!.toplevel.request('set_parent', windows.at(-1)!.toplevel);
  await expectProtocolError(c, 'xdg_toplevel', TOPLEVEL_ERROR.invalid_parent, /loop/);
  await anotherClientIsServed(t);
  t.close();
});

test('a toplevel that leaves 2,000 configures unacked may ack them in order; a bogus serial after that is invalid_serial', async () => {
  const t = startCompositor();
  const c = await t.client('lazy');
  const g = bindCore(c);
  const w = await toplevel(c, g, false);
  for (let i = 0; i < 1000; i++) {
    w.toplevel.request('set_maximized');
    w.toplevel.request('unset_maximized');
  }
  await c.roundtrip();
  assert.equal(w.serials.length, 2001);
  for (const s of w.serials) w.xdgSurface.request('ack_configure', s);
  present(w.surface, shmBuffer(g, 50, 50, () => BLUE).buffer, 50, 50);
  await c.roundtrip();
  assert.equal(c.error, null);
  assert.equal(t.compositor.windows.length, 1);
  w.xdgSurface.request('ack_configure', 1);
  await expectProtocolError(c, 'xdg_surface', SURFACE_ERROR.invalid_serial, /wrong configure serial/);
  t.close();
});

test('2,000 layer surfaces in one layer stack in map order; set_layer puts one on top of its new layer', async () => {
  const t = startCompositor();
  const c = await t.client('layers');
  const g = bindCore(c);
  const shell = c.bind(zwlr_layer_shell_v1, 4);
  const count = 2000;
  const layers: { surface: Proxy; layer: Proxy }[] = [];
  for (let i = 0; i < count; i++) {
    const surface = g.compositor.request('create_surface', null)!.on('enter', noop).on('leave', noop);
    const layer = shell.request('get_layer_surface', null, surface, null, LAYER.top, 'many')!;
    layer.on('configure', (serial) => layer.request('ack_configure', serial)).on('closed', noop);
    layer.request('set_size', 10, 10);
    layer.request('set_anchor', LAYER_ANCHOR.top | LAYER_ANCHOR.left);
    surface.request('commit');
    layers.push({ surface, layer });
  }
  await c.roundtrip();
  const grey = shmBuffer(g, 10, 10, () => GREY);
  const blue = shmBuffer(g, 10, 10, () => BLUE);
  const red = shmBuffer(g, 10, 10, () => RED);
  layers.forEach((l, i) => present(l.surface, (i === 0 ? blue : i === count - 1 ? red : grey).buffer, 10, 10));
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, 5, 5)), hex(RED), 'the last mapped on top');
  layers[0]!.layer.request('set_layer', LAYER.overlay);
  layers[0]!.surface.request('commit');
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, 5, 5)), hex(BLUE), 'moved to the overlay layer');
  await anotherClientIsServed(t);
  t.close();
});
