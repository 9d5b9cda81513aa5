// What a client may cost, outside the scene (issue 15): legal requests in
// absurd numbers, depths and sizes against the selection protocols, outputs
// and output management, screen capture, presentation, regions, virtual
// input and the server core. For each: what the offending client sees (the
// documented error, or it keeps working), that another client is still
// served (a round trip, a frame callback), and that what the compositor
// held for the client is given back (observed through what can be made
// again, or through the counts the modules expose).
import assert from 'node:assert/strict';
import { closeSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import type { Proxy, WaylandClient } from '../../src/client/index.js';
import { MAX_SELECTION_DEVICES, MAX_MIME_TYPES, MAX_SOURCE_MIME_BYTES, MAX_CLIENT_MIME_BYTES } from '../../src/compositor/selection/selection.js';
import { MAX_XDG_OUTPUTS } from '../../src/compositor/output/output.js';
import { MAX_CLIENT_MODE_PIXELS, MAX_CUSTOM_MODES } from '../../src/compositor/output/output-management.js';
import { MAX_PENDING_CAPTURES } from '../../src/compositor/output/capture-queue.js';
import { feedbackQuota, MAX_FEEDBACKS } from '../../src/compositor/core/presentation.js';
import { addDamage, MAX_DAMAGE_RECTS, MAX_REGION_OPS, Region, rect, type Rect } from '../../src/compositor/core/region.js';
import { MAX_HELD_BUTTONS, MAX_HELD_KEYS, MAX_KEYMAP_BYTES, MAX_KEYMAP_INCLUDES, MAX_VIRTUAL_KEYMAPS } from '../../src/compositor/input/virtual-input.js';
import { Keymap } from '../../src/compositor/input/xkb.js';
import { wp_presentation } from '../../src/protocol/presentation-time.js';
import { wl_data_device_manager, wl_output, wl_seat, wl_shm } from '../../src/protocol/wayland.js';
import { zwlr_data_control_manager_v1 } from '../../src/protocol/wlr-data-control.js';
import { zwlr_output_manager_v1 } from '../../src/protocol/wlr-output-management.js';
import { zwlr_screencopy_manager_v1 } from '../../src/protocol/wlr-screencopy.js';
import { zwlr_virtual_pointer_manager_v1 } from '../../src/protocol/wlr-virtual-pointer.js';
import { zwp_virtual_keyboard_manager_v1, zwp_virtual_keyboard_v1 } from '../../src/protocol/virtual-keyboard.js';
import { zxdg_output_manager_v1 } from '../../src/protocol/xdg-output.js';
import { MAX_BINDS_PER_GLOBAL } from '../../src/server/index.js';
import { memfd } from '../../src/shm/index.js';
import { DisplayError } from '../../src/wire/codec.js';
import { bindCore, expectProtocolError, mappedWindow, startCompositor, type TestCompositor } from '../support/compositor.js';

/** Sends `n` requests through `send`, a round trip every `batch` (the client's own output stays small); rejects on a protocol error. */
async function flood(c: WaylandClient, n: number, send: (i: number) => void, batch = 500): Promise<void> {
  for (let i = 0; i < n; i += batch) {
    for (let j = i; j < Math.min(n, i + batch); j++) send(j);
    await c.roundtrip();
  }
}

/** Floods and expects wl_display.error(no_memory) on the way. */
async function floodToNoMemory(c: WaylandClient, n: number, send: (i: number) => void, message: RegExp, batch = 500): Promise<void> {
  await assert.rejects(flood(c, n, send, batch), { code: 'ERR_NOSIGBUS_PROTOCOL_ERROR' });
  assert.equal(c.error?.interfaceName, 'wl_display', c.error?.message);
  assert.equal(c.error?.errorCode, DisplayError.no_memory, c.error?.message);
  assert.match(c.error!.message, message);
}

/** Another client is served: a toplevel maps and its frame callback fires. */
async function stillServes(t: TestCompositor): Promise<void> {
  const c = await t.client('honest');
  const g = bindCore(c);
  const { w } = await mappedWindow(t, c, g, 20, 20, 0xff336699);
  const done = new Promise<void>((resolve) => w.surface.request('frame', null)!.on('done', () => resolve()));
  w.surface.request('commit');
  await done;
  await c.roundtrip();
  c.close();
}

const ignore = (p: Proxy, ...events: string[]): Proxy => {
  for (const e of events) p.on(e, () => {});
  return p;
};

// ---------------------------------------------------------------- server core

test(`binds: ${MAX_BINDS_PER_GLOBAL} of one global are fine, one more is no_memory; others go on`, async () => {
  const t = startCompositor();
  const c = await t.client('binder');
  const outputs: Proxy[] = [];
  for (let i = 0; i < MAX_BINDS_PER_GLOBAL; i++) outputs.push(ignore(c.bind(wl_output, 4), 'geometry', 'mode', 'scale', 'name', 'description', 'done'));
  await c.roundtrip();
  // A released bind gives its place back.
  outputs.pop()!.request('release');
  ignore(c.bind(wl_output, 4), 'geometry', 'mode', 'scale', 'name', 'description', 'done');
  await c.roundtrip();
  ignore(c.bind(wl_output, 4), 'geometry', 'mode', 'scale', 'name', 'description', 'done');
  await expectProtocolError(c, 'wl_display', DisplayError.no_memory, /too many binds of wl_output \(limit 64\)/);
  await stillServes(t);
  assert.equal(t.compositor.output.bindings.clients, 0, 'no client holds a wl_output any more');
  t.close();
});

test('a client with 50,000 objects disconnects in one pass; the next client is served at once', async () => {
  const t = startCompositor();
  const c = await t.client('hoarder');
  const g = bindCore(c);
  await flood(c, 50_000, () => g.compositor.request('create_region', null), 2000);
  const server = [...t.compositor.display.clients].find((x) => x.objectCount > 50_000);
  assert.ok(server, 'the compositor holds the 50,000 regions');
  c.close();
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(server.destroyed);
  assert.equal(server.objectCount, 0);
  await stillServes(t);
  t.close();
});

// ---------------------------------------------------------------- selections

interface DataControl {
  manager: Proxy;
  seat: Proxy;
}

function dataControl(c: WaylandClient): DataControl {
  return { manager: c.bind(zwlr_data_control_manager_v1, 2), seat: ignore(c.bind(wl_seat, 7), 'capabilities', 'name') };
}

function source(m: DataControl, onCancelled: () => void = () => {}): Proxy {
  return m.manager.request('create_data_source', null)!.on('send', () => {}).on('cancelled', onCancelled);
}

/** A data-control device that destroys every offer it is given, and remembers the last selection's mime types. */
function reader(m: DataControl): { device: Proxy; offers: number; last: string[] | null } {
  const r = { device: m.manager.request('get_data_device', null, m.seat)!, offers: 0, last: null as string[] | null };
  let mimes: string[] = [];
  r.device.on('data_offer', (offer) => {
    r.offers++;
    mimes = [];
    (offer as Proxy).on('offer', (m) => mimes.push(String(m)));
  });
  const selection = (offer: unknown): void => {
    r.last = offer ? mimes : null;
    if (offer) (offer as Proxy).request('destroy');
  };
  r.device.on('selection', selection).on('primary_selection', (offer) => {
    if (offer) (offer as Proxy).request('destroy');
  }).on('finished', () => {});
  return r;
}

test(`mime types: ${MAX_MIME_TYPES} per source, then no_memory (a client offering 100,000 gets it at number ${MAX_MIME_TYPES + 1}); readers go on`, async () => {
  const t = startCompositor();
  const honest = await t.client('reader');
  const r = reader(dataControl(honest));
  const c = await t.client('offerer');
  const m = dataControl(c);
  const s = source(m);
  for (let i = 0; i < MAX_MIME_TYPES; i++) s.request('offer', `text/x-${i}`);
  m.manager.request('get_data_device', null, m.seat)!.request('set_selection', s);
  await c.roundtrip();
  await honest.roundtrip();
  assert.equal(r.last?.length, MAX_MIME_TYPES, 'the reader got all 256');
  const s2 = source(m);
  await floodToNoMemory(c, 100_000, (i) => s2.request('offer', `text/x-${i}`), /more than 256 mime types/);
  await honest.roundtrip();
  assert.equal(r.last, null, 'the selection of the client that left is gone');
  // The reader is still served: a selection set by another client arrives.
  const d = await t.client('copier');
  const md = dataControl(d);
  const sd = source(md);
  sd.request('offer', 'text/plain');
  ignore(md.manager.request('get_data_device', null, md.seat)!, 'data_offer', 'selection', 'primary_selection').request('set_selection', sd);
  await d.roundtrip();
  await honest.roundtrip();
  assert.deepEqual(r.last, ['text/plain']);
  t.close();
});

test(`mime type bytes: ${MAX_SOURCE_MIME_BYTES} per source and ${MAX_CLIENT_MIME_BYTES} per client, no_memory past them; a destroyed source gives its bytes back`, async () => {
  const t = startCompositor();
  const long = (i: number, n: number): string => `x/${String(i).padStart(8, '0')}${'y'.repeat(n - 10)}`;
  // Per source: 16 × 4000 bytes fit in 64 KiB, a 17th does not.
  const a = await t.client('a');
  const sa = source(dataControl(a));
  for (let i = 0; i < 16; i++) sa.request('offer', long(i, 4000));
  await a.roundtrip();
  sa.request('offer', long(16, 4000));
  await expectProtocolError(a, 'wl_display', DisplayError.no_memory, /mime types of more than 65536 bytes/);
  // Per client: 16 sources of 60 KiB fill 960 KiB; a 17th source fails on the way.
  const b = await t.client('b');
  const mb = dataControl(b);
  const fill = (): Proxy[] => {
    const sources: Proxy[] = [];
    for (let s = 0; s < 16; s++) {
      const src = source(mb);
      for (let i = 0; i < 15; i++) src.request('offer', long(s * 100 + i, 4000));
      sources.push(src);
    }
    return sources;
  };
  const first = fill();
  await b.roundtrip();
  for (const s of first) s.request('destroy');
  // Given back: the same amount fits again.
  fill();
  await b.roundtrip();
  let extra = source(mb);
  await floodToNoMemory(b, 64, (i) => {
    if (i % 16 === 0) extra = source(mb);
    extra.request('offer', long(9000 + i, 4000));
  }, /more than 1048576 bytes/, 4);
  await stillServes(t);
  t.close();
});

test('10,000 selections, each a new source: every reader hears each once, the compositor keeps only the current source', async () => {
  const t = startCompositor();
  const honest = await t.client('reader');
  const r = reader(dataControl(honest));
  await honest.roundtrip();
  const c = await t.client('copier');
  const m = dataControl(c);
  const device = m.manager.request('get_data_device', null, m.seat)!.on('data_offer', (o) => void (o as Proxy).on('offer', () => {})).on('primary_selection', () => {});
  device.on('selection', (o) => {
    if (o) (o as Proxy).request('destroy');
  });
  let cancelled = 0;
  const offered: Proxy[] = [];
  await flood(c, 10_000, (i) => {
    const s = source(m, () => cancelled++);
    s.request('offer', `text/x-${i}`);
    device.request('set_selection', s);
    offered.push(s);
  });
  await honest.roundtrip();
  assert.equal(cancelled, 9_999, 'every replaced source was cancelled');
  assert.ok(r.offers >= 10_000, `the reader heard every selection (${r.offers})`);
  assert.deepEqual(r.last, ['text/x-9999']);
  // The copier's objects: the replaced sources stay until it destroys them; then only its globals and device are left.
  for (const s of offered.splice(0)) s.request('destroy');
  await c.roundtrip();
  const server = [...t.compositor.display.clients].find((x) => x.objectCount > 0 && x.objectCount < 10 && !x.destroyed);
  assert.ok(server, 'the sources are gone from the compositor');
  c.close();
  await honest.roundtrip();
  assert.equal(t.compositor.selections.clipboard.source, null, 'the slot let go of the source of the client that left');
  assert.equal(r.last, null);
  t.close();
});

test(`devices: ${MAX_SELECTION_DEVICES} per client and protocol, then no_memory`, async () => {
  const t = startCompositor();
  for (const kind of ['data-control', 'wl_data_device'] as const) {
    const c = await t.client(kind);
    const m = dataControl(c);
    const dd = c.bind(wl_data_device_manager, 3);
    const make = kind === 'data-control'
      ? () => ignore(m.manager.request('get_data_device', null, m.seat)!, 'data_offer', 'selection', 'primary_selection', 'finished')
      : () => ignore(dd.request('get_data_device', null, m.seat)!, 'data_offer', 'selection', 'enter', 'leave', 'motion', 'drop');
    const devices: Proxy[] = [];
    for (let i = 0; i < MAX_SELECTION_DEVICES; i++) devices.push(make());
    await c.roundtrip();
    devices.pop()!.request(kind === 'data-control' ? 'destroy' : 'release');
    make(); // the place given back
    await c.roundtrip();
    make();
    await expectProtocolError(c, 'wl_display', DisplayError.no_memory, /too many .*devices \(limit 16\)/);
  }
  await stillServes(t);
  t.close();
});

// ---------------------------------------------------------------- outputs

test(`xdg outputs: ${MAX_XDG_OUTPUTS} per client, then no_memory; the compositor forgets them when the client leaves`, async () => {
  const t = startCompositor();
  const c = await t.client('xdg');
  const output = ignore(c.bind(wl_output, 4), 'geometry', 'mode', 'scale', 'name', 'description', 'done');
  const manager = c.bind(zxdg_output_manager_v1, 3);
  await floodToNoMemory(c, 10_000, () => ignore(manager.request('get_xdg_output', null, output)!, 'logical_position', 'logical_size', 'name', 'description', 'done'), /too many zxdg_output_v1 objects \(limit 64\)/, 16);
  await stillServes(t);
  assert.deepEqual(t.compositor.output.bindings, { clients: 0, xdgOutputs: 0 });
  t.close();
});

test(`output management: 300 custom modes applied leave at most ${MAX_CUSTOM_MODES} custom modes advertised (the older ones finished)`, async () => {
  const t = startCompositor();
  const c = await t.client('randr');
  const watcher = await t.client('kanshi');
  const managerOf = (client: WaylandClient): { manager: Proxy; head: Proxy | null; modes: Map<Proxy, string>; finished: number; serial: number } => {
    const m = { manager: client.bind(zwlr_output_manager_v1, 2), head: null as Proxy | null, modes: new Map<Proxy, string>(), finished: 0, serial: 0 };
    m.manager.on('head', (h) => {
      const head = h as Proxy;
      m.head = head;
      ignore(head, 'name', 'description', 'enabled', 'current_mode', 'position', 'transform', 'scale', 'make', 'model', 'finished');
      head.on('mode', (mode) => {
        const p = mode as Proxy;
        m.modes.set(p, '');
        ignore(p, 'refresh', 'preferred');
        p.on('size', (w, h2) => m.modes.set(p, `${String(w)}x${String(h2)}`)).on('finished', () => {
          m.modes.delete(p);
          m.finished++;
        });
      });
    }).on('done', (serial) => (m.serial = Number(serial))).on('finished', () => {});
    return m;
  };
  const mine = managerOf(c);
  const theirs = managerOf(watcher);
  await c.roundtrip();
  await watcher.roundtrip();
  const fixed = mine.modes.size;
  const configure = async (request: 'apply' | 'test', width: number, height: number): Promise<string> => {
    const config = mine.manager.request('create_configuration', null, mine.serial)!;
    let outcome = '';
    for (const e of ['succeeded', 'failed', 'cancelled']) config.on(e, () => (outcome = e));
    config.request('enable_head', null, mine.head!)!.request('set_custom_mode', width, height, 0);
    config.request(request);
    await c.roundtrip();
    config.request('destroy');
    return outcome;
  };
  for (let i = 0; i < 300; i++) assert.equal(await configure('apply', 100 + i, 100), 'succeeded', `apply ${i}`);
  await watcher.roundtrip();
  assert.deepEqual([t.compositor.output.width, t.compositor.output.height], [399, 100]);
  for (const m of [mine, theirs]) {
    assert.equal(m.modes.size, fixed + MAX_CUSTOM_MODES, [...m.modes.values()].join(' '));
    assert.equal(m.finished, 300 - MAX_CUSTOM_MODES);
  }
  // Modes a client may ask for: at most 7680 × 4320 pixels, in any shape.
  assert.equal(MAX_CLIENT_MODE_PIXELS, 7680 * 4320);
  assert.equal(await configure('test', 7680, 4320), 'succeeded');
  assert.equal(await configure('test', 4320, 7680), 'succeeded');
  assert.equal(await configure('test', 7681, 4320), 'failed');
  assert.equal(await configure('test', 16384, 16384), 'failed');
  // A manager bound now hears only what is advertised.
  const late = await t.client('late');
  const fresh = managerOf(late);
  await late.roundtrip();
  assert.equal(fresh.modes.size, fixed + MAX_CUSTOM_MODES);
  await stillServes(t);
  t.close();
});

// ---------------------------------------------------------------- screen capture

function captureClient(c: WaylandClient, width: number, height: number): { manager: Proxy; output: Proxy; buffer: Proxy } {
  const shm = ignore(c.bind(wl_shm, 1), 'format');
  const output = ignore(c.bind(wl_output, 4), 'geometry', 'mode', 'scale', 'name', 'description', 'done');
  const manager = c.bind(zwlr_screencopy_manager_v1, 3);
  const size = width * height * 4;
  const fd = memfd('capture', size);
  const pool = shm.request('create_pool', null, fd, size)!;
  closeSync(fd);
  const buffer = pool.request('create_buffer', null, 0, width, height, width * 4, wl_shm.enums.format.entries.xrgb8888)!.on('release', () => {});
  return { manager, output, buffer };
}

/** A frame copied into `buffer`; counts its outcome. */
function copyFrame(g: { manager: Proxy; output: Proxy; buffer: Proxy }, request: 'copy' | 'copy_with_damage', outcomes: { ready: number; failed: number }): void {
  const frame = ignore(g.manager.request('capture_output', null, 0, g.output)!, 'buffer', 'buffer_done', 'flags', 'damage', 'linux_dmabuf');
  frame.on('ready', () => {
    outcomes.ready++;
    frame.request('destroy');
  }).on('failed', () => {
    outcomes.failed++;
    frame.request('destroy');
  });
  frame.request(request, g.buffer);
}

async function answered(c: WaylandClient, outcomes: { ready: number; failed: number }, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (outcomes.ready + outcomes.failed < n && Date.now() < deadline) await c.roundtrip();
  assert.equal(outcomes.ready + outcomes.failed, n, 'every copy was answered');
}

test(`screencopy: 10,000 copies into one buffer: at most ${MAX_PENDING_CAPTURES} wait for a refresh, the others are failed at once; the client keeps working`, async () => {
  const t = startCompositor({ width: 64, height: 48 });
  const c = await t.client('capture');
  const g = captureClient(c, 64, 48);
  const outcomes = { ready: 0, failed: 0 };
  await flood(c, 10_000, () => copyFrame(g, 'copy', outcomes));
  await answered(c, outcomes, 10_000);
  assert.ok(outcomes.ready >= MAX_PENDING_CAPTURES, `${outcomes.ready} ready`);
  assert.ok(outcomes.failed > 0, 'copies past the bound failed');
  // Still works: a capture waits for the next refresh, then is ready.
  const after = { ready: 0, failed: 0 };
  copyFrame(g, 'copy', after);
  await answered(c, after, 1);
  assert.equal(after.ready, 1);
  await stillServes(t);
  t.close();
});

test(`screencopy: ${MAX_PENDING_CAPTURES} copy_with_damage frames wait for damage, one more is failed; a change delivers them all`, async () => {
  const t = startCompositor({ width: 64, height: 48 });
  const c = await t.client('capture');
  const g = captureClient(c, 64, 48);
  const first = { ready: 0, failed: 0 };
  copyFrame(g, 'copy_with_damage', first); // the whole output is damage at first
  await answered(c, first, 1);
  const waiting = { ready: 0, failed: 0 };
  for (let i = 0; i < MAX_PENDING_CAPTURES + 1; i++) copyFrame(g, 'copy_with_damage', waiting);
  await c.roundtrip();
  await c.roundtrip();
  assert.deepEqual(waiting, { ready: 0, failed: 1 }, 'nothing changed: 16 wait, the 17th failed');
  await stillServes(t); // maps a window: damage
  await answered(c, waiting, MAX_PENDING_CAPTURES + 1);
  assert.equal(waiting.ready, MAX_PENDING_CAPTURES);
  t.close();
});

// ---------------------------------------------------------------- presentation

test(`presentation: ${MAX_FEEDBACKS} feedbacks waiting per client, then no_memory (10,000 asked); with 64 wl_outputs each is answered; the count goes back to 0`, async () => {
  const t = startCompositor();
  const c = await t.client('feedback');
  const g = bindCore(c);
  for (let i = 0; i < MAX_BINDS_PER_GLOBAL; i++) ignore(c.bind(wl_output, 4), 'geometry', 'mode', 'scale', 'name', 'description', 'done');
  const presentation = ignore(c.bind(wp_presentation, 1), 'clock_id');
  const { w } = await mappedWindow(t, c, g, 20, 20, 0xff00ff00);
  let presented = 0;
  let syncs = 0;
  const feedback = (): Proxy => presentation.request('feedback', w.surface, null)!.on('sync_output', () => syncs++).on('presented', () => presented++).on('discarded', () => {});
  for (let i = 0; i < MAX_FEEDBACKS; i++) feedback();
  w.surface.request('commit');
  await c.roundtrip();
  const deadline = Date.now() + 5000;
  while (presented < MAX_FEEDBACKS && Date.now() < deadline) await c.roundtrip();
  assert.equal(presented, MAX_FEEDBACKS);
  assert.equal(syncs, MAX_FEEDBACKS * MAX_BINDS_PER_GLOBAL, 'one sync_output per feedback and wl_output');
  assert.equal(feedbackQuota.countOf([...t.compositor.display.clients][0]!), 0, 'answered feedbacks are no longer counted');
  await floodToNoMemory(c, 10_000, () => feedback(), /too many presentation feedbacks waiting \(limit 256\)/);
  await stillServes(t);
  assert.equal(feedbackQuota.clients, 0);
  t.close();
});

// ---------------------------------------------------------------- regions

/** Brute force over a small grid: which points the operations put in the region. */
function paint(ops: { add: boolean; r: Rect }[], size: number): boolean[] {
  const grid = new Array<boolean>(size * size).fill(false);
  for (const { add, r } of ops)
    for (let y = Math.max(0, r.y); y < Math.min(size, r.y + r.height); y++) for (let x = Math.max(0, r.x); x < Math.min(size, r.x + r.width); x++) grid[y * size + x] = add;
  return grid;
}

test(`region: exact up to ${MAX_REGION_OPS} operations; past that contains never hides a point in it, covers and largestRect claim only what is in it`, () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const size = 36; // rects within 0..24 + 10
  for (let round = 0; round < 300; round++) {
    const n = 1 + rand(round % 3 === 0 ? 200 : MAX_REGION_OPS);
    const ops: { add: boolean; r: Rect }[] = [];
    const region = new Region();
    for (let i = 0; i < n; i++) {
      const op = { add: rand(3) > 0, r: rect(rand(24), rand(24), 1 + rand(10), 1 + rand(10)) };
      ops.push(op);
      region.apply(op.add, op.r);
    }
    const copy = region.copy();
    region.apply(true, rect(0, 0, size, size)); // the copy does not change with its source
    const grid = paint(ops, size);
    const exact = n <= MAX_REGION_OPS;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const inside = grid[y * size + x]!;
        if (exact) assert.equal(copy.contains(x, y), inside, `round ${round}: ${x},${y}`);
        else if (inside) assert.ok(copy.contains(x, y), `round ${round}: ${x},${y} is in the region`);
      }
    const within = (r: Rect): boolean => {
      for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) if (x < 0 || y < 0 || x >= size || y >= size || !grid[y * size + x]) return false;
      return true;
    };
    const largest = copy.largestRect();
    if (largest) assert.ok(within(largest), `round ${round}: largestRect ${JSON.stringify(largest)} lies in the region`);
    for (let k = 0; k < 20; k++) {
      const r = rect(rand(size), rand(size), 1 + rand(6), 1 + rand(6));
      if (copy.covers(r)) assert.ok(within(r), `round ${round}: covers ${JSON.stringify(r)}`);
    }
    assert.ok(copy.operations <= MAX_REGION_OPS);
  }
});

