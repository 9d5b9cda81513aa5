// ext_image_copy_capture_v1 with output capture sources, against our own
// client: the constraints a session sends, the bytes a frame holds (equal to
// the compositor's screenshot pixels), the damage after a change (and only
// that written), the errors of the XML, buffer_constraints, new constraints
// on a mode change, stopped sessions, truncated buffers under each policy,
// what a client leaves behind.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { captureRgba } from '../../../src/compositor/output/capture.js';
import { MAX_CAPTURE_SESSIONS } from '../../../src/compositor/output/image-copy-capture.js';
import type { TruncationPolicy } from '../../../src/compositor/index.js';
import { ext_output_image_capture_source_manager_v1 } from '../../../src/protocol/ext-image-capture-source.js';
import { ext_image_copy_capture_cursor_session_v1, ext_image_copy_capture_frame_v1, ext_image_copy_capture_manager_v1, ext_image_copy_capture_session_v1 } from '../../../src/protocol/ext-image-copy-capture.js';
import { wl_output, wl_seat, wl_shm } from '../../../src/protocol/wayland.js';
import { memfd } from '../../../src/shm/index.js';
import { DisplayError } from '../../../src/wire/codec.js';
import { bindCore, expectProtocolError, mappedWindow, present, shmBuffer, startCompositor, XRGB, type Globals, type TestCompositor } from '../../support/compositor.js';
import { waitFor } from '../../support/common.js';

const FORMAT = wl_shm.enums.format.entries;
const FAILURE = ext_image_copy_capture_frame_v1.enums.failure_reason.entries;
const FRAME_ERROR = ext_image_copy_capture_frame_v1.enums.error.entries;
const UNTOUCHED = 0x5a;

interface Ext {
  c: WaylandClient;
  g: Globals;
  output: Proxy;
  sources: Proxy;
  manager: Proxy;
}

async function extClient(t: TestCompositor, label = 'capture'): Promise<Ext> {
  const c = await t.client(label);
  const g = bindCore(c);
  const output = c.bind(wl_output, 4);
  for (const e of ['geometry', 'mode', 'scale', 'name', 'description', 'done']) output.on(e, () => {});
  return { c, g, output, sources: c.bind(ext_output_image_capture_source_manager_v1, 1), manager: c.bind(ext_image_copy_capture_manager_v1, 1) };
}

interface Session {
  proxy: Proxy;
  /** Every event, in order ('buffer_size 640 480', 'shm_format 1', 'done', 'stopped'). */
  events: string[];
}

function session(x: Ext, options = 0): Session {
  const source = x.sources.request('create_source', null, x.output)!;
  const proxy = x.manager.request('create_session', null, source, options)!;
  const s: Session = { proxy, events: [] };
  proxy
    .on('buffer_size', (w, h) => s.events.push(`buffer_size ${String(w)} ${String(h)}`))
    .on('shm_format', (f) => s.events.push(`shm_format ${String(f)}`))
    .on('dmabuf_device', () => s.events.push('dmabuf_device'))
    .on('dmabuf_format', () => s.events.push('dmabuf_format'))
    .on('done', () => s.events.push('done'))
    .on('stopped', () => s.events.push('stopped'));
  return s;
}

interface Target {
  fd: number;
  buffer: Proxy;
  size: number;
}

/** A memfd buffer of width × height in `format`, every byte UNTOUCHED (what the compositor did not write stays so). */
function target(x: Ext, width: number, height: number, format: number = XRGB): Target {
  const size = width * height * 4;
  const fd = memfd('ext-capture', size);
  writeSync(fd, Buffer.alloc(size, UNTOUCHED), 0, size, 0);
  const buffer = x.g.shm.request('create_pool', null, fd, size)!.request('create_buffer', null, 0, width, height, width * 4, format)!;
  buffer.on('release', () => {});
  return { fd, buffer, size };
}

/** The buffer's bytes, read with pread (a capture client never maps its file). */
function bytesOf(t: Target): Buffer {
  const b = Buffer.alloc(t.size);
  readSync(t.fd, b, 0, t.size, 0);
  return b;
}

