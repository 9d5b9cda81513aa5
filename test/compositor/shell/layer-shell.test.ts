// wlr-layer-shell v4 in process: what a panel, a wallpaper or a launcher
// client receives (configure sizes, protocol errors, closed), where its
// pixels land on the output, and what its exclusive zone does to windows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import type { Surface } from '../../../src/compositor/index.js';
import { wl_output } from '../../../src/protocol/wayland.js';
import { zwlr_layer_shell_v1, zwlr_layer_surface_v1 } from '../../../src/protocol/wlr-layer-shell.js';
import { xdg_positioner } from '../../../src/protocol/xdg-shell.js';
import { bindCore, expectProtocolError, hex, mappedWindow, pixelAt, present, shmBuffer, startCompositor, toplevel, type Globals } from '../../support/compositor.js';
import { waitFor } from '../../support/common.js';

const LAYER = zwlr_layer_shell_v1.enums.layer.entries;
const SHELL_ERROR = zwlr_layer_shell_v1.enums.error.entries;
const ERROR = zwlr_layer_surface_v1.enums.error.entries;
const ANCHOR = zwlr_layer_surface_v1.enums.anchor.entries;
const KEYBOARD = zwlr_layer_surface_v1.enums.keyboard_interactivity.entries;
const MAXIMIZED = 1; // xdg_toplevel.state.maximized

const RED = 0xffff0000;
const GREEN = 0xff00ff00;
const BLUE = 0xff0000ff;

interface Layer {
  surface: Proxy;
  layer: Proxy;
  configures: { serial: number; width: number; height: number }[];
  closed: number;
}

interface Setup {
  size?: [number, number];
  anchor?: number;
  zone?: number;
  margin?: [number, number, number, number];
  keyboard?: number;
  output?: Proxy | null;
}

/** A layer surface set up and initially committed (its configure is not acked). */
async function layerSurface(c: WaylandClient, g: Globals, shell: Proxy, layer: number, setup: Setup = {}, sync = true): Promise<Layer> {
  const surface = g.compositor.request('create_surface', null)!;
  surface.on('enter', () => {}).on('leave', () => {});
  const ls = shell.request('get_layer_surface', null, surface, setup.output ?? null, layer, 'test')!;
  const l: Layer = { surface, layer: ls, configures: [], closed: 0 };
  ls.on('configure', (serial, width, height) => l.configures.push({ serial: Number(serial), width: Number(width), height: Number(height) }));
  ls.on('closed', () => l.closed++);
  if (setup.size) ls.request('set_size', ...setup.size);
  if (setup.anchor !== undefined) ls.request('set_anchor', setup.anchor);
  if (setup.zone !== undefined) ls.request('set_exclusive_zone', setup.zone);
  if (setup.margin) ls.request('set_margin', ...setup.margin);
  if (setup.keyboard !== undefined) ls.request('set_keyboard_interactivity', setup.keyboard);
  surface.request('commit');
  if (sync) await c.roundtrip();
  return l;
}

/** Acks the last configure and shows a buffer of its size (or `size`) in `color`. */
async function mapLayer(c: WaylandClient, g: Globals, l: Layer, color: number, size?: [number, number]): Promise<void> {
  const last = l.configures.at(-1);
  assert.ok(last, 'configured');
  const [w, h] = size ?? [last.width, last.height];
  l.layer.request('ack_configure', last.serial);
  present(l.surface, shmBuffer(g, w, h, () => color).buffer, w, h);
  await c.roundtrip();
}

async function clientWithShell(t: ReturnType<typeof startCompositor>, label = 'layer'): Promise<{ c: WaylandClient; g: Globals; shell: Proxy }> {
  const c = await t.client(label);
  const g = bindCore(c);
  const shell = c.bind(zwlr_layer_shell_v1, 4);
  return { c, g, shell };
}

const PANEL: Setup = { size: [0, 30], anchor: ANCHOR.top | ANCHOR.left | ANCHOR.right, zone: 30 };

