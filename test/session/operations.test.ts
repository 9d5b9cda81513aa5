// The session's control functions (src/session/operations.ts) on an
// in-process compositor with in-process clients: what windows() reports,
// waits that end on events or fail naming what they waited for, input in
// window coordinates (what the client receives), window screenshots (the
// window alone, its size), resize and close as the client sees them,
// argument checks; compareImages.
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../src/client/index.js';
import { wl_seat } from '../../src/protocol/wayland.js';
import { Operations } from '../../src/session/operations.js';
import { checkArgs, ControlError, MAX_MODE, type OperationName, type WindowInfo } from '../../src/session/requests.js';
import { compareImages, decodePng, encodePng, type Image } from '../../src/session/image.js';
import { bindCore, mappedWindow, present, shmBuffer, startCompositor, type Globals, type TestCompositor, type Toplevel } from '../support/compositor.js';
import { sleep } from '../support/common.js';
import { rejection } from '../support/session.js';
import { MAX_OUTPUT_SIZE } from '../../src/compositor/output/output.js';

const RED = 0xffff0000;
const BLUE = 0xff0000ff;

interface Seat {
  log: string[];
}

/** Binds the seat and logs what its keyboard and pointer receive ("button 272 1", "motion 5,5", "kb enter", "key 30 1"). */
function seatEvents(c: WaylandClient): Seat {
  const log: string[] = [];
  const seat = c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {});
  seat.request('get_keyboard', null)!
    .on('keymap', (_f, fd) => closeSync(Number(fd)))
    .on('repeat_info', () => {})
    .on('enter', () => log.push('kb enter'))
    .on('leave', () => log.push('kb leave'))
    .on('key', (_s, _t, key, state) => log.push(`key ${String(key)} ${String(state)}`))
    .on('modifiers', () => {});
  seat.request('get_pointer', null)!
    .on('enter', (_s, _surface, x, y) => log.push(`enter ${String(x)},${String(y)}`))
    .on('leave', () => log.push('leave'))
    .on('motion', (_t, x, y) => log.push(`motion ${String(x)},${String(y)}`))
    .on('button', (_s, _t, b, st) => log.push(`button ${String(b)} ${String(st)}`))
    .on('axis', (_t, axis, v) => log.push(`axis ${String(axis)} ${String(v)}`))
    .on('axis_source', () => {})
    .on('axis_discrete', () => {})
    .on('axis_value120', () => {})
    .on('axis_stop', () => {})
    .on('frame', () => {});
  return { log };
}

interface Client {
  c: WaylandClient;
  g: Globals;
  seat: Seat;
}

async function client(t: TestCompositor, label: string): Promise<Client> {
  const c = await t.client(label);
  const g = bindCore(c);
  const seat = seatEvents(c);
  await c.roundtrip();
  return { c, g, seat };
}

/** A mapped toplevel of one colour, titled. */
async function window(t: TestCompositor, k: Client, title: string, appId: string, w: number, h: number, color: number): Promise<Toplevel> {
  const tl = await mappedWindow(t, k.c, k.g, w, h, color);
  tl.w.toplevel.request('set_title', title);
  tl.w.toplevel.request('set_app_id', appId);
  await k.c.roundtrip();
  return tl.w;
}

const setup = (options: { scale?: number } = {}): { t: TestCompositor; ops: Operations } => {
  const t = startCompositor({ width: 640, height: 480, ...options });
  return { t, ops: new Operations(t.compositor, { waylandDisplay: 'wayland-test', runtimeDir: '/run/test' }) };
};

function solid(img: Image, argb: number): boolean {
  const [r, g, b] = [(argb >>> 16) & 255, (argb >>> 8) & 255, argb & 255];
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i] !== r || img.data[i + 1] !== g || img.data[i + 2] !== b || img.data[i + 3] !== 255) return false;
  return true;
}

