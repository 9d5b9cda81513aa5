// Real layer-shell clients (Debian fuzzel, bemenu) against the in-process
// compositor on a private socket: their layer surface is in the scene and
// painted where they put it; fuzzel asks for keyboard focus.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Compositor, Surface } from '../../../src/compositor/index.js';
import { BACKGROUND } from '../../../src/compositor/index.js';
import type { LayerSurface } from '../../../src/compositor/shell/layer-shell.js';
import { socketSession, type SocketSession } from '../../support/compositor.js';
import { start } from '../../support/peer-compositors.js';
import { needPeer } from '../../support/peers.js';
import { waitFor } from '../../support/common.js';

const FUZZEL = '/usr/bin/fuzzel';
const BEMENU = '/usr/bin/bemenu';
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';

/** The compositor on a socket in a private 0700 runtime dir that is also HOME (fuzzel writes its cache there). */
function session(width = 800, height = 600): SocketSession {
  return socketSession({ width, height }, 'nosigbus-layer-');
}

function mappedLayer(compositor: Compositor, namespace: string): LayerSurface | undefined {
  return [...compositor.layerShell.surfaces].find((s) => s.mapped && s.namespace === namespace);
}

/** Distinct colors inside `box` (fuzzel's fill, border, text and icons). */
function colorsIn(compositor: Compositor, box: { x: number; y: number; width: number; height: number }): number {
  const fb = compositor.snapshot();
  const W = compositor.output.width;
  const seen = new Set<number>();
  for (let y = box.y; y < box.y + box.height; y++) for (let x = box.x; x < box.x + box.width; x++) seen.add(fb[y * W + x]!);
  return seen.size;
}

/** Pixels of the output inside `box` (logical = pixels at scale 1) that differ from the background. */
function paintedIn(compositor: Compositor, box: { x: number; y: number; width: number; height: number }): number {
  const fb = compositor.snapshot();
  const W = compositor.output.width;
  let n = 0;
  for (let y = box.y; y < box.y + box.height; y++) for (let x = box.x; x < box.x + box.width; x++) if (fb[y * W + x] !== BACKGROUND) n++;
  return n;
}

test('fuzzel maps a layer surface, centered and painted (its text is not background), and asks for keyboard focus', async (t: TestContext) => {
  if (!needPeer(t, [FUZZEL, FONT], 'fuzzel fonts-dejavu-core')) return;
  const s = session();
  const focus: (Surface | null)[] = [];
  const hook = s.t.compositor.requestKeyboardFocus.bind(s.t.compositor);
  s.t.compositor.requestKeyboardFocus = (surface) => {
    focus.push(surface);
    hook(surface);
  };
  try {
    const fuzzel = start(FUZZEL, [], s.env, 60_000);
    s.procs.push(fuzzel);
    await waitFor(() => mappedLayer(s.t.compositor, 'launcher') !== undefined || fuzzel.child.exitCode !== null, 'fuzzel to map its layer surface', 20_000);
    const ls = mappedLayer(s.t.compositor, 'launcher');
    assert.ok(ls, `fuzzel mapped no layer surface: ${fuzzel.stderr()}`);
    assert.equal(ls.layer, 2, 'top layer (fuzzel.ini default)');
    // fuzzel is centered on the output (no anchors) and draws a filled, bordered box with text.
    const { box } = ls;
    assert.ok(box.width > 100 && box.height > 100, `box ${JSON.stringify(box)}`);
    assert.equal(box.x, Math.floor((800 - box.width) / 2));
    assert.equal(box.y, Math.floor((600 - box.height) / 2));
    assert.ok(s.t.compositor.sceneRoots().some((r) => r.surface === ls.surface), 'in the scene');
    const painted = paintedIn(s.t.compositor, box);
    assert.ok(painted > (box.width * box.height) / 2, `only ${painted} of ${box.width * box.height} pixels painted`);
    // Antialiased text and icons: many shades, not one flat fill.
    const colors = colorsIn(s.t.compositor, box);
    assert.ok(colors > 20, `only ${colors} colors in fuzzel's box`);
    assert.equal(paintedIn(s.t.compositor, { x: 0, y: 0, width: 10, height: 10 }), 0, 'nothing outside its box');
    assert.equal(focus.at(-1), ls.surface, 'keyboard_interactivity exclusive: focus asked for');
    assert.equal(fuzzel.child.exitCode, null, 'still running');
  } finally {
    await s.close();
  }
});

test('fuzzel exits when Escape is typed', async (t: TestContext) => {
  if (!needPeer(t, [FUZZEL, FONT], 'fuzzel fonts-dejavu-core')) return;
  const s = session();
  try {
    const fuzzel = start(FUZZEL, [], s.env, 60_000);
    s.procs.push(fuzzel);
    await waitFor(() => mappedLayer(s.t.compositor, 'launcher') !== undefined, 'fuzzel to map its layer surface', 20_000);
    await s.t.compositor.input.key('Escape');
    const exit = await fuzzel.exited;
    assert.equal(exit.signal, null, exit.stderr);
    assert.equal(exit.code, 0, exit.stderr);
    await waitFor(() => mappedLayer(s.t.compositor, 'launcher') === undefined, 'its layer surface to go');
  } finally {
    await s.close();
  }
});

// bemenu reads its items on stdin and prints the chosen one: the one typed
// (sway's seat-less headless crashes it; without any wl_seat it gives up).
test('bemenu maps a layer surface, takes the keys typed and prints the item chosen', async (t: TestContext) => {
  if (!needPeer(t, [BEMENU, FONT], 'bemenu fonts-dejavu-core')) return;
  const s = session();
  try {
    const bemenu = start(BEMENU, [], { ...s.env, BEMENU_BACKEND: 'wayland' }, 60_000, 'one\ntwo\nthree\n');
    s.procs.push(bemenu);
    await waitFor(() => [...s.t.compositor.layerShell.surfaces].some((x) => x.mapped) || bemenu.child.exitCode !== null, 'bemenu to map its layer surface', 20_000);
    const ls = [...s.t.compositor.layerShell.surfaces].find((x) => x.mapped);
    assert.ok(ls, `bemenu mapped no layer surface: ${bemenu.stderr()}`);
    assert.ok(paintedIn(s.t.compositor, ls.box) > 0, 'painted');
    await waitFor(() => s.t.compositor.seat.keyboardFocus === ls.surface, 'bemenu to have keyboard focus');
    // Each key is drawn before the next (bemenu filters as it redraws).
    const commits = (): number => s.t.compositor.statsOf(ls.surface.client)?.commits ?? 0;
    for (const ch of 'thr') {
      const before = commits();
      await s.t.compositor.input.type(ch);
      await waitFor(() => commits() > before, `bemenu to draw '${ch}'`);
    }
    await s.t.compositor.input.key('Return');
    const exit = await bemenu.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stdout, 'three\n');
  } finally {
    await s.close();
  }
});
