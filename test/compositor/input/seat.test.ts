// The seat with in-process clients: keyboard focus and the activated state
// with two toplevels, click-to-focus, a focused client that disconnects,
// input-region hit tests, scripted typing, the cursor role and its drawing.
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { wl_pointer, wl_seat } from '../../../src/protocol/wayland.js';
import { xdg_toplevel } from '../../../src/protocol/xdg-shell.js';
import { xdg_activation_v1 } from '../../../src/protocol/xdg-activation.js';
import { zwp_virtual_keyboard_manager_v1, zwp_virtual_keyboard_v1 } from '../../../src/protocol/virtual-keyboard.js';
import { memfd } from '../../../src/shm/index.js';
import { parseCompositorArgs, UsageError } from '../../../src/cli/options.js';
import { zwlr_virtual_pointer_manager_v1, zwlr_virtual_pointer_v1 } from '../../../src/protocol/wlr-virtual-pointer.js';
import { bindCore, expectProtocolError, mappedWindow, pixelAt, present, shmBuffer, startCompositor, type Globals, type TestCompositor } from '../../support/compositor.js';
import { waitFor } from '../../support/common.js';

const ACTIVATED = xdg_toplevel.enums.state.entries.activated;

interface Events {
  log: string[];
  seat: Proxy;
  keyboard: Proxy;
  pointer: Proxy;
  /** Serials of wl_keyboard.enter. */
  enterSerials: number[];
}

/** Binds the seat, gets a keyboard and a pointer, and logs what they receive ("kb enter 3", "key 30 1", ...). */
function seatEvents(c: WaylandClient): Events {
  const log: string[] = [];
  const enterSerials: number[] = [];
  const seat = c.bind(wl_seat, 7).on('capabilities', (caps) => log.push(`caps ${String(caps)}`)).on('name', (n) => log.push(`name ${String(n)}`));
  const keyboard = seat.request('get_keyboard', null)!;
  keyboard
    .on('keymap', (format, fd, size) => {
      closeSync(Number(fd));
      log.push(`keymap ${String(format)} ${Number(size) > 0}`);
    })
    .on('repeat_info', () => {})
    .on('enter', (serial, surface) => {
      enterSerials.push(Number(serial));
      log.push(`kb enter ${String((surface as Proxy).id)}`);
    })
    .on('leave', (_s, surface) => log.push(`kb leave ${String((surface as Proxy).id)}`))
    .on('key', (_s, _t, key, state) => log.push(`key ${String(key)} ${String(state)}`))
    .on('modifiers', (_s, d) => log.push(`mods ${String(d)}`));
  const pointer = seat.request('get_pointer', null)!;
  pointer
    .on('enter', (serial, surface, x, y) => log.push(`ptr enter ${String((surface as Proxy).id)} ${String(x)},${String(y)} #${String(serial)}`))
    .on('leave', (_s, surface) => log.push(`ptr leave ${String((surface as Proxy).id)}`))
    .on('motion', (_t, x, y) => log.push(`motion ${String(x)},${String(y)}`))
    .on('button', (_s, _t, b, st) => log.push(`button ${String(b)} ${String(st)}`))
    .on('axis', (_t, axis, v) => log.push(`axis ${String(axis)} ${String(v)}`))
    .on('axis_source', () => {})
    .on('axis_discrete', (axis, d) => log.push(`discrete ${String(axis)} ${String(d)}`))
    .on('axis_stop', () => {})
    .on('frame', () => {});
  return { log, seat, keyboard, pointer, enterSerials };
}

const lastStates = (w: { configures: { states: number[] }[] }): number[] => w.configures.at(-1)?.states ?? [];

async function client(t: TestCompositor, label: string): Promise<{ c: WaylandClient; g: Globals; ev: Events }> {
  const c = await t.client(label);
  const g = bindCore(c);
  const ev = seatEvents(c);
  await c.roundtrip();
  return { c, g, ev };
}