test('windows(): title, app id, pid, geometry and state of each mapped toplevel, bottom to top; ids stay', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  await window(t, a, 'First', 'org.example.first', 100, 80, RED);
  const second = await window(t, a, 'Second', 'org.example.second', 60, 40, BLUE);
  const list = await ops.call('windows', {});
  const expect = (over: Partial<WindowInfo>): WindowInfo => ({ id: 0, title: '', appId: '', pid: process.pid, x: 0, y: 0, width: 0, height: 0, maximized: false, fullscreen: false, activated: false, ...over });
  assert.deepEqual(list, [
    expect({ id: 1, title: 'First', appId: 'org.example.first', x: 32, y: 32, width: 100, height: 80 }),
    expect({ id: 2, title: 'Second', appId: 'org.example.second', x: 64, y: 64, width: 60, height: 40, activated: true }),
  ]);
  second.toplevel.request('set_maximized');
  await a.c.roundtrip();
  const again = await ops.call('windows', {});
  assert.deepEqual(again.map((w) => [w.id, w.title, w.maximized]), [[1, 'First', false], [2, 'Second', true]]);
  ops.close();
  t.close();
});

test('waitWindow: resolves when a window maps, or when a title changes to match; a RegExp matches by test()', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  const byApp = ops.call('waitWindow', { match: { appId: /^org\.example\./ }, timeoutMs: 5000 });
  const byTitle = ops.call('waitWindow', { match: { title: 'Ready' }, timeoutMs: 5000 });
  let titled: WindowInfo | null = null;
  void byTitle.then((w) => (titled = w));
  const w = await window(t, a, 'Loading', 'org.example.app', 50, 50, RED);
  assert.equal((await byApp).title, 'Loading');
  await sleep(50);
  assert.equal(titled, null, 'not yet: the title is Loading');
  w.toplevel.request('set_title', 'Ready');
  await a.c.roundtrip();
  assert.deepEqual(await byTitle, { ...(await byApp), title: 'Ready' });
  ops.close();
  t.close();
});

test('waitWindow times out after its timeout, naming what it waited for and the windows there are', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  await window(t, a, 'Editor', 'org.example.editor', 50, 50, RED);
  const start = Date.now();
  const e = await rejection(ops.call('waitWindow', { match: { title: /^Settings/, appId: 'org.example.editor' }, timeoutMs: 300 }));
  assert.ok(Date.now() - start >= 290, `rejected after ${Date.now() - start} ms`);
  assert.equal(e.code, 'ERR_NOSIGBUS_TIMEOUT');
  assert.match(e.message, /^timed out after \d+ ms waiting for a window with title \/\^Settings\/ and app_id "org\.example\.editor"; windows \(bottom to top\): 1 "Editor" \(app_id "org\.example\.editor", pid \d+\) 50x50 at 32,32, activated$/);
  ops.close();
  t.close();
});

test('waitIdle: resolves after a quiet spell; times out naming who kept committing', async () => {
  const { t, ops } = setup();
  const busy = await client(t, 'busy-client');
  const w = await window(t, busy, 'Busy', 'busy', 32, 32, RED);
  const buffer = shmBuffer(busy.g, 32, 32, () => BLUE).buffer;
  let commits = 0;
  const timer = setInterval(() => {
    present(w.surface, buffer, 32, 32);
    commits++;
  }, 10);
  const e = await rejection(ops.call('waitIdle', { quietMs: 100, timeoutMs: 300 }));
  assert.equal(e.code, 'ERR_NOSIGBUS_TIMEOUT');
  assert.match(e.message, /^timed out after \d+ ms waiting for 100 ms without a commit \(commits meanwhile: busy-client: \d+; the last \d+ ms ago\); windows/);
  setTimeout(() => clearInterval(timer), 200);
  const start = Date.now();
  const { waitedMs } = await ops.call('waitIdle', { quietMs: 100, timeoutMs: 5000 });
  const afterLast = commits;
  assert.ok(waitedMs >= 250 && Date.now() - start >= 250, `idle after ${waitedMs} ms: commits went on for 200 ms, then 100 ms of quiet`);
  await sleep(20);
  assert.equal(commits, afterLast, 'no commit after it resolved');
  ops.close();
  t.close();
});

