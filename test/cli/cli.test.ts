// The `nosigbus` command: options, exit status, cleanup of socket and lock
// on every exit path, private runtime directories, and real clients
// (Debian weston demos, wayland-info) under `nosigbus run`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { decode } from 'fast-png';
import { WaylandClient } from '../../src/client/index.js';
import { BACKGROUND, type ClientStats } from '../../src/compositor/index.js';
import { needPeer } from '../support/peers.js';
import { bindCore, present, shmBuffer, toplevel } from '../support/compositor.js';
import { sleep } from '../support/common.js';
import { nosigbus, runtimeDir, type Ended } from '../support/cli.js';

const PACKAGE = fileURLToPath(new URL('../../../package.json', import.meta.url));

test('a bad option is one line on stderr and exit status 2', async () => {
  for (const args of [['run', '--width', 'wide', '--', 'true'], ['run', '--bogus', 'true'], ['serve', '--on-truncate', 'maybe'], ['serve', '--memory-budget', '1.5'], ['serve', '--memory-budget-total', '-1'], ['run'], ['fly']]) {
    const r = await nosigbus(args).ended;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^nosigbus: [^\n]+\n$/, args.join(' '));
  }
});

test('--help and --version', async () => {
  const help = await nosigbus(['run', '--help']).ended;
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: nosigbus run \[options\] \[--\] CLIENT \[ARGS\.\.\.\]/);
  assert.match(help.stdout, /--on-truncate/);
  assert.match(help.stdout, /--memory-budget MIB/);
  const pkg: unknown = JSON.parse(readFileSync(PACKAGE, 'utf8'));
  assert.ok(typeof pkg === 'object' && pkg !== null && 'version' in pkg);
  assert.equal((await nosigbus(['--version']).ended).stdout.trim(), pkg.version);
});