interface Frame {
  proxy: Proxy;
  events: string[];
  damage: { x: number; y: number; width: number; height: number }[];
  settled: Promise<string>;
}

/** create_frame, attach, damage_buffer for each of `damage` (default: the whole buffer), capture. */
function frame(s: Session, into: Target | null, damage: readonly [number, number, number, number][] | null = null, whole: [number, number] = [640, 480]): Frame {
  const proxy = s.proxy.request('create_frame', null)!;
  let settle: (e: string) => void = () => {};
  const f: Frame = { proxy, events: [], damage: [], settled: new Promise((r) => (settle = r)) };
  proxy
    .on('transform', (tr) => f.events.push(`transform ${String(tr)}`))
    .on('damage', (x, y, w, h) => {
      f.events.push('damage');
      f.damage.push({ x: Number(x), y: Number(y), width: Number(w), height: Number(h) });
    })
    .on('presentation_time', () => f.events.push('presentation_time'))
    .on('ready', () => {
      f.events.push('ready');
      settle('ready');
    })
    .on('failed', (why) => {
      f.events.push(`failed ${String(why)}`);
      settle(`failed ${String(why)}`);
    });
  if (into) proxy.request('attach_buffer', into.buffer);
  for (const [x, y, w, h] of damage ?? [[0, 0, ...whole]]) proxy.request('damage_buffer', x, y, w, h);
  proxy.request('capture');
  return f;
}

/** A frame into `into` (the whole buffer damaged), its outcome, then the frame destroyed (a session has one frame at a time). */
async function shot(s: Session, into: Target, whole: [number, number] = [640, 480]): Promise<string> {
  const f = frame(s, into, null, whole);
  const outcome = await f.settled;
  f.proxy.request('destroy');
  return outcome;
}

/** A session's first frame taken, then a second frame captured into a 640×480 buffer: it waits for a change. */
async function waitingFrame(x: Ext, s: Session): Promise<Frame> {
  assert.equal(await shot(s, target(x, 640, 480)), 'ready');
  const f = frame(s, target(x, 640, 480));
  await x.c.roundtrip();
  return f;
}

/** The framebuffer's bytes (xrgb8888 little-endian: what an xrgb8888 or argb8888 capture holds) after painting. */
function screen(t: TestCompositor): Buffer {
  t.compositor.paint();
  const fb = t.compositor.output.framebuffer;
  return Buffer.from(fb.buffer, fb.byteOffset, fb.byteLength);
}

const ALL_FORMATS = [FORMAT.xrgb8888, FORMAT.argb8888, FORMAT.xbgr8888, FORMAT.abgr8888];

test('a session sends buffer_size, the shm formats and done; a first frame holds the screenshot\'s pixels, full damage, transform normal', async () => {
  const t = startCompositor(); // 640×480
  const app = await t.client('app');
  await mappedWindow(t, app, bindCore(app), 200, 100, 0xff2080c0);
  const x = await extClient(t);
  const s = session(x);
  await x.c.roundtrip();
  assert.deepEqual(s.events, ['buffer_size 640 480', ...ALL_FORMATS.map((f) => `shm_format ${f}`), 'done']);
  for (const format of ALL_FORMATS) {
    const into = target(x, 640, 480, format);
    const f = frame(s, into);
    assert.equal(await f.settled, 'ready');
    // A session's first frame: everything; later ones wait for a change (one comes from the window's colour below).
    if (format === ALL_FORMATS[0]) {
      assert.deepEqual(f.events, ['transform 0', 'damage', 'presentation_time', 'ready']);
      assert.deepEqual(f.damage, [{ x: 0, y: 0, width: 640, height: 480 }]);
    }
    const want = format === FORMAT.xrgb8888 || format === FORMAT.argb8888 ? screen(t) : Buffer.from(captureRgba(t.compositor.output, t.compositor.snapshot()).data);
    assert.ok(bytesOf(into).equals(want), `format 0x${format.toString(16)}: the captured bytes are the screenshot's`);
    f.proxy.request('destroy');
    closeSync(into.fd);
    // Something changes for the next frame.
    await mappedWindow(t, app, bindCore(app), 20 + format % 50, 20, 0xff000000 + format);
  }
  t.close();
});

