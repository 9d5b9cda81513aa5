// wlr-screencopy v3 in process: what a capture client receives (events,
// pixels in its file), region clamping, protocol errors, copy_with_damage,
// and buffers truncated, sealed-and-resized or read-only under each policy.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WaylandClient } from '../../../src/client/index.js';
import { bindCapture, capture, patternClient, UNTOUCHED, type CaptureAttack, type CaptureResult } from '../../../src/cli/capture-clients.js';
import { honestClient } from '../../../src/cli/clients.js';
import type { Compositor, TruncationPolicy } from '../../../src/compositor/index.js';
import { BACKGROUND } from '../../../src/compositor/output/renderer.js';
import { wl_shm } from '../../../src/protocol/wayland.js';
import { zwlr_screencopy_frame_v1 } from '../../../src/protocol/wlr-screencopy.js';
import { memfd } from '../../../src/shm/index.js';
import { ARGB, bindCore, expectProtocolError, present, shmBuffer, startCompositor, toplevel, XRGB, type TestCompositor } from '../../support/compositor.js';
import { waitFor } from '../../support/common.js';

const FRAME_ERROR = zwlr_screencopy_frame_v1.enums.error.entries;
const SHM_ERROR = wl_shm.enums.error.entries;

/** The output's pixels in `box` (output pixels) as xrgb8888 rows, what a capture must hold. */
function expected(compositor: Compositor, box = { x: 0, y: 0, width: compositor.output.width, height: compositor.output.height }): Buffer {
  compositor.paint();
  const fb = compositor.output.framebuffer;
  const all = Buffer.from(fb.buffer, fb.byteOffset, fb.byteLength);
  const W = compositor.output.width;
  const rows: Buffer[] = [];
  for (let y = box.y; y < box.y + box.height; y++) rows.push(all.subarray((y * W + box.x) * 4, (y * W + box.x + box.width) * 4));
  return Buffer.concat(rows);
}

async function captureClientOf(t: TestCompositor, label = 'capture'): Promise<{ c: WaylandClient; g: ReturnType<typeof bindCapture> }> {
  const c = await t.client(label);
  const g = bindCapture(c);
  await c.roundtrip();
  return { c, g };
}

test('capture_output: one xrgb8888 buffer advertised, then ready; the file holds the output exactly', async () => {
  const t = startCompositor();
  await patternClient(t.stream('pattern'));
  const { c, g } = await captureClientOf(t);
  const r = await capture(c, g);
  assert.equal(r.outcome, 'ready', r.error?.message);
  assert.deepEqual([r.format, r.width, r.height, r.stride], [XRGB, 640, 480, 2560]);
  assert.ok(r.timeNs !== null && r.timeNs > 0n);
  assert.equal(r.fileSize, 640 * 480 * 4);
  assert.ok(r.file.equals(expected(t.compositor)), 'captured bytes equal the framebuffer');
  // Timestamps are the refresh's, monotonic: a later capture is later.
  const r2 = await capture(c, g);
  assert.ok(r2.timeNs! > r.timeNs!);
  t.close();
});

test('a fresh compositor, nothing committed yet: a capture (with and without damage) shows the background, not the zeros of an unpainted framebuffer', async () => {
  // wf-recorder started with the compositor recorded a black first frame: the background was painted only once a client committed.
  for (const withDamage of [false, true]) {
    const t = startCompositor();
    const { c, g } = await captureClientOf(t);
    const r = await capture(c, g, { withDamage });
    assert.equal(r.outcome, 'ready', r.error?.message);
    const want = Buffer.alloc(640 * 480 * 4);
    for (let o = 0; o < want.length; o += 4) want.writeUInt32LE(BACKGROUND, o);
    assert.ok(r.file.equals(want), `withDamage ${withDamage}: first pixel ${r.file.readUInt32LE(0).toString(16)}`);
    t.close();
  }
});

