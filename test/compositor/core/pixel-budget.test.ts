// The pixel budget (content.ts): buffers past it are shown straight from the
// client's guarded mapping and released at the next commit; copies within it
// are released at once; the memory of both is given back when the client
// leaves; a surface that fails to paint ends its client, no other.
import assert from 'node:assert/strict';
import { ftruncateSync, readFileSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import { DirectContent, CopiedContent } from '../../../src/compositor/index.js';
import { wl_display, wl_shm } from '../../../src/protocol/wayland.js';
import { memfd } from '../../../src/shm/index.js';
import { ARGB, bindCore, COPY_AT_COMMIT, hex, mappedWindow, pixelAt, present, shmBuffer, startCompositor, toplevel, XRGB } from '../../support/compositor.js';
import { sleep, waitFor } from '../../support/common.js';

const SHM = wl_shm.enums.error.entries;
const ABGR = wl_shm.enums.format.entries.abgr8888;
const BG = 0xff203040;
const KIB = 1024;

test('past the per-client budget a buffer is shown in place: the same pixels, released only when replaced', async () => {
  const t = startCompositor({ pixelBudget: { perClient: 64 * KIB, total: 1024 * KIB } });
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  // 200 × 200 × 4 = 160 KiB: past the budget. abgr: converted while painting.
  const big = shmBuffer(g, 200, 200, (x, y) => (x < 100 ? 0xff0000ff : y < 100 ? 0x80000080 : 0xff00ff00), ABGR);
  present(w.surface, big.buffer, 200, 200);
  await c.roundtrip();
  const win = t.compositor.windows.at(0)!;
  assert.ok(win.surface.content instanceof DirectContent, 'shown in place');
  assert.equal(hex(pixelAt(t.compositor, win.x + 10, win.y + 10)), hex(0xffff0000), 'abgr red → argb red');
  assert.equal(hex(pixelAt(t.compositor, win.x + 150, win.y + 150)), hex(0xff00ff00));
  // 0x80 red at half alpha over the background 0x203040: about 0x90, 0x18, 0x20.
  const blended = pixelAt(t.compositor, win.x + 150, win.y + 10);
  const channels = [24, 16, 8, 0].map((sh) => (blended >>> sh) & 0xff);
  [0xff, 0x90, 0x18, 0x20].forEach((v, i) => assert.ok(Math.abs(channels[i]! - v) <= 1, `translucent pixels blend over the background: ${hex(blended)}`));
  assert.equal(big.released, 0, 'not released while shown in place');
  assert.equal(t.compositor.pixelBudget.used(), 0, 'no copy was made');
  // A small buffer next: copied (within budget), released at once; the big one is released now.
  const small = shmBuffer(g, 20, 20, () => 0xff123456);
  present(w.surface, small.buffer, 20, 20);
  await c.roundtrip();
  assert.equal(big.released, 1, 'released when replaced');
  assert.equal(small.released, 1, 'a copy is released at once');
  assert.ok(win.surface.content instanceof CopiedContent);
  assert.equal(t.compositor.pixelBudget.used(), 20 * 20 * 4);
  assert.equal(hex(pixelAt(t.compositor, win.x + 5, win.y + 5)), hex(0xff123456));
  c.close();
  await waitFor(() => t.compositor.pixelBudget.used() === 0, 'the copy given back when the client leaves');
  t.close();
});

test('the total budget is shared: a second client past it is shown in place, the first keeps its copy', async () => {
  const t = startCompositor({ pixelBudget: { perClient: 200 * KIB, total: 200 * KIB } });
  const a = await t.client('a');
  const ga = bindCore(a);
  const b = await t.client('b');
  const gb = bindCore(b);
  const wa = await toplevel(a, ga);
  const wb = await toplevel(b, gb);
  present(wa.surface, shmBuffer(ga, 200, 200, () => 0xffaa0000).buffer, 200, 200);
  await a.roundtrip();
  present(wb.surface, shmBuffer(gb, 200, 200, () => 0xff00aa00).buffer, 200, 200);
  await b.roundtrip();
  const [winA, winB] = t.compositor.windows;
  assert.ok(winA!.surface.content instanceof CopiedContent);
  assert.ok(winB!.surface.content instanceof DirectContent);
  assert.equal(hex(pixelAt(t.compositor, winB!.x + 150, winB!.y + 150)), hex(0xff00aa00));
  t.close();
});

for (const policy of ['error', 'zero'] as const) {
  test(`a buffer shown in place, truncated later: policy ${policy} — ${policy === 'error' ? 'invalid_fd at the next paint, nothing of it shown' : 'zeros shown'}; a bystander goes on`, async () => {
    const t = startCompositor({ onTruncate: policy, pixelBudget: { perClient: 64 * KIB, total: 1024 * KIB } });
    const bystander = await t.client('bystander');
    const gb = bindCore(bystander);
    const { win: winB } = await mappedWindow(t, bystander, gb, 10, 10, 0xff0000aa);
    const c = await t.client('hostile');
    const g = bindCore(c);
    const w = await toplevel(c, g);
    const big = shmBuffer(g, 200, 200, () => 0xffffffff, XRGB);
    present(w.surface, big.buffer, 200, 200);
    await c.roundtrip();
    const win = t.compositor.windows.at(-1)!;
    assert.equal(hex(pixelAt(t.compositor, win.x + 100, win.y + 100)), hex(0xffffffff));
    ftruncateSync(big.fd, 0);
    // Something makes the area repaint: the client damages it (no new buffer).
    w.surface.request('damage', 0, 0, 200, 200);
    w.surface.request('commit');
    await c.roundtrip().catch(() => {}); // the refresh may paint (and post the error) meanwhile
    const shown = pixelAt(t.compositor, win.x + 100, win.y + 100);
    if (policy === 'error') {
      await waitFor(() => c.error !== null, 'the protocol error');
      assert.equal(c.error!.interfaceName, 'wl_buffer');
      assert.equal(c.error!.errorCode, SHM.invalid_fd);
      assert.match(c.error!.message, /error accessing SHM buffer/);
      assert.notEqual(hex(shown), hex(0xff000000), 'the zeros are not shown');
    } else {
      assert.equal(hex(shown), hex(0xff000000), 'zeros (xrgb: opaque black)');
      assert.equal(c.error, null);
    }
    assert.equal(t.compositor.statsOf(winB.surface.client)?.protocolError, false);
    await bystander.roundtrip();
    assert.equal(hex(pixelAt(t.compositor, winB.x + 5, winB.y + 5)), hex(0xff0000aa), 'the bystander is still shown');
    t.close();
  });
}

test('a surface that throws while painted ends its client with implementation error, logged with its stack; the other client goes on', async () => {
  const lines: string[] = [];
  const t = startCompositor({ log: (line) => lines.push(line) });
  const bad = await t.client('bad');
  const gBad = bindCore(bad);
  const { win } = await mappedWindow(t, bad, gBad, 30, 30, 0xffff0000);
  const good = await t.client('good');
  const gGood = bindCore(good);
  const { win: winGood } = await mappedWindow(t, good, gGood, 30, 30, 0xff00ff00);
  // Test-only fault: this surface's content throws when read.
  const content = win.surface.content!;
  const fault = (): never => {
    throw new Error('injected paint fault');
  };
  content.image = fault;
  t.compositor.renderer.invalidate();
  t.compositor.paint();
  await waitFor(() => bad.error !== null, 'the protocol error');
  assert.equal(bad.error!.errorCode, wl_display.enums.error.entries.implementation);
  assert.match(bad.error!.message, /injected paint fault/);
  assert.ok(lines.some((l) => /error: .*injected paint fault\n\s+at /.test(l)), `logged with its stack: ${lines.join(' | ')}`);
  assert.equal(t.compositor.windows.has(win), false, 'its window left the scene');
  // The good client is still shown and its frame callbacks still fire.
  assert.equal(hex(pixelAt(t.compositor, winGood.x + 5, winGood.y + 5)), hex(0xff00ff00));
  const surface = gGood.compositor.request('create_surface', null)!;
  let fired = false;
  surface.request('frame', null)!.on('done', () => (fired = true));
  surface.request('commit');
  await waitFor(() => fired, 'a frame callback of the good client');
  assert.equal(good.error, null);
  t.close();
});

/** Resident set of this process in bytes (VmRSS). */
function rss(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m![1]) * 1024;
}

