// zwp_relative_pointer_v1 as a client sees it: relative_motion with each
// motion while it has pointer focus (scripted and virtual pointers), in the
// motion's frame, the delta unclamped at the output's edge; none for other
// clients, none once its wl_pointer is gone; the per-client bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { MAX_RELATIVE_POINTERS } from '../../../src/compositor/input/relative-pointer.js';
import { zwp_relative_pointer_manager_v1 } from '../../../src/protocol/relative-pointer.js';
import { zwlr_virtual_pointer_manager_v1 } from '../../../src/protocol/wlr-virtual-pointer.js';
import { wl_seat } from '../../../src/protocol/wayland.js';
import { DisplayError } from '../../../src/wire/codec.js';
import { bindCore, expectProtocolError, mappedWindow, startCompositor, type TestCompositor } from '../../support/compositor.js';

/** A client with a window of 100×100 (at 32,32 when first), a wl_pointer and a relative pointer, logging both. */
async function withRelative(t: TestCompositor, label: string, color: number) {
  const c = await t.client(label);
  const g = bindCore(c);
  const log: string[] = [];
  const pointer = c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {}).request('get_pointer', null)!;
  pointer
    .on('enter', () => log.push('enter'))
    .on('leave', () => log.push('leave'))
    .on('motion', (_t, x, y) => log.push(`motion ${String(x)},${String(y)}`))
    .on('frame', () => log.push('frame'));
  const manager = c.bind(zwp_relative_pointer_manager_v1, 1);
  const relative = manager.request('get_relative_pointer', null, pointer)!;
  relative.on('relative_motion', (hi, lo, dx, dy, ux, uy) => log.push(`relative ${String(dx)},${String(dy)} ${String(ux)},${String(uy)} t${Number(hi) * 2 ** 32 + Number(lo)}`));
  const { w } = await mappedWindow(t, c, g, 100, 100, color);
  return { c, g, log, pointer, relative, manager, w };
}

const settle = async (...cs: WaylandClient[]): Promise<void> => {
  for (const c of cs) await c.roundtrip();
};

test('scripted motion over a focused surface carries relative_motion, before the motion, in its frame; the other client gets none', async () => {
  const t = startCompositor(); // 640×480
  const a = await withRelative(t, 'a', 0xff0000ff); // at 32,32
  const b = await withRelative(t, 'b', 0xff00ff00); // at 64,64, above a
  const p = t.compositor.input.pointer;
  await p.move(40, 40); // a (b starts at 64)
  await p.move(45, 43);
  await settle(a.c, b.c);
  const tail = a.log.slice(a.log.lastIndexOf('enter'));
  assert.match(tail.join('|'), /^enter\|frame\|relative 5,3 5,3 t\d+\|motion 13,11\|frame$/);
  assert.ok(!b.log.some((l) => l.startsWith('relative')), b.log.join('\n'));
  // Into b: the relative motion goes to a (focus before the move), then leave; b gets enter.
  await p.move(100, 100);
  await settle(a.c, b.c);
  assert.match(a.log.slice(-3).join('|'), /^relative 55,57 55,57 t\d+\|leave\|frame$/);
  await p.move(90, 110);
  await settle(a.c, b.c);
  assert.match(b.log.slice(-3).join('|'), /^relative -10,10 -10,10 t\d+\|motion 26,46\|frame$/);
  t.close();
});

test('a virtual pointer\'s relative motion reaches the focused relative pointer unclamped at the output\'s edge', async () => {
  const t = startCompositor({ width: 200, height: 200 });
  const a = await withRelative(t, 'a', 0xff0000ff); // 100×100 at 32,32
  const v = await t.client('vp');
  const vp = v.bind(zwlr_virtual_pointer_manager_v1, 2).request('create_virtual_pointer_with_output', null, null, null)!;
  vp.request('motion_absolute', 1, 50, 50, 200, 200);
  vp.request('frame');
  vp.request('motion', 2000, 3, -2);
  vp.request('frame');
  await settle(v, a.c);
  assert.match(a.log.slice(-3).join('|'), /^relative 3,-2 3,-2 t2000000\|motion 21,16\|frame$/);
  // Pinned at the top edge, the camera still turns.
  vp.request('motion', 3000, 0, -500);
  vp.request('frame');
  await settle(v, a.c);
  assert.ok(a.log.includes('relative 0,-500 0,-500 t3000000'), a.log.join('\n'));
  t.close();
});

test('a relative pointer is inert once its wl_pointer is gone; a client holds at most the bound', async () => {
  const t = startCompositor();
  const a = await withRelative(t, 'a', 0xff0000ff);
  const p = t.compositor.input.pointer;
  await p.move(40, 40);
  a.pointer.request('release');
  await settle(a.c);
  a.log.length = 0;
  await p.move(50, 50);
  await settle(a.c);
  assert.deepEqual(a.log, []);
  const seat = a.c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {});
  const pointer: Proxy = seat.request('get_pointer', null)!.on('enter', () => {}).on('frame', () => {}).on('motion', () => {}).on('leave', () => {});
  for (let i = 1; i < MAX_RELATIVE_POINTERS; i++) a.manager.request('get_relative_pointer', null, pointer)!.on('relative_motion', () => {});
  await settle(a.c);
  assert.equal(a.c.error, null);
  a.manager.request('get_relative_pointer', null, pointer)!.on('relative_motion', () => {});
  await expectProtocolError(a.c, 'wl_display', DisplayError.no_memory, /too many relative pointers \(limit 64\)/);
  t.close();
});
