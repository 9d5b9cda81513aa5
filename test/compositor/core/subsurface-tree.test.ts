// Subsurface trees a client may build: deep chains, wide parents, restacking.
// What a user sees: the pixels shown, the error a client gets, and that the
// compositor still serves another client afterwards.
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { MAX_SUBSURFACE_DEPTH } from '../../../src/compositor/core/tree.js';
import { wl_subcompositor } from '../../../src/protocol/wayland.js';
import { memfd } from '../../../src/shm/index.js';
import { bindCore, expectProtocolError, hex, mappedWindow, pixelAt, startCompositor, toplevel, XRGB, type Globals, type TestCompositor } from '../../support/compositor.js';

/** One pool of `count` 1×1 buffers, buffer i of color colors(i) (one fd, however many buffers). */
function onePixelBuffers(g: Globals, count: number, color: (i: number) => number): Proxy[] {
  const fd = memfd('pixels', count * 4);
  const bytes = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i++) bytes.writeUInt32LE(color(i) >>> 0, i * 4);
  writeSync(fd, bytes, 0, bytes.length, 0);
  const pool = g.shm.request('create_pool', null, fd, count * 4)!;
  const buffers: Proxy[] = [];
  for (let i = 0; i < count; i++) buffers.push(pool.request('create_buffer', null, i * 4, 1, 1, 4, XRGB)!);
  return buffers;
}

async function anotherClientServed(t: TestCompositor): Promise<void> {
  const c = await t.client('second');
  const g = bindCore(c);
  const { win } = await mappedWindow(t, c, g, 8, 8, 0xff00ff00);
  assert.equal(hex(pixelAt(t.compositor, win.x + 1, win.y + 1)), hex(0xff00ff00), 'a second client is shown');
}

/** A chain of `depth` subsurfaces under `root`, each one pixel right and down of its parent. */
function chain(c: WaylandClient, g: Globals, root: Proxy, depth: number, buffers: Proxy[], desync: boolean): { surfaces: Proxy[]; subsurfaces: Proxy[] } {
  const sub = c.bind(wl_subcompositor, 1);
  const surfaces: Proxy[] = [];
  const subsurfaces: Proxy[] = [];
  let parent = root;
  for (let i = 0; i < depth; i++) {
    const s = g.compositor.request('create_surface', null)!;
    const ss = sub.request('get_subsurface', null, s, parent)!;
    ss.request('set_position', 1, 1);
    if (desync) ss.request('set_desync');
    s.request('attach', buffers[i]!, 0, 0);
    s.request('damage_buffer', 0, 0, 1, 1);
    surfaces.push(s);
    subsurfaces.push(ss);
    parent = s;
  }
  return { surfaces, subsurfaces };
}

test('a 5,000-deep chain of synchronized subsurfaces: committed bottom-up, the whole chain shows at once', async () => {
  const t = startCompositor({ width: 640, height: 480 });
  const c = await t.client();
  const g = bindCore(c);
  const { w, win } = await mappedWindow(t, c, g, 4, 4, 0xff000080);
  const depth = 5000;
  const buffers = onePixelBuffers(g, depth, (i) => 0xff000000 | ((i * 7919) & 0xffffff));
  const { surfaces } = chain(c, g, w.surface, depth, buffers, false);
  for (let i = depth - 1; i >= 0; i--) surfaces[i]!.request('commit'); // deepest first: cached all the way up
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 100, win.y + 100)), hex(0xff203040), 'nothing of the chain before the root commits');
  w.surface.request('commit');
  await c.roundtrip();
  // Subsurface i sits at (i + 1, i + 1) from the window; the output is 640×480.
  for (const i of [0, 1, 99, 400, 470]) {
    const x = win.x + i + 1;
    const y = win.y + i + 1;
    if (y >= 480 || x >= 640) continue;
    assert.equal(hex(pixelAt(t.compositor, x, y)), hex(0xff000000 | ((i * 7919) & 0xffffff)), `subsurface ${i}`);
  }
  assert.equal(c.error, null);
  await anotherClientServed(t);
  t.close();
});

test('a 5,000-deep chain of desynchronized subsurfaces, then its middle destroyed: what is below stays, the rest leaves', async () => {
  const t = startCompositor({ width: 640, height: 480 });
  const c = await t.client();
  const g = bindCore(c);
  const { w, win } = await mappedWindow(t, c, g, 4, 4, 0xff000080);
  const depth = 5000;
  const buffers = onePixelBuffers(g, depth, () => 0xffffffff);
  const { surfaces, subsurfaces } = chain(c, g, w.surface, depth, buffers, true);
  for (const s of surfaces) s.request('commit');
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 200, win.y + 200)), hex(0xffffffff), 'subsurface 199 is shown');
  subsurfaces[100]!.request('destroy'); // unmaps 100 and with it everything above it in the tree
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 100, win.y + 100)), hex(0xffffffff), 'subsurface 99 stays');
  assert.equal(hex(pixelAt(t.compositor, win.x + 200, win.y + 200)), hex(0xff203040), 'subsurface 199 left with its ancestor');
  await anotherClientServed(t);
  t.close();
});