test(`damage lists: 100,000 rects added stay at most ${MAX_DAMAGE_RECTS} rects, and cover every rect added`, () => {
  let seed = 99;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const list: Rect[] = [];
  const added: Rect[] = [];
  for (let i = 0; i < 100_000; i++) {
    // Small rects spread apart (few merges), then and again a big one (many at once).
    const r = i % 1000 === 999 ? rect(rand(2000), rand(2000), 300, 300) : rect(rand(4000) * 3, rand(4000) * 3, 2, 2);
    addDamage(list, r);
    if (i % 97 === 0) added.push(r);
    assert.ok(list.length <= MAX_DAMAGE_RECTS);
  }
  const covered = (r: Rect): boolean => list.some((d) => d.x <= r.x && d.y <= r.y && d.x + d.width >= r.x + r.width && d.y + d.height >= r.y + r.height);
  // Damage only grows: merges and the collapse into one box keep every rect added inside one of the list.
  assert.ok(added.every(covered));
});

test('a 100,000-operation region as input and opaque region: the client keeps working, input still reaches it', async () => {
  const t = startCompositor();
  const c = await t.client('regions');
  const g = bindCore(c);
  const { w, win } = await mappedWindow(t, c, g, 100, 100, 0xff0000ff);
  const region = g.compositor.request('create_region', null)!;
  await flood(c, 100_000, (i) => region.request(i % 4 === 3 ? 'subtract' : 'add', i % 100, (i * 7) % 100, 3, 3), 5000);
  region.request('add', 0, 0, 100, 100);
  w.surface.request('set_input_region', region);
  w.surface.request('set_opaque_region', region);
  w.surface.request('commit');
  await c.roundtrip();
  t.compositor.paint();
  const hit = t.compositor.seat.surfaceAt(win.x + 50, win.y + 50);
  assert.equal(hit?.surface, win.surface);
  await stillServes(t);
  t.close();
});