test('click, move and scroll in window coordinates: the window is focused and raised first, the client gets surface-local events', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  const b = await client(t, 'b');
  await window(t, a, 'Below', 'a', 100, 100, RED);
  await window(t, b, 'Above', 'b', 100, 100, BLUE); // at 64,64: over Below's lower right
  assert.equal((await ops.call('windows', {})).find((w) => w.title === 'Below')!.activated, false);
  a.seat.log.length = 0;
  // 50,50 in Below is under Above: Below is raised first, so the click lands on it.
  await ops.call('click', { window: { title: 'Below' }, x: 50, y: 50, button: 'right' });
  await a.c.roundtrip();
  assert.deepEqual(a.seat.log.filter((l) => !l.startsWith('key')), ['kb enter', 'enter 50,50', 'button 273 1', 'button 273 0']);
  const list = await ops.call('windows', {});
  assert.deepEqual(list.map((w) => [w.title, w.activated]), [['Above', false], ['Below', true]], 'Below raised and activated');
  await ops.call('move', { window: 1, x: 10.5, y: 20 });
  await ops.call('scroll', { window: 1, dx: 0, dy: 2 });
  await a.c.roundtrip();
  assert.deepEqual(a.seat.log.slice(-2), ['motion 10.5,20', 'axis 0 30']);
  const outside = await rejection(ops.call('click', { window: 1, x: 100, y: 5 }));
  assert.equal(outside.code, 'ERR_NOSIGBUS_CANNOT');
  assert.match(outside.message, /^click: 100,5 is outside window 1 "Below" .* 100x100 at 32,32/);
  await ops.call('output', { width: 100, height: 100 });
  const beyond = await rejection(ops.call('move', { window: 1, x: 90, y: 10 }));
  assert.match(beyond.message, /^move: 90,10 of window 1 "Below" .* is at 122,42, off the output \(100x100\); make the output larger$/);
  await ops.call('output', { width: 640, height: 480 });
  const offOutput = await rejection(ops.call('click', { x: 640, y: 0 }));
  assert.match(offOutput.message, /click: 640,0 is outside the output \(640x480\)/);
  ops.close();
  t.close();
});

test('type and key: to the window named (focused first), else to the focused one; a key the keymap lacks is refused', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  const b = await client(t, 'b');
  await window(t, a, 'A', 'a', 40, 40, RED);
  await window(t, b, 'B', 'b', 40, 40, BLUE);
  a.seat.log.length = 0;
  b.seat.log.length = 0;
  await ops.call('type', { window: { title: 'A' }, text: 'a' });
  await ops.call('key', { key: 'Control+Return' }); // A has focus now
  await a.c.roundtrip();
  await b.c.roundtrip();
  // evdev codes: a 30, Control_L 29, Return 28.
  assert.deepEqual(a.seat.log, ['kb enter', 'key 30 1', 'key 30 0', 'key 29 1', 'key 28 1', 'key 28 0', 'key 29 0']);
  assert.deepEqual(b.seat.log, ['kb leave']);
  const unknown = await rejection(ops.call('key', { key: 'NoSuchKey' }));
  assert.equal(unknown.code, 'ERR_NOSIGBUS_CANNOT');
  assert.match(unknown.message, /^key: cannot type 'NoSuchKey'/);
  ops.close();
  t.close();
  const empty = setup();
  const nobody = await rejection(empty.ops.call('type', { text: 'x' }));
  assert.equal(nobody.code, 'ERR_NOSIGBUS_NO_WINDOW');
  assert.match(nobody.message, /^type: no window has keyboard focus; no windows$/);
  empty.ops.close();
  empty.t.close();
});

test('screenshot of a window: that window alone at its size, another window over it not shown; the output shows both', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  const under = await window(t, a, 'Under', 'u', 100, 80, RED);
  await window(t, a, 'Over', 'o', 100, 80, BLUE); // at 64,64, over Under's lower right
  const shot = await ops.call('screenshot', { window: { title: 'Under' } });
  const img = await decodePng(shot.png);
  assert.deepEqual([shot.width, shot.height, img.width, img.height], [100, 80, 100, 80]);
  assert.ok(solid(img, RED), 'all red: the blue window over it is not in its screenshot');
  const output = await decodePng((await ops.call('screenshot', {})).png);
  assert.deepEqual([output.width, output.height], [640, 480]);
  const px = (x: number, y: number): number[] => [...output.data.subarray((y * 640 + x) * 4, (y * 640 + x) * 4 + 4)];
  assert.deepEqual(px(40, 40), [255, 0, 0, 255]);
  assert.deepEqual(px(100, 100), [0, 0, 255, 255]);
  // The output still paints as before (the window's render did not take its damage).
  present(under.surface, shmBuffer(a.g, 100, 80, () => 0xff00ff00).buffer, 100, 80);
  await a.c.roundtrip();
  const after = await decodePng((await ops.call('screenshot', {})).png);
  assert.deepEqual([...after.data.subarray((40 * 640 + 40) * 4, (40 * 640 + 40) * 4 + 4)], [0, 255, 0, 255]);
  ops.close();
  t.close();
});