test('a later frame waits for a change, then reports its damage and writes only that (the frame asked for no more)', async () => {
  const t = startCompositor();
  const x = await extClient(t);
  const s = session(x);
  const first = target(x, 640, 480);
  assert.equal(await shot(s, first), 'ready');
  const into = target(x, 640, 480);
  const f = frame(s, into, [[0, 0, 1, 1]]); // the client needs one pixel besides what changed
  await x.c.roundtrip();
  screen(t); // a paint with nothing to paint
  await x.c.roundtrip();
  assert.deepEqual(f.events, [], 'nothing changed: the frame waits');
  // A 100×80 window appears at the first cascade place (32,32).
  const app = await t.client('app');
  await mappedWindow(t, app, bindCore(app), 100, 80, 0xffff0000);
  assert.equal(await f.settled, 'ready');
  const covers = (px: number, py: number): boolean => f.damage.some((d) => px >= d.x && px < d.x + d.width && py >= d.y && py < d.y + d.height);
  for (const [px, py] of [[32, 32], [131, 32], [32, 111], [131, 111]] as const) assert.ok(covers(px, py), `damage covers ${px},${py}: ${JSON.stringify(f.damage)}`);
  assert.ok(!covers(300, 300), 'no damage far from the window');
  const got = bytesOf(into);
  const want = screen(t);
  const at = (b: Buffer, px: number, py: number): number => b.readUInt32LE((py * 640 + px) * 4);
  for (const [px, py] of [[32, 32], [131, 111], [80, 70], [0, 0]] as const) assert.equal(at(got, px, py), at(want, px, py), `written at ${px},${py}`);
  assert.equal(at(got, 400, 400), UNTOUCHED * 0x01010101, 'nothing written where nothing changed and nothing was asked');
  t.close();
});

test('errors of the XML: no_buffer, already_captured (capture, attach, damage after capture), invalid_buffer_damage, duplicate_frame, invalid_option', async () => {
  const cases: { what: string; iface: string; code: number; message: RegExp; run: (x: Ext, s: Session) => void }[] = [
    { what: 'capture without a buffer', iface: 'ext_image_copy_capture_frame_v1', code: FRAME_ERROR.no_buffer, message: /without a buffer/, run: (_x, s) => void frame(s, null) },
    {
      what: 'capture twice', iface: 'ext_image_copy_capture_frame_v1', code: FRAME_ERROR.already_captured, message: /capture after capture/,
      run: (x, s) => frame(s, target(x, 640, 480)).proxy.request('capture'),
    },
    {
      what: 'attach after capture', iface: 'ext_image_copy_capture_frame_v1', code: FRAME_ERROR.already_captured, message: /attach_buffer after capture/,
      run: (x, s) => frame(s, target(x, 640, 480)).proxy.request('attach_buffer', target(x, 640, 480).buffer),
    },
    {
      what: 'damage after capture', iface: 'ext_image_copy_capture_frame_v1', code: FRAME_ERROR.already_captured, message: /damage_buffer after capture/,
      run: (x, s) => frame(s, target(x, 640, 480)).proxy.request('damage_buffer', 0, 0, 1, 1),
    },
    ...[[-1, 0, 10, 10], [0, -1, 10, 10], [0, 0, 0, 10], [0, 0, 10, -3]].map(([dx, dy, dw, dh]) => ({
      what: `damage ${dx},${dy} ${dw}×${dh}`, iface: 'ext_image_copy_capture_frame_v1', code: FRAME_ERROR.invalid_buffer_damage, message: /invalid buffer damage/,
      run: (x: Ext, s: Session) => void frame(s, target(x, 640, 480), [[dx!, dy!, dw!, dh!]]),
    })),
    {
      what: 'a second frame while the first lives', iface: 'ext_image_copy_capture_session_v1', code: ext_image_copy_capture_session_v1.enums.error.entries.duplicate_frame, message: /still exists/,
      run: (_x, s) => {
        s.proxy.request('create_frame', null);
        s.proxy.request('create_frame', null);
      },
    },
    {
      what: 'an unknown option', iface: 'ext_image_copy_capture_manager_v1', code: ext_image_copy_capture_manager_v1.enums.error.entries.invalid_option, message: /invalid options 0x2/,
      run: (x) => void session(x, 2),
    },
  ];
  const t = startCompositor();
  const bystander = await extClient(t, 'bystander');
  const bs = session(bystander);
  for (const k of cases) {
    const x = await extClient(t, k.what);
    const s = session(x);
    await x.c.roundtrip();
    k.run(x, s);
    await expectProtocolError(x.c, k.iface, k.code, k.message);
  }
  // The bystander captures on; the erring clients left nothing behind.
  assert.equal(await frame(bs, target(bystander, 640, 480)).settled, 'ready');
  await waitFor(() => t.compositor.imageCopyCapture.sessions === 1 && t.compositor.captures.waiting === 0, 'only the bystander\'s session left');
  t.close();
});