test('wl_seat seat0 has keyboard and pointer; keymap and repeat_info come at once', async () => {
  const t = startCompositor();
  const { ev } = await client(t, 'a');
  assert.deepEqual(ev.log.slice(0, 3), ['caps 3', 'name seat0', 'keymap 1 true']);
  t.close();
});

test('two toplevels: the one mapped last has keyboard focus and is the only activated one; a click moves both back', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  const b = await client(t, 'b');
  const wa = await mappedWindow(t, a.c, a.g, 100, 100, 0xff0000ff);
  await a.c.roundtrip();
  assert.ok(lastStates(wa.w).includes(ACTIVATED), 'first window activated once mapped');
  assert.ok(a.ev.log.includes(`kb enter ${wa.w.surface.id}`));
  const wb = await mappedWindow(t, b.c, b.g, 100, 100, 0xff00ff00);
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.ok(a.ev.log.includes(`kb leave ${wa.w.surface.id}`), a.ev.log.join('\n'));
  assert.ok(!lastStates(wa.w).includes(ACTIVATED), 'the first is reconfigured without activated');
  assert.ok(lastStates(wb.w).includes(ACTIVATED));
  assert.ok(b.ev.log.includes(`kb enter ${wb.w.surface.id}`));
  assert.equal(t.compositor.seat.keyboardFocus, wb.win.surface);
  // The cascade puts a at 32,32 and b at 64,64 (100×100 each): 40,40 is only a's.
  await t.compositor.input.pointer.click('left', { x: 40, y: 40 });
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.equal(t.compositor.seat.keyboardFocus, wa.win.surface);
  assert.ok(lastStates(wa.w).includes(ACTIVATED));
  assert.ok(!lastStates(wb.w).includes(ACTIVATED));
  assert.equal(t.compositor.windows.at(-1), wa.win, 'raised');
  assert.ok(a.ev.log.includes('button 272 1') && a.ev.log.includes('button 272 0'), a.ev.log.join('\n'));
  assert.ok(!b.ev.log.some((l) => l.startsWith('button')), 'the other client saw no button');
  t.close();
});

test('a focused client that disconnects: focus goes to the other toplevel, which keeps working', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  const b = await client(t, 'b');
  const wa = await mappedWindow(t, a.c, a.g, 50, 50, 0xff0000ff);
  await mappedWindow(t, b.c, b.g, 50, 50, 0xff00ff00);
  b.c.close();
  await waitFor(() => t.compositor.seat.keyboardFocus === wa.win.surface, 'focus back on a');
  await a.c.roundtrip();
  assert.equal(a.ev.log.filter((l) => l === `kb enter ${wa.w.surface.id}`).length, 2, a.ev.log.join('\n'));
  assert.ok(lastStates(wa.w).includes(ACTIVATED));
  a.ev.log.length = 0;
  await t.compositor.input.type('hi');
  await a.c.roundtrip();
  assert.deepEqual(a.ev.log, ['key 35 1', 'key 35 0', 'key 23 1', 'key 23 0']);
  t.close();
});

test('type(): Shift is held for capitals and symbols; key() with combos', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  await mappedWindow(t, a.c, a.g, 50, 50, 0xff0000ff);
  await a.c.roundtrip();
  a.ev.log.length = 0;
  await t.compositor.input.type('A!');
  await t.compositor.input.key('ctrl+c');
  await t.compositor.input.key('Return');
  await a.c.roundtrip();
  assert.deepEqual(a.ev.log, [
    'key 42 1', 'mods 1', 'key 30 1', 'key 30 0', 'key 42 0', 'mods 0',
    'key 42 1', 'mods 1', 'key 2 1', 'key 2 0', 'key 42 0', 'mods 0',
    'key 29 1', 'mods 4', 'key 46 1', 'key 46 0', 'key 29 0', 'mods 0',
    'key 28 1', 'key 28 0',
  ]);
  await assert.rejects(t.compositor.input.type('é'), /not on the seat's keymap/);
  await assert.rejects(t.compositor.input.key('hyper+x'), /unknown modifier/);
  t.close();
});

