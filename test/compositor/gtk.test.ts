// gtk3-widget-factory and gtk4-widget-factory (Debian gtk-3-examples,
// gtk-4-examples) on an in-process compositor, over a socket in a private
// 0700 runtime dir: each runs 5 s after its first commit; its frames advance
// (the widget factory's first page animates by itself: spinners and pulsing
// progress bars), it prints no warning (missing protocols, criticals,
// protocol errors), the output shows it, and the compositor's fds and
// guarded mappings do not grow with the frames and return to where they were
// once the client is gone.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BACKGROUND, type ClientStats } from '../../src/compositor/index.js';
import { activeMappings } from '../../src/shm/index.js';
import { start } from '../support/peer-compositors.js';
import { needPeer } from '../support/peers.js';
import { startCompositor } from '../support/compositor.js';
import { privateDir, sleep, waitFor } from '../support/common.js';

const RUN_MS = 5000;
const SAMPLE_MS = 2000;

// What GTK prints when it misses something of ours or we misbehave: GLib
// warnings and criticals of its domains ("Gdk-WARNING **", "Gtk-CRITICAL **"),
// "Gdk-Message: Error 71 (Protocol error) dispatching to Wayland display",
// libwayland's "error 1: ..." / "listener function ... is NULL", and its own
// "compositor doesn't support / does not provide X" lines.
const WARNING = /Gdk-WARNING|Gtk-WARNING|Gsk-WARNING|GLib-GIO-WARNING|Gdk-CRITICAL|Gtk-CRITICAL|Gdk-Message|Gdk-ERROR|Gtk-ERROR|doesn't support|does not support|does not provide|not supported|not available|required|Protocol error|listener function/i;
// GTK3 without any wl_seat asserts on every input query (GTK 3.24's
// GdkWaylandSeat is missing): expected while we advertise no seat, and a
// failure as soon as we do.
const SEATLESS_GTK3 = /assertion 'GDK_IS_(SEAT \(seat\)|DEVICE \(device\))' failed/;

interface Sample {
  commits: number;
  frames: number;
  fds: number;
  mappings: number;
  pools: number;
  buffers: number;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

async function widgetFactory(t: TestContext, exe: string, pkg: string, extraEnv: NodeJS.ProcessEnv): Promise<void> {
  if (!needPeer(t, [exe], pkg)) return;
  const dir = privateDir('nosigbus-gtk-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tc = startCompositor({ width: 1024, height: 768 });
  const { compositor } = tc;
  const listener = compositor.listen('wayland-gtk', dir);
  const sample = (s: ClientStats): Sample => ({
    commits: s.commits, frames: s.frames, fds: openFds(), mappings: activeMappings(), pools: compositor.shm.pools, buffers: compositor.shm.buffers,
  });
  const base = { fds: openFds(), mappings: activeMappings() };
  const hasSeat = [...compositor.display.globals.values()].some((g) => g.iface.name === 'wl_seat');
  // No DISPLAY: GTK must not find an X server; no session bus: a11y and
  // portals stay off instead of warning that they cannot reach one.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: listener.name, GDK_BACKEND: 'wayland',
    NO_AT_BRIDGE: '1', GTK_A11Y: 'none', ...extraEnv,
  };
  const gtk = start(exe, [], env, 120_000);
  try {
    let stats: ClientStats | undefined;
    await waitFor(() => {
      stats = compositor.clientStats.find((s) => s.firstCommitMs !== null);
      return stats !== undefined || gtk.child.exitCode !== null;
    }, `${exe}'s first commit`, 60_000);
    assert.ok(stats, `${exe} exited before its first commit: ${gtk.stderr()}`);
    await waitFor(() => compositor.windows.length > 0, `${exe}'s window`, 30_000);
    await sleep(SAMPLE_MS);
    const at2 = sample(stats);
    await sleep(RUN_MS - SAMPLE_MS);
    const at5 = sample(stats);
    assert.equal(gtk.child.exitCode, null, `${exe} exited during the run: ${gtk.stderr()}`);
    t.diagnostic(`${exe}: at 2 s ${JSON.stringify(at2)}, at 5 s ${JSON.stringify(at5)}`);

    // Frames advance: it commits and its frame callbacks are answered.
    assert.ok(at5.commits > at2.commits, `commits ${at2.commits} -> ${at5.commits}`);
    assert.ok(at5.frames > at2.frames, `frame callbacks ${at2.frames} -> ${at5.frames}`);
    assert.equal(stats.protocolError, false);

    // No leak per frame: over ~100 frames, fds and mappings stay put
    // (a pool or its fd kept per frame would add one per frame).
    const framesBetween = at5.frames - at2.frames;
    assert.ok(at5.fds - at2.fds <= 2, `compositor fds ${at2.fds} -> ${at5.fds} over ${framesBetween} frames`);
    assert.ok(at5.mappings - at2.mappings <= 2, `guarded mappings ${at2.mappings} -> ${at5.mappings} over ${framesBetween} frames`);

    // What a user sees: the window, drawn (text, widgets: many colours), over most of the output.
    const frame = compositor.snapshot();
    const colours = new Set<number>();
    let drawn = 0;
    for (const p of frame) {
      colours.add(p);
      if (p >>> 0 !== BACKGROUND >>> 0) drawn++;
    }
    assert.ok(colours.size >= 64, `${colours.size} distinct colours`);
    assert.ok(drawn > frame.length / 2, `${drawn} of ${frame.length} pixels drawn`);
  } finally {
    if (gtk.child.exitCode === null) gtk.child.kill('SIGTERM');
  }
  const exit = await gtk.exited;
  // Everything the client held is given back once it is gone.
  await waitFor(() => openFds() === base.fds && activeMappings() === base.mappings, 'fds and mappings back to baseline', 10_000)
    .catch(() => {});
  assert.equal(activeMappings(), base.mappings, 'guarded mappings after the client left');
  assert.equal(openFds(), base.fds, 'compositor fds after the client left');
  tc.close();

  const lines = exit.stderr.split('\n').filter((l) => WARNING.test(l) && !(!hasSeat && SEATLESS_GTK3.test(l)));
  assert.deepEqual(lines, [], `${exe} warned:\n${lines.slice(0, 10).join('\n')}`);
}

test('gtk3-widget-factory: frames advance, no warning, drawn, no fd or mapping leak', { timeout: 180_000 }, async (t) => {
  await widgetFactory(t, '/usr/bin/gtk3-widget-factory', 'gtk-3-examples', {});
});

test('gtk4-widget-factory (cairo renderer): frames advance, no warning, drawn, no fd or mapping leak', { timeout: 180_000 }, async (t) => {
  // No GPU here: GSK's GL renderer would run on llvmpipe, ten times slower.
  await widgetFactory(t, '/usr/bin/gtk4-widget-factory', 'gtk-4-examples', { GSK_RENDERER: 'cairo' });
});