test('buffer_constraints: a buffer of another size, format or kind fails the frame; the session goes on', async () => {
  const t = startCompositor();
  const x = await extClient(t);
  const s = session(x);
  for (const into of [target(x, 320, 480), target(x, 640, 480, FORMAT.rgb565)]) {
    const f = frame(s, into);
    assert.equal(await f.settled, `failed ${FAILURE.buffer_constraints}`);
    f.proxy.request('destroy');
  }
  const solid = x.c.bind((await import('../../../src/protocol/single-pixel-buffer.js')).wp_single_pixel_buffer_manager_v1, 1).request('create_u32_rgba_buffer', null, 0, 0, 0, 0xffffffff)!;
  const f = s.proxy.request('create_frame', null)!;
  const failed = new Promise((resolve) => f.on('failed', (why) => resolve(why)));
  f.request('attach_buffer', solid);
  f.request('capture');
  assert.equal(await failed, FAILURE.buffer_constraints);
  f.request('destroy');
  assert.equal(await frame(s, target(x, 640, 480)).settled, 'ready');
  t.close();
});

test('an output mode change: the session gets the new buffer_size, a frame waiting fails with buffer_constraints, a frame of the new size holds the new screen', async () => {
  const t = startCompositor();
  const x = await extClient(t);
  const s = session(x);
  const waiting = await waitingFrame(x, s);
  const before = s.events.length;
  t.compositor.output.setMode({ width: 320, height: 240 });
  assert.equal(await waiting.settled, `failed ${FAILURE.buffer_constraints}`);
  await x.c.roundtrip();
  assert.deepEqual(s.events.slice(before), ['buffer_size 320 240', ...ALL_FORMATS.map((f) => `shm_format ${f}`), 'done']);
  waiting.proxy.request('destroy');
  const into = target(x, 320, 240);
  const f = frame(s, into, null, [320, 240]);
  assert.equal(await f.settled, 'ready');
  assert.deepEqual(f.damage, [{ x: 0, y: 0, width: 320, height: 240 }], 'everything changed');
  assert.ok(bytesOf(into).equals(screen(t)));
  t.close();
});

test('stopped: a session whose output goes fails its waiting frame and every later one; a cursor session never enters and its capture session is stopped', async () => {
  const t = startCompositor();
  const x = await extClient(t);
  const s = session(x);
  const waiting = await waitingFrame(x, s);
  t.compositor.imageCopyCapture.outputRemoved(t.compositor.output);
  assert.equal(await waiting.settled, `failed ${FAILURE.stopped}`);
  await x.c.roundtrip();
  assert.equal(s.events.at(-1), 'stopped');
  waiting.proxy.request('destroy');
  assert.equal(await frame(s, target(x, 640, 480)).settled, `failed ${FAILURE.stopped}`);

  const pointer = x.c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {}).request('get_pointer', null)!;
  for (const e of ['enter', 'leave', 'motion', 'frame']) pointer.on(e, () => {});
  const source = x.sources.request('create_source', null, x.output)!;
  const cursor = x.manager.request('create_pointer_cursor_session', null, source, pointer)!;
  const cursorEvents: string[] = [];
  for (const e of ['enter', 'leave', 'position', 'hotspot']) cursor.on(e, () => cursorEvents.push(e));
  const cs = cursor.request('get_capture_session', null)!;
  const csEvents: string[] = [];
  for (const e of ['buffer_size', 'shm_format', 'done', 'stopped']) cs.on(e, () => csEvents.push(e));
  await t.compositor.input.pointer.move(100, 100);
  await x.c.roundtrip();
  assert.deepEqual([cursorEvents, csEvents], [[], ['stopped']]);
  cursor.request('get_capture_session', null);
  await expectProtocolError(x.c, 'ext_image_copy_capture_cursor_session_v1', ext_image_copy_capture_cursor_session_v1.enums.error.entries.duplicate_session, /twice/);
  t.close();
});

