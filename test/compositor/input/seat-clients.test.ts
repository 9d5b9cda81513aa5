// The seat with real clients (Debian packages): wev prints the keys wtype
// sends through zwp_virtual_keyboard_v1 (with wtype's own keymap) and the
// pointer events of the TypeScript API; foot runs a shell that wtype types
// into: the file it names is created, and foot's window shows text.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Compositor } from '../../../src/compositor/index.js';
import { wl_data_device_manager } from '../../../src/protocol/wayland.js';
import type { Resource } from '../../../src/server/index.js';
import { needPeer } from '../../support/peers.js';
import { start, type Proc } from '../../support/peer-compositors.js';

import { privateDir, waitFor } from '../../support/common.js';

interface Session {
  compositor: Compositor;
  env: NodeJS.ProcessEnv;
  dir: string;
  procs: Proc[];
  close(): Promise<void>;
}

/** An in-process compositor on a socket in a private runtime dir. */
function session(): Session {
  const dir = privateDir('nosigbus-seat-');
  const compositor = new Compositor({ width: 640, height: 480, logLevel: 'error', pingIntervalMs: 0 });
  // wev calls wl_data_device_manager.get_data_device without checking that the
  // global exists: until the selection globals are in, an inert one stands in.
  if (![...compositor.display.globals.values()].some((g) => g.iface.name === 'wl_data_device_manager'))
    compositor.display.createGlobal(wl_data_device_manager, 3, (m) =>
      m.implement({ create_data_source: (_r, [s]) => void (s as Resource).implement({}), get_data_device: (_r, [d]) => void (d as Resource).implement({}) }));
  compositor.listen('wayland-seat', dir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: 'wayland-seat', LANG: 'C.UTF-8' };
  const procs: Proc[] = [];
  return {
    compositor,
    env,
    dir,
    procs,
    close: async () => {
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid) process.kill(p.child.pid, 'SIGTERM');
      await Promise.all(procs.map((p) => p.exited));
      compositor.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a client to its end (asynchronously: the compositor serves it meanwhile). */
function runToEnd(s: Session, cmd: string, args: string[]): Promise<number | null> {
  const p = start(cmd, args, s.env, 20_000);
  s.procs.push(p);
  return p.exited.then((e) => e.code);
}

/** wev with line-buffered stdout (it prints with stdio). */
async function startWev(s: Session): Promise<Proc> {
  const p = start('stdbuf', ['-oL', 'wev'], s.env, 60_000);
  s.procs.push(p);
  await waitFor(() => s.compositor.seat.keyboardFocus !== null && /wl_keyboard\] enter/.test(p.stdout()), 'wev mapped with keyboard focus', 15_000);
  return p;
}

const WEV = ['/usr/bin/wev', '/usr/bin/stdbuf'];

test('wev prints the keysyms wtype types (wtype\'s own keymap)', async (t) => {
  if (!needPeer(t, WEV, 'wev') || !needPeer(t, ['/usr/bin/wtype'], 'wtype')) return;
  const s = session();
  try {
    const wev = await startWev(s);
    assert.equal(await runToEnd(s, 'wtype', ['aZ']), 0);
    assert.equal(await runToEnd(s, 'wtype', ['-k', 'Return']), 0);
    await waitFor(() => /sym: Return/.test(wev.stdout()), 'Return in wev', 10_000);
    const pressed = [...wev.stdout().matchAll(/state: 1 \(pressed\)\n\s*sym: (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(pressed.filter((k) => k !== 'Shift_L'), ['a', 'Z', 'Return'], wev.stdout());
    // Then the seat's keymap again: scripted typing still reads right.
    await s.compositor.input.type('q');
    await waitFor(() => /sym: q /.test(wev.stdout()), 'q in wev', 10_000);
  } finally {
    await s.close();
  }
});

test('wev prints enter, motion, button and axis from the TypeScript pointer API', async (t) => {
  if (!needPeer(t, WEV, 'wev')) return;
  const s = session();
  try {
    const wev = await startWev(s);
    const win = s.compositor.windows.at(-1)!;
    const p = s.compositor.input.pointer;
    await p.move(win.x + 10, win.y + 20);
    await p.move(win.x + 30, win.y + 40);
    await p.click('right');
    await p.scroll(1);
    await waitFor(() => /wl_pointer\] axis:/.test(wev.stdout()), 'axis in wev', 10_000);
    const out = wev.stdout();
    // The pointer starts at 0,0: wev's window (mapped there) has it at once, or at the first move.
    assert.match(out, /wl_pointer\] enter: serial: \d+; surface: \d+, x, y: /);
    assert.match(out, /wl_pointer\] (motion: time: \d+;|enter: serial: \d+; surface: \d+,) x, y: 10\.0+, 20\.0+/);
    assert.match(out, /wl_pointer\] motion: time: \d+; x, y: 30\.0+, 40\.0+/);
    assert.match(out, /wl_pointer\] button: serial: \d+; time: \d+; button: 273 \(right\), state: 1 \(pressed\)/);
    assert.match(out, /wl_pointer\] button: serial: \d+; time: \d+; button: 273 \(right\), state: 0 \(released\)/);
    assert.match(out, /wl_pointer\] axis: time: \d+; axis: 0 \(vertical\), value: 15\.0+/);
  } finally {
    await s.close();
  }
});

test('foot: wtype types "touch FILE" and Return into its shell; FILE exists and foot shows text', async (t) => {
  if (!needPeer(t, ['/usr/bin/foot', '/usr/bin/wtype'], 'foot, wtype')) return;
  const s = session();
  try {
    const file = join(s.dir, 'typed-by-wtype');
    const foot = start('foot', ['--override=font=DejaVu Sans Mono:size=10'], { ...s.env, SHELL: '/bin/sh', PS1: '$ ' }, 60_000);
    s.procs.push(foot);
    await waitFor(() => s.compositor.windows.length > 0 && s.compositor.seat.keyboardFocus !== null, 'foot mapped with focus', 20_000);
    // Keys typed before the shell reads go to the pty's buffer: no need to wait for a prompt.
    assert.equal(await runToEnd(s, 'wtype', [`touch ${file}`]), 0);
    assert.equal(await runToEnd(s, 'wtype', ['-k', 'Return']), 0);
    await waitFor(() => existsSync(file), `${file} created`, 20_000);
    // Text on screen: many distinct pixels in the window, not one flat color.
    const win = s.compositor.windows.at(-1)!;
    const shot = s.compositor.snapshot();
    const colors = new Set<number>();
    for (let y = win.y; y < win.y + win.windowHeight && y < 480; y++)
      for (let x = win.x; x < win.x + win.windowWidth && x < 640; x++) colors.add(shot[y * 640 + x]!);
    assert.ok(colors.size > 10, `foot's window has ${colors.size} colors`);
  } finally {
    await s.close();
  }
});