test(`nesting deeper than ${MAX_SUBSURFACE_DEPTH.toLocaleString('en')} is no_memory for that client only`, async () => {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  const sub = c.bind(wl_subcompositor, 1);
  let parent = w.surface;
  for (let i = 0; i < MAX_SUBSURFACE_DEPTH; i++) {
    const s = g.compositor.request('create_surface', null)!;
    sub.request('get_subsurface', null, s, parent);
    parent = s;
    if (i % 1000 === 999) await c.roundtrip();
  }
  await c.roundtrip();
  assert.equal(c.error, null, `${MAX_SUBSURFACE_DEPTH} levels are fine`);
  sub.request('get_subsurface', null, g.compositor.request('create_surface', null)!, parent);
  await expectProtocolError(c, 'wl_display', 2, /nested deeper than/);
  await anotherClientServed(t);
  t.close();
});

test('restacking: random place_above/place_below among 40 siblings shows the pending order after the parent commits', async () => {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const { w, win } = await mappedWindow(t, c, g, 4, 4, 0xff000080);
  const sub = c.bind(wl_subcompositor, 1);
  const n = 40;
  const buffers = onePixelBuffers(g, n, (i) => 0xff000000 | (i + 1));
  const kids: Proxy[] = [];
  const subs: Proxy[] = [];
  // Every child covers the same pixel (10, 10) of the window: the topmost shows.
  for (let i = 0; i < n; i++) {
    const s = g.compositor.request('create_surface', null)!;
    const ss = sub.request('get_subsurface', null, s, w.surface)!;
    ss.request('set_position', 10, 10);
    ss.request('set_desync');
    s.request('attach', buffers[i]!, 0, 0);
    s.request('commit');
    kids.push(s);
    subs.push(ss);
  }
  w.surface.request('commit');
  // A model of the pending order: -1 is the parent, i the child i.
  const order = [-1, ...kids.map((_, i) => i)];
  let seed = 12345;
  const rand = (k: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % k;
  };
  for (let round = 0; round < 30; round++) {
    for (let m = 0; m < 1 + rand(6); m++) {
      const child = rand(n);
      let sibling = rand(n + 1) - 1;
      if (sibling === child) sibling = -1;
      const above = rand(2) === 0;
      subs[child]!.request(above ? 'place_above' : 'place_below', sibling === -1 ? w.surface : kids[sibling]!);
      order.splice(order.indexOf(child), 1);
      const at = order.indexOf(sibling);
      order.splice(above ? at + 1 : at, 0, child);
    }
    w.surface.request('commit');
    await c.roundtrip();
    const top = order.at(-1)!;
    const expected = top === -1 ? 0xff000080 : 0xff000000 | (top + 1);
    assert.equal(hex(pixelAt(t.compositor, win.x + 10, win.y + 10)), hex(expected), `round ${round}: topmost is ${top}`);
    const shown = [...t.compositor.windows.at(0)!.surface.stack].map((s) => (s === t.compositor.windows.at(0)!.surface ? -1 : kids.findIndex((k) => k.id === s.resource.id)));
    assert.deepEqual(shown, order, `round ${round}: the whole order`);
  }
  assert.equal(c.error, null);
  t.close();
});

test('sync mode follows set_sync/set_desync of an ancestor at once (nothing stale is remembered)', async () => {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const { w, win } = await mappedWindow(t, c, g, 4, 4, 0xff000080);
  const colors = [0xff110000, 0xff220000, 0xff330000, 0xff440000];
  const buffers = onePixelBuffers(g, 4, (i) => colors[i]!);
  const { surfaces, subsurfaces } = chain(c, g, w.surface, 2, buffers, true); // a at (1,1), b at (2,2), both desync
  for (const s of surfaces) s.request('commit');
  w.surface.request('commit');
  await c.roundtrip();
  const b = (): string => hex(pixelAt(t.compositor, win.x + 2, win.y + 2));
  assert.equal(b(), hex(colors[1]!), 'b desync: shown');
  subsurfaces[0]!.request('set_sync'); // a sync: b is synchronized through it
  surfaces[1]!.request('attach', buffers[2]!, 0, 0);
  surfaces[1]!.request('damage_buffer', 0, 0, 1, 1);
  surfaces[1]!.request('commit');
  await c.roundtrip();
  assert.equal(b(), hex(colors[1]!), 'b cached: its ancestor is synchronized');
  surfaces[0]!.request('commit');
  await c.roundtrip();
  assert.equal(b(), hex(colors[1]!), 'a cached too');
  w.surface.request('commit');
  await c.roundtrip();
  assert.equal(b(), hex(colors[2]!), 'the root commit applies a, then b');
  subsurfaces[0]!.request('set_desync');
  surfaces[1]!.request('attach', buffers[3]!, 0, 0);
  surfaces[1]!.request('damage_buffer', 0, 0, 1, 1);
  surfaces[1]!.request('commit');
  await c.roundtrip();
  assert.equal(b(), hex(colors[3]!), 'desync again: b shows at once');
  t.close();
});
