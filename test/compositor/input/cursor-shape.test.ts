// wp_cursor_shape_manager_v1 as a client sees it: set_shape with the serial
// of its latest enter names the pointer's cursor, replacing a cursor
// surface and replaced by one; a stale serial, or a client without pointer
// focus, is ignored; an unknown shape is invalid_shape; a device whose
// wl_pointer is gone is inert; with the cursor drawn into the output a
// shape draws nothing over the window; the per-client bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { MAX_CURSOR_SHAPE_DEVICES } from '../../../src/compositor/input/cursor-shape.js';
import { wp_cursor_shape_device_v1, wp_cursor_shape_manager_v1 } from '../../../src/protocol/cursor-shape.js';
import { wl_seat } from '../../../src/protocol/wayland.js';
import { DisplayError } from '../../../src/wire/codec.js';
import { waitFor } from '../../support/common.js';
import { bindCore, expectProtocolError, hex, mappedWindow, pixelAt, present, shmBuffer, startCompositor, type Globals, type TestCompositor } from '../../support/compositor.js';

const SHAPE = wp_cursor_shape_device_v1.enums.shape.entries;
const INVALID_SHAPE = wp_cursor_shape_device_v1.enums.error.entries.invalid_shape;

interface Peer {
  c: WaylandClient;
  g: Globals;
  pointer: Proxy;
  device: Proxy;
  manager: Proxy;
  /** Serials of wl_pointer.enter, oldest first. */
  enters: number[];
}

/** A client with a 100×100 window (at 32,32 when first), a wl_pointer and a cursor shape device for it. */
async function peer(t: TestCompositor, label: string, color: number): Promise<Peer> {
  const c = await t.client(label);
  const g = bindCore(c);
  const enters: number[] = [];
  const pointer = c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {}).request('get_pointer', null)!;
  pointer.on('enter', (serial) => enters.push(Number(serial))).on('leave', () => {}).on('motion', () => {}).on('frame', () => {});
  const manager = c.bind(wp_cursor_shape_manager_v1, 1);
  const device = manager.request('get_pointer', null, pointer)!;
  await mappedWindow(t, c, g, 100, 100, color);
  return { c, g, pointer, device, manager, enters };
}

/** A compositor and one peer with pointer focus (the pointer over its window): its latest enter serial is at enters.at(-1). */
async function focusedPeer(options = {}): Promise<{ t: TestCompositor; a: Peer }> {
  const t = startCompositor(options);
  const a = await peer(t, 'a', 0xff0000ff); // 100×100 at 32,32
  await t.compositor.input.pointer.move(40, 40);
  await a.c.roundtrip();
  return { t, a };
}

const cursorOf = (t: TestCompositor): string | null => {
  const c = t.compositor.seat.pointer.cursor;
  return c === null ? null : c.kind === 'shape' ? `shape ${c.shape}` : 'surface';
};

test('set_shape with the latest enter serial names the cursor; a stale serial or a client without focus is ignored', async () => {
  const t = startCompositor(); // 640×480
  const a = await peer(t, 'a', 0xff0000ff); // 32,32
  const b = await peer(t, 'b', 0xff00ff00); // 64,64, above a
  const p = t.compositor.input.pointer;
  await p.move(40, 40); // a
  await a.c.roundtrip();
  const first = a.enters.at(-1)!;
  a.device.request('set_shape', first, SHAPE.text);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), 'shape text');

  // Out to b and back: a has a newer enter; the first serial is stale.
  await p.move(100, 100);
  await p.move(40, 40);
  await a.c.roundtrip();
  const latest = a.enters.at(-1)!;
  assert.notEqual(latest, first);
  assert.equal(cursorOf(t), null, 'focus left a: its cursor went with it');
  a.device.request('set_shape', first, SHAPE.wait);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), null, 'stale serial: ignored');
  a.device.request('set_shape', latest, SHAPE.grabbing);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), 'shape grabbing');
  // b has no pointer focus: its shape, even with its own enter serial, is ignored.
  b.device.request('set_shape', b.enters.at(-1)!, SHAPE.crosshair);
  await b.c.roundtrip();
  assert.equal(cursorOf(t), 'shape grabbing');
  assert.equal(a.c.error ?? b.c.error, null);
  t.close();
});