test('capture_output_region: output-logical coordinates, scaled and clamped to the output; empty is failed', async () => {
  const t = startCompositor({ width: 640, height: 480, scale: 2 });
  await patternClient(t.stream('pattern'));
  const { c, g } = await captureClientOf(t);
  const r = await capture(c, g, { region: { x: 10, y: 20, width: 50, height: 40 } });
  assert.equal(r.outcome, 'ready');
  assert.deepEqual([r.width, r.height, r.stride], [100, 80, 400]);
  assert.ok(r.file.equals(expected(t.compositor, { x: 20, y: 40, width: 100, height: 80 })));
  // Logical size 320 × 240: what reaches past it is cut off.
  const clamped = await capture(c, g, { region: { x: 300, y: 200, width: 100, height: 100 } });
  assert.equal(clamped.outcome, 'ready');
  assert.deepEqual([clamped.width, clamped.height], [40, 80]);
  assert.ok(clamped.file.equals(expected(t.compositor, { x: 600, y: 400, width: 40, height: 80 })));
  const left = await capture(c, g, { region: { x: -10, y: -10, width: 20, height: 20 } });
  assert.deepEqual([left.outcome, left.width, left.height], ['ready', 20, 20]);
  for (const region of [{ x: 400, y: 0, width: 10, height: 10 }, { x: 0, y: 0, width: -5, height: 10 }, { x: 0, y: 0, width: 0, height: 0 }])
    assert.equal((await capture(c, g, { region })).outcome, 'failed', JSON.stringify(region));
  t.close();
});

/** Every event a frame receives, in order, with its arguments. */
function recordFrame(frame: ReturnType<WaylandClient['bind']>): { events: [string, ...unknown[]][]; settled: Promise<string> } {
  const events: [string, ...unknown[]][] = [];
  let settle: (e: string) => void = () => {};
  const settled = new Promise<string>((resolve) => (settle = resolve));
  for (const e of ['buffer', 'linux_dmabuf', 'buffer_done', 'flags', 'damage', 'ready', 'failed'])
    frame.on(e, (...args) => {
      events.push([e, ...args]);
      if (e === 'ready' || e === 'failed') settle(e);
    });
  return { events, settled };
}

test('frame events: one shm buffer, buffer_done, no linux_dmabuf; copy gets flags 0 (no y_invert), then ready at a CLOCK_MONOTONIC time between the request and its arrival', async () => {
  // No other client: only the copy arms the refresh timer, so its vblank lies after the request.
  const t = startCompositor();
  const { c, g } = await captureClientOf(t);
  const core = bindCore(c);
  for (const withDamage of [false, true]) {
    const frame = g.manager.request('capture_output', null, 0, g.output)!;
    const rec = recordFrame(frame);
    await c.roundtrip();
    assert.deepEqual(rec.events, [['buffer', XRGB, 640, 480, 2560], ['buffer_done']]);
    const sent = process.hrtime.bigint();
    frame.request(withDamage ? 'copy_with_damage' : 'copy', shmBuffer(core, 640, 480, () => 0).buffer);
    assert.equal(await rec.settled, 'ready');
    const arrived = process.hrtime.bigint();
    const names = rec.events.map((e) => e[0]);
    assert.deepEqual(names, withDamage ? ['buffer', 'buffer_done', 'flags', 'damage', 'ready'] : ['buffer', 'buffer_done', 'flags', 'ready']);
    assert.deepEqual(rec.events[2], ['flags', 0]);
    const [, hi, lo, ns] = rec.events.at(-1)!;
    const at = ((BigInt(Number(hi)) << 32n) | BigInt(Number(lo))) * 1_000_000_000n + BigInt(Number(ns));
    assert.ok(at > sent && at <= arrived, `ready ${at} between ${sent} and ${arrived}`);
  }
  t.close();
});

test('the buffer destroyed before its copy ran: failed; the next capture works', async () => {
  const t = startCompositor();
  const { c, g } = await captureClientOf(t);
  const frame = g.manager.request('capture_output', null, 0, g.output)!;
  const rec = recordFrame(frame);
  await c.roundtrip();
  const { buffer } = shmBuffer(bindCore(c), 640, 480, () => 0);
  frame.request('copy', buffer);
  buffer.request('destroy');
  assert.equal(await rec.settled, 'failed');
  assert.equal((await capture(c, g)).outcome, 'ready');
  t.close();
});

