// wlr-output-management v2 and run-time output resizing: the real wlr-randr,
// wayland-info and grim against the in-process compositor on a private
// socket, and an in-process client for what they do not show (configure
// sizes, serials, protocol errors).
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { decode } from 'fast-png';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { loadPngEncoder } from '../../../src/compositor/index.js';
import { wl_output } from '../../../src/protocol/wayland.js';
import { zwlr_output_configuration_head_v1, zwlr_output_configuration_v1, zwlr_output_manager_v1 } from '../../../src/protocol/wlr-output-management.js';
import { zwlr_screencopy_manager_v1 } from '../../../src/protocol/wlr-screencopy.js';
import { zxdg_output_manager_v1 } from '../../../src/protocol/xdg-output.js';
import { bindCore, expectProtocolError, shmBuffer, startCompositor, toplevel, XRGB, type TestCompositor } from '../../support/compositor.js';
import { start } from '../../support/peer-compositors.js';
import { needPeer } from '../../support/peers.js';
import { privateDir, waitFor } from '../../support/common.js';

const WLR_RANDR = '/usr/bin/wlr-randr';
const WAYLAND_INFO = '/usr/bin/wayland-info';
const GRIM = '/usr/bin/grim';
const CONFIG_ERROR = zwlr_output_configuration_v1.enums.error.entries;
const HEAD_ERROR = zwlr_output_configuration_head_v1.enums.error.entries;

interface Socketed {
  t: TestCompositor;
  env: NodeJS.ProcessEnv;
  dir: string;
  close(): void;
}

function onSocket(width = 1024, height = 768): Socketed {
  const t = startCompositor({ width, height });
  const dir = privateDir('nosigbus-randr-');
  const listener = t.compositor.listen('wayland-1', dir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: listener.name };
  return { t, env, dir, close: () => (t.close(), rmSync(dir, { recursive: true, force: true })) };
}

async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const e = await start(cmd, args, env, 30_000).exited;
  return { code: e.code, stdout: e.stdout, stderr: e.stderr };
}

/** What an in-process client sees of the output: wl_output modes and xdg_output logical sizes at each wl_output.done (a done that changes nothing is not listed). */
function watchOutput(c: WaylandClient): { modes: number[][]; logical: number[][]; done: number } {
  const seen = { modes: [] as number[][], logical: [] as number[][], done: 0 };
  let mode: number[] = [];
  let logical: number[] = [];
  const out = c.bind(wl_output, 4);
  out.on('geometry', () => {}).on('scale', () => {}).on('name', () => {}).on('description', () => {});
  out.on('mode', (_flags, w, h, refresh) => (mode = [Number(w), Number(h), Number(refresh)]));
  out.on('done', () => {
    seen.done++;
    if (logical.length === 0) return; // the bind's own done, before the xdg_output exists
    if (seen.modes.length > 0 && String(seen.modes.at(-1)) === String(mode) && String(seen.logical.at(-1)) === String(logical)) return;
    seen.modes.push(mode);
    seen.logical.push(logical);
  });
  const xdg = c.bind(zxdg_output_manager_v1, 3).request('get_xdg_output', null, out)!;
  xdg.on('logical_position', () => {}).on('name', () => {}).on('description', () => {}).on('done', () => {});
  xdg.on('logical_size', (w, h) => (logical = [Number(w), Number(h)]));
  return seen;
}

test('wlr-randr lists the output: name, description, modes (current and preferred), position, transform, scale', async (t: TestContext) => {
  if (!needPeer(t, [WLR_RANDR], 'wlr-randr')) return;
  const s = onSocket();
  try {
    const r = await run(WLR_RANDR, [], s.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HEADLESS-1 "nosigbus headless output"$/m);
    assert.match(r.stdout, /Enabled: yes/);
    assert.match(r.stdout, /^ +1024x768 px, 60\.000000 Hz \(preferred, current\)$/m);
    for (const m of ['1920x1080', '1280x720', '3840x2160']) assert.match(r.stdout, new RegExp(`^ +${m} px, 60\\.000000 Hz$`, 'm'));
    assert.match(r.stdout, /Position: 0,0/);
    assert.match(r.stdout, /Transform: normal/);
    assert.match(r.stdout, /Scale: 1\.000000/);
  } finally {
    s.close();
  }
});