for (const policy of ['error', 'zero'] as const satisfies readonly TruncationPolicy[])
  test(`a capture buffer truncated to 0 before capture, policy ${policy}: ${policy === 'error' ? 'invalid_fd on the wl_buffer' : 'failed (unknown)'}; the compositor goes on`, async () => {
    const t = startCompositor({ onTruncate: policy });
    const x = await extClient(t);
    const s = session(x);
    const into = target(x, 640, 480);
    ftruncateSync(into.fd, 0);
    const f = frame(s, into);
    if (policy === 'error') {
      // The write runs after the requests read with it: the error follows the round trip's answer.
      await waitFor(() => x.c.error !== null, 'the protocol error');
      assert.deepEqual([x.c.error?.interfaceName, x.c.error?.errorCode], ['wl_buffer', wl_shm.enums.error.entries.invalid_fd], x.c.error?.message);
      assert.match(x.c.error!.message, /error accessing SHM buffer/);
      assert.deepEqual(f.events, [], 'no ready, no failed');
    } else assert.equal(await f.settled, `failed ${FAILURE.unknown}`);
    const y = await extClient(t, 'after');
    const into2 = target(y, 640, 480);
    assert.equal(await frame(session(y), into2).settled, 'ready');
    assert.ok(bytesOf(into2).equals(screen(t)));
    t.close();
  });

test(`a client holds at most ${MAX_CAPTURE_SESSIONS} sessions (no_memory past it); a client leaving takes its sessions, damage logs and waiting frames`, async () => {
  const t = startCompositor();
  const x = await extClient(t);
  const logs = t.compositor.captures.logs;
  for (let i = 0; i < MAX_CAPTURE_SESSIONS; i++) {
    const s = session(x);
    if (i === 0) assert.equal(await frame(s, target(x, 640, 480)).settled, 'ready');
    else frame(s, target(x, 640, 480));
  }
  await waitFor(() => t.compositor.captures.waiting === 0, 'the sessions\' first frames delivered');
  session(x); // one past the bound
  await expectProtocolError(x.c, 'wl_display', DisplayError.no_memory, /too many capture sessions \(limit 16\)/);
  await waitFor(() => t.compositor.imageCopyCapture.sessions === 0 && t.compositor.captures.logs === logs && t.compositor.captures.waiting === 0, 'everything given back');

  // A waiting frame (its session's second) goes with its client.
  const y = await extClient(t, 'y');
  const s = session(y);
  assert.equal(await shot(s, target(y, 640, 480)), 'ready');
  frame(s, target(y, 640, 480));
  await waitFor(() => t.compositor.captures.waiting === 1, 'a frame waits for a change');
  y.c.close();
  await waitFor(() => t.compositor.captures.waiting === 0 && t.compositor.imageCopyCapture.sessions === 0, 'gone with its client');
  // The screen still changes and captures go on.
  const app = await t.client('app');
  const ga = bindCore(app);
  const { w } = await mappedWindow(t, app, ga, 10, 10, 0xff00ff00);
  present(w.surface, shmBuffer(ga, 10, 10, () => 0xff0000ff).buffer, 10, 10);
  const z = await extClient(t, 'z');
  assert.equal(await frame(session(z), target(z, 640, 480)).settled, 'ready');
  t.close();
});