describe('protocol errors', () => {
  for (const [what, format, width, height, stride] of [
    ['wrong format', ARGB, 640, 480, 2560],
    ['wrong size', XRGB, 320, 480, 2560],
    ['wrong stride', XRGB, 640, 480, 2564],
  ] as const)
    test(`invalid_buffer: ${what}`, async () => {
      const t = startCompositor();
      const { c, g } = await captureClientOf(t);
      const frame = g.manager.request('capture_output', null, 0, g.output)!;
      frame.on('buffer', () => {}).on('buffer_done', () => {});
      const size = stride * height;
      const fd = memfd('bad', size);
      const buffer = g.shm.request('create_pool', null, fd, size)!.request('create_buffer', null, 0, width, height, stride, format)!;
      frame.request('copy', buffer);
      await expectProtocolError(c, 'zwlr_screencopy_frame_v1', FRAME_ERROR.invalid_buffer, /invalid buffer attributes/);
      t.close();
    });

  test('invalid_buffer: copy on a frame that failed (an empty region)', async () => {
    const t = startCompositor();
    const { c, g } = await captureClientOf(t);
    const frame = g.manager.request('capture_output_region', null, 0, g.output, 700, 0, 10, 10)!;
    const rec = recordFrame(frame);
    assert.equal(await rec.settled, 'failed');
    assert.deepEqual(rec.events.map((e) => e[0]), ['failed']);
    frame.request('copy', shmBuffer(bindCore(c), 10, 10, () => 0).buffer);
    await expectProtocolError(c, 'zwlr_screencopy_frame_v1', FRAME_ERROR.invalid_buffer, /failed/);
    t.close();
  });

  test('already_used: a second copy on one frame', async () => {
    const t = startCompositor();
    const { c, g } = await captureClientOf(t);
    const frame = g.manager.request('capture_output', null, 0, g.output)!;
    frame.on('buffer', () => {}).on('buffer_done', () => {}).on('flags', () => {}).on('ready', () => {});
    const buffer = shmBuffer(bindCore(c), 640, 480, () => 0).buffer;
    frame.request('copy', buffer);
    frame.request('copy', buffer);
    await expectProtocolError(c, 'zwlr_screencopy_frame_v1', FRAME_ERROR.already_used, /already used/);
    t.close();
  });
});

test('copy_with_damage: the whole output first, then nothing until something changes, then damage covering the change', async () => {
  const t = startCompositor();
  const { c, g } = await captureClientOf(t);
  const first = await capture(c, g, { withDamage: true });
  assert.equal(first.outcome, 'ready');
  assert.deepEqual(first.damage, [{ x: 0, y: 0, width: 640, height: 480 }]);
  // Nothing changes: refreshes run (another client's frame callbacks), the frame waits.
  const other = await t.client('other');
  const og = bindCore(other);
  const w = await toplevel(other, og);
  let settled = false;
  const pending = capture(c, g, { withDamage: true }).then((r) => {
    settled = true;
    return r;
  });
  await c.roundtrip();
  for (let i = 0; i < 3; i++) {
    const ticks = t.compositor.ticks;
    const cb = w.surface.request('frame', null)!;
    const done = new Promise<void>((resolve) => cb.on('done', () => resolve()));
    w.surface.request('commit');
    await done;
    assert.ok(t.compositor.ticks > ticks);
  }
  await c.roundtrip();
  assert.equal(settled, false, 'no ready while nothing changed');
  // A 100 × 80 window appears at the first cascade place (32, 32).
  present(w.surface, shmBuffer(og, 100, 80, () => 0xffff0000).buffer, 100, 80);
  const r = await pending;
  assert.equal(r.outcome, 'ready');
  assert.ok(r.damage.length > 0);
  const covers = (x: number, y: number): boolean => r.damage.some((d) => x >= d.x && x < d.x + d.width && y >= d.y && y < d.y + d.height);
  for (const [x, y] of [[32, 32], [131, 32], [32, 111], [131, 111], [80, 70]] as const) assert.ok(covers(x, y), `damage covers ${x},${y}: ${JSON.stringify(r.damage)}`);
  assert.ok(r.file.equals(expected(t.compositor)));
  t.close();
});

// ---- hostile capture buffers

/** Region capture (output pixels x ≥ 100) of a 640 × 480 output: the pattern window, never the small bystander at (64, 64). */
const REGION = { x: 100, y: 0, width: 540, height: 480 };

interface Scene {
  t: TestCompositor;
  bystanderFrames: () => number;
}

