// Several outputs: a 640×480 HEADLESS-1 and an 800×600 HEADLESS-2 at
// +640,0 in one logical layout, seen by real clients (grim -o, wlr-randr,
// wayland-info, fuzzel) under `nosigbus run --output …` and against the
// in-process compositor on a private socket, and by in-process clients for
// what those do not show (wl_surface.enter/leave, layer surfaces' exclusive
// zones per output, fullscreen on a named output, the pointer over the
// union, presentation feedback's sync_output); --output's usage errors.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { decode } from 'fast-png';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { BACKGROUND, loadPngEncoder, type OutputSpec, type XdgSurface } from '../../../src/compositor/index.js';
import type { LayerSurface } from '../../../src/compositor/shell/layer-shell.js';
import { wl_output } from '../../../src/protocol/wayland.js';
import { wp_presentation } from '../../../src/protocol/presentation-time.js';
import { wp_fractional_scale_manager_v1 } from '../../../src/protocol/fractional-scale.js';
import { ext_output_image_capture_source_manager_v1 } from '../../../src/protocol/ext-image-capture-source.js';
import { ext_image_copy_capture_manager_v1 } from '../../../src/protocol/ext-image-copy-capture.js';
import { zwlr_layer_shell_v1, zwlr_layer_surface_v1 } from '../../../src/protocol/wlr-layer-shell.js';
import { zwlr_virtual_pointer_manager_v1 } from '../../../src/protocol/wlr-virtual-pointer.js';
import { bindCore, mappedWindow, present, shmBuffer, socketSession, startCompositor, toplevel, type SocketSession, type TestCompositor } from '../../support/compositor.js';
import { start } from '../../support/peer-compositors.js';
import { needPeer } from '../../support/peers.js';
import { privateDir, waitFor } from '../../support/common.js';
import { nosigbus } from '../../support/cli.js';
import { capture } from '../../../src/cli/capture-clients.js';
import { wl_shm } from '../../../src/protocol/wayland.js';
import { zwlr_screencopy_manager_v1 } from '../../../src/protocol/wlr-screencopy.js';

const GRIM = '/usr/bin/grim';
const WLR_RANDR = '/usr/bin/wlr-randr';
const WAYLAND_INFO = '/usr/bin/wayland-info';
const FUZZEL = '/usr/bin/fuzzel';
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf';
const ANCHOR = zwlr_layer_surface_v1.enums.anchor.entries;
const LAYER = zwlr_layer_shell_v1.enums.layer.entries;
const FULLSCREEN = 2; // xdg_toplevel.state.fullscreen
/** Under `nosigbus run`: the still pattern window (cascaded to 32,32 on HEADLESS-1), then ARGS while it is shown. */
const PATTERN_THEN = fileURLToPath(new URL('../../fixtures/pattern-then.js', import.meta.url));
const RED = 0xffff0000;
const GREEN = 0xff00ff00;
const YELLOW = 0xffffff00;

/** HEADLESS-1 640×480 at 0,0 and HEADLESS-2 800×600 at 640,0 (as `--output 640x480 --output 800x600+640,0`). */
const TWO: OutputSpec[] = [{ width: 640, height: 480 }, { width: 800, height: 600, x: 640, y: 0 }];

