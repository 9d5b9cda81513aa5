// Real libwayland peers against our server: wayland-info (Debian wayland-utils)
// and a libwayland-client program built here (Debian libwayland-dev).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { socketPairForChild, closeFd } from '../../src/wire/socket.js';
import { needPeer } from '../support/peers.js';
import { stubDisplay } from '../support/server.js';
import { privateDir } from '../support/common.js';

const WAYLAND_INFO = '/usr/bin/wayland-info';
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url).href.replace('/dist/test/', '/test/'));

function runtimeDir(): string {
  const dir = privateDir('nosigbus-xdg-');
  return dir;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a peer without blocking our event loop (which serves it); extra fds become fd 3, 4, ... */
function run(cmd: string, env: NodeJS.ProcessEnv, extraFds: number[] = []): Promise<RunResult> {
  const child = spawn(cmd, [], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe', ...extraFds], timeout: 15_000 });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const EXPECTED = [
  ['wl_compositor', 5],
  ['wl_shm', 1],
  ['wl_seat', 7],
  ['wl_output', 4],
  ['xdg_wm_base', 5],
] as const;

test('wayland-info connects through $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY and lists our globals', async (t) => {
  if (!needPeer(t, [WAYLAND_INFO], 'wayland-utils')) return;
  const dir = runtimeDir();
  const display = stubDisplay();
  const socket = display.addSocket({ runtimeDir: dir });
  const r = await run(WAYLAND_INFO, { XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: socket.name });
  assert.equal(r.code, 0, r.stderr);
  EXPECTED.forEach(([iface, version], i) => {
    assert.match(r.stdout, new RegExp(`interface: '${iface}',\\s+version:\\s+${version}, name:\\s+${i + 1}\\n`));
  });
  assert.match(r.stdout, /1 = 'XR24'/);
  assert.match(r.stdout, /name: seat0/);
  display.destroy();
  rmSync(dir, { recursive: true });
});

test('wayland-info launched with WAYLAND_SOCKET', async (t) => {
  if (!needPeer(t, [WAYLAND_INFO], 'wayland-utils')) return;
  const display = stubDisplay();
  const { stream, childFd } = socketPairForChild();
  display.addClient(stream);
  const result = run(WAYLAND_INFO, { WAYLAND_SOCKET: '3' }, [childFd]);
  closeFd(childFd); // the child has its own copy
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /interface: 'xdg_wm_base',\s+version:\s+5/);
  display.destroy();
});

test('a libwayland client binding a version higher than advertised gets a protocol error it can print', async (t) => {
  if (!needPeer(t, ['/usr/include/wayland-client.h', '/usr/bin/gcc'], 'libwayland-dev')) return;
  const build = privateDir('nosigbus-cc-');
  const exe = join(build, 'bind-too-high');
  execFileSync('gcc', ['-std=c11', '-Wall', '-Werror', '-o', exe, fixture('bind-too-high.c'), '-lwayland-client']);
  const dir = runtimeDir();
  const display = stubDisplay();
  const socket = display.addSocket({ runtimeDir: dir });
  const r = await run(exe, { XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: socket.name });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  // libwayland prints the error it received (posted on the registry, as
  // libwayland-server does), then reports it through its API (EPROTO = 71).
  assert.match(r.stderr, /wl_registry@2: error 0: invalid version for global wl_compositor \(1\): have 5, wanted 6/);
  assert.match(r.stdout, /roundtrip=-1 error=71 protocol_error=0 interface=wl_registry id=2/);
  display.destroy();
  rmSync(dir, { recursive: true });
  rmSync(build, { recursive: true });
});

test('WAYLAND_DEBUG=server traces every message in libwayland\'s format', () => {
  const script = fileURLToPath(new URL('../fixtures/trace-server.js', import.meta.url));
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  const ts = '\\[ *\\d+\\.\\d{3}\\] ';
  assert.match(lines[0]!, new RegExp(`^${ts}wl_display@1\\.get_registry\\(new id wl_registry@2\\)$`));
  assert.ok(lines.some((l) => new RegExp(`^${ts} -> wl_registry@2\\.global\\(1, "wl_compositor", 5\\)$`).test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => new RegExp(`^${ts}wl_registry@2\\.bind\\(3, "wl_seat", 7, new id \\[unknown\\]@(\\d+)\\)$`).test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => new RegExp(`^${ts} -> wl_seat@\\d+\\.name\\("seat0"\\)$`).test(l)));
  assert.ok(lines.some((l) => new RegExp(`^${ts} -> wl_display@1\\.delete_id\\(\\d+\\)$`).test(l)));
});