test('pointer: enter, motion and leave follow the surface under it; the input region decides what is hit', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  const b = await client(t, 'b');
  const wa = await mappedWindow(t, a.c, a.g, 100, 100, 0xff0000ff); // at 32,32
  // b at 64,64 (100×100) takes input only in its right half.
  const wb = await mappedWindow(t, b.c, b.g, 100, 100, 0xff00ff00);
  const region = b.g.compositor.request('create_region', null)!;
  region.request('add', 50, 0, 50, 100);
  wb.w.surface.request('set_input_region', region);
  wb.w.surface.request('commit');
  await b.c.roundtrip();
  const p = t.compositor.input.pointer;
  await p.move(80, 80); // b's left half: a is hit through it
  await p.move(81, 80);
  await a.c.roundtrip();
  assert.deepEqual(a.ev.log.filter((l) => l.startsWith('ptr') || l.startsWith('motion')), [`ptr enter ${wa.w.surface.id} 48,48 #${a.ev.log.find((l) => l.startsWith('ptr enter'))!.split('#')[1]}`, 'motion 49,48']);
  assert.equal(t.compositor.seat.surfaceAt(80, 80)?.surface, wa.win.surface);
  await p.move(130, 80); // b's right half
  await a.c.roundtrip();
  await b.c.roundtrip();
  assert.ok(a.ev.log.includes(`ptr leave ${wa.w.surface.id}`));
  assert.ok(b.ev.log.some((l) => l.startsWith(`ptr enter ${wb.w.surface.id} 66,16`)), b.ev.log.join('\n'));
  await p.scroll(2);
  await b.c.roundtrip();
  assert.ok(b.ev.log.includes('discrete 0 2') && b.ev.log.includes('axis 0 30'), b.ev.log.join('\n'));
  await p.move(600, 400); // nothing there
  await b.c.roundtrip();
  assert.ok(b.ev.log.includes(`ptr leave ${wb.w.surface.id}`));
  assert.equal(t.compositor.seat.surfaceAt(600, 400), null);
  t.close();
});

test('an output made smaller keeps the pointer on it, and what is under it gets enter', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  await mappedWindow(t, a.c, a.g, 100, 100, 0xff0000ff); // at 32,32
  await t.compositor.input.pointer.move(600, 400);
  t.compositor.output.setMode({ width: 100, height: 100 });
  assert.deepEqual(t.compositor.seat.pointerPosition, { x: 99, y: 99 });
  await a.c.roundtrip();
  assert.ok(a.ev.log.some((l) => l.startsWith('ptr enter')), a.ev.log.join('\n'));
  t.close();
});

test('set_cursor with a surface that has another role is wl_pointer.error.role', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  const wa = await mappedWindow(t, a.c, a.g, 100, 100, 0xff0000ff);
  await t.compositor.input.pointer.move(50, 50);
  await a.c.roundtrip();
  const serial = Number(a.ev.log.find((l) => l.startsWith('ptr enter'))!.split('#')[1]);
  a.ev.pointer.request('set_cursor', serial, wa.w.surface, 0, 0);
  await expectProtocolError(a.c, 'wl_pointer', wl_pointer.enums.error.entries.role, /another role \(xdg_surface\)/);
  t.close();
});

async function cursorPixel(drawCursor: boolean): Promise<number> {
  const t = startCompositor({ cursor: drawCursor });
  const a = await client(t, 'a');
  await mappedWindow(t, a.c, a.g, 200, 200, 0xff0000ff); // at 32,32
  await t.compositor.input.pointer.move(100, 100);
  await a.c.roundtrip();
  const serial = Number(a.ev.log.find((l) => l.startsWith('ptr enter'))!.split('#')[1]);
  const cursor = a.g.compositor.request('create_surface', null)!;
  a.ev.pointer.request('set_cursor', serial, cursor, 2, 2);
  present(cursor, shmBuffer(a.g, 8, 8, () => 0xffffff00).buffer, 8, 8);
  await a.c.roundtrip();
  // The hotspot (2,2) is at the pointer: the cursor covers 98..105.
  const px = pixelAt(t.compositor, 104, 104);
  t.close();
  return px;
}