// ---------------------------------------------------------------- virtual input

function keymapFd(text: string): { fd: number; size: number } {
  const bytes = Buffer.from(`${text}\0`);
  const fd = memfd('keymap', bytes.length);
  writeSync(fd, bytes, 0, bytes.length, 0);
  return { fd, size: bytes.length };
}

async function virtualKeyboard(t: TestCompositor, label: string): Promise<{ c: WaylandClient; make: () => Proxy }> {
  const c = await t.client(label);
  const seat = ignore(c.bind(wl_seat, 7), 'capabilities', 'name');
  const manager = c.bind(zwp_virtual_keyboard_manager_v1, 1);
  return { c, make: () => manager.request('create_virtual_keyboard', seat, null)! };
}

const NO_KEYMAP = zwp_virtual_keyboard_v1.enums.error.entries.no_keymap;

test(`virtual keyboard: a keymap over ${MAX_KEYMAP_BYTES} bytes or naming more than ${MAX_KEYMAP_INCLUDES} included files is no_keymap, before any compile`, async () => {
  const t = startCompositor();
  const base = Keymap.fromNames().text;
  const big = await virtualKeyboard(t, 'big');
  const k1 = keymapFd(base + ' '.repeat(MAX_KEYMAP_BYTES));
  big.make().request('keymap', 1, k1.fd, k1.size);
  closeSync(k1.fd);
  await expectProtocolError(big.c, 'zwp_virtual_keyboard_v1', NO_KEYMAP, /keymap size \d+ is not in 1\.\.131072/);
  // 1,000 include statements in 16 KiB would compile for minutes.
  const bomb = await virtualKeyboard(t, 'includes');
  const text = `xkb_keymap { xkb_keycodes { include "evdev" }; xkb_types { include "complete" }; xkb_compat { include "complete" }; xkb_symbols { ${'include "pc+us"\n'.repeat(1000)} }; };`;
  const k2 = keymapFd(text);
  bomb.make().request('keymap', 1, k2.fd, k2.size);
  closeSync(k2.fd);
  await expectProtocolError(bomb.c, 'zwp_virtual_keyboard_v1', NO_KEYMAP, /includes 2003 files; at most 32/);
  await stillServes(t);
  t.close();
});

