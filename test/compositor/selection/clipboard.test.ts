// wl-clipboard (Debian wl-clipboard) against the in-process compositor:
// wl-copy sets a selection, wl-paste prints it back — through
// wlr-data-control (no focus needed); a client of ext-data-control (which
// Debian 12's wl-clipboard 2.1 does not know) reads what wl-copy set and
// sets what wl-paste prints; with data-control disabled
// through wl_data_device / primary selection with keyboard focus (wl-copy
// and wl-paste then map a tiny surface and wait to be focused).
//
// Focus comes from the compositor's seat, which focuses each toplevel as it
// maps: the fallback test relies on exactly that.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Proxy } from '../../../src/client/index.js';
import type { CompositorOptions } from '../../../src/compositor/index.js';
import { ext_data_control_manager_v1 } from '../../../src/protocol/ext-data-control.js';
import { wl_seat } from '../../../src/protocol/wayland.js';
import { startCompositor, type TestCompositor } from '../../support/compositor.js';
import { needPeer } from '../../support/peers.js';
import { privateDir, waitFor } from '../../support/common.js';
import { readablePipe, readToEnd } from '../../support/pipe.js';

const WL_COPY = '/usr/bin/wl-copy';
const WL_PASTE = '/usr/bin/wl-paste';

interface Session {
  t: TestCompositor;
  env: NodeJS.ProcessEnv;
  dir: string;
  copies: ChildProcess[];
}

function session(options: CompositorOptions = {}): Session {
  const dir = privateDir('nosigbus-clip-');
  const t = startCompositor(options);
  t.compositor.listen('wayland-clip', dir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: 'wayland-clip', TMPDIR: dir }; // wl-copy's temporary files go with the directory
  return { t, env, dir, copies: [] };
}

async function end(s: Session): Promise<void> {
  for (const c of s.copies) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      const gone = new Promise((r) => c.once('close', r));
      process.kill(c.pid, 'SIGTERM');
      await gone;
    }
  }
  s.t.close();
  rmSync(s.dir, { recursive: true, force: true });
}

/** wl-copy --foreground ARGS (stdin from `input`, a file path): it serves the selection until stopped by pid. */
function copy(s: Session, args: string[], input?: string): ChildProcess {
  const stdin = input === undefined ? 'ignore' : openSync(input, 'r');
  const child = spawn(WL_COPY, ['--foreground', ...args], { env: s.env, stdio: [stdin, 'ignore', 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' });
  if (typeof stdin === 'number') closeSync(stdin);
  s.copies.push(child);
  return child;
}

/** wl-paste ARGS: its exit status, stdout bytes and stderr. */
function paste(s: Session, args: string[]): Promise<{ code: number | null; out: Buffer; err: string }> {
  const child = spawn(WL_PASTE, args, { env: s.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, killSignal: 'SIGKILL' });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out: Buffer.concat(out), err })));
}

async function copied(s: Session, slot: 'clipboard' | 'primary', child: ChildProcess): Promise<void> {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor(() => s.t.compositor.selections[slot].source?.live === true || child.exitCode !== null, `wl-copy to set the ${slot} selection`, 15_000);
  assert.equal(child.exitCode, null, `wl-copy exited: ${err}`);
}

const need = (t: TestContext): boolean => needPeer(t, [WL_COPY, WL_PASTE], 'wl-clipboard');

test('wl-copy TEXT, then wl-paste: TEXT (through data-control)', async (t) => {
  if (!need(t)) return;
  const s = session();
  try {
    const text = 'héllo from wl-copy, ünïcode ✓';
    await copied(s, 'clipboard', copy(s, [text]));
    const r = await paste(s, ['--no-newline']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.toString('utf8'), text);
    // The primary selection is separate: still empty.
    const p = await paste(s, ['--primary', '--no-newline']);
    assert.notEqual(p.code, 0, 'nothing in the primary selection');
    assert.equal(p.out.length, 0);
  } finally {
    await end(s);
  }
});

test('wl-copy --primary, then wl-paste --primary (through data-control v2)', async (t) => {
  if (!need(t)) return;
  const s = session();
  try {
    await copied(s, 'primary', copy(s, ['--primary', 'middle click']));
    const r = await paste(s, ['--primary', '--no-newline']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.toString(), 'middle click');
  } finally {
    await end(s);
  }
});

test('binary content with a mime type: wl-paste -l lists it, wl-paste -t gives the bytes back exactly', async (t) => {
  if (!need(t)) return;
  const s = session();
  try {
    const bytes = randomBytes(300_000); // several pipe buffers
    const file = join(s.dir, 'in.png');
    writeFileSync(file, bytes);
    await copied(s, 'clipboard', copy(s, ['--type', 'image/png'], file));
    const list = await paste(s, ['--list-types']);
    assert.equal(list.code, 0, list.err);
    assert.deepEqual(list.out.toString().trim().split('\n'), ['image/png']);
    const r = await paste(s, ['--type', 'image/png']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.length, bytes.length);
    assert.ok(r.out.equals(bytes), 'the same bytes');
  } finally {
    await end(s);
  }
});