test('a top panel with exclusive zone 30: configured output-wide, painted at the top; windows go below it, maximized ones get height − 30', async () => {
  const t = startCompositor();
  const { c, g, shell } = await clientWithShell(t);
  const panel = await layerSurface(c, g, shell, LAYER.top, PANEL);
  assert.deepEqual(panel.configures.map((x) => [x.width, x.height]), [[640, 30]]);
  await mapLayer(c, g, panel, RED);
  assert.equal(hex(pixelAt(t.compositor, 5, 5)), hex(RED));
  assert.equal(hex(pixelAt(t.compositor, 635, 29)), hex(RED));
  assert.notEqual(hex(pixelAt(t.compositor, 5, 30)), hex(RED));
  assert.deepEqual(t.compositor.usableArea(), { x: 0, y: 30, width: 640, height: 450 });

  // A window mapped afterwards is placed in the usable area, below the panel.
  const { win } = await mappedWindow(t, c, g, 100, 80, GREEN);
  assert.ok(win.y >= 30, `window at y ${win.y}`);
  assert.equal(hex(pixelAt(t.compositor, win.x + 1, win.y)), hex(GREEN));

  // A maximized toplevel is configured to the usable area and placed at its origin.
  const max = await toplevel(c, g, true);
  max.toplevel.request('set_maximized');
  await c.roundtrip();
  const conf = max.configures.at(-1)!;
  assert.deepEqual([conf.width, conf.height], [640, 450]);
  assert.ok(conf.states.includes(MAXIMIZED));
  present(max.surface, shmBuffer(g, 640, 450, () => BLUE).buffer, 640, 450);
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, 320, 30)), hex(BLUE));
  assert.equal(hex(pixelAt(t.compositor, 320, 479)), hex(BLUE));
  assert.equal(hex(pixelAt(t.compositor, 320, 29)), hex(RED), 'the panel (top layer) stays above the window');

  // The panel unmaps: the usable area is the whole output again, the maximized window is configured to it.
  panel.surface.request('attach', null, 0, 0);
  panel.surface.request('commit');
  await c.roundtrip();
  assert.deepEqual(max.configures.map((x) => [x.width, x.height]).slice(-2), [[640, 450], [640, 480]]);
  t.close();
});

test('anchors and margins: a corner surface lands at the anchored corner less its margins; an unanchored one is centered', async () => {
  const t = startCompositor();
  const { c, g, shell } = await clientWithShell(t);
  const corner = await layerSurface(c, g, shell, LAYER.overlay, { size: [100, 40], anchor: ANCHOR.bottom | ANCHOR.right, margin: [0, 5, 7, 0] });
  assert.deepEqual(corner.configures.map((x) => [x.width, x.height]), [[100, 40]]);
  await mapLayer(c, g, corner, RED);
  // Box: x 640 − 5 − 100 = 535 .. 634, y 480 − 7 − 40 = 433 .. 472.
  assert.equal(hex(pixelAt(t.compositor, 535, 433)), hex(RED));
  assert.equal(hex(pixelAt(t.compositor, 634, 472)), hex(RED));
  assert.notEqual(hex(pixelAt(t.compositor, 534, 433)), hex(RED));
  assert.notEqual(hex(pixelAt(t.compositor, 635, 472)), hex(RED));
  assert.notEqual(hex(pixelAt(t.compositor, 634, 473)), hex(RED));

  const center = await layerSurface(c, g, shell, LAYER.top, { size: [200, 100] });
  await mapLayer(c, g, center, GREEN);
  // (640 − 200) / 2 = 220, (480 − 100) / 2 = 190.
  assert.equal(hex(pixelAt(t.compositor, 220, 190)), hex(GREEN));
  assert.equal(hex(pixelAt(t.compositor, 419, 289)), hex(GREEN));
  assert.notEqual(hex(pixelAt(t.compositor, 219, 190)), hex(GREEN));
  assert.notEqual(hex(pixelAt(t.compositor, 420, 289)), hex(GREEN));
  t.close();
});

