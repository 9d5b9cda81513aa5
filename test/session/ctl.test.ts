// `nosigbus ctl` from a shell against `nosigbus serve` with foot as its
// client: every verb once (JSON printed where it returns data, the effect
// seen: a file the typed command makes, PNG sizes, the output's new mode),
// failures (exit 1, one clear line), bad usage (exit 2, the usage); the
// control socket itself: owner-only, and a peer that sends garbage, an
// oversized line or too many requests gets an error and is disconnected
// while serve and another connection go on; `nosigbus run` has one too.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodePng } from '../../src/session/image.js';
import { checkArgs } from '../../src/session/requests.js';
import { reviveArgs } from '../../src/session/protocol.js';
import { nosigbus, runtimeDir, type Ended, type Running } from '../support/cli.js';
import { needPeer } from '../support/peers.js';
import { start } from '../support/peer-compositors.js';
import { waitFor } from '../support/common.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Serve {
  dir: string;
  name: string;
  serve: Running;
  ctl(...args: string[]): Promise<Ended>;
}

async function startServe(t: TestContext, name: string): Promise<Serve> {
  const dir = runtimeDir();
  const serve = nosigbus(['serve', '--socket', name, '--width', '800', '--height', '600'], { XDG_RUNTIME_DIR: dir });
  t.after(async () => {
    serve.kill('SIGTERM');
    await serve.ended;
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(() => /WAYLAND_DISPLAY=/.test(serve.stdout), 'serve ready', 20_000);
  return { dir, name, serve, ctl: (...args) => nosigbus(['ctl', '--socket', name, ...args], { XDG_RUNTIME_DIR: dir }).ended };
}

const json = (r: Ended): unknown => {
  assert.equal(r.code, 0, `ctl failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

/** A raw control connection: lines as they come, and whether it ended. */
function connect(path: string): { socket: Socket; lines: string[]; ended: () => boolean } {
  const socket = createConnection(path);
  const lines: string[] = [];
  let buffered = '';
  let ended = false;
  socket.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => (ended = true));
  return { socket, lines, ended: () => ended };
}

test('ctl: every verb against a serve with foot, JSON where there is data, the effects seen', { timeout: 120_000 }, async (t) => {
  if (!needPeer(t, ['/usr/bin/foot'], 'foot')) return;
  const s = await startServe(t, 'nsb-ctl');
  assert.deepEqual(json(await s.ctl('windows')), []);
  const foot = start('foot', ['--override=font=DejaVu Sans Mono:size=10', 'sh'], {
    PATH: process.env.PATH, HOME: s.dir, LANG: 'C.UTF-8', SHELL: '/bin/sh', XDG_RUNTIME_DIR: s.dir, WAYLAND_DISPLAY: s.name,
  }, 90_000);
  t.after(async () => {
    if (foot.child.exitCode === null) foot.child.kill('SIGTERM');
    await foot.exited;
  });
  const win = json(await s.ctl('wait-window', '--app-id', 'foot', '--timeout', '30000')) as Record<string, unknown>;
  assert.deepEqual(
    { ...win, pid: win.pid === foot.child.pid },
    { id: 1, title: 'foot', appId: 'foot', pid: true, x: 32, y: 32, width: 700, height: 500, maximized: false, fullscreen: false, activated: true },
  );
  const file = join(s.dir, 'made-by-ctl');
  const typed = await s.ctl('type', `touch ${file}`, '--window', 'foot');
  assert.deepEqual([typed.code, typed.stdout, typed.stderr], [0, '', '']);
  assert.equal((await s.ctl('key', 'Return')).code, 0);
  await waitFor(() => existsSync(file), `${file} made by the typed command`, 20_000);
  const clicked = await s.ctl('click', '10', '10', '--window', '/^fo+t$/', '--button', 'right');
  assert.deepEqual([clicked.code, clicked.stdout], [0, '']);
  const idle = json(await s.ctl('wait-idle', '--quiet', '200', '--timeout', '10000')) as { waitedMs: number };
  assert.ok(idle.waitedMs >= 200, `idle after ${idle.waitedMs} ms`);
  const windowShot = join(s.dir, 'foot.png');
  assert.deepEqual(json(await s.ctl('screenshot', windowShot, '--window', 'foot')), { file: windowShot, width: 700, height: 500 });
  const img = await decodePng(readFileSync(windowShot));
  assert.deepEqual([img.width, img.height], [700, 500]);
  assert.deepEqual(json(await s.ctl('output', '1024x768')), { width: 1024, height: 768, scale: 1, refreshMilliHz: 60000 });
  const outputShot = join(s.dir, 'output.png');
  assert.deepEqual(json(await s.ctl('screenshot', outputShot)), { file: outputShot, width: 1024, height: 768 });
  const out = await decodePng(readFileSync(outputShot));
  assert.deepEqual([out.width, out.height], [1024, 768]);
  assert.deepEqual((json(await s.ctl('windows')) as { title: string }[]).map((w) => w.title), ['foot']);
});

test('ctl failures: exit 1 with one clear line (no such window, a timeout, a point outside the window, no serve listening)', { timeout: 60_000 }, async (t) => {
  const s = await startServe(t, 'nsb-fail');
  const cases: [string[], RegExp][] = [
    [['wait-window', '--title', 'Nope', '--timeout', '300'], /^nosigbus ctl: wait-window: timed out after \d+ ms waiting for a window with title "Nope"; no windows\n$/],
    [['type', 'x', '--window', 'Nope'], /^nosigbus ctl: type: type: no window with title "Nope"; no windows\n$/],
    [['key', 'Return'], /^nosigbus ctl: key: key: no window has keyboard focus; no windows\n$/],
    [['click', '900', '10'], /^nosigbus ctl: click: click: 900,10 is outside the output \(800x600\)\n$/],
  ];
  for (const [args, stderr] of cases) {
    const r = await s.ctl(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, stderr);
  }
  const none = await nosigbus(['ctl', '--socket', 'nsb-nobody', 'windows'], { XDG_RUNTIME_DIR: s.dir }).ended;
  assert.equal(none.code, 1);
  assert.equal(none.stderr, `nosigbus ctl: windows: no nosigbus serve listening on ${join(s.dir, 'nsb-nobody.ctl')} (no such socket)\n`);
});

test('ctl bad usage: exit 2 with the usage, before any connection', async () => {
  const cases: [string[], RegExp][] = [
    [[], /ctl: no verb given/],
    [['fly'], /ctl: unknown verb 'fly'/],
    [['click', '1'], /ctl: click takes X Y, got '1'/],
    [['click', 'a', 'b'], /ctl: X: expected a number, got 'a'/],
    [['output', '800'], /ctl: output: expected WIDTHxHEIGHT such as 1280x720, got '800'/],
    [['output', '99999x10'], /ctl: output: width and height must be in 1\.\.16384, got '99999x10'/],
    [['windows', '--title', 'x'], /ctl: windows takes no --title/],
    [['wait-window', '--timeout', 'soon'], /ctl: --timeout: expected milliseconds in 0\.\.600000, got 'soon'/],
    [['wait-idle', '--quiet', '700000'], /ctl: --quiet: expected milliseconds in 0\.\.600000, got '700000'/],
    [['type'], /ctl: type takes TEXT, got none/],
    [['--bogus', 'windows'], /ctl: Unknown option '--bogus'/],
    [['click', '1', '2', '--button', 'back'], /ctl: --button: expected left, right or middle, got 'back'/],
    [['type', 'x', '--window', '/(/'], /ctl: --window: Invalid regular expression/],
  ];
  // No XDG_RUNTIME_DIR and no serve: usage errors come first.
  for (const [args, message] of cases) {
    const r = await nosigbus(['ctl', ...args]).ended;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /\nusage: nosigbus ctl \[--socket NAME\] VERB/);
  }
  const help = await nosigbus(['ctl', '--help']).ended;
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: nosigbus ctl/);
});

test('the control socket: mode 0600 beside the Wayland socket; garbage, an oversized line and too many requests get an error and a hang-up, serve and another connection go on', { timeout: 60_000 }, async (t) => {
  const s = await startServe(t, 'nsb-sock');
  const path = join(s.dir, 'nsb-sock.ctl');
  const st = statSync(path);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(statSync(s.dir).mode & 0o777, 0o700);

  const other = connect(path);
  const pendingWait = '{"id":7,"op":"waitWindow","args":{"match":{"title":"late"},"timeoutMs":60000}}\n';
  other.socket.write(pendingWait);

  const garbage = connect(path);
  garbage.socket.write('garbage\n');
  await waitFor(() => garbage.ended(), 'the garbage connection closed', 10_000);
  assert.equal(garbage.lines.length, 1);
  assert.match(garbage.lines[0]!, /^\{"id":null,"ok":false,"error":\{"code":"ERR_NOSIGBUS_BAD_REQUEST","message":"not JSON: .*; closing the connection"\}\}$/);

  const big = connect(path);
  big.socket.write(Buffer.alloc((1 << 20) + 10, 0x61));
  await waitFor(() => big.ended(), 'the oversized connection closed', 10_000);
  assert.match(big.lines.join('\n'), /"message":"a request line is longer than 1048576 bytes; closing the connection"/);

  const greedy = connect(path);
  let flood = '';
  for (let i = 1; i <= 17; i++) flood += `{"id":${i},"op":"waitWindow","args":{"match":{"title":"x"},"timeoutMs":60000}}\n`;
  greedy.socket.write(flood);
  await waitFor(() => greedy.ended(), 'the flooding connection closed', 10_000);
  assert.match(greedy.lines.at(-1)!, /^\{"id":17,"ok":false,"error":\{"code":"ERR_NOSIGBUS_BAD_REQUEST","message":"more than 16 requests unanswered on one connection; closing the connection"\}\}$/);
  assert.ok(greedy.lines.slice(0, -1).every((l) => /"code":"ERR_NOSIGBUS_CLOSED"/.test(l)), 'its waits were cancelled');

  // A wrong request (not a broken line) is answered and the connection stays.
  other.socket.write('{"id":8,"op":"click","args":{"x":"left"}}\n{"id":9,"op":"fly"}\n{"id":10,"op":"windows"}\n');
  await waitFor(() => other.lines.length >= 3, 'answers on the other connection', 10_000);
  assert.deepEqual(other.lines.map((l) => JSON.parse(l) as unknown), [
    { id: 8, ok: false, error: { code: 'ERR_NOSIGBUS_BAD_REQUEST', message: 'click: x must be a number in -1048576..1048576, got "left"' } },
    { id: 9, ok: false, error: { code: 'ERR_NOSIGBUS_BAD_REQUEST', message: 'unknown operation "fly"' } },
    { id: 10, ok: true, result: [] },
  ]);
  assert.equal(other.ended(), false);
  assert.deepEqual(json(await s.ctl('windows')), [], 'serve serves on');
  other.socket.destroy();
  assert.equal(s.serve.stderr, '', 'nothing logged: a peer\'s mistakes are its own');
});

test('a regular expression from a peer runs in linear time: no stall on a catastrophic pattern', () => {
  const re = checkArgs('waitWindow', reviveArgs({ match: { title: { $regex: '^(a+)+$' } } })).match.title;
  assert.ok(re instanceof RegExp);
  const start = Date.now();
  assert.equal(re.test(`${'a'.repeat(5000)}!`), false);
  assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
  assert.throws(() => reviveArgs({ $regex: '(a)\\1' }), /patterns must run in linear time/);
  assert.throws(() => reviveArgs({ $regex: 'a', flags: 'g' }), /flags over the control socket may be m and s/);
});

test('nosigbus run has a control socket too: ctl from the client\'s shell reaches it', { timeout: 30_000 }, async () => {
  const dir = runtimeDir();
  const r = await nosigbus(['run', '--width', '320', '--height', '200', '--', 'sh', '-c', `"${process.execPath}" "${MAIN}" ctl output 640x400; "${process.execPath}" "${MAIN}" ctl windows`], { XDG_RUNTIME_DIR: dir }).ended;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\{\n {2}"width": 640,\n {2}"height": 400,/);
  assert.match(r.stdout, /\n\[\]\n$/);
  rmSync(dir, { recursive: true, force: true });
});