test('the cursor a client sets is drawn only when asked (option cursor)', async () => {
  assert.equal(await cursorPixel(true), 0xffffff00);
  assert.equal(await cursorPixel(false), 0xff0000ff);
});

/** A mapped 20×20 popup of `parent`, grabbing with `serial` (null: no grab). */
async function popup(c: WaylandClient, g: Globals, ev: Events, parent: Proxy, serial: number | null): Promise<{ surface: Proxy; done: () => boolean }> {
  const positioner = g.wm.request('create_positioner', null)!;
  positioner.request('set_size', 20, 20);
  positioner.request('set_anchor_rect', 0, 0, 10, 10);
  const surface = g.compositor.request('create_surface', null)!;
  surface.on('enter', () => {}).on('leave', () => {});
  const xdg = g.wm.request('get_xdg_surface', null, surface)!;
  const p = xdg.request('get_popup', null, parent, positioner)!;
  let done = false;
  p.on('configure', () => {}).on('popup_done', () => (done = true));
  xdg.on('configure', (s) => xdg.request('ack_configure', s));
  if (serial !== null) p.request('grab', ev.seat, serial);
  surface.request('commit');
  await c.roundtrip();
  present(surface, shmBuffer(g, 20, 20, () => 0xff00ffff).buffer, 20, 20);
  await c.roundtrip();
  return { surface, done: () => done };
}

test('a popup with a grab takes keyboard focus while open; a click outside its client dismisses it', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  const wa = await mappedWindow(t, a.c, a.g, 100, 100, 0xff0000ff);
  await a.c.roundtrip();
  const pop = await popup(a.c, a.g, a.ev, wa.w.xdgSurface, a.ev.enterSerials.at(-1)!);
  assert.ok(a.ev.log.includes(`kb enter ${pop.surface.id}`), a.ev.log.join('\n'));
  assert.ok(lastStates(wa.w).includes(ACTIVATED), 'its toplevel stays activated');
  await t.compositor.input.pointer.click('left', { x: 600, y: 400 });
  await a.c.roundtrip();
  assert.ok(pop.done(), 'popup_done');
  assert.equal(t.compositor.seat.keyboardFocus, wa.win.surface);
  assert.ok(a.ev.log.includes(`kb enter ${wa.w.surface.id}`));
  // A grab with a serial that was never sent is refused: dismissed at once, focus stays.
  const bogus = await popup(a.c, a.g, a.ev, wa.w.xdgSurface, 123456);
  assert.ok(bogus.done());
  assert.equal(t.compositor.seat.keyboardFocus, wa.win.surface);
  t.close();
});

test('xdg_activation_v1: a committed token activates (focus and raise); an unknown one is ignored', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  const b = await client(t, 'b');
  const wa = await mappedWindow(t, a.c, a.g, 50, 50, 0xff0000ff);
  const wb = await mappedWindow(t, b.c, b.g, 50, 50, 0xff00ff00);
  const activation = a.c.bind(xdg_activation_v1, 1);
  activation.request('activate', 'not-a-token', wa.w.surface);
  await a.c.roundtrip();
  assert.equal(t.compositor.seat.keyboardFocus, wb.win.surface);
  const token = activation.request('get_activation_token', null)!;
  let value = '';
  token.on('done', (v) => (value = String(v)));
  token.request('set_surface', wa.w.surface);
  token.request('commit');
  await a.c.roundtrip();
  assert.match(value, /^[0-9a-f]{32}$/);
  activation.request('activate', value, wa.w.surface);
  await a.c.roundtrip();
  assert.equal(t.compositor.seat.keyboardFocus, wa.win.surface);
  assert.equal(t.compositor.windows.at(-1), wa.win);
  assert.ok(lastStates(wa.w).includes(ACTIVATED));
  t.close();
});