test('layers stack background < bottom < windows < top < overlay; set_layer moves a surface at its next commit', async () => {
  const t = startCompositor();
  const { c, g, shell } = await clientWithShell(t);
  const full: Setup = { anchor: ANCHOR.top | ANCHOR.bottom | ANCHOR.left | ANCHOR.right, zone: -1 };
  const wallpaper = await layerSurface(c, g, shell, LAYER.background, full);
  assert.deepEqual(wallpaper.configures.map((x) => [x.width, x.height]), [[640, 480]]);
  await mapLayer(c, g, wallpaper, BLUE);
  const { win } = await mappedWindow(t, c, g, 100, 100, GREEN);
  assert.equal(hex(pixelAt(t.compositor, win.x + 50, win.y + 50)), hex(GREEN), 'window above the background layer');
  assert.equal(hex(pixelAt(t.compositor, 600, 400)), hex(BLUE), 'the wallpaper shows around it');

  const box = await layerSurface(c, g, shell, LAYER.bottom, { size: [100, 100], anchor: ANCHOR.top | ANCHOR.left, margin: [win.y, 0, 0, win.x] });
  await mapLayer(c, g, box, RED);
  assert.equal(hex(pixelAt(t.compositor, win.x + 50, win.y + 50)), hex(GREEN), 'bottom layer is under the window');
  box.layer.request('set_layer', LAYER.overlay);
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 50, win.y + 50)), hex(GREEN), 'set_layer waits for the commit');
  box.surface.request('commit');
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, win.x + 50, win.y + 50)), hex(RED), 'overlay is above the window');
  t.close();
});

test('keyboard interactivity: exclusive and on_demand ask for keyboard focus when mapped and give it back when unmapped; none never', async () => {
  const t = startCompositor();
  const requests: (Surface | null)[] = [];
  t.compositor.requestKeyboardFocus = (s) => void requests.push(s);
  const { c, g, shell } = await clientWithShell(t);
  const none = await layerSurface(c, g, shell, LAYER.top, { size: [10, 10] });
  await mapLayer(c, g, none, RED);
  assert.equal(requests.length, 0);
  for (const k of [KEYBOARD.exclusive, KEYBOARD.on_demand]) {
    requests.length = 0;
    const l = await layerSurface(c, g, shell, LAYER.overlay, { size: [10, 10], keyboard: k });
    assert.equal(requests.length, 0, 'not before it is mapped');
    await mapLayer(c, g, l, RED);
    assert.equal(requests.length, 1);
    const asked: Surface | null | undefined = requests[0];
    assert.ok(asked, 'a surface asked');
    assert.equal(asked.resource.id, l.surface.id, 'the layer surface asked for focus');
    l.surface.request('attach', null, 0, 0);
    l.surface.request('commit');
    await c.roundtrip();
    assert.deepEqual(requests.slice(1), [null]);
  }
  // Switching to none while mapped gives focus back too.
  requests.length = 0;
  const l = await layerSurface(c, g, shell, LAYER.top, { size: [10, 10], keyboard: KEYBOARD.exclusive });
  await mapLayer(c, g, l, RED);
  l.layer.request('set_keyboard_interactivity', KEYBOARD.none);
  l.surface.request('commit');
  await c.roundtrip();
  assert.equal(requests.length, 2);
  assert.equal(requests[1], null);
  t.close();
});

test('configure/ack: a 0 size is assigned from the anchors; ack_configure takes only sent serials; an output resize reconfigures', async () => {
  const t = startCompositor();
  const { c, g, shell } = await clientWithShell(t);
  const bar = await layerSurface(c, g, shell, LAYER.bottom, { size: [0, 20], anchor: ANCHOR.bottom | ANCHOR.left | ANCHOR.right, margin: [0, 10, 0, 10] });
  assert.deepEqual(bar.configures.map((x) => [x.width, x.height]), [[620, 20]]);
  await mapLayer(c, g, bar, RED);
  assert.equal(hex(pixelAt(t.compositor, 10, 479)), hex(RED));
  assert.equal(hex(pixelAt(t.compositor, 629, 460)), hex(RED));
  assert.notEqual(hex(pixelAt(t.compositor, 9, 479)), hex(RED));
  t.compositor.output.setMode({ width: 800, height: 600 });
  await c.roundtrip();
  assert.deepEqual(bar.configures.map((x) => [x.width, x.height]), [[620, 20], [780, 20]]);
  assert.ok(bar.configures[1]!.serial !== bar.configures[0]!.serial);
  await mapLayer(c, g, bar, GREEN);
  assert.equal(hex(pixelAt(t.compositor, 10, 599)), hex(GREEN));
  assert.equal(hex(pixelAt(t.compositor, 789, 580)), hex(GREEN));
  bar.layer.request('ack_configure', bar.configures[0]!.serial); // superseded by the later ack
  await expectProtocolError(c, 'zwlr_layer_surface_v1', ERROR.invalid_surface_state, /wrong configure serial/);
  t.close();
});

