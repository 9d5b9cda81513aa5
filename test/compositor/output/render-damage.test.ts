// Damage tracking is exact: after every change of the scene (windows mapped,
// raised, unmapped, subsurfaces restacked), the frame painted from damage
// alone equals the frame painted from scratch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy } from '../../../src/client/index.js';
import { wl_subcompositor } from '../../../src/protocol/wayland.js';
import { bindCore, present, shmBuffer, startCompositor, toplevel, type Toplevel } from '../../support/compositor.js';

test('30 overlapping windows raised, unmapped and remapped at random, subsurfaces restacked: each damage-only frame equals a full repaint', async () => {
  const t = startCompositor({ width: 320, height: 240 });
  const c = await t.client();
  const g = bindCore(c);
  const sub = c.bind(wl_subcompositor, 1);
  let seed = 7;
  const rand = (k: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % k;
  };
  const windows: { w: Toplevel; size: number; color: number; kids: Proxy[]; subs: Proxy[] }[] = [];
  for (let i = 0; i < 30; i++) {
    const w = await toplevel(c, g);
    const size = 40 + rand(80);
    const color = 0xff000000 | ((i * 0x3a5f17) & 0xffffff);
    present(w.surface, shmBuffer(g, size, size, () => color).buffer, size, size);
    const kids: Proxy[] = [];
    const subs: Proxy[] = [];
    for (let k = 0; k < 2; k++) {
      const s = g.compositor.request('create_surface', null)!;
      const ss = sub.request('get_subsurface', null, s, w.surface)!;
      ss.request('set_position', 5 + 10 * k, 5 + 10 * k);
      ss.request('set_desync');
      present(s, shmBuffer(g, 20, 20, () => color ^ (0x00ff00ff * (k + 1))).buffer, 20, 20);
      kids.push(s);
      subs.push(ss);
    }
    w.surface.request('commit');
    windows.push({ w, size, color, kids, subs });
  }
  await c.roundtrip();
  const compare = (what: string): void => {
    t.compositor.paint();
    const incremental = t.compositor.output.framebuffer.slice();
    t.compositor.renderer.invalidate();
    t.compositor.paint();
    const full = t.compositor.output.framebuffer;
    let diff = -1;
    for (let i = 0; i < full.length && diff < 0; i++) if (full[i] !== incremental[i]) diff = i;
    assert.equal(diff, -1, `${what}: first differing pixel at ${diff % 320},${Math.floor(diff / 320)}`);
  };
  compare('initial');
  for (let round = 0; round < 60; round++) {
    const i = rand(windows.length);
    const win = windows[i]!;
    const op = rand(4);
    if (op === 0) {
      const x = t.compositor.windows.find((w) => w.surface.resource.id === win.w.surface.id);
      if (x) t.compositor.desktop.activate(x.surface);
    } else if (op === 1) {
      win.w.surface.request('attach', null, 0, 0);
      win.w.surface.request('commit');
      await c.roundtrip();
      win.w.surface.request('commit');
      await c.roundtrip();
      present(win.w.surface, shmBuffer(g, win.size, win.size, () => win.color).buffer, win.size, win.size);
    } else if (op === 2) {
      win.subs[0]!.request(rand(2) === 0 ? 'place_above' : 'place_below', rand(2) === 0 ? win.kids[1]! : win.w.surface);
      win.w.surface.request('commit');
    } else {
      win.subs[1]!.request('set_position', rand(60), rand(60));
      win.w.surface.request('commit');
    }
    await c.roundtrip();
    compare(`round ${round} (op ${op} on window ${i})`);
  }
  assert.equal(c.error, null);
  t.close();
});
