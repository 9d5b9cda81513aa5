// `nosigbus run --xwayland` (and `serve --xwayland`), the xvfb-run drop-in:
// X programs (Debian xterm, xclock) under a rootful Xwayland that is a
// client of our compositor.
//
// What is checked: the screenshot shows the X screen at the output's origin,
// filling it; keys typed through the seat (wtype, a Wayland client) reach
// the focused X window; Xwayland's pid is gone when `run` ends, whether the
// client exits, `run` gets SIGTERM, or Xwayland dies first (then `run`
// fails, saying so); a missing Xwayland is a clear error.
// Every wait is bounded; what a test starts it ends by pid.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, test, type TestContext } from 'node:test';
import { decode } from 'fast-png';
import { BACKGROUND } from '../../src/compositor/index.js';
import { needPeer } from '../support/peers.js';
import { until, waitFor, privateDirs } from '../support/common.js';
import { nosigbus, type Running } from '../support/cli.js';

const XWAYLAND = '/usr/bin/Xwayland';
const XTERM = '/usr/bin/xterm';
const XCLOCK = '/usr/bin/xclock';
const WTYPE = '/usr/bin/wtype';

const dirs = privateDirs('nosigbus-xwayland-');
after(() => dirs.removeAll());

function needX(t: TestContext, more: readonly [string, string][] = []): boolean {
  return needPeer(t, [XWAYLAND], 'xwayland') && needPeer(t, [XTERM], 'xterm') && more.every(([path, pkg]) => needPeer(t, [path], pkg));
}

/** Whether process `pid` exists (a zombie counts: it is not reaped yet). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Xwayland's pid, from `run --log-level info`'s stderr line (as soon as it is written). */
async function xwaylandPid(p: Running): Promise<number> {
  let pid: number | undefined;
  await waitFor(() => {
    const m = /Xwayland \(pid (\d+)\) accepts connections on DISPLAY=:\d+/.exec(p.stderr);
    pid = m ? Number(m[1]) : undefined;
    return pid !== undefined;
  }, 'Xwayland to accept connections', 20_000);
  return pid!;
}

test('the screenshot shows the X screen: an xterm at +100+50 is there, the root fills the output from 0,0', async (t) => {
  if (!needX(t)) return;
  const dir = dirs.make();
  const shot = join(dir, 'shot.png');
  // -fg red too: the window is one colour, whatever the font. The client
  // (sh) exits after 3 s, time enough to draw, with xterm still there: the
  // screenshot is the screen at that moment (xterm then goes with Xwayland).
  const xterm = 'xterm -bg red -fg red -geometry 20x5+100+50 & sleep 3';
  const r = await nosigbus(['run', '--xwayland', '--width', '640', '--height', '480', '--screenshot', shot, '--', 'sh', '-c', xterm], { XDG_RUNTIME_DIR: dir }).ended;
  assert.equal(r.code, 0, r.stderr);
  const png = decode(readFileSync(shot));
  assert.equal(png.width, 640);
  assert.equal(png.height, 480);
  const rgb = (x: number, y: number): number[] => Array.from(png.data.subarray((y * 640 + x) * png.channels, (y * 640 + x) * png.channels + 3));
  const red = [255, 0, 0];
  const background = [(BACKGROUND >>> 16) & 0xff, (BACKGROUND >>> 8) & 0xff, BACKGROUND & 0xff];
  // xterm's 1-pixel border is at 100,50: red starts at 101,51 exactly when X's origin is the output's.
  assert.deepEqual(rgb(101, 51), red, 'xterm\'s top-left inside its border');
  assert.deepEqual(rgb(130, 70), red, 'inside xterm');
  assert.notDeepEqual(rgb(99, 49), red, 'outside xterm, above and left');
  // The X root (not the compositor's background) at the output's corners: the window fills the output.
  for (const [x, y] of [[0, 0], [639, 0], [0, 479], [639, 479]] as const) assert.notDeepEqual(rgb(x, y), background, `X root at ${x},${y}`);
  assert.deepEqual(readdirSync(dir), ['shot.png'], 'socket, lock and Xauthority removed');
});