test('run exits with the client\'s status; socket and lock exist while it runs and are gone after', async () => {
  const dir = runtimeDir();
  const check = 'test -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" && test -f "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY.lock" && exit 7';
  const r = await nosigbus(['run', '--socket', 'nsb-status', '--', 'sh', '-c', check], { XDG_RUNTIME_DIR: dir }).ended;
  assert.equal(r.code, 7, r.stderr);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

test('a client that crashes: 128 + its signal, socket and lock gone', async () => {
  const dir = runtimeDir();
  const r = await nosigbus(['run', '--', 'sh', '-c', 'kill -SEGV $$'], { XDG_RUNTIME_DIR: dir }).ended;
  assert.equal(r.code, 128 + 11, r.stderr);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

test('SIGTERM to nosigbus run: passed to the client, socket and lock gone, 128 + 15', async () => {
  const dir = runtimeDir();
  const p = nosigbus(['run', '--socket', 'nsb-term', '--', 'sleep', '30'], { XDG_RUNTIME_DIR: dir });
  while (!existsSync(join(dir, 'nsb-term'))) await sleep(10);
  p.kill('SIGTERM');
  const r = await p.ended;
  assert.equal(r.code, 128 + 15, r.stderr);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

test('SIGTERM to nosigbus serve: socket and lock gone', async () => {
  const dir = runtimeDir();
  const p = nosigbus(['serve', '--socket', 'nsb-serve'], { XDG_RUNTIME_DIR: dir });
  while (!existsSync(join(dir, 'nsb-serve'))) await sleep(10);
  p.kill('SIGTERM');
  const r = await p.ended;
  assert.equal(r.code, 128 + 15, r.stderr);
  assert.match(r.stdout, /WAYLAND_DISPLAY=nsb-serve/);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

test('without XDG_RUNTIME_DIR: a private 0700 directory, removed at exit', async () => {
  const r = await nosigbus(['run', '--', 'sh', '-c', 'echo "$XDG_RUNTIME_DIR"; stat -c %a "$XDG_RUNTIME_DIR"; echo "$WAYLAND_DISPLAY"']).ended;
  assert.equal(r.code, 0, r.stderr);
  const [dir, mode, display] = r.stdout.trim().split('\n');
  assert.equal(mode, '700');
  assert.match(display!, /^wayland-\d+$/);
  assert.equal(existsSync(dir!), false);
});

test('two compositors started at once get different sockets', async () => {
  const dir = runtimeDir();
  const script = 'echo "$WAYLAND_DISPLAY"; sleep 0.5';
  const [a, b] = await Promise.all([0, 1].map(() => nosigbus(['run', '--', 'sh', '-c', script], { XDG_RUNTIME_DIR: dir }).ended));
  assert.equal(a!.code, 0, a!.stderr);
  assert.equal(b!.code, 0, b!.stderr);
  assert.notEqual(a!.stdout.trim(), b!.stdout.trim());
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

/** /proc/PID/stat utime + stime, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

test('an idle compositor with a connected idle client uses no CPU over 2 s', async () => {
  const dir = runtimeDir();
  const p = nosigbus(['serve', '--socket', 'nsb-idle'], { XDG_RUNTIME_DIR: dir });
  while (!existsSync(join(dir, 'nsb-idle'))) await sleep(10);
  const c = WaylandClient.connect({ display: 'nsb-idle', runtimeDir: dir });
  await c.registry();
  const g = bindCore(c);
  const w = await toplevel(c, g);
  present(w.surface, shmBuffer(g, 64, 64, () => 0xff808080).buffer, 64, 64);
  await c.roundtrip();
  await sleep(200); // the mapping's repaint is done
  const before = cpuTicks(p.pid);
  await sleep(2000);
  const used = cpuTicks(p.pid) - before;
  // Clock ticks are 10 ms: a compositor that polls or paints would use many.
  assert.ok(used <= 3, `compositor used ${used} clock ticks while idle`);
  c.close();
  p.kill('SIGTERM');
  await p.ended;
  rmSync(dir, { recursive: true });
});

// ---- real clients

const WESTON = '/usr/bin/weston-simple-shm';

interface ClientRunResult extends Ended {
  stats: ClientStats[];
  screenshot: { width: number; height: number; data: Uint8Array } | null;
}

/** `nosigbus run` of a real client for `ms`, then SIGINT (passed on to the client). */
async function runFor(command: readonly string[], ms: number, extra: readonly string[] = []): Promise<ClientRunResult> {
  const dir = runtimeDir();
  const statsFile = join(dir, '..', `${dir.split('/').at(-1)}-stats.json`);
  const shotFile = join(dir, '..', `${dir.split('/').at(-1)}-shot.png`);
  const p = nosigbus(['run', '--stats', statsFile, '--screenshot', shotFile, ...extra, '--', ...command], { XDG_RUNTIME_DIR: dir });
  const timer = setTimeout(() => p.kill('SIGINT'), ms);
  const r = await p.ended;
  clearTimeout(timer);
  const stats: ClientStats[] = existsSync(statsFile) ? JSON.parse(readFileSync(statsFile, 'utf8')) : [];
  const screenshot = existsSync(shotFile) ? decode(readFileSync(shotFile)) : null;
  rmSync(statsFile, { force: true });
  rmSync(shotFile, { force: true });
  assert.deepEqual(readdirSync(dir), [], 'socket and lock removed');
  rmSync(dir, { recursive: true });
  return { ...r, stats, screenshot: screenshot && { width: screenshot.width, height: screenshot.height, data: Uint8Array.from(screenshot.data) } };
}

/** Exit 0 (the client handles SIGINT) or 130 (it was ended by it): either way it ran until we stopped it. */
function assertRanUntilStopped(r: ClientRunResult, name: string): ClientStats {
  assert.ok(r.code === 0 || r.code === 130, `${name} exited ${r.code}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /error|abort|NULL/i, `${name} stderr`);
  assert.equal(r.stats.length, 1, 'one client');
  const s = r.stats[0]!;
  assert.equal(s.protocolError, false);
  return s;
}

test('wayland-info lists every global at its version', async (t) => {
  if (!needPeer(t, ['/usr/bin/wayland-info'], 'wayland-utils')) return;
  const r = await runFor(['wayland-info'], 10_000);
  assert.equal(r.code, 0, r.stderr);
  for (const [iface, version] of [
    ['wl_compositor', 5], ['wl_subcompositor', 1], ['wl_shm', 1], ['wl_output', 4],
    ['zxdg_output_manager_v1', 3], ['xdg_wm_base', 5], ['wp_viewporter', 1], ['wp_presentation', 1],
    ['zwlr_screencopy_manager_v1', 3], ['zwlr_layer_shell_v1', 4], ['zxdg_decoration_manager_v1', 1], ['zwlr_output_manager_v1', 2],
    ['wl_seat', 7], ['zwp_virtual_keyboard_manager_v1', 1], ['zwlr_virtual_pointer_manager_v1', 2], ['xdg_activation_v1', 1],
    ['wl_data_device_manager', 3], ['zwp_primary_selection_device_manager_v1', 1], ['zwlr_data_control_manager_v1', 2],
  ] as const) assert.match(r.stdout, new RegExp(`interface: '${iface}',\\s+version:\\s+${version},`));
  assert.match(r.stdout, /width: 1024 px, height: 768 px, refresh: 60\.000 Hz/);
  assert.match(r.stdout, /presentation clock id: 1 \(CLOCK_MONOTONIC\)/);
});

// Alone, then the others side by side. Frame rates are the benchmark's
// (npm run bench compositor); here frames must only keep coming.
test('weston-simple-shm: frames keep coming, and the screenshot shows its window', async (t) => {
  if (!needPeer(t, [WESTON], 'weston')) return;
  const r = await runFor([WESTON], 5000);
  const s = assertRanUntilStopped(r, 'weston-simple-shm');
  // The rate over the client's life on screen (its start-up is not the compositor's).
  const seconds = (s.lastFrameMs! - s.firstCommitMs!) / 1000;
  assert.ok(seconds > 3, `on screen ${seconds} s`);
  assert.ok(s.frames >= 30, `${s.frames} frames in ${seconds.toFixed(2)} s`);
  // Its 250 × 250 window is the first one placed (at 32, 32): not the background, and not one color.
  const shot = r.screenshot!;
  assert.equal(shot.width, 1024);
  const bg = [(BACKGROUND >>> 16) & 0xff, (BACKGROUND >>> 8) & 0xff, BACKGROUND & 0xff];
  const colors = new Set<number>();
  let background = 0;
  for (let y = 40; y < 270; y += 5)
    for (let x = 40; x < 270; x += 5) {
      const o = (y * shot.width + x) * 4;
      const d = shot.data;
      if (d[o] === bg[0] && d[o + 1] === bg[1] && d[o + 2] === bg[2]) background++;
      colors.add((d[o]! << 16) | (d[o + 1]! << 8) | d[o + 2]!);
    }
  assert.equal(background, 0, 'no background inside the window');
  assert.ok(colors.size > 20, `the window's pixels vary (${colors.size} colors)`);
});

test('weston-simple-damage --use-viewport: the viewport\'s source rectangle (fixed-point) crops the buffer', async (t) => {
  if (!needPeer(t, ['/usr/bin/weston-simple-damage'], 'weston')) return;
  const r = await runFor(['weston-simple-damage', '--use-viewport'], 3000);
  assertRanUntilStopped(r, 'weston-simple-damage');
  // Its 300 x 200 window at 32, 32: a white frame around a dark field with a
  // green ball, all from the middle of a larger buffer whose outside is red.
  const shot = r.screenshot!;
  const rgb = (x: number, y: number): number => {
    const o = (y * shot.width + x) * 4;
    return (shot.data[o]! << 16) | (shot.data[o + 1]! << 8) | shot.data[o + 2]!;
  };
  assert.equal(rgb(36, 130).toString(16), 'ffffff', 'the white frame at the left edge');
  let red = 0;
  for (let y = 34; y < 230; y += 4) for (let x = 34; x < 330; x += 4) if (rgb(x, y) === 0xff0000) red++;
  assert.equal(red, 0, 'nothing of the red outside of the source rectangle');
});

describe('weston demo clients under nosigbus run, 5 s each', { concurrency: true }, () => {
  for (const [name, minFrames] of [['weston-simple-damage', 30], ['weston-subsurfaces', 30], ['weston-presentation-shm', 30], ['weston-flower', 1]] as const) {
    test(`${name}: runs with no error${minFrames > 1 ? ', frames advancing' : ' (a still picture: it draws once)'}`, async (t) => {
      if (!needPeer(t, [`/usr/bin/${name}`], 'weston')) return;
      const r = await runFor([name], 5000);
      const s = assertRanUntilStopped(r, name);
      assert.ok(s.commits >= minFrames, `${s.commits} commits`);
      if (minFrames > 1) assert.ok(s.frames >= minFrames, `${s.frames} frame callbacks answered`);
      if (name === 'weston-presentation-shm') assert.ok(s.presented >= minFrames, `${s.presented} presentation feedbacks`);
    });
  }
});