test('wlr-randr --custom-mode 1920x1080 resizes the output: wl_output, xdg_output, a maximized window, the screenshot, grim and wayland-info follow', async (t: TestContext) => {
  if (!needPeer(t, [WLR_RANDR, WAYLAND_INFO, GRIM], 'wlr-randr wayland-utils grim')) return;
  await loadPngEncoder();
  const s = onSocket();
  try {
    const c = await s.t.client('watcher');
    const seen = watchOutput(c);
    const g = bindCore(c);
    const max = await toplevel(c, g);
    max.toplevel.request('set_maximized');
    await c.roundtrip();
    assert.deepEqual(seen.modes, [[1024, 768, 60000]]);
    assert.deepEqual(seen.logical, [[1024, 768]]);
    assert.deepEqual(max.configures.map((x) => [x.width, x.height]).at(-1), [1024, 768]);

    const r = await run(WLR_RANDR, ['--output', 'HEADLESS-1', '--custom-mode', '1920x1080'], s.env);
    assert.equal(r.code, 0, r.stderr);
    await c.roundtrip();
    // One atomic change: the xdg_output size lands with the same wl_output.done as the mode.
    assert.deepEqual(seen.modes, [[1024, 768, 60000], [1920, 1080, 60000]]);
    assert.deepEqual(seen.logical, [[1024, 768], [1920, 1080]]);
    assert.deepEqual(max.configures.map((x) => [x.width, x.height]).at(-1), [1920, 1080], 'the maximized toplevel is configured to the new size');

    const png = decode(s.t.compositor.screenshotPng());
    assert.deepEqual([png.width, png.height], [1920, 1080]);
    const shot = join(s.dir, 'grim.png');
    const gr = await run(GRIM, [shot], s.env);
    assert.equal(gr.code, 0, gr.stderr);
    const grim = decode(readFileSync(shot));
    assert.deepEqual([grim.width, grim.height], [1920, 1080]);
    const info = await run(WAYLAND_INFO, [], s.env);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /width: 1920 px, height: 1080 px, refresh: 60\.000 Hz/);
    assert.match(info.stdout, /logical_width: 1920, logical_height: 1080/);

    const listed = await run(WLR_RANDR, [], s.env);
    assert.match(listed.stdout, /^ +1920x1080 px, 60\.000000 Hz \(current\)$/m);
    assert.match(listed.stdout, /^ +1024x768 px, 60\.000000 Hz \(preferred\)$/m);

    // A size not in the list becomes a new mode; --scale 2 halves the logical size.
    const r2 = await run(WLR_RANDR, ['--output', 'HEADLESS-1', '--custom-mode', '1000x700@30Hz', '--scale', '2'], s.env);
    assert.equal(r2.code, 0, r2.stderr);
    await c.roundtrip();
    assert.deepEqual(seen.modes.at(-1), [1000, 700, 30000]);
    assert.deepEqual(seen.logical.at(-1), [500, 350]);
    assert.deepEqual(max.configures.map((x) => [x.width, x.height]).at(-1), [500, 350]);
    assert.match((await run(WLR_RANDR, [], s.env)).stdout, /^ +1000x700 px, 30\.000000 Hz \(current\)$/m);
  } finally {
    s.close();
  }
});

test('wlr-randr: what a single headless output cannot do fails, and changes nothing', async (t: TestContext) => {
  if (!needPeer(t, [WLR_RANDR], 'wlr-randr')) return;
  const s = onSocket();
  try {
    for (const args of [['--off'], ['--pos', '10,0'], ['--transform', '90']]) {
      const r = await run(WLR_RANDR, ['--output', 'HEADLESS-1', ...args], s.env);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /failed to apply configuration/);
    }
    assert.deepEqual([s.t.compositor.output.width, s.t.compositor.output.height], [1024, 768]);
  } finally {
    s.close();
  }
});

interface Manager {
  manager: Proxy;
  head: Proxy | null;
  modes: { proxy: Proxy; size: number[] }[];
  serial: number;
  done: number;
}

async function bindManager(c: WaylandClient): Promise<Manager> {
  const m: Manager = { manager: c.bind(zwlr_output_manager_v1, 2), head: null, modes: [], serial: -1, done: 0 };
  m.manager.on('head', (head) => {
    assert.ok(head && typeof head === 'object' && 'request' in head);
    m.head = head;
    const h = head;
    for (const e of ['name', 'description', 'physical_size', 'enabled', 'current_mode', 'position', 'transform', 'scale', 'finished', 'make', 'model', 'serial_number']) h.on(e, () => {});
    h.on('mode', (mode) => {
      assert.ok(mode && typeof mode === 'object' && 'request' in mode);
      const entry = { proxy: mode, size: [] as number[] };
      m.modes.push(entry);
      mode.on('size', (w, hh) => (entry.size = [Number(w), Number(hh)])).on('refresh', () => {}).on('preferred', () => {}).on('finished', () => {});
    });
  });
  m.manager.on('done', (serial) => {
    m.serial = Number(serial);
    m.done++;
  });
  m.manager.on('finished', () => {});
  await c.roundtrip();
  return m;
}