test(`virtual keyboard: ${MAX_VIRTUAL_KEYMAPS} keyboards with a keymap per client, ${MAX_HELD_KEYS} keys held per keyboard, then no_memory`, async () => {
  const t = startCompositor();
  const text = Keymap.fromNames().text;
  const many = await virtualKeyboard(t, 'keymaps');
  const keyboards: Proxy[] = [];
  const give = (kb: Proxy): void => {
    const k = keymapFd(text);
    kb.request('keymap', 1, k.fd, k.size);
    closeSync(k.fd);
  };
  for (let i = 0; i < MAX_VIRTUAL_KEYMAPS; i++) {
    const kb = many.make();
    give(kb);
    give(kb); // a new keymap for the same keyboard takes no other place
    keyboards.push(kb);
  }
  await many.c.roundtrip();
  keyboards.pop()!.request('destroy');
  give(many.make()); // the place given back
  await many.c.roundtrip();
  give(many.make());
  await expectProtocolError(many.c, 'wl_display', DisplayError.no_memory, /more than 8 virtual keyboards with a keymap/);

  const keys = await virtualKeyboard(t, 'keys');
  const kb = keys.make();
  give(kb);
  for (let k = 0; k < MAX_HELD_KEYS; k++) kb.request('key', 0, k + 1, 1);
  kb.request('key', 0, 1, 0);
  kb.request('key', 0, 1, 1); // released and pressed again: still MAX_HELD_KEYS
  kb.request('key', 0, 2, 1); // held already
  kb.request('key', 0, 0xffffffff, 1); // no xkb keycode: ignored (it used to be an implementation error)
  await keys.c.roundtrip();
  kb.request('key', 0, 0xffff, 1);
  await expectProtocolError(keys.c, 'wl_display', DisplayError.no_memory, new RegExp(`more than ${MAX_HELD_KEYS} keys held`));
  await stillServes(t);
  t.close();
});