/** The compositor with `outputs` on a socket in a private runtime dir (also HOME); `body` runs, then it closes. */
async function withSession(body: (s: SocketSession) => Promise<void>, outputs: OutputSpec[] = TWO): Promise<void> {
  const s = socketSession({ outputs }, 'nosigbus-outputs-');
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

async function run(s: SocketSession, cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const e = await start(cmd, args, s.env, 30_000).exited;
  return { code: e.code, stdout: e.stdout, stderr: e.stderr };
}

interface Png {
  width: number;
  height: number;
  /** argb (alpha 0xff when the PNG has none). */
  at(x: number, y: number): number;
}

function png(bytes: Uint8Array): Png {
  const p = decode(bytes);
  const ch = p.channels;
  return {
    width: p.width,
    height: p.height,
    at: (x, y) => {
      const o = (y * p.width + x) * ch;
      const a = ch === 4 ? p.data[o + 3]! : 0xff;
      return ((a << 24) | (p.data[o]! << 16) | (p.data[o + 1]! << 8) | p.data[o + 2]!) >>> 0;
    },
  };
}

/** grim ARGS into a file of the session; the PNG. */
async function grim(s: SocketSession, args: string[]): Promise<Png> {
  const file = join(s.dir, `grim-${Math.random().toString(36).slice(2)}.png`);
  const r = await run(s, GRIM, [...args, file]);
  assert.equal(r.code, 0, r.stderr);
  return png(readFileSync(file));
}

/** Every distinct pixel of `p` inside the box, as hex strings. */
function colorsIn(p: Png, x0: number, y0: number, width: number, height: number): string[] {
  const seen = new Set<number>();
  for (let y = y0; y < y0 + height; y++) for (let x = x0; x < x0 + width; x++) seen.add(p.at(x, y));
  return [...seen].map((c) => `0x${c.toString(16).padStart(8, '0')}`).sort();
}

const hexOf = (c: number): string => `0x${(c >>> 0).toString(16).padStart(8, '0')}`;

/** Moves `win` to (x, y), paints, and waits until what that sent (enter, leave, scales) reached `c`. */
async function moveAndPaint(t: TestCompositor, c: WaylandClient, win: XdgSurface, x: number, y: number): Promise<void> {
  t.compositor.desktop.moveWindow(win, x, y);
  t.compositor.paint();
  await c.roundtrip();
}

/** The client's wl_output proxies, in registry order (HEADLESS-1 first), events ignored. */
function bindOutputs(c: WaylandClient): Proxy[] {
  return [...c.globals.values()]
    .filter((g) => g.interface === 'wl_output')
    .map((g) => {
      const o = c.bind(wl_output, 4, g.name);
      for (const e of ['geometry', 'mode', 'scale', 'name', 'description', 'done']) o.on(e, () => {});
      return o;
    });
}

test('grim -o HEADLESS-1 and -o HEADLESS-2: each its output\'s size and pixels; a window moved across the boundary is on both; grim without -o composes the layout as the screenshot does', async (t: TestContext) => {
  if (!needPeer(t, [GRIM], 'grim')) return;
  await loadPngEncoder();
  await withSession(async (s) => {
    const c = await s.t.client('window');
    const g = bindCore(c);
    const { win } = await mappedWindow(s.t, c, g, 200, 100, RED);
    assert.deepEqual([win.x, win.y], [32, 32], 'a new toplevel opens on the first output, cascaded');

    const one = await grim(s, ['-o', 'HEADLESS-1']);
    const two = await grim(s, ['-o', 'HEADLESS-2']);
    assert.deepEqual([one.width, one.height], [640, 480]);
    assert.deepEqual([two.width, two.height], [800, 600]);
    assert.deepEqual(colorsIn(one, 32, 32, 200, 100), [hexOf(RED)], 'the window on HEADLESS-1');
    assert.equal(hexOf(one.at(31, 31)), hexOf(BACKGROUND));
    assert.deepEqual(colorsIn(two, 0, 0, 800, 600), [hexOf(BACKGROUND)], 'HEADLESS-2 shows the background only');

    // Across the boundary: 100 logical pixels on each output.
    s.t.compositor.desktop.moveWindow(win, 540, 200);
    const a = await grim(s, ['-o', 'HEADLESS-1']);
    const b = await grim(s, ['-o', 'HEADLESS-2']);
    assert.deepEqual(colorsIn(a, 540, 200, 100, 100), [hexOf(RED)], 'its left half on HEADLESS-1');
    assert.deepEqual(colorsIn(a, 32, 32, 200, 100), [hexOf(BACKGROUND)], 'its old place repainted');
    assert.deepEqual(colorsIn(b, 0, 200, 100, 100), [hexOf(RED)], 'its right half on HEADLESS-2');
    assert.equal(hexOf(b.at(100, 200)), hexOf(BACKGROUND));

    // The whole layout: 1440 × 600, HEADLESS-1 below 480 is outside every output.
    const all = await grim(s, []);
    const shot = png(s.t.compositor.screenshotPng());
    for (const p of [all, shot]) {
      assert.deepEqual([p.width, p.height], [1440, 600]);
      assert.deepEqual(colorsIn(p, 540, 200, 200, 100), [hexOf(RED)], 'the window across the boundary');
      assert.equal(hexOf(p.at(639, 479)), hexOf(BACKGROUND));
      assert.equal(hexOf(p.at(640, 599)), hexOf(BACKGROUND));
      assert.deepEqual(colorsIn(p, 0, 480, 640, 120), ['0x00000000'], 'transparent where no output is');
    }
    for (let y = 0; y < 600; y += 7) for (let x = 0; x < 1440; x += 7) if (all.at(x, y) !== shot.at(x, y)) assert.fail(`pixel ${x},${y}: grim ${hexOf(all.at(x, y))}, screenshot ${hexOf(shot.at(x, y))}`);
  });
});

test('wlr-randr lists both heads with their positions; HEADLESS-2 moves and changes mode; overlapping it, or moving HEADLESS-1, fails', async (t: TestContext) => {
  if (!needPeer(t, [WLR_RANDR], 'wlr-randr')) return;
  await withSession(async (s) => {
    const listed = await run(s, WLR_RANDR, []);
    assert.equal(listed.code, 0, listed.stderr);
    // wlr-randr prints the heads in the reverse order of their events: find each by name.
    const head = (stdout: string, name: string): string => {
      const found = stdout.split(/^(?=\S)/m).filter((h) => h.startsWith(`${name} `));
      assert.equal(found.length, 1, stdout);
      return found[0]!;
    };
    assert.equal(listed.stdout.split(/^(?=\S)/m).length, 2, listed.stdout);
    const h1 = head(listed.stdout, 'HEADLESS-1');
    assert.match(h1, /^HEADLESS-1 "nosigbus headless output"$/m);
    assert.match(h1, /^ +640x480 px, 60\.000000 Hz \(preferred, current\)$/m);
    assert.match(h1, /Position: 0,0/);
    const h2 = head(listed.stdout, 'HEADLESS-2');
    assert.match(h2, /^HEADLESS-2 "nosigbus headless output 2"$/m);
    assert.match(h2, /^ +800x600 px, 60\.000000 Hz \(preferred, current\)$/m);
    assert.match(h2, /Position: 640,0/);

    const moved = await run(s, WLR_RANDR, ['--output', 'HEADLESS-2', '--pos', '0,480', '--custom-mode', '1024x768']);
    assert.equal(moved.code, 0, moved.stderr);
    const o2 = s.t.compositor.outputs[1]!;
    assert.deepEqual([o2.x, o2.y, o2.width, o2.height], [0, 480, 1024, 768]);
    const again = head((await run(s, WLR_RANDR, [])).stdout, 'HEADLESS-2');
    assert.match(again, /Position: 0,480/);
    assert.match(again, /^ +1024x768 px, 60\.000000 Hz \(current\)$/m);

    for (const args of [['--output', 'HEADLESS-2', '--pos', '100,100'], ['--output', 'HEADLESS-1', '--pos', '5000,0'], ['--output', 'HEADLESS-2', '--off']]) {
      const r = await run(s, WLR_RANDR, args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /failed to apply configuration/);
    }
    assert.deepEqual([o2.x, o2.y], [0, 480], 'nothing changed');
    assert.deepEqual([s.t.compositor.output.x, s.t.compositor.output.y], [0, 0]);
  });
});

test('wayland-info lists two wl_outputs with their names, modes and xdg_output logical positions and sizes', async (t: TestContext) => {
  if (!needPeer(t, [WAYLAND_INFO], 'wayland-utils')) return;
  await withSession(async (s) => {
    const r = await run(s, WAYLAND_INFO, []);
    assert.equal(r.code, 0, r.stderr);
    const outputs = r.stdout.split(/^(?=interface: 'wl_output')/m).slice(1);
    assert.equal(outputs.length, 2, r.stdout);
    assert.match(outputs[0]!, /name: HEADLESS-1/);
    assert.match(outputs[0]!, /width: 640 px, height: 480 px/);
    assert.match(outputs[1]!, /name: HEADLESS-2/);
    assert.match(outputs[1]!, /width: 800 px, height: 600 px/);
    assert.match(outputs[1]!, /scale: 2/);
    const xdg = [...r.stdout.matchAll(/xdg_output_v1[\s\S]*?output: (\d+)[\s\S]*?name: '?(HEADLESS-\d)'?[\s\S]*?logical_x: (-?\d+), logical_y: (-?\d+)[\s\S]*?logical_width: (\d+), logical_height: (\d+)/g)].map((m) => [m[2], m[3], m[4], m[5], m[6]].join(' '));
    assert.deepEqual(xdg.sort(), ['HEADLESS-1 0 0 640 480', 'HEADLESS-2 640 0 400 300']);
  }, [{ width: 640, height: 480 }, { width: 800, height: 600, scale: 2, x: 640, y: 0 }]);
});

test('a layer surface on HEADLESS-2 (get_layer_surface\'s output): placed and painted there, its exclusive zone shrinks that output\'s usable area only; grim -o HEADLESS-2 shows it', async (t: TestContext) => {
  if (!needPeer(t, [GRIM], 'grim')) return;
  await withSession(async (s) => {
    const c = await s.t.client('panel');
    const g = bindCore(c);
    const [, second] = bindOutputs(c);
    const shell = c.bind(zwlr_layer_shell_v1, 4);
    const surface = g.compositor.request('create_surface', null)!.on('enter', () => {}).on('leave', () => {});
    const ls = shell.request('get_layer_surface', null, surface, second!, LAYER.top, 'panel')!;
    const configures: { serial: number; width: number; height: number }[] = [];
    ls.on('configure', (serial, w, h) => configures.push({ serial: Number(serial), width: Number(w), height: Number(h) })).on('closed', () => {});
    ls.request('set_size', 0, 30);
    ls.request('set_anchor', ANCHOR.top | ANCHOR.left | ANCHOR.right);
    ls.request('set_exclusive_zone', 30);
    surface.request('commit');
    await c.roundtrip();
    assert.deepEqual(configures.map((x) => [x.width, x.height]), [[800, 30]], 'as wide as HEADLESS-2');
    ls.request('ack_configure', configures[0]!.serial);
    present(surface, shmBuffer(g, 800, 30, () => GREEN).buffer, 800, 30);
    await c.roundtrip();
    const layer = [...s.t.compositor.layerShell.surfaces][0]!;
    assert.equal(layer.output.name, 'HEADLESS-2');
    assert.deepEqual(layer.box, { x: 640, y: 0, width: 800, height: 30 });
    const [o1, o2] = s.t.compositor.outputs;
    assert.deepEqual(s.t.compositor.layerShell.usableAreaOf(o2!), { x: 640, y: 30, width: 800, height: 570 });
    assert.deepEqual(s.t.compositor.layerShell.usableAreaOf(o1!), { x: 0, y: 0, width: 640, height: 480 }, 'HEADLESS-1 keeps all of its area');

    // A maximized window on HEADLESS-1 fills HEADLESS-1 (no panel there).
    const w = await toplevel(c, g);
    w.toplevel.request('set_maximized');
    await c.roundtrip();
    assert.deepEqual([w.configures.at(-1)!.width, w.configures.at(-1)!.height], [640, 480]);

    const two = await grim(s, ['-o', 'HEADLESS-2']);
    assert.deepEqual(colorsIn(two, 0, 0, 800, 30), [hexOf(GREEN)], 'the panel along HEADLESS-2\'s top');
    assert.deepEqual(colorsIn(two, 0, 30, 800, 570), [hexOf(BACKGROUND)]);
    const one = await grim(s, ['-o', 'HEADLESS-1']);
    assert.deepEqual(colorsIn(one, 0, 0, 640, 480), [hexOf(BACKGROUND)], 'nothing of it on HEADLESS-1');
  });
});

test('fuzzel --output HEADLESS-2: its launcher is centred on HEADLESS-2 and painted there', async (t: TestContext) => {
  if (!needPeer(t, [FUZZEL, FONT, GRIM], 'fuzzel fonts-dejavu-core grim')) return;
  await withSession(async (s) => {
    const fuzzel = start(FUZZEL, ['--output', 'HEADLESS-2'], s.env, 60_000);
    s.procs.push(fuzzel);
    const mapped = (): LayerSurface | undefined => [...s.t.compositor.layerShell.surfaces].find((l) => l.mapped && l.namespace === 'launcher');
    await waitFor(() => mapped() !== undefined || fuzzel.child.exitCode !== null, 'fuzzel to map its layer surface', 20_000);
    const ls = mapped();
    assert.ok(ls, `fuzzel mapped no layer surface: ${fuzzel.stderr()}`);
    assert.equal(ls.output.name, 'HEADLESS-2');
    const { box } = ls;
    assert.equal(box.x, 640 + Math.floor((800 - box.width) / 2), 'centred on HEADLESS-2');
    assert.equal(box.y, Math.floor((600 - box.height) / 2));
    const two = await grim(s, ['-o', 'HEADLESS-2']);
    assert.ok(colorsIn(two, box.x - 640, box.y, box.width, box.height).length > 20, 'its text and icons on HEADLESS-2');
    const one = await grim(s, ['-o', 'HEADLESS-1']);
    assert.deepEqual(colorsIn(one, 0, 0, 640, 480), [hexOf(BACKGROUND)]);
  });
});

test('wl_surface.enter and leave follow a window across outputs: enter HEADLESS-1, enter HEADLESS-2 while it straddles, leave HEADLESS-1 once it is all on HEADLESS-2', async () => {
  const t = startCompositor({ outputs: TWO });
  const c = await t.client();
  const g = bindCore(c);
  const outputs = bindOutputs(c);
  await c.roundtrip();
  const w = await toplevel(c, g);
  const events: string[] = [];
  const nameOf = (o: unknown): string => `HEADLESS-${outputs.indexOf(o as Proxy) + 1}`;
  w.surface.on('enter', (o) => events.push(`enter ${nameOf(o)}`)).on('leave', (o) => events.push(`leave ${nameOf(o)}`));
  present(w.surface, shmBuffer(g, 100, 100, () => RED).buffer, 100, 100);
  await c.roundtrip();
  const win = t.compositor.windows.at(-1)!;
  const step = (x: number, y: number): Promise<void> => moveAndPaint(t, c, win, x, y);
  await step(win.x, win.y);
  assert.deepEqual(events, ['enter HEADLESS-1']);
  await step(600, 0);
  assert.deepEqual(events, ['enter HEADLESS-1', 'enter HEADLESS-2']);
  await step(700, 0);
  assert.deepEqual(events, ['enter HEADLESS-1', 'enter HEADLESS-2', 'leave HEADLESS-1']);
  await step(100, 500); // below HEADLESS-1 (480 tall), left of HEADLESS-2: on no output
  assert.deepEqual(events.slice(3), ['leave HEADLESS-2']);
  await step(10, 10);
  assert.deepEqual(events.slice(4), ['enter HEADLESS-1']);
  t.close();
});

test('fullscreen: set_fullscreen(HEADLESS-2) fills HEADLESS-2; set_fullscreen(null) fills the output the window is on', async () => {
  const t = startCompositor({ outputs: TWO });
  const c = await t.client();
  const g = bindCore(c);
  const [, second] = bindOutputs(c);
  const w = await toplevel(c, g);
  w.toplevel.request('set_fullscreen', second!);
  await c.roundtrip();
  const last = w.configures.at(-1)!;
  assert.deepEqual([last.width, last.height], [800, 600]);
  assert.ok(last.states.includes(FULLSCREEN));
  present(w.surface, shmBuffer(g, 800, 600, () => YELLOW).buffer, 800, 600);
  await c.roundtrip();
  const win = t.compositor.windows.at(-1)!;
  assert.deepEqual([win.x, win.y], [640, 0]);
  const shot = t.compositor.screenshot();
  assert.equal(hexOf(shot.pixels[300 * shot.width + 1000]!), hexOf(YELLOW), 'on HEADLESS-2');
  assert.equal(hexOf(shot.pixels[300 * shot.width + 300]!), hexOf(BACKGROUND), 'not on HEADLESS-1');

  // A second window, mapped on HEADLESS-1, goes fullscreen where it is.
  const { w: w2, win: win2 } = await mappedWindow(t, c, g, 100, 100, RED);
  w2.toplevel.request('set_fullscreen', null);
  await c.roundtrip();
  assert.deepEqual([w2.configures.at(-1)!.width, w2.configures.at(-1)!.height], [640, 480]);
  assert.deepEqual([win2.x, win2.y], [0, 0]);
  t.close();
});

test('the pointer moves over the union of the outputs: off every output it stops at the nearest point of one, not at the bounding box', async () => {
  const t = startCompositor({ outputs: TWO });
  const p = t.compositor.seat.pointer;
  const at = (x: number, y: number): number[] => {
    p.move(x, y);
    return [p.x, p.y];
  };
  assert.deepEqual(at(700, 550), [700, 550], 'on HEADLESS-2, below HEADLESS-1\'s height');
  assert.deepEqual(at(100, 550), [100, 479], 'below HEADLESS-1: its bottom row');
  assert.deepEqual(at(630, 590), [640, 590], 'nearer HEADLESS-2\'s left edge');
  assert.deepEqual(at(5000, 5000), [1439, 599]);
  assert.deepEqual(at(-50, -50), [0, 0]);

  // A virtual pointer made for HEADLESS-2 maps absolute motion onto it; one without an output onto the layout.
  const c = await t.client('pointer');
  const [, second] = bindOutputs(c);
  const manager = c.bind(zwlr_virtual_pointer_manager_v1, 2);
  const on2 = manager.request('create_virtual_pointer_with_output', null, second!, null)!;
  on2.request('motion_absolute', 0, 400, 300, 800, 600);
  on2.request('frame');
  await c.roundtrip();
  assert.deepEqual([p.x, p.y], [1040, 300]);
  const anywhere = manager.request('create_virtual_pointer', null, null)!;
  anywhere.request('motion_absolute', 0, 720, 300, 1440, 600);
  anywhere.request('frame');
  await c.roundtrip();
  assert.deepEqual([p.x, p.y], [720, 300]);
  t.close();

  // A layout away from 0,0: the pointer starts on its first output's corner.
  const away = startCompositor({ outputs: [{ width: 100, height: 100, x: 200, y: 50 }] });
  assert.deepEqual([away.compositor.seat.pointer.x, away.compositor.seat.pointer.y], [200, 50]);
  away.close();
});

test('fractional scale per output: preferred_scale follows the window from a scale-1 output to a 1.5 one and back (the higher while it straddles)', async () => {
  // HEADLESS-2: 960 × 720 pixels at 1.5, 640 × 480 logical, at 640,0.
  const t = startCompositor({ outputs: [{ width: 640, height: 480 }, { width: 960, height: 720, scale: 1.5 }] });
  const c = await t.client();
  const g = bindCore(c);
  const { w, win } = await mappedWindow(t, c, g, 100, 100, RED);
  const scales: number[] = [];
  c.bind(wp_fractional_scale_manager_v1, 1).request('get_fractional_scale', null, w.surface)!.on('preferred_scale', (k) => scales.push(Number(k)));
  const moveTo = (x: number, y: number): Promise<void> => moveAndPaint(t, c, win, x, y);
  await moveTo(win.x, win.y);
  assert.deepEqual(scales, [120], 'on HEADLESS-1: 1');
  await moveTo(600, 0);
  assert.deepEqual(scales, [120, 180], 'across both: the higher, 1.5');
  await moveTo(700, 0);
  assert.deepEqual(scales, [120, 180], 'all on HEADLESS-2: still 1.5, nothing new');
  await moveTo(10, 10);
  assert.deepEqual(scales, [120, 180, 120]);
  t.close();
});

test('presentation feedback names the output its surface was shown on (sync_output)', async () => {
  const t = startCompositor({ outputs: TWO });
  const c = await t.client();
  const g = bindCore(c);
  const outputs = bindOutputs(c);
  const presentation = c.bind(wp_presentation, 1).on('clock_id', () => {});
  const { w, win } = await mappedWindow(t, c, g, 100, 100, RED);
  const syncOf = async (): Promise<string[]> => {
    const names: string[] = [];
    let presented = false;
    const fb = presentation.request('feedback', w.surface, null)!;
    fb.on('sync_output', (o) => names.push(`HEADLESS-${outputs.indexOf(o as Proxy) + 1}`)).on('presented', () => (presented = true)).on('discarded', () => assert.fail('discarded'));
    present(w.surface, shmBuffer(g, 100, 100, () => RED).buffer, 100, 100);
    await waitFor(() => presented, 'presented');
    await c.roundtrip();
    return names;
  };
  assert.deepEqual(await syncOf(), ['HEADLESS-1']);
  t.compositor.desktop.moveWindow(win, 900, 100);
  assert.deepEqual(await syncOf(), ['HEADLESS-2']);
  t.close();
});

test('the screenshot of outputs at different scales: the layout at the highest scale, each output scaled to it', async () => {
  await loadPngEncoder();
  // HEADLESS-2 at scale 2: 400 × 300 logical; the layout is 1040 × 480 logical, 2080 × 960 at scale 2.
  const t = startCompositor({ outputs: [{ width: 640, height: 480 }, { width: 800, height: 600, scale: 2 }] });
  const c = await t.client();
  const g = bindCore(c);
  const { win } = await mappedWindow(t, c, g, 10, 10, RED);
  assert.deepEqual([win.x, win.y], [32, 32]);
  const o2 = t.compositor.outputs[1]!;
  assert.deepEqual([o2.x, o2.y, o2.logicalWidth, o2.logicalHeight], [640, 0, 400, 300], 'right of HEADLESS-1 by default');
  const shot = png(t.compositor.screenshotPng());
  assert.deepEqual([shot.width, shot.height], [2080, 960]);
  assert.deepEqual(colorsIn(shot, 64, 64, 20, 20), [hexOf(RED)], 'HEADLESS-1\'s 10 × 10 window doubled');
  assert.equal(hexOf(shot.at(63, 63)), hexOf(BACKGROUND));
  assert.equal(hexOf(shot.at(84, 84)), hexOf(BACKGROUND));
  assert.deepEqual(colorsIn(shot, 1280, 0, 800, 600), [hexOf(BACKGROUND)], 'HEADLESS-2 at its own pixels');
  assert.deepEqual(colorsIn(shot, 1280, 600, 800, 360), ['0x00000000'], 'below HEADLESS-2: no output');
  t.close();
});

test('screencopy per output: HEADLESS-2 is its own source (size, pixels, damage); damage on HEADLESS-1 does not release a damage frame of HEADLESS-2; a mode change of HEADLESS-2 fails its waiting frame', async () => {
  const t = startCompositor({ outputs: TWO });
  const c = await t.client('capture');
  const g = bindCore(c);
  const [first, second] = bindOutputs(c);
  const on2 = { shm: c.bind(wl_shm, 1).on('format', () => {}), manager: c.bind(zwlr_screencopy_manager_v1, 3), output: second! };
  const { win } = await mappedWindow(t, c, g, 200, 100, RED);
  t.compositor.desktop.moveWindow(win, 540, 0);
  t.compositor.paint();

  // The first damage frame goes at once (its damage starts as the whole output): HEADLESS-2's pixels.
  const whole = await capture(c, on2, { withDamage: true });
  assert.equal(whole.outcome, 'ready');
  assert.deepEqual([whole.width, whole.height], [800, 600]);
  const px = (r: typeof whole, x: number, y: number): number => r.file.readUInt32LE(y * r.stride + x * 4) | 0xff000000;
  assert.equal(hexOf(px(whole, 0, 0)), hexOf(RED), 'the window\'s right part at HEADLESS-2\'s left edge');
  assert.equal(hexOf(px(whole, 99, 99)), hexOf(RED));
  assert.equal(hexOf(px(whole, 100, 0)), hexOf(BACKGROUND));
  assert.deepEqual(whole.damage, [{ x: 0, y: 0, width: 800, height: 600 }]);

  // The next waits for damage on HEADLESS-2: a change on HEADLESS-1 alone (a refresh ran, its frame callback says so) is not it.
  let settled = false;
  const next = capture(c, on2, { withDamage: true }).finally(() => (settled = true));
  await c.roundtrip();
  const other = await toplevel(c, g);
  let done = false;
  other.surface.request('frame', null)!.on('done', () => (done = true));
  present(other.surface, shmBuffer(g, 50, 50, () => GREEN).buffer, 50, 50);
  await waitFor(() => done, 'a refresh after HEADLESS-1 changed');
  await c.roundtrip();
  assert.equal(settled, false, 'no frame of HEADLESS-2 for damage on HEADLESS-1');
  // The window moves off HEADLESS-2: damage there, where it was.
  t.compositor.desktop.moveWindow(win, 300, 0);
  const moved = await next;
  assert.equal(moved.outcome, 'ready');
  assert.deepEqual(moved.damage, [{ x: 0, y: 0, width: 100, height: 100 }], 'HEADLESS-2\'s damage, in its own pixels');
  assert.equal(hexOf(px(moved, 0, 0)), hexOf(BACKGROUND));

  // A frame waiting on HEADLESS-2 fails when HEADLESS-2's mode changes; HEADLESS-1 captures on.
  const waiting = capture(c, on2, { withDamage: true });
  await c.roundtrip(); // buffer_done: the client makes its buffer and copies
  await c.roundtrip(); // the copy waits for damage
  t.compositor.outputs[1]!.setMode({ width: 1024, height: 768 });
  assert.equal((await waiting).outcome, 'failed');
  const one = await capture(c, { ...on2, output: first! });
  assert.equal(one.outcome, 'ready');
  assert.deepEqual([one.width, one.height], [640, 480]);
  t.close();
});

test('ext-image-copy-capture: a source made with HEADLESS-2\'s wl_output has HEADLESS-2\'s buffer size; one of HEADLESS-1 its own', async () => {
  const t = startCompositor({ outputs: TWO });
  const c = await t.client('ext');
  const outputs = bindOutputs(c);
  const sources = c.bind(ext_output_image_capture_source_manager_v1, 1);
  const manager = c.bind(ext_image_copy_capture_manager_v1, 1);
  const sizes: string[] = [];
  for (const o of [outputs[1]!, outputs[0]!]) {
    const source = sources.request('create_source', null, o)!;
    const session = manager.request('create_session', null, source, 0)!;
    session.on('buffer_size', (w, h) => sizes.push(`${String(w)}x${String(h)}`));
    for (const e of ['shm_format', 'dmabuf_device', 'dmabuf_format', 'done', 'stopped']) session.on(e, () => {});
  }
  await c.roundtrip();
  assert.deepEqual(sizes, ['800x600', '640x480']);
  t.close();
});

test('CompositorOptions: outputs and width/height/scale together are a TypeError; overlapping outputs a RangeError', () => {
  assert.throws(() => startCompositor({ outputs: TWO, width: 100 }), TypeError);
  assert.throws(() => startCompositor({ outputs: [{ width: 640, height: 480 }, { width: 640, height: 480, x: 600, y: 0 }] }), /HEADLESS-1 .* and HEADLESS-2 .* overlap/);
});

test('nosigbus run --output 640x480 --output 800x600+640,0: grim -o each output, wlr-randr and wayland-info see two; --screenshot is the whole layout', async (t: TestContext) => {
  if (!needPeer(t, [GRIM, WLR_RANDR, WAYLAND_INFO], 'grim wlr-randr wayland-utils')) return;
  const dir = privateDir('nosigbus-outputs-run-');
  try {
    const f = (name: string): string => join(dir, name);
    const script = `grim -o HEADLESS-1 ${f('one.png')} && grim -o HEADLESS-2 ${f('two.png')} && wlr-randr > ${f('randr.txt')} && wayland-info > ${f('info.txt')}`;
    const r = await nosigbus(['run', '--output', '640x480', '--output', '800x600+640,0', '--screenshot', f('shot.png'), '--', process.execPath, PATTERN_THEN, 'sh', '-c', script], { XDG_RUNTIME_DIR: dir }).ended;
    assert.equal(r.code, 0, r.stderr);
    const one = png(readFileSync(f('one.png')));
    const two = png(readFileSync(f('two.png')));
    const shot = png(readFileSync(f('shot.png')));
    assert.deepEqual([one.width, one.height], [640, 480]);
    assert.deepEqual([two.width, two.height], [800, 600]);
    assert.deepEqual([shot.width, shot.height], [1440, 600], 'the layout\'s bounding box');
    // The pattern window is on HEADLESS-1 at 32,32: many colours there, the background around it; HEADLESS-2 is bare.
    assert.ok(colorsIn(one, 32, 32, 200, 150).length > 100, 'the pattern on HEADLESS-1');
    assert.deepEqual(colorsIn(one, 0, 0, 640, 32), [hexOf(BACKGROUND)]);
    assert.deepEqual(colorsIn(two, 0, 0, 800, 600), [hexOf(BACKGROUND)], 'HEADLESS-2: the background only');
    // The screenshot holds both captures at their places, and no output below HEADLESS-1.
    for (let y = 0; y < 480; y++) for (let x = 0; x < 640; x++) if (shot.at(x, y) !== one.at(x, y)) assert.fail(`HEADLESS-1 pixel ${x},${y}: screenshot ${hexOf(shot.at(x, y))}, grim ${hexOf(one.at(x, y))}`);
    for (let y = 0; y < 600; y += 3) for (let x = 0; x < 800; x += 3) if (shot.at(640 + x, y) !== two.at(x, y)) assert.fail(`HEADLESS-2 pixel ${x},${y}: screenshot ${hexOf(shot.at(640 + x, y))}, grim ${hexOf(two.at(x, y))}`);
    assert.deepEqual(colorsIn(shot, 0, 480, 640, 120), ['0x00000000']);
    const randr = readFileSync(f('randr.txt'), 'utf8');
    assert.match(randr, /^HEADLESS-1 "nosigbus headless output"$/m);
    assert.match(randr, /^HEADLESS-2 "nosigbus headless output 2"$/m);
    assert.deepEqual([...randr.matchAll(/Position: (\d+,\d+)/g)].map((m) => m[1]).sort(), ['0,0', '640,0']);
    const info = readFileSync(f('info.txt'), 'utf8');
    assert.equal(info.match(/^interface: 'wl_output'/gm)?.length, 2, info);
    assert.match(info, /logical_x: 640, logical_y: 0/);
    assert.match(info, /logical_width: 800, logical_height: 600/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--output usage errors: a bad form, overlapping outputs, more than 16, mixed with --width: one line, exit status 2', async () => {
  const cases: [string[], RegExp][] = [
    [['--output', '640'], /--output: expected WxH\[@SCALE\]\[\+X,Y\]/],
    [['--output', '640x480+10'], /--output: expected WxH/],
    [['--output', '0x480'], /--output width: expected an integer in 1\.\.16384/],
    [['--output', '640x480@9'], /--output scale: expected a multiple of 1\/120 in 0\.25\.\.8 .*got '9'/],
    [['--output', '640x480', '--output', '640x480+600,0'], /--output: HEADLESS-1 \(640x480\+0,0\) and HEADLESS-2 \(640x480\+600,0\) overlap/],
    [Array.from({ length: 17 }, (_, i) => ['--output', `10x10+${i * 10},0`]).flat(), /--output: 17 outputs, at most 16/],
    [['--output', '640x480', '--width', '800'], /--output cannot be combined with --width, --height or --scale/],
  ];
  for (const [args, message] of cases) {
    const r = await nosigbus(['run', ...args, '--', 'true']).ended;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^nosigbus: [^\n]+\n$/, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
  }
  // Sixteen side by side are fine.
  const sixteen = Array.from({ length: 16 }, () => ['--output', '64x48']).flat();
  const ok = await nosigbus(['run', ...sixteen, '--', 'true']).ended;
  assert.equal(ok.code, 0, ok.stderr);
});