test('virtual keyboard: a key before a keymap, or a truncated keymap, is that client\'s error only', async () => {
  const t = startCompositor();
  const a = await client(t, 'a');
  await mappedWindow(t, a.c, a.g, 50, 50, 0xff0000ff);
  const v1 = await t.client('vk1');
  const vk1 = v1.bind(zwp_virtual_keyboard_manager_v1, 1).request('create_virtual_keyboard', v1.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {}), null)!;
  vk1.request('key', 0, 30, 1);
  await expectProtocolError(v1, 'zwp_virtual_keyboard_v1', zwp_virtual_keyboard_v1.enums.error.entries.no_keymap, /no keymap/);
  const v2 = await t.client('vk2');
  const vk2 = v2.bind(zwp_virtual_keyboard_manager_v1, 1).request('create_virtual_keyboard', v2.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {}), null)!;
  const empty = memfd('truncated-keymap', 0); // says 4096 bytes, has none: read as zeros, never SIGBUS
  vk2.request('keymap', 1, empty, 4096);
  closeSync(empty);
  await expectProtocolError(v2, 'zwp_virtual_keyboard_v1', zwp_virtual_keyboard_v1.enums.error.entries.no_keymap, /does not compile/);
  a.ev.log.length = 0;
  await t.compositor.input.type('k');
  await a.c.roundtrip();
  assert.deepEqual(a.ev.log, ['key 37 1', 'key 37 0']);
  t.close();
});

test('virtual pointer: absolute motion, buttons and frames reach the client under it; a bad axis is its error', async () => {
  const t = startCompositor(); // 640×480
  const a = await client(t, 'a');
  const wa = await mappedWindow(t, a.c, a.g, 100, 100, 0xff0000ff); // at 32,32
  const v = await t.client('vp');
  const vp = v.bind(zwlr_virtual_pointer_manager_v1, 2).request('create_virtual_pointer_with_output', null, null, null)!;
  vp.request('motion_absolute', 0, 64, 48, 640, 480); // 64,48: surface-local 32,16
  vp.request('frame');
  vp.request('motion', 0, 10, 4);
  vp.request('button', 0, 0x110, 1);
  vp.request('button', 0, 0x110, 0);
  vp.request('frame');
  await v.roundtrip();
  await a.c.roundtrip();
  assert.ok(a.ev.log.some((l) => l.startsWith(`ptr enter ${wa.w.surface.id} 32,16`)), a.ev.log.join('\n'));
  assert.ok(a.ev.log.includes('motion 42,20') && a.ev.log.includes('button 272 1') && a.ev.log.includes('button 272 0'), a.ev.log.join('\n'));
  vp.request('axis', 0, 7, 10);
  await expectProtocolError(v, 'zwlr_virtual_pointer_v1', zwlr_virtual_pointer_v1.enums.error.entries.invalid_axis, /invalid axis 7/);
  t.close();
});

test('--keyboard-layout de: typing z presses the key us calls y; an unknown layout is a usage error', async () => {
  const args = parseCompositorArgs(['--keyboard-layout', 'de']);
  assert.equal(args.keyboardLayout, 'de');
  assert.equal(parseCompositorArgs([]).keyboardLayout, 'us');
  assert.throws(() => parseCompositorArgs(['--keyboard-layout', 'nosuchlayout']), (e: unknown) => e instanceof UsageError && /no layout 'nosuchlayout'/.test(e.message));
  const t = startCompositor({ keyboard: { layout: args.keyboardLayout } });
  const a = await client(t, 'a');
  await mappedWindow(t, a.c, a.g, 50, 50, 0xff0000ff);
  await a.c.roundtrip();
  a.ev.log.length = 0;
  await t.compositor.input.type('z');
  await a.c.roundtrip();
  assert.deepEqual(a.ev.log, ['key 21 1', 'key 21 0']);
  t.close();
});