test('a second wl-copy replaces the first: the first is cancelled and exits, wl-paste gives the second', async (t) => {
  if (!need(t)) return;
  const s = session();
  try {
    const first = copy(s, ['first']);
    await copied(s, 'clipboard', first);
    const firstExit = new Promise<number | null>((r) => first.on('close', (code) => r(code)));
    const second = copy(s, ['second']);
    // wl-copy --foreground exits 0 when its selection is replaced (cancelled).
    assert.equal(await firstExit, 0);
    await copied(s, 'clipboard', second);
    const r = await paste(s, ['--no-newline']);
    assert.equal(r.out.toString(), 'second');
  } finally {
    await end(s);
  }
});

test('ext_data_control_manager_v1: wl-copy\'s text (set through wlr-data-control) read by an ext client; an ext source printed by wl-paste; both slots', async (t) => {
  if (!need(t)) return;
  const s = session();
  try {
    const c = await s.t.client('ext-data-control');
    const seat = c.bind(wl_seat, 7).on('capabilities', () => {}).on('name', () => {});
    const manager = c.bind(ext_data_control_manager_v1, 1);
    const mimesOf = new Map<Proxy, string[]>();
    const current: Record<'selection' | 'primary_selection', Proxy | null> = { selection: null, primary_selection: null };
    const device = manager.request('get_data_device', null, seat)!;
    device
      .on('data_offer', (o) => {
        const mimes: string[] = [];
        if (o instanceof Proxy) mimesOf.set(o.on('offer', (m) => mimes.push(String(m))), mimes);
      })
      .on('selection', (o) => (current.selection = o instanceof Proxy ? o : null))
      .on('primary_selection', (o) => (current.primary_selection = o instanceof Proxy ? o : null))
      .on('finished', () => {});
    const read = async (offer: Proxy, mime: string): Promise<string> => {
      const { r, w } = readablePipe();
      offer.request('receive', mime, w);
      closeSync(w);
      await c.roundtrip();
      return (await readToEnd(r, 15_000)).toString('utf8');
    };
    for (const [slot, event, flags] of [['clipboard', 'selection', []], ['primary', 'primary_selection', ['--primary']]] as const) {
      const text = `${slot}: héllo from wl-copy ✓`;
      await copied(s, slot, copy(s, [...flags, text]));
      await c.roundtrip();
      const offer = current[event];
      assert.ok(offer, `the ext device heard the ${slot} selection`);
      assert.ok(mimesOf.get(offer)?.includes('text/plain;charset=utf-8'), `mime types: ${mimesOf.get(offer)?.join(' ')}`);
      assert.equal(await read(offer, 'text/plain;charset=utf-8'), text, 'the bytes wl-copy wrote');

      const mine = `${slot}: set through ext-data-control`;
      const source = manager.request('create_data_source', null)!;
      source.request('offer', 'text/plain;charset=utf-8');
      source.request('offer', 'text/plain');
      source.on('send', (_mime, fd) => {
        writeSync(Number(fd), mine);
        closeSync(Number(fd));
      }).on('cancelled', () => {});
      device.request(slot === 'clipboard' ? 'set_selection' : 'set_primary_selection', source);
      await c.roundtrip();
      const r = await paste(s, [...flags, '--no-newline']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.toString('utf8'), mine, 'wl-paste printed what the ext source wrote');
    }
  } finally {
    await end(s);
  }
});

test('data-control disabled: wl-copy and wl-paste fall back to a focused surface (wl_data_device, primary selection)', async (t) => {
  if (!need(t)) return;
  const s = session({ dataControl: false });
  try {
    const names = [...s.t.compositor.display.globals.values()].map((g) => g.iface.name);
    assert.ok(!names.includes('zwlr_data_control_manager_v1') && !names.includes('ext_data_control_manager_v1'), 'no data-control global');
    assert.ok(names.includes('wl_data_device_manager'));
    await copied(s, 'clipboard', copy(s, ['focus fallback']));
    const r = await paste(s, ['--no-newline']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.toString(), 'focus fallback');
    await copied(s, 'primary', copy(s, ['--primary', 'primary fallback']));
    const p = await paste(s, ['--primary', '--no-newline']);
    assert.equal(p.code, 0, p.err);
    assert.equal(p.out.toString(), 'primary fallback');
  } finally {
    await end(s);
  }
});