test('get_popup: an xdg_popup made without a parent is placed relative to the layer surface and painted above it', async () => {
  const t = startCompositor();
  const { c, g, shell } = await clientWithShell(t);
  const panel = await layerSurface(c, g, shell, LAYER.top, PANEL);
  await mapLayer(c, g, panel, RED);
  const positioner = g.wm.request('create_positioner', null)!;
  positioner.request('set_size', 50, 60);
  positioner.request('set_anchor_rect', 100, 0, 10, 30);
  positioner.request('set_anchor', xdg_positioner.enums.anchor.entries.bottom_left);
  positioner.request('set_gravity', xdg_positioner.enums.gravity.entries.bottom_right);
  const surface = g.compositor.request('create_surface', null)!;
  surface.on('enter', () => {}).on('leave', () => {});
  const xdgSurface = g.wm.request('get_xdg_surface', null, surface)!;
  const popup = xdgSurface.request('get_popup', null, null, positioner)!;
  const placed: number[][] = [];
  popup.on('configure', (x, y, w, h) => placed.push([Number(x), Number(y), Number(w), Number(h)])).on('popup_done', () => {});
  let serial = -1;
  xdgSurface.on('configure', (s) => (serial = Number(s)));
  panel.layer.request('get_popup', popup);
  surface.request('commit');
  await c.roundtrip();
  assert.deepEqual(placed, [[100, 30, 50, 60]]);
  xdgSurface.request('ack_configure', serial);
  present(surface, shmBuffer(g, 50, 60, () => GREEN).buffer, 50, 60);
  await c.roundtrip();
  assert.equal(hex(pixelAt(t.compositor, 100, 30)), hex(GREEN));
  assert.equal(hex(pixelAt(t.compositor, 149, 89)), hex(GREEN));
  assert.equal(hex(pixelAt(t.compositor, 99, 29)), hex(RED));
  t.close();
});

test('closed: releasing the wl_output a layer surface was made for closes it; its later commits are ignored', async () => {
  const t = startCompositor();
  const { c, g, shell } = await clientWithShell(t);
  const output = c.bind(wl_output, 3);
  output.on('geometry', () => {}).on('mode', () => {}).on('scale', () => {}).on('done', () => {});
  await c.roundtrip();
  const l = await layerSurface(c, g, shell, LAYER.top, { size: [40, 40], output });
  await mapLayer(c, g, l, RED);
  assert.equal(hex(pixelAt(t.compositor, 320, 240)), hex(RED));
  output.request('release');
  await c.roundtrip();
  assert.equal(l.closed, 1);
  assert.notEqual(hex(pixelAt(t.compositor, 320, 240)), hex(RED), 'no longer shown');
  present(l.surface, shmBuffer(g, 40, 40, () => GREEN).buffer, 40, 40);
  await c.roundtrip();
  assert.notEqual(hex(pixelAt(t.compositor, 320, 240)), hex(GREEN), 'commits after closed are ignored');
  l.layer.request('destroy');
  await c.roundtrip();
  assert.equal(c.error, null);
  t.close();
});