/** A configuration with our head enabled; `setup` configures its head. Resolves to the outcome event. */
async function configure(c: WaylandClient, m: Manager, how: 'apply' | 'test', setup: (head: Proxy) => void, serial = m.serial): Promise<string> {
  const config = m.manager.request('create_configuration', null, serial)!;
  let outcome = '';
  for (const e of ['succeeded', 'failed', 'cancelled']) config.on(e, () => (outcome = e));
  setup(config.request('enable_head', null, m.head!)!);
  config.request(how);
  await c.roundtrip();
  config.request('destroy');
  return outcome;
}

test('configurations: set_mode applies a listed mode, test changes nothing, an old serial is cancelled; done carries a new serial', async () => {
  const t = startCompositor({ width: 640, height: 480 });
  const c = await t.client();
  const m = await bindManager(c);
  assert.equal(m.done, 1);
  assert.deepEqual(m.modes.map((x) => x.size), [[640, 480], [1920, 1080], [1280, 720], [3840, 2160], [1024, 768]]);
  const first = m.serial;
  const hd = m.modes.find((x) => x.size[0] === 1280)!.proxy;
  assert.equal(await configure(c, m, 'test', (h) => h.request('set_mode', hd)), 'succeeded');
  assert.deepEqual([t.compositor.output.width, t.compositor.output.height], [640, 480], 'test applies nothing');
  assert.equal(await configure(c, m, 'apply', (h) => h.request('set_mode', hd)), 'succeeded');
  assert.deepEqual([t.compositor.output.width, t.compositor.output.height], [1280, 720]);
  assert.equal(m.done, 2);
  assert.notEqual(m.serial, first);
  assert.equal(await configure(c, m, 'apply', (h) => h.request('set_custom_mode', 800, 600, 0), first), 'cancelled');
  assert.deepEqual([t.compositor.output.width, t.compositor.output.height], [1280, 720]);
  // 2.4 is 2.3984375 as a wl_fixed: the multiple of 1/120 it rounds is 2.4 (288/120).
  assert.equal(await configure(c, m, 'apply', (h) => h.request('set_scale', 2.4)), 'succeeded');
  assert.equal(t.compositor.output.scale120, 288, 'a fractional scale, to the 1/120 its wl_fixed stands for');
  // 1.00390625 (257/256) is no multiple of 1/120's rounding; 8.125 and 0.125 are out of 0.25..8: failed, nothing changes.
  for (const bad of [257 / 256, 8.125, 0.125]) {
    assert.equal(await configure(c, m, 'apply', (h) => h.request('set_scale', bad)), 'failed', `scale ${bad}`);
    assert.equal(t.compositor.output.scale120, 288);
  }
  t.close();
});

