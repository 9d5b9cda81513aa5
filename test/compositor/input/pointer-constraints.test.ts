// zwp_pointer_constraints_v1 as a client sees it: a lock activates with
// pointer focus inside its region (locked), keeps the pointer still while
// relative_motion goes on, ends with the focus (unlocked) or its object
// (the pointer warps to the committed cursor hint); oneshot locks do not
// come back, persistent ones do; a confinement clamps motion to its
// region (double-buffered); already_constrained; the per-client bound;
// cleanup when the surface, the wl_pointer or the client goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { MAX_POINTER_CONSTRAINTS } from '../../../src/compositor/input/pointer-constraints.js';
import { zwp_pointer_constraints_v1 } from '../../../src/protocol/pointer-constraints.js';
import { zwp_relative_pointer_manager_v1 } from '../../../src/protocol/relative-pointer.js';
import { zwlr_virtual_pointer_manager_v1 } from '../../../src/protocol/wlr-virtual-pointer.js';
import { wl_seat } from '../../../src/protocol/wayland.js';
import { DisplayError } from '../../../src/wire/codec.js';
import { bindCore, expectProtocolError, mappedWindow, startCompositor, type Globals, type TestCompositor } from '../../support/compositor.js';

const ONESHOT = zwp_pointer_constraints_v1.enums.lifetime.entries.oneshot;
const PERSISTENT = zwp_pointer_constraints_v1.enums.lifetime.entries.persistent;
const ALREADY_CONSTRAINED = zwp_pointer_constraints_v1.enums.error.entries.already_constrained;

/** A client with a 100×100 window (at 32,32 when first), a wl_pointer, a relative pointer and the constraints global, logging events. */
async function withWindow(t: TestCompositor, label: string, color: number) {
  const c = await t.client(label);
  const g = bindCore(c);
  const log: string[] = [];
  const pointer = c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {}).request('get_pointer', null)!;
  pointer
    .on('enter', (_s, _surface, x, y) => log.push(`enter ${String(x)},${String(y)}`))
    .on('leave', () => log.push('leave'))
    .on('motion', (_t, x, y) => log.push(`motion ${String(x)},${String(y)}`))
    .on('button', () => {})
    .on('frame', () => {});
  const relative = c.bind(zwp_relative_pointer_manager_v1, 1).request('get_relative_pointer', null, pointer)!;
  relative.on('relative_motion', (_hi, _lo, dx, dy) => log.push(`relative ${String(dx)},${String(dy)}`));
  const constraints = c.bind(zwp_pointer_constraints_v1, 1);
  const { w } = await mappedWindow(t, c, g, 100, 100, color);
  return { c, g, log, pointer, constraints, w };
}

function logged(proxy: Proxy, log: string[], events: readonly string[]): Proxy {
  for (const e of events) proxy.on(e, () => log.push(e));
  return proxy;
}

function region(g: Globals, ...rects: [number, number, number, number][]): Proxy {
  const r = g.compositor.request('create_region', null)!;
  for (const rect of rects) r.request('add', ...rect);
  return r;
}

const settle = async (...cs: WaylandClient[]): Promise<void> => {
  for (const c of cs) await c.roundtrip();
};

test('a lock activates under the pointer: scripted and virtual motion give relative_motion only; destroyed, the pointer warps to the committed hint', async () => {
  const t = startCompositor();
  const a = await withWindow(t, 'a', 0xff0000ff); // at 32,32
  const p = t.compositor.input.pointer;
  const seat = t.compositor.seat;
  await p.move(40, 40);
  const lock = logged(a.constraints.request('lock_pointer', null, a.w.surface, a.pointer, null, PERSISTENT)!, a.log, ['locked', 'unlocked']);
  await settle(a.c);
  assert.equal(a.log.at(-1), 'locked');
  assert.equal(t.compositor.pointerConstraints.active, 'lock');
  a.log.length = 0;
  await p.move(50, 45);
  await p.move(300, 300);
  const v = await t.client('vp');
  const vp = v.bind(zwlr_virtual_pointer_manager_v1, 2).request('create_virtual_pointer', null, null)!;
  vp.request('motion', 7, -3, 4);
  vp.request('frame');
  await settle(v, a.c);
  assert.deepEqual(a.log, ['relative 10,5', 'relative 260,260', 'relative -3,4']); // from where the pointer stays
  assert.deepEqual(seat.pointerPosition, { x: 40, y: 40 });
  // A hint is double-buffered: one not committed is not used, the committed one is.
  lock.request('set_cursor_position_hint', 25, 30);
  a.w.surface.request('commit');
  lock.request('set_cursor_position_hint', 80, 80);
  lock.request('destroy');
  await settle(a.c);
  assert.deepEqual(seat.pointerPosition, { x: 57, y: 62 });
  assert.deepEqual(a.log.slice(-1), ['motion 25,30']);
  assert.equal(t.compositor.pointerConstraints.active, null);
  await p.move(60, 70);
  await settle(a.c);
  assert.deepEqual(a.log.slice(-2), ['relative 3,8', 'motion 28,38']);
  t.close();
});