test('keys typed through the seat (wtype) reach the X window that has focus', async (t) => {
  if (!needX(t, [[WTYPE, 'wtype']])) return;
  const dir = dirs.make();
  const files = dirs.make();
  // xterm at +0+0 is under the pointer (the compositor's starts at 0,0), so
  // it has X's focus (no X window manager: focus follows the pointer).
  // The shell in xterm says it is reading; each line it reads names a file.
  const script = 'touch "$FILES/ready"; while read line; do touch "$FILES/$line"; done';
  const p = nosigbus(['run', '--xwayland', '--socket', 'nsb-xw-type', '--log-level', 'info', '--', 'xterm', '-geometry', '80x24+0+0', '-e', 'sh', '-c', script], {
    XDG_RUNTIME_DIR: dir,
    FILES: files,
  });
  try {
    await waitFor(() => existsSync(join(files, 'ready')), 'the shell in xterm to start', 20_000);
    // The shell may run before xterm's window is on the X screen (keys typed
    // then go nowhere): typed again, each time a whole line, until it arrives.
    const deadline = Date.now() + 15_000;
    let attempts = 0;
    while (!existsSync(join(files, 'hello'))) {
      assert.ok(Date.now() < deadline, `'hello' typed into xterm ${attempts} times, never arrived (files: ${readdirSync(files).join(' ')})`);
      const typed = spawn(WTYPE, ['\nhello\n'], { env: { ...process.env, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: 'nsb-xw-type' }, stdio: 'ignore', timeout: 10_000 });
      assert.equal(await new Promise<number | null>((resolve) => typed.on('close', resolve)), 0, 'wtype');
      attempts++;
      await until(() => existsSync(join(files, 'hello')), 1500);
    }
    t.diagnostic(`typed ${attempts} time(s)`);
  } finally {
    p.kill('SIGTERM');
  }
  const r = await p.ended; // xterm's own status for SIGTERM (it catches it)
  assert.match(r.stderr, /Xwayland \(pid \d+\): mapped +at 0,0/, 'Xwayland\'s window at the output\'s origin');
});

test('Xwayland is gone when run ends: the client exits, run gets SIGTERM', async (t) => {
  if (!needX(t, [[XCLOCK, 'x11-apps']])) return;
  {
    const dir = dirs.make();
    const p = nosigbus(['run', '--xwayland', '--log-level', 'info', '--', 'sh', '-c', 'test -n "$DISPLAY" && test -s "$XAUTHORITY" && xclock & sleep 1; kill $!'], { XDG_RUNTIME_DIR: dir });
    const pid = await xwaylandPid(p);
    const r = await p.ended;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(alive(pid), false, `Xwayland (pid ${pid}) gone after the client exited`);
    assert.deepEqual(readdirSync(dir), [], 'socket, lock and Xauthority removed');
  }
  {
    const dir = dirs.make();
    const p = nosigbus(['run', '--xwayland', '--log-level', 'info', '--', 'xclock'], { XDG_RUNTIME_DIR: dir });
    const pid = await xwaylandPid(p);
    await waitFor(() => /mapped/.test(p.stderr), 'Xwayland\'s window', 10_000);
    p.kill('SIGTERM');
    const r = await p.ended;
    assert.equal(r.code, 128 + 15, r.stderr);
    assert.equal(alive(pid), false, `Xwayland (pid ${pid}) gone after SIGTERM to run`);
    assert.deepEqual(readdirSync(dir), []);
  }
});

test('Xwayland dies first: the client is ended, run fails saying so, nothing is left', async (t) => {
  if (!needX(t, [[XCLOCK, 'x11-apps']])) return;
  const dir = dirs.make();
  // xclock dies with its X server; the client (sleep, after exec) must be ended by run.
  const p = nosigbus(['run', '--xwayland', '--log-level', 'info', '--', 'sh', '-c', 'xclock & exec sleep 30'], { XDG_RUNTIME_DIR: dir });
  const pid = await xwaylandPid(p);
  process.kill(pid, 'SIGKILL');
  const started = Date.now();
  const r = await p.ended;
  assert.ok(Date.now() - started < 10_000, 'run ended soon, not after the client\'s 30 s');
  assert.equal(r.code, 128 + 15, r.stderr);
  assert.match(r.stderr, /nosigbus: Xwayland killed by SIGKILL[;\n]/);
  assert.match(r.stderr, /nosigbus: ending sh \(the X server it uses is gone\)/);
  assert.equal(alive(pid), false);
  assert.deepEqual(readdirSync(dir), []);
});

test('serve --xwayland prints DISPLAY and XAUTHORITY; SIGTERM stops Xwayland', async (t) => {
  if (!needX(t)) return;
  const dir = dirs.make();
  const p = nosigbus(['serve', '--xwayland', '--log-level', 'info'], { XDG_RUNTIME_DIR: dir });
  const pid = await xwaylandPid(p);
  await waitFor(() => /XAUTHORITY=/.test(p.stdout), 'the variables on stdout', 10_000);
  p.kill('SIGTERM');
  const r = await p.ended;
  assert.equal(r.code, 128 + 15, r.stderr);
  assert.match(r.stdout, /^XDG_RUNTIME_DIR=.+\nWAYLAND_DISPLAY=wayland-\d+\nDISPLAY=:\d+\nXAUTHORITY=.+\/Xauthority\n$/);
  assert.equal(alive(pid), false);
  assert.deepEqual(readdirSync(dir), []);
});

test('no Xwayland on PATH: one line saying which package, status 1, nothing left', async (t) => {
  const dir = dirs.make();
  const r = await nosigbus(['run', '--xwayland', '--', 'true'], { XDG_RUNTIME_DIR: dir, PATH: join(dir, 'nothing-here') }).ended;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^nosigbus: Xwayland not found on PATH: install Debian package xwayland\n$/);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true, force: true });
});