test('protocol errors a client receives (and other clients keep going)', async (t) => {
  const tc = startCompositor();
  const bystander = await clientWithShell(tc, 'bystander');
  const panel = await layerSurface(bystander.c, bystander.g, bystander.shell, LAYER.top, PANEL);
  await mapLayer(bystander.c, bystander.g, panel, RED);

  const cases: { name: string; iface: string; code: number; message: RegExp; run: (c: WaylandClient, g: Globals, shell: Proxy) => Promise<void> | void }[] = [
    {
      name: 'width 0 without left and right anchors',
      iface: 'zwlr_layer_surface_v1', code: ERROR.invalid_size, message: /width 0 requested without setting left and right anchors/,
      run: async (c, g, shell) => void (await layerSurface(c, g, shell, LAYER.top, { size: [0, 30], anchor: ANCHOR.top | ANCHOR.left }, false)),
    },
    {
      name: 'height 0 without top and bottom anchors',
      iface: 'zwlr_layer_surface_v1', code: ERROR.invalid_size, message: /height 0/,
      run: async (c, g, shell) => void (await layerSurface(c, g, shell, LAYER.top, { size: [30, 0], anchor: ANCHOR.top }, false)),
    },
    {
      name: 'anchor outside the bitfield',
      iface: 'zwlr_layer_surface_v1', code: ERROR.invalid_anchor, message: /invalid anchor 16/,
      run: async (c, g, shell) => void (await layerSurface(c, g, shell, LAYER.top, { size: [10, 10], anchor: 16 }, false)),
    },
    {
      name: 'keyboard interactivity outside the enum',
      iface: 'zwlr_layer_surface_v1', code: ERROR.invalid_keyboard_interactivity, message: /invalid keyboard interactivity 3/,
      run: async (c, g, shell) => void (await layerSurface(c, g, shell, LAYER.top, { size: [10, 10], keyboard: 3 }, false)),
    },
    {
      name: 'layer outside the enum',
      iface: 'zwlr_layer_shell_v1', code: SHELL_ERROR.invalid_layer, message: /invalid layer 4/,
      run: async (c, g, shell) => void (await layerSurface(c, g, shell, 4, { size: [10, 10] }, false)),
    },
    {
      name: 'set_layer outside the enum',
      iface: 'zwlr_layer_shell_v1', code: SHELL_ERROR.invalid_layer, message: /invalid layer 7/,
      run: async (c, g, shell) => void (await layerSurface(c, g, shell, LAYER.top, { size: [10, 10] })).layer.request('set_layer', 7),
    },
    {
      name: 'a surface with another role',
      iface: 'zwlr_layer_shell_v1', code: SHELL_ERROR.role, message: /already has another role \(xdg_surface\)/,
      run: async (c, g, shell) => {
        const w = await toplevel(c, g);
        shell.request('get_layer_surface', null, w.surface, null, LAYER.top, 'x');
      },
    },
    {
      name: 'a surface with a buffer committed',
      iface: 'zwlr_layer_shell_v1', code: SHELL_ERROR.already_constructed, message: /buffer attached or committed/,
      run: (_c, g, shell) => {
        const s = g.compositor.request('create_surface', null)!;
        s.request('attach', shmBuffer(g, 4, 4, () => RED).buffer, 0, 0);
        shell.request('get_layer_surface', null, s, null, LAYER.top, 'x');
      },
    },
    {
      name: 'a buffer before the first configure is acked',
      iface: 'zwlr_layer_surface_v1', code: ERROR.invalid_surface_state, message: /never been configured/,
      run: async (c, g, shell) => {
        const l = await layerSurface(c, g, shell, LAYER.top, { size: [10, 10] });
        present(l.surface, shmBuffer(g, 10, 10, () => RED).buffer, 10, 10);
      },
    },
    {
      name: 'an ack of a serial never sent',
      iface: 'zwlr_layer_surface_v1', code: ERROR.invalid_surface_state, message: /wrong configure serial: 123456/,
      run: async (c, g, shell) => void (await layerSurface(c, g, shell, LAYER.top, { size: [10, 10] })).layer.request('ack_configure', 123456),
    },
  ];
  for (const k of cases) {
    await t.test(k.name, async () => {
      const { c, g, shell } = await clientWithShell(tc, k.name);
      await k.run(c, g, shell);
      await expectProtocolError(c, k.iface, k.code, k.message);
    });
  }
  // The bystander's panel is still there and its client works.
  await bystander.c.roundtrip();
  assert.equal(hex(pixelAt(tc.compositor, 5, 5)), hex(RED));
  await waitFor(() => tc.compositor.layerShell.surfaces.size === 1, 'the failed clients\' layer surfaces to be gone');
  tc.close();
});