test('memory of a copy and of a pool is given back within seconds of the client leaving, without a GC', async () => {
  const t = startCompositor({ width: 320, height: 240, pixelBudget: COPY_AT_COMMIT });
  const c = await t.client();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  const W = 4096;
  const H = 4096; // 64 MiB: within a 128 MiB per-client budget, so copied
  const size = W * H * 4;
  const fd = memfd('big', size);
  const row = Buffer.alloc(W * 4, 0x55);
  for (let y = 0; y < H; y++) writeSync(fd, row, 0, row.length, y * W * 4);
  const pool = g.shm.request('create_pool', null, fd, size)!;
  const buffer = pool.request('create_buffer', null, 0, W, H, W * 4, XRGB)!;
  const before = rss();
  present(w.surface, buffer, W, H);
  await c.roundtrip();
  assert.ok(t.compositor.windows.at(0)!.surface.content instanceof CopiedContent);
  const peak = rss();
  assert.ok(peak - before > 48 * 1024 * 1024, `the copy is resident (${((peak - before) / 2 ** 20).toFixed(0)} MiB)`);
  c.close();
  await waitFor(() => t.compositor.pixelBudget.used() === 0, 'client gone');
  await sleep(200);
  const after = rss();
  assert.ok(peak - after > 48 * 1024 * 1024, `given back: ${((peak - after) / 2 ** 20).toFixed(0)} MiB of ${((peak - before) / 2 ** 20).toFixed(0)} MiB`);
  t.close();
});

test('four 8000 × 8000 buffers over one sparse memfd: shown, at the cost of what reaches the output', async () => {
  const t = startCompositor({ width: 640, height: 480 });
  const c = await t.client();
  const g = bindCore(c);
  const S = 8000;
  const bytes = S * S * 4; // 244 MiB each, 977 MiB in all: past every budget
  const fd = memfd('sparse', 4 * bytes);
  const pool = g.shm.request('create_pool', null, fd, 4 * bytes)!;
  const before = rss();
  for (let i = 0; i < 4; i++) {
    const w = await toplevel(c, g);
    present(w.surface, pool.request('create_buffer', null, i * bytes, S, S, S * 4, ARGB)!, S, S);
  }
  await c.roundtrip();
  assert.equal(t.compositor.windows.length, 4);
  for (const win of t.compositor.windows) assert.ok(win.surface.content instanceof DirectContent);
  const win = t.compositor.windows.at(3)!;
  assert.equal(hex(pixelAt(t.compositor, win.x + 5, win.y + 5)), hex(BG), 'transparent zeros over the background');
  const grew = rss() - before;
  assert.ok(grew < 64 * 1024 * 1024, `resident growth ${(grew / 2 ** 20).toFixed(1)} MiB`);
  const second = await t.client('second');
  await mappedWindow(t, second, bindCore(second), 8, 8, 0xff00ff00);
  t.close();
});
