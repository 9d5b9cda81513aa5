// wl_shm on guarded mappings: libwayland's validation and errors, pools that
// only grow, buffers that outlive their pool, formats, release at
// commit, and every hostile client under both truncation policies with an
// honest client beside it.
// First: the test build of the addon, before anything from src/ loads one.
import { native } from '../../support/native-testing.js';
import assert from 'node:assert/strict';
import { closeSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import { HONEST_BAND, HOSTILE_KINDS, honestClient, honestGradient, hostileClient, type ClientRun } from '../../../src/cli/clients.js';
import type { Compositor } from '../../../src/compositor/index.js';
import { wl_shm } from '../../../src/protocol/wayland.js';
import { memfd } from '../../../src/shm/index.js';
import type { Proxy, WaylandClient } from '../../../src/client/index.js';
import { ARGB, bindCore, COPY_AT_COMMIT, type Globals, expectProtocolError, hex, pixelAt, present, shmBuffer, startCompositor, toplevel, XRGB } from '../../support/compositor.js';
import { waitFor } from '../../support/common.js';

const SHM = wl_shm.enums.error.entries;
const FORMAT = wl_shm.enums.format.entries;

test('wl_shm advertises the formats pixman reads: 8-bit, 10-bit, 16-bit and 24-bit RGB, no YUV', async () => {
  const t = startCompositor();
  const c = await t.client();
  const formats: number[] = [];
  const shm = c.bind(wl_shm, 1).on('format', (f) => formats.push(Number(f)));
  await c.roundtrip();
  assert.ok(shm);
  const expected = [
    'argb8888', 'xrgb8888', 'abgr8888', 'xbgr8888', 'rgba8888', 'rgbx8888', 'bgra8888', 'bgrx8888',
    'argb2101010', 'xrgb2101010', 'abgr2101010', 'xbgr2101010', 'rgb888', 'bgr888', 'rgb565', 'bgr565',
    'argb1555', 'xrgb1555', 'abgr1555', 'xbgr1555', 'argb4444', 'xrgb4444', 'abgr4444', 'xbgr4444',
  ] as const;
  assert.deepEqual(formats.sort(), expected.map((name) => FORMAT[name]).sort());
  assert.ok(!formats.includes(FORMAT.nv12) && !formats.includes(FORMAT.yuyv), 'no YUV: pixman does not composite it');
  t.close();
});

// create_buffer arguments → libwayland's error (pool of 4096 bytes).
const BAD_BUFFERS: [string, [number, number, number, number, number], number, RegExp][] = [
  ['unknown format', [0, 16, 16, 64, 0x12345678], SHM.invalid_format, /^.*invalid format 0x12345678$/],
  ['width 0', [0, 0, 16, 64, XRGB], SHM.invalid_stride, /invalid width, height or stride \(0x16, 64\)/],
  ['negative height', [0, 16, -1, 64, XRGB], SHM.invalid_stride, /invalid width, height or stride \(16x-1, 64\)/],
  ['stride below width × 4', [0, 16, 16, 63, XRGB], SHM.invalid_stride, /\(16x16, 63\)/],
  ['negative offset', [-4, 16, 16, 64, XRGB], SHM.invalid_stride, /\(16x16, 64\)/],
  ['past the pool end', [4, 16, 16, 256, ARGB], SHM.invalid_stride, /\(16x16, 256\)/],
  ['stride × height overflows 32 bits', [0, 16, 0x8000, 0x10000, XRGB], SHM.invalid_stride, /\(16x32768, 65536\)/],
];

for (const [what, args, code, message] of BAD_BUFFERS) {
  test(`create_buffer: ${what} is wl_shm.error ${code}, as libwayland; another client goes on`, async () => {
    const { t, c, fd, pool } = await withPool();
    const bystander = await t.client('bystander');
    pool.request('create_buffer', null, ...args);
    await expectProtocolError(c, 'wl_shm_pool', code, message);
    closeSync(fd);
    await bystander.roundtrip();
    t.close();
  });
}

/** A client with a 4096-byte pool. */
async function withPool(): Promise<{ t: ReturnType<typeof startCompositor>; c: WaylandClient; g: Globals; fd: number; pool: Proxy }> {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const fd = memfd('pool', 4096);
  return { t, c, g, fd, pool: g.shm.request('create_pool', null, fd, 4096)! };
}

test('create_buffer filling the pool exactly is accepted', async () => {
  const { t, c, fd, pool } = await withPool();
  pool.request('create_buffer', null, 1024, 16, 12, 256, XRGB);
  await c.roundtrip();
  assert.equal(c.error, null);
  closeSync(fd);
  t.close();
});

test('create_pool with size 0 is invalid_stride "invalid size (0)"', async () => {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const fd = memfd('pool', 4096);
  g.shm.request('create_pool', null, fd, 0);
  await expectProtocolError(c, 'wl_shm', SHM.invalid_stride, /invalid size \(0\)/);
  closeSync(fd);
  t.close();
});

test('a shrinking resize is invalid_fd "shrinking pool invalid"; growing maps the new part', async () => {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  // Grow a pool and show a buffer that lives only in the grown part.
  const fd = memfd('pool', 8192);
  writeSync(fd, Buffer.alloc(4096, 0x80), 0, 4096, 4096);
  const pool = g.shm.request('create_pool', null, fd, 4096)!;
  pool.request('resize', 8192);
  const buffer = pool.request('create_buffer', null, 4096, 32, 32, 128, XRGB)!;
  buffer.on('release', () => {});
  present(w.surface, buffer, 32, 32);
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.equal(hex(pixelAt(t.compositor, win.x + 5, win.y + 5)), hex(0xff808080));
  pool.request('resize', 4096);
  await expectProtocolError(c, 'wl_shm_pool', SHM.invalid_fd, /shrinking pool invalid/);
  closeSync(fd);
  t.close();
});

test('copied at commit (within a budget), a buffer outlives its pool; the buffer is released in the commit\'s turn', async () => {
  const t = startCompositor({ pixelBudget: COPY_AT_COMMIT });
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  const b = shmBuffer(g, 20, 10, () => 0xff336699);
  b.pool.request('destroy');
  closeSync(b.fd);
  await c.roundtrip();
  present(w.surface, b.buffer, 20, 10);
  await c.roundtrip();
  assert.equal(b.released, 1, 'released by the time the commit was processed');
  const win = t.compositor.windows.at(0)!;
  assert.equal(hex(pixelAt(t.compositor, win.x + 19, win.y + 9)), hex(0xff336699));
  t.close();
});

test('shown in place (--memory-budget 0): still shown after the client destroys its pool and wl_buffer, released once when replaced', async () => {
  const t = startCompositor({ pixelBudget: { perClient: 0 } });
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  const b = shmBuffer(g, 20, 10, () => 0xff336699);
  present(w.surface, b.buffer, 20, 10);
  await c.roundtrip();
  assert.equal(b.released, 0, 'shown from the client\'s memory: not released while shown');
  b.pool.request('destroy');
  closeSync(b.fd);
  const next = shmBuffer(g, 20, 10, () => 0xff00aa00);
  present(w.surface, next.buffer, 20, 10);
  await c.roundtrip();
  assert.equal(b.released, 1, 'released when replaced');
  const win = t.compositor.windows.at(0)!;
  assert.equal(hex(pixelAt(t.compositor, win.x + 19, win.y + 9)), hex(0xff00aa00));
  // wl_surface.attach: destroying the wl_buffer before its release is allowed; the contents stay.
  next.pool.request('destroy');
  next.buffer.request('destroy');
  closeSync(next.fd);
  await c.roundtrip();
  t.compositor.renderer.invalidate();
  assert.equal(hex(pixelAt(t.compositor, win.x + 19, win.y + 9)), hex(0xff00aa00), 'still shown: the pool stays mapped while shown');
  assert.equal(next.released, 0, 'a destroyed buffer gets no event');
  t.close();
});

test('formats: abgr/xbgr are converted, x-formats shown opaque, argb blended (premultiplied)', async () => {
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  const cases: [number, number, number][] = [
    [FORMAT.xrgb8888, 0x00ff0000, 0xffff0000], // alpha byte ignored
    [FORMAT.xbgr8888, 0x000000ff, 0xffff0000], // red in the low byte
    [FORMAT.abgr8888, 0xff00ff00, 0xff00ff00],
    [FORMAT.argb8888, 0x00000000, 0xff203040], // transparent: the background
    [FORMAT.argb8888, 0x80800000, 0xff901820], // half red over 0x203040: 0x80 + 0x20 × 127/255 ...
  ];
  const wins = [];
  for (const [format, src] of cases) {
    const w = await toplevel(c, g);
    const b = shmBuffer(g, 8, 8, () => src, format);
    present(w.surface, b.buffer, 8, 8);
    wins.push(w);
  }
  await c.roundtrip();
  cases.forEach(([format, src, expected], i) => {
    const win = t.compositor.windows.at(i)!;
    assert.equal(hex(pixelAt(t.compositor, win.x + 7 - i, win.y + 7 - i)), hex(expected), `format ${hex(format)} pixel ${hex(src)}`);
  });
  t.close();
});

/** Every pixel of the honest window is its gradient or its band, and the band is there. */
function assertHonestPixels(compositor: Compositor, name: string): void {
  const win = compositor.windows.find((w) => w.toplevel?.title === name);
  assert.ok(win, 'honest window mapped');
  const frame = compositor.snapshot();
  const W = compositor.output.width;
  let band = 0;
  for (let y = 0; y < win.windowHeight; y += 3)
    for (let x = 0; x < win.windowWidth; x++) {
      const p: number = frame[(win.y + y) * W + win.x + x]!;
      if (p === HONEST_BAND) band++;
      else assert.equal(hex(p), hex(honestGradient(x, y, win.windowWidth)), `honest pixel (${x}, ${y})`);
    }
  assert.ok(band > 0, 'the band is shown');
}

for (const policy of ['error', 'zero'] as const) {
  for (const kind of HOSTILE_KINDS) {
    test(`hostile ${kind}, policy ${policy}: ${policy === 'error' ? 'invalid_fd on its wl_buffer' : 'keeps running on zeros'}; the honest client beside it is untouched`, async () => {
      // The honest client is above the hostile one (mapped later), so their windows overlap only where both are right.
      const t = startCompositor({ onTruncate: policy });
      const hostile: ClientRun = await hostileClient(t.stream(kind), kind);
      const honest = await honestClient(t.stream('honest'));
      if (policy === 'error') {
        await waitFor(() => hostile.error !== null, 'the hostile client\'s protocol error');
        assert.equal(hostile.error!.interfaceName, 'wl_buffer');
        assert.equal(hostile.error!.errorCode, SHM.invalid_fd);
        assert.match(hostile.error!.message, /error accessing SHM buffer/);
      } else {
        await waitFor(() => hostile.frames >= 5, 'five frames of the hostile client');
        assert.equal(hostile.error, null);
        // Its window shows zeros (black, xrgb) where the file is gone.
        const win = t.compositor.windows.find((w) => w.toplevel?.title === kind)!;
        assert.equal(hex(pixelAt(t.compositor, win.x + 2, win.y + win.windowHeight - 2)), hex(0xff000000));
      }
      const stats = t.compositor.clientStats.find((s) => s.label === kind)!;
      assert.equal(stats.rescues, 1);
      assert.equal(stats.protocolError || stats.disconnected, policy === 'error');
      const before = honest.frames;
      await waitFor(() => honest.frames >= before + 5, 'five more frames of the honest client');
      assert.equal(honest.error, null);
      assertHonestPixels(t.compositor, 'honest');
      hostile.stop();
      honest.stop();
      t.close();
    });
  }
}

test('the guard\'s VMA budget spent: create_pool is wl_display.error no_memory, and the compositor goes on', async () => {
  const { mappingBudget } = await import('../../../src/shm/index.js');
  const t = startCompositor();
  const c = await t.client();
  const g = bindCore(c);
  await c.roundtrip();
  const b = mappingBudget();
  // As if vm.max_map_count left nothing: the headroom is 256 at such a limit, and a pool needs two.
  native.testing.setLimitCap(b.others + b.used + 256 - 20);
  assert.ok(mappingBudget().available < 2, JSON.stringify(mappingBudget()));
  const fd = memfd('pool', 4096);
  try {
    g.shm.request('create_pool', null, fd, 4096);
    await expectProtocolError(c, 'wl_display', 2, /no memory/);
  } finally {
    native.testing.setLimitCap(0);
  }
  const next = await t.client('next');
  const pool = bindCore(next).shm.request('create_pool', null, fd, 4096);
  await next.roundtrip();
  assert.ok(pool, 'pools work again once the budget is back');
  closeSync(fd);
  t.close();
});