test('a lock whose region the pointer is not in waits for it; oneshot locks end for good, persistent ones come back with the focus', async () => {
  const t = startCompositor();
  const a = await withWindow(t, 'a', 0xff0000ff); // 32..132
  const p = t.compositor.input.pointer;
  await p.move(40, 40); // a-local 8,8
  const events: string[] = [];
  const persistent = logged(a.constraints.request('lock_pointer', null, a.w.surface, a.pointer, region(a.g, [30, 30, 20, 20]), PERSISTENT)!, events, ['locked', 'unlocked']);
  await settle(a.c);
  assert.deepEqual(events, []);
  await p.move(70, 70); // a-local 38,38: inside
  await settle(a.c);
  assert.deepEqual(events, ['locked']);
  // Another window mapped over the pointer takes focus: unlocked; gone, the lock comes back.
  const b = await withWindow(t, 'b', 0xff00ff00); // 64..164, above a
  await p.move(70, 70); // focus is re-evaluated before the motion
  await settle(a.c, b.c);
  assert.deepEqual(events, ['locked', 'unlocked']);
  b.w.toplevel.request('destroy');
  b.w.xdgSurface.request('destroy');
  b.w.surface.request('destroy');
  await settle(b.c);
  await p.move(70, 70);
  await settle(a.c);
  assert.deepEqual(events, ['locked', 'unlocked', 'locked']);
  persistent.request('destroy');
  await settle(a.c);
  // The same with a oneshot lock (the third window cascades to 96,96): it does not come back.
  await p.move(100, 100); // a-local 68,68
  const oneshot = logged(a.constraints.request('lock_pointer', null, a.w.surface, a.pointer, null, ONESHOT)!, events, ['locked', 'unlocked']);
  await settle(a.c);
  assert.deepEqual(events.slice(3), ['locked']);
  const b2 = await withWindow(t, 'b2', 0xff00ff00); // 96..196, above a
  await p.move(100, 100);
  await settle(a.c, b2.c);
  assert.deepEqual(events.slice(3), ['locked', 'unlocked']);
  b2.w.surface.request('destroy');
  b2.c.close();
  await new Promise((r) => setTimeout(r, 50));
  await p.move(100, 100);
  await p.move(101, 101);
  await settle(a.c);
  assert.deepEqual(events.slice(3), ['locked', 'unlocked']);
  assert.equal(a.log.at(-1), 'motion 69,69'); // not locked: the pointer moves
  // Defunct, it still holds the surface's place until destroyed.
  a.constraints.request('confine_pointer', null, a.w.surface, a.pointer, null, ONESHOT);
  await expectProtocolError(a.c, 'zwp_pointer_constraints_v1', ALREADY_CONSTRAINED, /already has a pointer constraint/);
  void oneshot;
  t.close();
});

