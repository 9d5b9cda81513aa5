// zwp_idle_inhibit_manager_v1: an inhibitor inhibits idling while its
// surface is shown (painted, mapped, on the output); what the compositor
// says of it (Compositor.idleInhibited, its log line, the client's stats)
// as surfaces map, unmap, leave the output, die, and as clients go; the
// per-client bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WaylandClient } from '../../../src/client/index.js';
import { MAX_IDLE_INHIBITORS } from '../../../src/compositor/core/idle-inhibit.js';
import { zwp_idle_inhibit_manager_v1 } from '../../../src/protocol/idle-inhibit.js';
import { wl_subcompositor } from '../../../src/protocol/wayland.js';
import { DisplayError } from '../../../src/wire/codec.js';
import { bindCore, expectProtocolError, mappedWindow, present, shmBuffer, startCompositor, type TestCompositor } from '../../support/compositor.js';
import { waitFor } from '../../support/common.js';

function withLog(): { t: TestCompositor; lines: string[] } {
  const lines: string[] = [];
  const t = startCompositor({ logLevel: 'info', log: (line) => lines.push(line) });
  return { t, lines };
}

/** Commits made so far painted, then what the compositor says. */
async function inhibited(t: TestCompositor, ...cs: WaylandClient[]): Promise<boolean> {
  for (const c of cs) await c.roundtrip();
  t.compositor.paint();
  return t.compositor.idleInhibited;
}

const statsOf = (t: TestCompositor, label: string): number => t.compositor.clientStats.find((s) => s.label === label)!.idleInhibitors;

test('a shown window with an inhibitor inhibits idling (logged, counted in its stats); unmapped it does not, mapped again it does; destroying the inhibitor uncounts it', async () => {
  const { t, lines } = withLog();
  const c = await t.client('player');
  const g = bindCore(c);
  const manager = c.bind(zwp_idle_inhibit_manager_v1, 1);
  const { w } = await mappedWindow(t, c, g, 100, 100, 0xff336699);
  assert.equal(await inhibited(t, c), false, 'no inhibitor yet');
  const inhibitor = manager.request('create_inhibitor', null, w.surface)!;
  assert.equal(await inhibited(t, c), true);
  assert.equal(statsOf(t, 'player'), 1);
  assert.ok(lines.some((l) => /info: idle inhibited/.test(l)), lines.join('\n'));

  w.surface.request('attach', null, 0, 0);
  w.surface.request('commit');
  assert.equal(await inhibited(t, c), false, 'unmapped: not shown');
  assert.ok(lines.some((l) => /info: idle no longer inhibited/.test(l)), lines.join('\n'));
  assert.equal(statsOf(t, 'player'), 1, 'the inhibitor lives on, not honoured while its surface is not shown');
  // Mapped again (the initial commit, its configure, a buffer): honoured again.
  const n = w.serials.length;
  w.surface.request('commit');
  await waitFor(() => w.serials.length > n, 'the configure of the new initial commit');
  present(w.surface, shmBuffer(g, 100, 100, () => 0xff336699).buffer, 100, 100);
  assert.equal(await inhibited(t, c), true, 'shown again');

  inhibitor.request('destroy');
  assert.equal(await inhibited(t, c), false);
  assert.equal(statsOf(t, 'player'), 0);
  t.close();
});

test('an inhibitor on a surface that is not shown (no role, or off the output after a mode change) does not inhibit; a subsurface shown does', async () => {
  const { t } = withLog();
  const c = await t.client('c');
  const g = bindCore(c);
  const manager = c.bind(zwp_idle_inhibit_manager_v1, 1);
  const bare = g.compositor.request('create_surface', null)!;
  manager.request('create_inhibitor', null, bare);
  assert.equal(await inhibited(t, c), false, 'a surface with no role is never shown');

  // A subsurface of a window (at 32,32), 20×20 at 10,10 inside it.
  const { w } = await mappedWindow(t, c, g, 100, 100, 0xff000000);
  const child = g.compositor.request('create_surface', null)!;
  c.bind(wl_subcompositor, 1).request('get_subsurface', null, child, w.surface)!.request('set_position', 10, 10);
  present(child, shmBuffer(g, 20, 20, () => 0xffffffff).buffer, 20, 20);
  w.surface.request('commit'); // the subsurface's position and (synchronized) state
  manager.request('create_inhibitor', null, child);
  assert.equal(await inhibited(t, c), true, 'the subsurface is shown');

  // The output shrinks to 16×16: the window (at 32,32) is no longer on it.
  t.compositor.output.setMode({ width: 16, height: 16 });
  assert.equal(await inhibited(t, c), false, 'off the output');
  t.compositor.output.setMode({ width: 640, height: 480 });
  assert.equal(await inhibited(t, c), true, 'on it again');
  t.close();
});

test('a surface destroyed makes its inhibitors inert; another client\'s inhibitor keeps idling inhibited; a client leaving takes its inhibitors', async () => {
  const { t } = withLog();
  const a = await t.client('a');
  const ga = bindCore(a);
  const b = await t.client('b');
  const gb = bindCore(b);
  const wa = (await mappedWindow(t, a, ga, 50, 50, 0xff0000ff)).w;
  const wb = (await mappedWindow(t, b, gb, 50, 50, 0xff00ff00)).w;
  const ia = a.bind(zwp_idle_inhibit_manager_v1, 1).request('create_inhibitor', null, wa.surface)!;
  a.bind(zwp_idle_inhibit_manager_v1, 1).request('create_inhibitor', null, wa.surface); // two on one surface
  b.bind(zwp_idle_inhibit_manager_v1, 1).request('create_inhibitor', null, wb.surface);
  assert.equal(await inhibited(t, a, b), true);
  assert.equal(t.compositor.idleInhibitors.count, 3);
  assert.deepEqual([statsOf(t, 'a'), statsOf(t, 'b')], [2, 1]);

  b.close();
  await waitFor(() => t.compositor.idleInhibitors.count === 2, "b's inhibitor gone with b");
  assert.equal(await inhibited(t, a), true, "a's window still inhibits");
  assert.equal(statsOf(t, 'b'), 0);

  wa.toplevel.request('destroy');
  wa.xdgSurface.request('destroy');
  wa.surface.request('destroy');
  assert.equal(await inhibited(t, a), false, 'the surface is gone: its inhibitors are inert');
  assert.equal(t.compositor.idleInhibitors.count, 0);
  ia.request('destroy'); // an inert inhibitor is still an object the client destroys
  await a.roundtrip();
  assert.equal(statsOf(t, 'a'), 1, 'one inert inhibitor object left');
  assert.equal(a.error, null);
  t.close();
});

test(`a client may hold ${MAX_IDLE_INHIBITORS} inhibitors; one more is no_memory`, async () => {
  const { t } = withLog();
  const c = await t.client('greedy');
  const g = bindCore(c);
  const manager = c.bind(zwp_idle_inhibit_manager_v1, 1);
  const s = g.compositor.request('create_surface', null)!;
  for (let i = 0; i < MAX_IDLE_INHIBITORS; i++) manager.request('create_inhibitor', null, s);
  await c.roundtrip();
  assert.equal(statsOf(t, 'greedy'), MAX_IDLE_INHIBITORS);
  manager.request('create_inhibitor', null, s);
  await expectProtocolError(c, 'wl_display', DisplayError.no_memory, /too many idle inhibitors \(limit 64\)/);
  await waitFor(() => t.compositor.idleInhibitors.count === 0 && statsOf(t, 'greedy') === 0, 'everything given back');
  t.close();
});