test('a cursor surface and a shape replace each other; a shape draws no picture, a cursor surface does (cursor drawn into the output)', async () => {
  const t = startCompositor({ cursor: true });
  const a = await peer(t, 'a', 0xff0000ff); // 100×100 at 32,32
  await t.compositor.input.pointer.move(60, 60);
  await a.c.roundtrip();
  const serial = a.enters.at(-1)!;
  const cursor = a.g.compositor.request('create_surface', null)!;
  present(cursor, shmBuffer(a.g, 8, 8, () => 0xffff0000).buffer, 8, 8);
  a.pointer.request('set_cursor', serial, cursor, 0, 0);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), 'surface');
  assert.equal(hex(pixelAt(t.compositor, 61, 61)), hex(0xffff0000), 'the cursor surface is drawn at the pointer');
  a.device.request('set_shape', serial, SHAPE.pointer);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), 'shape pointer');
  assert.equal(hex(pixelAt(t.compositor, 61, 61)), hex(0xff0000ff), 'a named shape draws nothing: the window shows');
  a.pointer.request('set_cursor', serial, cursor, 0, 0);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), 'surface', 'set_cursor replaces the shape');
  a.pointer.request('set_cursor', serial, null, 0, 0);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), null, 'a null cursor hides it');
  t.close();
});

test('every shape of the version-1 enum is taken by name; 0 and 35 are invalid_shape on the device, for that client only', async () => {
  const { t, a } = await focusedPeer();
  for (const [name, value] of Object.entries(SHAPE)) {
    a.device.request('set_shape', a.enters.at(-1)!, value);
    await a.c.roundtrip();
    assert.equal(cursorOf(t), `shape ${name}`);
  }
  assert.equal(Object.keys(SHAPE).length, 34);
  for (const bad of [0, 35]) {
    const c = await peer(t, `bad ${bad}`, 0xff00ff00);
    c.device.request('set_shape', 0, bad);
    await expectProtocolError(c.c, 'wp_cursor_shape_device_v1', INVALID_SHAPE, new RegExp(`${bad} is not a cursor shape`));
  }
  a.device.request('set_shape', a.enters.at(-1)!, SHAPE.help);
  await a.c.roundtrip();
  assert.equal(a.c.error, null);
  t.close();
});

test('a device whose wl_pointer is gone is inert (an unknown shape is still invalid_shape); destroying a device keeps the cursor', async () => {
  const t = startCompositor();
  const a = await peer(t, 'a', 0xff0000ff);
  const second = a.c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {}).request('get_pointer', null)!;
  second.on('enter', () => {}).on('leave', () => {}).on('motion', () => {}).on('frame', () => {});
  const orphan = a.manager.request('get_pointer', null, second)!;
  await t.compositor.input.pointer.move(40, 40);
  await a.c.roundtrip();
  const serial = a.enters.at(-1)!;
  a.device.request('set_shape', serial, SHAPE.move);
  a.device.request('destroy');
  await a.c.roundtrip();
  assert.equal(cursorOf(t), 'shape move', 'destroying the device leaves the cursor as it is');
  second.request('release');
  orphan.request('set_shape', serial, SHAPE.copy);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), 'shape move', 'inert: ignored');
  orphan.request('set_shape', serial, 99);
  await expectProtocolError(a.c, 'wp_cursor_shape_device_v1', INVALID_SHAPE, /99 is not a cursor shape/);
  t.close();
});

test('a client leaving takes its named cursor with it (the fuzzer found it kept)', async () => {
  const { t, a } = await focusedPeer();
  a.device.request('set_shape', a.enters.at(-1)!, SHAPE.wait);
  await a.c.roundtrip();
  assert.equal(cursorOf(t), 'shape wait');
  a.c.close();
  await waitFor(() => t.compositor.display.clients.size === 0, 'a gone');
  await t.compositor.input.pointer.move(41, 41); // the next input event sees the scene as it is
  assert.equal(cursorOf(t), null);
  assert.equal(t.compositor.seat.pointer.focus, null);
  t.close();
});

test(`a client may hold ${MAX_CURSOR_SHAPE_DEVICES} cursor shape devices; one more is no_memory`, async () => {
  const t = startCompositor();
  const a = await peer(t, 'a', 0xff0000ff); // one device already
  for (let i = 1; i < MAX_CURSOR_SHAPE_DEVICES; i++) a.manager.request('get_pointer', null, a.pointer);
  await a.c.roundtrip();
  assert.equal(a.c.error, null);
  a.manager.request('get_pointer', null, a.pointer);
  await expectProtocolError(a.c, 'wl_display', DisplayError.no_memory, /too many cursor shape devices \(limit 64\)/);
  t.close();
});
