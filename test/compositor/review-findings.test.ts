// Adversarial review of the bounded-cost work (issue 15): each test is a
// finding, asserting what a client sees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DirectContent } from '../../src/compositor/index.js';
import { wl_subcompositor } from '../../src/protocol/wayland.js';
import { bindCore, hex, pixelAt, present, shmBuffer, startCompositor, toplevel } from '../support/compositor.js';

const KIB = 1024;

test('a buffer shown in place, attached and committed again: not released while it is still shown, released once when replaced', async () => {
  const t = startCompositor({ pixelBudget: { perClient: 64 * KIB, total: 1024 * KIB } });
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  const big = shmBuffer(g, 200, 200, () => 0xffff0000);
  present(w.surface, big.buffer, 200, 200);
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.ok(win.surface.content instanceof DirectContent, 'shown in place');
  // The same buffer again (a client re-committing with new damage, or only an offset change).
  present(w.surface, big.buffer, 200, 200);
  await c.roundtrip();
  assert.ok(win.surface.content instanceof DirectContent, 'still shown in place');
  assert.equal(big.released, 0, 'still shown: the client must not reuse it yet');
  const small = shmBuffer(g, 20, 20, () => 0xff123456);
  present(w.surface, small.buffer, 20, 20);
  await c.roundtrip();
  assert.equal(big.released, 1, 'released exactly once, when replaced');
  t.close();
});

test('nesting past MAX_SUBSURFACE_DEPTH by grafting a surface that has subsurfaces of its own is no_memory too', async () => {
  const { MAX_SUBSURFACE_DEPTH } = await import('../../src/compositor/core/tree.js');
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  const sub = c.bind(wl_subcompositor, 1);
  // A chain MAX_SUBSURFACE_DEPTH - 1 deep under the window: one level is left.
  let leaf = w.surface;
  for (let i = 0; i < MAX_SUBSURFACE_DEPTH - 1; i++) {
    const s = g.compositor.request('create_surface', null)!;
    sub.request('get_subsurface', null, s, leaf);
    leaf = s;
    if (i % 1000 === 999) await c.roundtrip();
  }
  // A separate tree: a root surface with a chain of 100 below it.
  const graft = g.compositor.request('create_surface', null)!;
  let p = graft;
  for (let i = 0; i < 100; i++) {
    const s = g.compositor.request('create_surface', null)!;
    sub.request('get_subsurface', null, s, p);
    p = s;
  }
  await c.roundtrip();
  assert.equal(c.error, null);
  // Grafted on the leaf, its deepest subsurface would be MAX_SUBSURFACE_DEPTH + 100 deep.
  sub.request('get_subsurface', null, graft, leaf);
  await c.roundtrip().catch(() => {});
  assert.notEqual(c.error, null, `a tree ${MAX_SUBSURFACE_DEPTH + 100} deep was accepted (the limit counts only the parent's ancestors)`);
  assert.match(c.error!.message, /nested deeper than/);
  t.close();
});

test('a buffer shown in place, committed again once the budget allows a copy: released once, not twice', async () => {
  const t = startCompositor({ pixelBudget: { perClient: 64 * KIB, total: 1024 * KIB } });
  const c = await t.client();
  const g = bindCore(c);
  const other = await toplevel(c, g);
  present(other.surface, shmBuffer(g, 100, 100, () => 0xff00ff00).buffer, 100, 100); // 40 KiB copied
  await c.roundtrip();
  const w = await toplevel(c, g);
  const a = shmBuffer(g, 100, 100, () => 0xffff0000); // 40 KiB more: past the budget
  present(w.surface, a.buffer, 100, 100);
  await c.roundtrip();
  const win = t.compositor.windows.at(-1)!;
  assert.ok(win.surface.content instanceof DirectContent, 'shown in place');
  other.toplevel.request('destroy');
  other.xdgSurface.request('destroy');
  other.surface.request('destroy'); // its copy goes back: the budget allows one again
  await c.roundtrip();
  present(w.surface, a.buffer, 100, 100);
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 5, win.y + 5)), hex(0xffff0000));
  assert.equal(a.released, 1, 'one commit shown, one release');
  t.close();
});