test('screenshot of a window at output scale 2: its logical size times 2', async () => {
  const { t, ops } = setup({ scale: 2 });
  const a = await client(t, 'a');
  await window(t, a, 'W', 'w', 50, 30, RED);
  const shot = await ops.call('screenshot', { window: 1 });
  const img = await decodePng(shot.png);
  assert.deepEqual([img.width, img.height], [100, 60]);
  assert.ok(solid(img, RED));
  ops.close();
  t.close();
});

test('resize: the client is configured with the size and the wait ends at its commit after the ack; close: xdg_toplevel.close, the wait ends when it unmaps', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  const w = await window(t, a, 'R', 'r', 50, 50, RED);
  // The client draws what it is configured with, once acked (toplevel() acks at once).
  w.toplevel.on('configure', (width, height) => {
    const [cw, ch] = [Number(width) || 50, Number(height) || 50];
    setTimeout(() => present(w.surface, shmBuffer(a.g, cw, ch, () => BLUE).buffer, cw, ch), 20);
  });
  const resized = await ops.call('resize', { window: 1, width: 120, height: 90, timeoutMs: 5000 });
  assert.deepEqual([resized.width, resized.height], [120, 90]);
  let closeEvents = 0;
  w.toplevel.on('close', () => {
    closeEvents++;
    setTimeout(() => {
      w.surface.request('attach', null, 0, 0);
      w.surface.request('commit');
    }, 30);
  });
  await ops.call('close', { window: { title: 'R' }, timeoutMs: 5000 });
  assert.equal(closeEvents, 1);
  assert.deepEqual(await ops.call('windows', {}), []);
  ops.close();
  t.close();
});

test('resize and close time out on a client that does not follow, naming the window', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  await window(t, a, 'Stubborn', 's', 50, 50, RED);
  const r = await rejection(ops.call('resize', { window: 1, width: 80, height: 80, timeoutMs: 100 }));
  assert.equal(r.code, 'ERR_NOSIGBUS_TIMEOUT');
  assert.match(r.message, /waiting for window 1 "Stubborn" .* to ack and commit its 80x80 configure/);
  const c = await rejection(ops.call('close', { window: 1, timeoutMs: 100 }));
  assert.match(c.message, /waiting for window 1 "Stubborn" .* to close \(xdg_toplevel\.close sent; it is still mapped\)/);
  ops.close();
  t.close();
});

test('a window that is not there: by id or by match, the error lists the windows', async () => {
  const { t, ops } = setup();
  const a = await client(t, 'a');
  await window(t, a, 'Only', 'only', 20, 20, RED);
  const byId = await rejection(ops.call('screenshot', { window: 7 }));
  assert.equal(byId.code, 'ERR_NOSIGBUS_NO_WINDOW');
  assert.match(byId.message, /^screenshot: no window 7 \(not mapped, or closed\); windows \(bottom to top\): 1 "Only"/);
  const byMatch = await rejection(ops.call('type', { window: { appId: 'other' }, text: 'x' }));
  assert.match(byMatch.message, /^type: no window with app_id "other"; windows \(bottom to top\): 1 "Only"/);
  ops.close();
  t.close();
});

