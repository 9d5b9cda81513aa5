// nosigbus/session with real clients (Debian packages): gtk4-widget-factory
// (its window waited for, a click on its "Page 2" tab changes its screenshot
// where that page shows and nowhere else in the header), foot (a command
// typed into its shell runs; a resize; Control+d ends it cleanly), a window
// that never appears (the wait fails after its timeout, saying why), and
// attach() to a `nosigbus serve` over its control socket.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { attach, compareImages, decodePng, launch, type Session } from '../../src/session/index.js';
import { needPeer } from '../support/peers.js';
import { start } from '../support/peer-compositors.js';
import { nosigbus, runtimeDir } from '../support/cli.js';
import { privateDir, waitFor } from '../support/common.js';
import { rejection } from '../support/session.js';

const FOOT = ['foot', '--override=font=DejaVu Sans Mono:size=10', 'sh'];

/** A private HOME, removed after the test; the session closed after it too. */
function home(t: TestContext): string {
  const dir = privateDir('nosigbus-api-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function closing(t: TestContext, s: Session): Session {
  t.after(() => s.close());
  return s;
}

test('gtk4-widget-factory: its window is waited for; a click on the Page 2 tab changes the page and the tabs, not the rest of the header', { timeout: 120_000 }, async (t) => {
  if (!needPeer(t, ['/usr/bin/gtk4-widget-factory'], 'gtk-4-examples')) return;
  // No GPU here: GSK's cairo renderer; no session bus: no a11y or portals.
  const s = closing(t, await launch(['gtk4-widget-factory'], {
    width: 1400, height: 900, env: { GSK_RENDERER: 'cairo', GDK_BACKEND: 'wayland', NO_AT_BRIDGE: '1', GTK_A11Y: 'none', HOME: home(t) },
  }));
  const win = await s.waitForWindow({ appId: 'gtk4-widget-factory', title: /Widget Factory/, timeout: 60_000 });
  assert.equal(win.pid, s.program!.pid, 'pid: SO_PEERCRED of its connection');
  assert.equal(win.activated, true);
  const before = await win.screenshot();
  const shot = await decodePng(before);
  assert.deepEqual([shot.width, shot.height], [win.width, win.height], 'window screenshot size = window size');
  // The stack switcher (Page 1 | Page 2 | Page 3) is centred in the header bar: Page 2 is in the middle.
  const centre = Math.round(win.width / 2);
  await win.click(centre, 22);
  await s.waitForIdle({ quietMs: 300, timeout: 20_000 });
  const after = await win.screenshot();
  const region = (x: number, y: number, width: number, height: number): { x: number; y: number; width: number; height: number } => ({ x, y, width, height });
  const tabs = await compareImages(before, after, { region: region(centre - 200, 8, 400, 30) });
  const page = await compareImages(before, after, { region: region(0, 60, win.width, win.height - 60) });
  const headerEnds = await compareImages(before, after, { region: region(win.width - 120, 0, 120, 46) });
  t.diagnostic(`differing pixels: tabs ${tabs.differing}/${tabs.total}, page ${page.differing}/${page.total}, header's right end ${headerEnds.differing}/${headerEnds.total}`);
  assert.ok(tabs.differing > 500, `the selected tab moved: ${tabs.differing} pixels`);
  assert.ok(page.differing > page.total / 4, `another page shows: ${page.differing} of ${page.total} pixels`);
  assert.equal(headerEnds.differing, 0, 'the menu and close buttons did not change');
  assert.equal(s.program!.exit, null, 'still running');
});

test('foot: a command typed into its shell with type() and press("Return") runs; resize; window screenshots at its size; Control+d ends it cleanly', { timeout: 90_000 }, async (t) => {
  if (!needPeer(t, ['/usr/bin/foot'], 'foot')) return;
  const dir = home(t);
  const s = closing(t, await launch(FOOT, { width: 800, height: 600, env: { SHELL: '/bin/sh', PS1: '$ ', HOME: dir, LANG: 'C.UTF-8' } }));
  const foot = await s.waitForWindow({ appId: 'foot', timeout: 30_000 });
  const file = join(dir, 'typed-by-the-session-api');
  // Keys typed before the shell reads wait in the pty: no need to wait for a prompt.
  await foot.type(`touch ${file}`);
  await foot.press('Return');
  await waitFor(() => existsSync(file), `${file} created by foot's shell`, 20_000);
  await s.waitForIdle({ quietMs: 200, timeout: 10_000 });
  const img = await decodePng(await foot.screenshot());
  assert.deepEqual([img.width, img.height], [foot.width, foot.height]);
  const resized = await foot.resize(400, 300);
  assert.deepEqual([resized.width, resized.height], [400, 300]);
  const small = await decodePng(await resized.screenshot());
  assert.deepEqual([small.width, small.height], [400, 300]);
  assert.equal((await s.windows()).length, 1);
  await foot.press('Control+d'); // the shell exits, foot with it
  const exit = await s.program!.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, s.program!.stderr());
  assert.doesNotMatch(s.program!.stderr(), /Protocol error|error \d+:/, 'foot left without a protocol error');
});