async function scene(policy: TruncationPolicy, width = 640, height = 480): Promise<Scene> {
  const t = startCompositor({ onTruncate: policy, width, height });
  await patternClient(t.stream('pattern'));
  const bystander = await honestClient(t.stream('bystander'), 'bystander', 16, 16);
  await waitFor(() => bystander.frames > 2, 'the bystander animates');
  return { t, bystanderFrames: () => (bystander.error ? -1 : bystander.frames) };
}

function assertPolicyOutcome(r: CaptureResult, policy: TruncationPolicy): void {
  if (policy === 'zero') {
    assert.equal(r.outcome, 'failed', r.error?.message);
    return;
  }
  assert.equal(r.outcome, 'error');
  assert.equal(r.error?.interfaceName, 'wl_buffer', r.error?.message);
  assert.equal(r.error?.errorCode, SHM_ERROR.invalid_fd);
  assert.match(r.error!.message, /error accessing SHM buffer/);
}

/** The compositor goes on: the bystander keeps getting frames, a fresh honest capture works. */
async function assertAlive(s: Scene): Promise<void> {
  const before = s.bystanderFrames();
  assert.ok(before > 0, 'bystander connected');
  await waitFor(() => s.bystanderFrames() > before + 2, 'the bystander keeps animating');
  const { c, g } = await captureClientOf(s.t, 'after');
  const r = await capture(c, g, { region: REGION });
  assert.equal(r.outcome, 'ready');
  assert.ok(r.file.equals(expected(s.t.compositor, REGION)));
}

for (const policy of ['error', 'zero'] as const)
  describe(`capture buffers attacked, policy ${policy}`, () => {
    const cases: [CaptureAttack, (r: CaptureResult, frame: Buffer) => void][] = [
      ['truncate-zero', (r) => assert.equal(r.fileSize, 0)],
      ['truncate-half', (r, frame) => {
        assert.equal(r.fileSize, frame.length / 2);
        assert.ok(r.file.equals(frame.subarray(0, frame.length / 2)), 'bytes before the end are the frame\'s');
      }],
      ['sealed-resize', (r, frame) => {
        assert.equal(r.fileSize, frame.length);
        assert.ok(r.file.every((b) => b === UNTOUCHED), 'the file is untouched');
      }],
    ];
    for (const [attack, checkFile] of cases)
      test(`${attack}: ${policy === 'error' ? 'invalid_fd on the wl_buffer' : 'failed'}, file checked, compositor and bystander go on`, async () => {
        const s = await scene(policy);
        const { c, g } = await captureClientOf(s.t, attack);
        const r = await capture(c, g, { region: REGION, attack });
        assertPolicyOutcome(r, policy);
        checkFile(r, expected(s.t.compositor, REGION));
        assert.equal(s.t.compositor.clientStats.find((x) => x.label === attack)?.rescues, 1, 'the rescue is counted for that client');
        await assertAlive(s);
        s.t.close();
      });

    test('read-only pool: failed, file untouched', async () => {
      const s = await scene(policy);
      const { c, g } = await captureClientOf(s.t, 'read-only');
      const r = await capture(c, g, { region: REGION, attack: 'read-only' });
      assert.equal(r.outcome, 'failed');
      assert.equal(r.fileSize, REGION.width * REGION.height * 4);
      assert.ok(r.file.every((b) => b === 0));
      await assertAlive(s);
      s.t.close();
    });

    test('truncated to half while the compositor writes (1920 × 1080): the policy if it landed during, ready otherwise; the first half is the frame', async (tc) => {
      const s = await scene(policy, 1920, 1080);
      const box = { x: 100, y: 0, width: 1820, height: 1080 };
      let during = 0;
      const attempts = policy === 'zero' ? 10 : 1;
      for (let i = 0; i < attempts; i++) {
        const { c, g } = await captureClientOf(s.t, `during-${i}`);
        const r = await capture(c, g, { region: box, attack: 'truncate-during' });
        const frame = expected(s.t.compositor, box);
        assert.ok(r.truncatedDuring, 'the watcher saw the first bytes land and truncated');
        assert.equal(r.fileSize, frame.length / 2);
        assert.ok(r.file.equals(frame.subarray(0, frame.length / 2)), 'bytes before the end are the frame\'s');
        if (r.outcome === 'ready') continue;
        during++;
        assertPolicyOutcome(r, policy);
      }
      tc.diagnostic(`truncation landed during the write in ${during} of ${attempts}`);
      await assertAlive(s);
      s.t.close();
    });
  });
