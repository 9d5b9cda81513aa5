// The installed `nosigbus` command (package.json bin, `npm start`):
// dist/src/cli/nosigbus.cjs, which runs the one-script bundle of the CLI
// (scripts/bundle-cli.mjs) with its code cache when the bundle is fresh, and
// main.js otherwise. Whichever runs, the command behaves as main.js does:
// same output, exit status, files; a client is served (with the seat's
// keymap, compiled on first use); fast-png loads for screenshots. Each
// module in the bundle exports what its ES module does, in the same order.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { WaylandClient } from '../../src/client/index.js';
import * as protocol from '../../src/protocol/index.js';
import { wl_seat } from '../../src/protocol/wayland.js';
import { sleep, privateDir } from '../support/common.js';

const LAUNCHER = fileURLToPath(new URL('../../src/cli/nosigbus.cjs', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../nosigbus-cli.cjs', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../../package.json', import.meta.url));
const DIST = fileURLToPath(new URL('../../', import.meta.url));

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

function command(entry: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, nodeFlags: readonly string[] = []): { pid: number; ended: Promise<Ended>; kill(): void } {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.XDG_RUNTIME_DIR;
  delete base.WAYLAND_DISPLAY;
  delete base.WAYLAND_SOCKET;
  delete base.NOSIGBUS_WRITE_CODE_CACHE;
  const child = spawn(process.execPath, [...nodeFlags, entry, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { pid: child.pid!, ended: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))), kill: () => child.kill('SIGTERM') };
}

function runtimeDir(): string {
  const dir = privateDir('nosigbus-launcher-');
  return dir;
}


function bundleIsFresh(): boolean {
  return existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= statSync(MAIN).mtimeMs;
}

test('a fresh bundle is what runs (it can write a code cache for itself); a stale one does not', async (t) => {
  if (!bundleIsFresh()) return t.skip('the bundle is older than the tsc output (npm run build makes it)');
  const dir = runtimeDir();
  const cache = join(dir, 'cache');
  const r = await command(LAUNCHER, ['--version'], { NOSIGBUS_WRITE_CODE_CACHE: cache }).ended;
  assert.equal(r.code, 0, r.stderr);
  const bundle = statSync(BUNDLE);
  assert.ok(readFileSync(cache).subarray(0, 100).toString('latin1').startsWith(`nosigbus-cli.cjs ${bundle.size} ${bundle.mtimeMs}\n`), 'a cache for this bundle');
  rmSync(cache);
  // main.js newer than the bundle (tsc ran since): main.js runs, the bundle does not (so writes no cache).
  const main = statSync(MAIN);
  utimesSync(MAIN, main.atime, new Date(bundle.mtimeMs + 60_000));
  try {
    const stale = await command(LAUNCHER, ['--version'], { NOSIGBUS_WRITE_CODE_CACHE: cache }).ended;
    assert.deepEqual(stale, r);
    assert.equal(existsSync(cache), false);
  } finally {
    utimesSync(MAIN, main.atime, main.mtime);
  }
  rmSync(dir, { recursive: true });
});

type Bundle = ((importPackage: (specifier: string) => Promise<unknown>, entry: string) => Record<string, unknown>) & { modules: string[] };

test('each module in the bundle exports the names its ES module does, in namespace order', async (t) => {
  if (!bundleIsFresh()) return t.skip('the bundle is older than the tsc output (npm run build makes it)');
  const bundle = createRequire(import.meta.url)(BUNDLE) as Bundle;
  const load = (id: string): Record<string, unknown> => bundle((specifier) => import(specifier), id);
  assert.ok(bundle.modules.length > 50, `${bundle.modules.length} modules`);
  for (const id of bundle.modules) {
    if (id === 'src/cli/main.js') continue; // the command: loading it runs it
    const esm = (await import(pathToFileURL(join(DIST, id)).href)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(load(id)), Object.keys(esm), id);
  }
  // Interfaces are listed in namespace order, per protocol: the same lists, the same map.
  const ours = load('src/protocol/index.js') as unknown as typeof protocol;
  const names = (p: typeof protocol): [string, string[]][] => Object.entries(p.protocols).map(([name, list]) => [name, list.map((i) => i.name)]);
  assert.deepEqual(names(ours), names(protocol));
  assert.deepEqual([...ours.interfaces.keys()], [...protocol.interfaces.keys()]);
  assert.deepEqual(ours.wl_surface, protocol.wl_surface);
});

test('the command prints and exits as main.js does: --version, --help, demo, preload, bad options', async () => {
  const pkg = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string };
  for (const args of [['--version'], ['--help'], ['serve', '--help'], ['demo'], ['serve', '--width', 'wide'], ['run'], ['fly'], ['serve', '--keyboard-layout', 'no-such-layout'], ['preload', '--', 'sh', '-c', 'echo "$LD_PRELOAD"; exit 4']]) {
    const [ours, theirs] = await Promise.all([command(LAUNCHER, args).ended, command(MAIN, args).ended]);
    assert.deepEqual(ours, theirs, args.join(' '));
  }
  assert.equal((await command(LAUNCHER, ['--version']).ended).stdout, `${pkg.version}\n`);
});

test('with V8 flags the code cache was not made for (V8 rejects it), the command still runs', async () => {
  const r = await command(LAUNCHER, ['--version'], {}, ['--max-old-space-size=200']).ended;
  assert.deepEqual(r, await command(MAIN, ['--version']).ended);
});

test('run: the client\'s status; a screenshot through fast-png; socket and lock gone', async () => {
  const dir = runtimeDir();
  const shot = join(dir, '..', `${dir.split('/').at(-1)}-shot.png`);
  const r = await command(LAUNCHER, ['run', '--width', '64', '--height', '32', '--screenshot', shot, '--', 'sh', '-c', 'test -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" && exit 7'], { XDG_RUNTIME_DIR: dir }).ended;
  assert.equal(r.code, 7, r.stderr);
  const png = decode(readFileSync(shot));
  assert.deepEqual([png.width, png.height], [64, 32]);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(shot);
  rmSync(dir, { recursive: true });
});

test('serve: its two lines, a client gets the seat\'s keymap, SIGTERM removes socket and lock', async () => {
  const dir = runtimeDir();
  const p = command(LAUNCHER, ['serve', '--socket', 'nsb-launcher'], { XDG_RUNTIME_DIR: dir });
  while (!existsSync(join(dir, 'nsb-launcher'))) await sleep(10);
  const c = WaylandClient.connect({ display: 'nsb-launcher', runtimeDir: dir });
  await c.registry();
  let keymapSize = 0;
  c.bind(wl_seat, 7)
    .request('get_keyboard', null)!
    .on('keymap', (_format, fd, size) => {
      closeSync(Number(fd));
      keymapSize = Number(size);
    });
  await c.roundtrip();
  assert.ok(keymapSize > 1000, `a keymap (${keymapSize} bytes)`);
  c.close();
  p.kill();
  const r = await p.ended;
  assert.equal(r.code, 128 + 15, r.stderr);
  assert.equal(r.stdout, `XDG_RUNTIME_DIR=${dir}\nWAYLAND_DISPLAY=nsb-launcher\n`);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});