test('arguments are checked whoever sends them: types and ranges', () => {
  const cases: [OperationName, unknown, RegExp][] = [
    ['click', { x: 'a', y: 1 }, /^click: x must be a number/],
    ['click', { x: 1, y: 1, button: 'back' }, /^click: button must be left, right or middle/],
    ['waitWindow', { match: { title: 5 } }, /^waitWindow: title must be a string or a regular expression/],
    ['waitWindow', { match: {}, timeoutMs: 10_000_000 }, /^waitWindow: timeoutMs must be a number in 0\.\.600000/],
    ['waitIdle', { quietMs: 0 }, /^waitIdle: quietMs must be a number in 1\.\.600000/],
    ['resize', { width: 10, height: 10 }, /^resize: which window\?/],
    ['resize', { window: 1.5, width: 10, height: 10 }, /^resize: window id must be a positive integer/],
    ['output', { width: 0, height: 10 }, /^output: width must be a number in 1\.\.16384/],
    ['output', { width: 10.5, height: 10 }, /^output: width must be an integer/],
    ['type', { text: 'x'.repeat(70_000) }, /^type: text is longer than 65536 characters/],
    ['key', { key: 7 }, /^key: key must be a string/],
    ['scroll', { dy: 1, x: 3 }, /^scroll: x and y go together/],
    ['windows', [], /^windows: arguments must be an object/],
  ];
  for (const [op, args, message] of cases) {
    assert.throws(() => checkArgs(op, args), (e: unknown) => e instanceof ControlError && e.code === 'ERR_NOSIGBUS_BAD_REQUEST' && message.test(e.message), `${op} ${JSON.stringify(args).slice(0, 80)}`);
  }
  assert.deepEqual(checkArgs('waitIdle', undefined), { quietMs: 500, timeoutMs: 5000 }, 'defaults');
});

test('close() ends pending waits; later calls are refused', async () => {
  const { t, ops } = setup();
  const pending = ops.call('waitWindow', { match: { title: 'never' }, timeoutMs: 60_000 });
  ops.close();
  const e = await rejection(pending);
  assert.equal(e.code, 'ERR_NOSIGBUS_CLOSED');
  assert.equal((await rejection(ops.call('windows', {}))).code, 'ERR_NOSIGBUS_CLOSED');
  assert.equal(t.compositor.desktop.windowEvents.size, 0, 'no listener left behind');
  assert.equal(t.compositor.commits.size, 0);
  t.close();
});

test('output: the mode changes, screenshots follow', async () => {
  assert.equal(MAX_MODE, MAX_OUTPUT_SIZE, 'the checks take what the output takes');
  const { t, ops } = setup();
  assert.deepEqual(await ops.call('output', { width: 320, height: 200 }), { width: 320, height: 200, scale: 1, refreshMilliHz: 60000 });
  const img = await decodePng((await ops.call('screenshot', {})).png);
  assert.deepEqual([img.width, img.height], [320, 200]);
  ops.close();
  t.close();
});

test('compareImages: differing pixels beyond the tolerance, in a region, and a diff image marking them in red', async () => {
  const w = 8;
  const h = 4;
  const make = (f: (x: number, y: number) => number[]): Image => {
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(f(x, y), (y * w + x) * 4);
    return { width: w, height: h, data };
  };
  const a = make(() => [100, 100, 100, 255]);
  // Three pixels off by 10 in green, one by 3 in blue.
  const b = make((x, y) => (y === 1 && x < 3 ? [100, 110, 100, 255] : y === 3 && x === 7 ? [100, 100, 103, 255] : [100, 100, 100, 255]));
  const exact = await compareImages(await encodePng(a), await encodePng(b));
  assert.deepEqual([exact.differing, exact.total], [4, 32]);
  assert.equal((await compareImages(a, b, { tolerance: 5 })).differing, 3);
  assert.equal((await compareImages(a, b, { tolerance: 10 })).differing, 0);
  assert.equal((await compareImages(a, b, { region: { x: 1, y: 0, width: 10, height: 2 } })).differing, 2);
  const diff = await decodePng(exact.diff);
  const at = (x: number, y: number): number[] => [...diff.data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4)];
  assert.deepEqual(at(0, 1), [255, 0, 0, 255]);
  assert.deepEqual(at(7, 3), [255, 0, 0, 255]);
  assert.notDeepEqual(at(0, 0), [255, 0, 0, 255]);
  await assert.rejects(compareImages(a, { width: 4, height: 8, data: a.data }), /images differ in size: 8x4 and 4x8/);
  await assert.rejects(compareImages(new Uint8Array([1, 2, 3]), a), /not a PNG image/);
});

test('waits that ended hold no listener', async () => {
  const { t, ops } = setup();
  await rejection(ops.call('waitIdle', { quietMs: 50, timeoutMs: 0 }));
  await rejection(ops.call('waitWindow', { match: { title: 'x' }, timeoutMs: 20 }));
  assert.equal(t.compositor.commits.size, 0);
  assert.equal(t.compositor.desktop.windowEvents.size, 1, "only Operations' own listener (ids)");
  ops.close();
  t.close();
});