test('configuration protocol errors', async (t) => {
  const tc = startCompositor({ width: 640, height: 480 });
  const cases: { name: string; iface: string; code: number; message: RegExp; run: (m: Manager) => void }[] = [
    { name: 'head enabled twice', iface: 'zwlr_output_configuration_v1', code: CONFIG_ERROR.already_configured_head, message: /configured twice/,
      run: (m) => { const cfg = m.manager.request('create_configuration', null, m.serial)!; cfg.request('enable_head', null, m.head!); cfg.request('disable_head', m.head!); } },
    { name: 'head omitted', iface: 'zwlr_output_configuration_v1', code: CONFIG_ERROR.unconfigured_head, message: /does not configure every head/,
      run: (m) => m.manager.request('create_configuration', null, m.serial)!.request('apply') },
    { name: 'request after apply', iface: 'zwlr_output_configuration_v1', code: CONFIG_ERROR.already_used, message: /already been applied or tested/,
      run: (m) => { const cfg = m.manager.request('create_configuration', null, m.serial)!; cfg.on('succeeded', () => {}); cfg.request('enable_head', null, m.head!); cfg.request('test'); cfg.request('apply'); } },
    { name: 'mode and custom mode', iface: 'zwlr_output_configuration_head_v1', code: HEAD_ERROR.already_set, message: /already been set/,
      run: (m) => { const h = m.manager.request('create_configuration', null, m.serial)!.request('enable_head', null, m.head!)!; h.request('set_mode', m.modes[0]!.proxy); h.request('set_custom_mode', 10, 10, 0); } },
    { name: 'custom mode of size 0', iface: 'zwlr_output_configuration_head_v1', code: HEAD_ERROR.invalid_custom_mode, message: /invalid custom mode 0x10/,
      run: (m) => m.manager.request('create_configuration', null, m.serial)!.request('enable_head', null, m.head!)!.request('set_custom_mode', 0, 10, 0) },
    { name: 'transform outside the enum', iface: 'zwlr_output_configuration_head_v1', code: HEAD_ERROR.invalid_transform, message: /invalid transform 8/,
      run: (m) => m.manager.request('create_configuration', null, m.serial)!.request('enable_head', null, m.head!)!.request('set_transform', 8) },
    { name: 'scale 0', iface: 'zwlr_output_configuration_head_v1', code: HEAD_ERROR.invalid_scale, message: /invalid scale 0/,
      run: (m) => m.manager.request('create_configuration', null, m.serial)!.request('enable_head', null, m.head!)!.request('set_scale', 0) },
  ];
  for (const k of cases) {
    await t.test(k.name, async () => {
      const c = await tc.client(k.name);
      const m = await bindManager(c);
      k.run(m);
      await expectProtocolError(c, k.iface, k.code, k.message);
    });
  }
  await t.test('a mode of another manager is invalid_mode', async () => {
    const c = await tc.client('two managers');
    const a = await bindManager(c);
    const b = await bindManager(c);
    a.manager.request('create_configuration', null, a.serial)!.request('enable_head', null, a.head!)!.request('set_mode', b.modes[0]!.proxy);
    await expectProtocolError(c, 'zwlr_output_configuration_head_v1', HEAD_ERROR.invalid_mode, /doesn't belong to head/);
  });
  assert.deepEqual([tc.compositor.output.width, tc.compositor.output.height], [640, 480]);
  tc.close();
});

test('Output.setMode: clients see xdg_output v3 sizes before the wl_output.done that applies them; a fullscreen toplevel is reconfigured; screencopy uses the new size', async () => {
  const t = startCompositor({ width: 640, height: 480 });
  const c = await t.client();
  const seen = watchOutput(c);
  const g = bindCore(c);
  const full = await toplevel(c, g);
  full.toplevel.request('set_fullscreen', null);
  await c.roundtrip();
  assert.deepEqual(full.configures.map((x) => [x.width, x.height]).at(-1), [640, 480]);
  t.compositor.output.setMode({ width: 320, height: 200, scale: 2 });
  await c.roundtrip();
  assert.deepEqual(seen.modes.at(-1), [320, 200, 60000]);
  assert.deepEqual(seen.logical.at(-1), [160, 100]);
  assert.deepEqual(full.configures.map((x) => [x.width, x.height]).at(-1), [160, 100]);
  assert.equal(t.compositor.snapshot().length, 320 * 200);
  assert.throws(() => t.compositor.output.setMode({ width: 0, height: 10 }), RangeError);
  assert.throws(() => t.compositor.output.setMode({ width: 100_000, height: 10 }), RangeError);
  const before = seen.done;
  t.compositor.output.setMode({ width: 320, height: 200 });
  await c.roundtrip();
  assert.equal(seen.done, before, 'no change, no events');
  t.close();
});

test('a screencopy frame waiting when the mode changes is failed; the next capture has the new size', async () => {
  const t = startCompositor({ width: 320, height: 240 });
  const c = await t.client('capture');
  const g = bindCore(c);
  const output = c.bind(wl_output, 1);
  output.on('geometry', () => {}).on('mode', () => {});
  const manager = c.bind(zwlr_screencopy_manager_v1, 3);
  /** One copy_with_damage: the buffer size advertised, then the outcome (null while waiting). */
  const frame = (): { size: number[]; outcome: string | null; copy: () => void } => {
    const f = manager.request('capture_output', null, 0, output)!;
    const r = { size: [] as number[], outcome: null as string | null, copy: () => {} };
    f.on('buffer', (_format, w, h) => (r.size = [Number(w), Number(h)])).on('buffer_done', () => {}).on('flags', () => {}).on('damage', () => {}).on('linux_dmabuf', () => {});
    f.on('ready', () => (r.outcome = 'ready')).on('failed', () => (r.outcome = 'failed'));
    r.copy = () => void f.request('copy_with_damage', shmBuffer(g, r.size[0]!, r.size[1]!, () => 0, XRGB).buffer);
    return r;
  };
  const first = frame();
  await c.roundtrip();
  first.copy();
  await waitFor(() => first.outcome !== null, 'the first frame');
  assert.equal(first.outcome, 'ready');
  const second = frame();
  await c.roundtrip();
  second.copy();
  await c.roundtrip();
  assert.equal(second.outcome, null, 'no damage since the first frame: it waits');
  t.compositor.output.setMode({ width: 400, height: 300 });
  await c.roundtrip();
  assert.equal(second.outcome, 'failed');
  const third = frame();
  await c.roundtrip();
  assert.deepEqual(third.size, [400, 300]);
  third.copy();
  await waitFor(() => third.outcome !== null, 'the third frame');
  assert.equal(third.outcome, 'ready');
  t.close();
});