test('a confinement clamps motion to its region; a complex region sends the pointer to the nearest point of its rects; set_region waits for the commit', async () => {
  const t = startCompositor();
  const a = await withWindow(t, 'a', 0xff0000ff); // 32..132
  const p = t.compositor.input.pointer;
  const seat = t.compositor.seat;
  await p.move(47, 47); // a-local 15,15
  const events: string[] = [];
  const confined = logged(a.constraints.request('confine_pointer', null, a.w.surface, a.pointer, region(a.g, [10, 10, 20, 20]), PERSISTENT)!, events, ['confined', 'unconfined']);
  await settle(a.c);
  assert.deepEqual(events, ['confined']);
  a.log.length = 0;
  await p.move(300, 20);
  await settle(a.c);
  assert.deepEqual(a.log, ['relative 253,-27', 'motion 29.99609375,10']);
  assert.deepEqual(seat.pointerPosition, { x: 32 + 30 - 1 / 256, y: 42 });
  // Two rects with a gap: a motion into the gap goes to the nearest rect's edge.
  confined.request('set_region', region(a.g, [0, 0, 10, 10], [20, 0, 10, 10]));
  await p.move(35, 35); // the old region still holds until the commit: clamped to 10,10
  assert.deepEqual(seat.pointerPosition, { x: 42, y: 42 });
  a.w.surface.request('commit'); // 10,10 is outside the new region: warped to its nearest point
  await settle(a.c);
  assert.deepEqual(seat.pointerPosition, { x: 32 + 10 - 1 / 256, y: 32 + 10 - 1 / 256 });
  await p.move(32 + 13, 32 + 5);
  assert.deepEqual(seat.pointerPosition, { x: 32 + 10 - 1 / 256, y: 37 });
  await p.move(32 + 18, 32 + 5);
  assert.deepEqual(seat.pointerPosition, { x: 32 + 20, y: 37 });
  // Destroyed, the pointer is free again.
  confined.request('destroy');
  await settle(a.c);
  await p.move(200, 200);
  assert.deepEqual(seat.pointerPosition, { x: 200, y: 200 });
  t.close();
});

test('already_constrained: a lock and a confinement of one surface', async () => {
  const t = startCompositor();
  const a = await withWindow(t, 'a', 0xff0000ff);
  a.constraints.request('lock_pointer', null, a.w.surface, a.pointer, null, PERSISTENT)!.on('locked', () => {});
  await settle(a.c);
  assert.equal(a.c.error, null);
  a.constraints.request('confine_pointer', null, a.w.surface, a.pointer, null, PERSISTENT);
  await expectProtocolError(a.c, 'zwp_pointer_constraints_v1', ALREADY_CONSTRAINED, /already has a pointer constraint/);
  t.close();
});

test('cleanup: the surface going unlocks; the wl_pointer going unlocks for good; a client holds at most the bound, and leaving frees it all', async () => {
  const t = startCompositor();
  const a = await withWindow(t, 'a', 0xff0000ff);
  const p = t.compositor.input.pointer;
  const seat = t.compositor.seat;
  await p.move(40, 40);
  const events: string[] = [];
  const second = a.c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {}).request('get_pointer', null)!;
  for (const e of ['enter', 'leave', 'motion', 'frame']) second.on(e, () => {});
  logged(a.constraints.request('lock_pointer', null, a.w.surface, second, null, PERSISTENT)!, events, ['locked', 'unlocked']);
  await settle(a.c);
  assert.deepEqual(events, ['locked']);
  second.request('release');
  await settle(a.c);
  assert.deepEqual(events, ['locked', 'unlocked']);
  await p.move(50, 50);
  assert.deepEqual(seat.pointerPosition, { x: 50, y: 50 });
  // Surfaces without a role take constraints too (they activate once shown).
  const more: Proxy[] = [];
  for (let i = 1; i < MAX_POINTER_CONSTRAINTS; i++) {
    const s = a.g.compositor.request('create_surface', null)!;
    more.push(s);
    a.constraints.request(i % 2 ? 'confine_pointer' : 'lock_pointer', null, s, a.pointer, null, ONESHOT);
  }
  await settle(a.c);
  assert.equal(a.c.error, null);
  assert.equal(t.compositor.pointerConstraints.size, MAX_POINTER_CONSTRAINTS);
  more[0]!.request('destroy');
  await settle(a.c);
  assert.equal(t.compositor.pointerConstraints.size, MAX_POINTER_CONSTRAINTS - 1);
  // The constraint object of a destroyed surface still counts until it is destroyed.
  a.constraints.request('lock_pointer', null, a.g.compositor.request('create_surface', null)!, a.pointer, null, ONESHOT);
  await expectProtocolError(a.c, 'wl_display', DisplayError.no_memory, /too many pointer constraints \(limit 64\)/);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(t.compositor.pointerConstraints.size, 0);
  assert.equal(t.compositor.pointerConstraints.active, null);
  t.close();
});