test('a window that never appears: waitForWindow rejects after its timeout, naming what it waited for, the windows and the program', { timeout: 30_000 }, async (t) => {
  const s = closing(t, await launch(['sleep', '60']));
  const start = Date.now();
  const e = await rejection(s.waitForWindow({ title: 'Never', timeout: 500 }));
  const waited = Date.now() - start;
  assert.ok(waited >= 500 && waited < 5000, `rejected after ${waited} ms`);
  assert.equal(e.code, 'ERR_NOSIGBUS_TIMEOUT');
  assert.match(e.message, /^timed out after \d+ ms waiting for a window with title "Never"; no windows; the program sleep \(pid \d+\) is running$/);
  await s.close();
  assert.equal(s.program!.exit?.signal, 'SIGTERM', 'close() ended it');

  const failing = closing(t, await launch(['sh', '-c', 'echo "cannot open display: wayland-9" >&2; exit 3']));
  await failing.program!.exited;
  const gone = await rejection(failing.waitForWindow({ appId: 'x', timeout: 100 }));
  assert.match(gone.message, /waiting for a window with app_id "x"; no windows; the program sh \(pid \d+\) exited with status 3; its stderr ended with:\ncannot open display: wayland-9$/);
  const now = await rejection(failing.window({ title: 'y' }));
  assert.equal(now.code, 'ERR_NOSIGBUS_NO_WINDOW');
  assert.match(now.message, /^no window with title "y"; no windows; the program sh/);

  await assert.rejects(launch(['no-such-program-nosigbus']), /^Error: launch: cannot run no-such-program-nosigbus: spawn no-such-program-nosigbus ENOENT$/);
});

test('attach(): a nosigbus serve driven over its control socket (RegExp matches included); close() leaves serve running', { timeout: 90_000 }, async (t) => {
  if (!needPeer(t, ['/usr/bin/foot'], 'foot')) return;
  const dir = runtimeDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const serve = nosigbus(['serve', '--socket', 'nsb-attach', '--width', '640', '--height', '480'], { XDG_RUNTIME_DIR: dir });
  t.after(async () => {
    serve.kill('SIGTERM');
    await serve.ended;
  });
  await waitFor(() => /WAYLAND_DISPLAY=nsb-attach/.test(serve.stdout), 'serve ready', 20_000);
  const s = closing(t, await attach({ socket: 'nsb-attach', runtimeDir: dir }));
  assert.deepEqual(s.env, { WAYLAND_DISPLAY: 'nsb-attach', XDG_RUNTIME_DIR: dir });
  assert.equal((await s.info()).pid, serve.pid);
  const foot = start(FOOT[0]!, FOOT.slice(1), { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8', SHELL: '/bin/sh', ...s.env }, 60_000);
  t.after(async () => {
    if (foot.child.exitCode === null) foot.child.kill('SIGTERM');
    await foot.exited;
  });
  const win = await s.waitForWindow({ appId: /^fo+t$/, timeout: 30_000 });
  assert.equal(win.pid, foot.child.pid);
  const file = join(dir, 'typed-over-the-control-socket');
  await win.type(`touch ${file}`);
  await win.press('Return');
  await waitFor(() => existsSync(file), `${file} created`, 20_000);
  const img = await decodePng(await win.screenshot());
  assert.deepEqual([img.width, img.height], [win.width, win.height]);
  const output = await decodePng(await s.screenshot());
  assert.deepEqual([output.width, output.height], [640, 480]);
  const bad = await rejection(s.waitForWindow({ title: /(a)\1/, timeout: 100 }));
  assert.equal(bad.code, 'ERR_NOSIGBUS_BAD_REQUEST');
  assert.match(bad.message, /patterns must run in linear time/);
  const caseless = await rejection(s.waitForWindow({ title: /^nope$/i, timeout: 100 }));
  assert.match(caseless.message, /flags over the control socket may be m and s/);
  const none = await rejection(s.waitForWindow({ title: /^[Nn]ope$/m, timeout: 200 }));
  assert.match(none.message, /^timed out after \d+ ms waiting for a window with title \/\^\[Nn\]ope\$\/m; windows \(bottom to top\): 1 "foot"/);
  await s.close();
  await rejection(s.windows()).then((e) => assert.equal(e.code, 'ERR_NOSIGBUS_CLOSED'));
  const again = closing(t, await attach({ socket: 'nsb-attach', runtimeDir: dir }));
  assert.equal((await again.windows()).length, 1, 'serve still serves');
  await rejection(attach({ socket: 'nsb-nothing', runtimeDir: dir })).then((e) => {
    assert.equal(e.code, 'ERR_NOSIGBUS_NO_SERVER');
    assert.match(e.message, /no nosigbus serve listening on .*\/nsb-nothing\.ctl \(no such socket\)/);
  });
});