test('a flood of keymaps: the client waits what each compile cost, another client is served in between', async () => {
  const t = startCompositor();
  const text = Keymap.fromNames().text;
  const flooder = await virtualKeyboard(t, 'flooder');
  const honest = await t.client('honest');
  const kb = flooder.make();
  // 20 fit in one sendmsg (28 fds at most), so they arrive in one read with the round trip after them.
  for (let i = 0; i < 20; i++) {
    const k = keymapFd(text);
    kb.request('keymap', 1, k.fd, k.size);
    closeSync(k.fd);
  }
  const order: string[] = [];
  const flooded = flooder.c.roundtrip().then(() => order.push('flooder'));
  await honest.roundtrip();
  order.push('honest');
  await flooded;
  assert.deepEqual(order, ['honest', 'flooder'], 'the honest round trip did not wait for 20 compiles');
  t.close();
});

test(`virtual pointer: ${MAX_HELD_BUTTONS} buttons held by a client's pointers together, then no_memory; released ones give their place back`, async () => {
  const t = startCompositor();
  const c = await t.client('pointer');
  const manager = c.bind(zwlr_virtual_pointer_manager_v1, 2);
  const a = manager.request('create_virtual_pointer', null, null)!;
  const b = manager.request('create_virtual_pointer', null, null)!;
  for (let i = 0; i < MAX_HELD_BUTTONS / 2; i++) {
    a.request('button', 0, 0x110 + i, 1);
    b.request('button', 0, 0x1000 + i, 1);
  }
  a.request('button', 0, 0x110, 0);
  a.request('button', 0, 0x2000, 1); // in the place of the released one
  await c.roundtrip();
  b.request('destroy'); // releases its 16
  for (let i = 0; i < MAX_HELD_BUTTONS / 2; i++) a.request('button', 0, 0x3000 + i, 1);
  await c.roundtrip();
  a.request('button', 0, 0x4000, 1);
  await expectProtocolError(c, 'wl_display', DisplayError.no_memory, /more than 32 buttons held/);
  await stillServes(t);
  assert.equal(t.compositor.seat.pointer.buttonsHeld, 0, 'the seat let go of every button of the client that left');
  t.close();
});
