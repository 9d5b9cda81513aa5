// grim (Debian) under `nosigbus run`, capturing a still pattern window: its
// PNG equals the compositor's own screenshot, whole, by region, at scale 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { needPeer } from '../../support/peers.js';
import { privateDir } from '../../support/common.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../fixtures/pattern-then.js', import.meta.url));

interface Rgb { width: number; height: number; rgb: (x: number, y: number) => number }

function load(path: string): Rgb {
  const p = decode(readFileSync(path));
  const ch = p.channels;
  return { width: p.width, height: p.height, rgb: (x, y) => { const o = (y * p.width + x) * ch; return (p.data[o]! << 16) | (p.data[o + 1]! << 8) | p.data[o + 2]!; } };
}

async function grimUnder(options: readonly string[], grimArgs: readonly string[]): Promise<{ grim: Rgb; shot: Rgb }> {
  const dir = privateDir('nosigbus-grim-');
  const shot = join(dir, 'shot.png');
  const out = join(dir, 'grim.png');
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: dir };
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, [MAIN, 'run', '--screenshot', shot, ...options, '--', process.execPath, FIXTURE, 'grim', ...grimArgs, out], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const r = { grim: load(out), shot: load(shot) };
  rmSync(dir, { recursive: true, force: true });
  return r;
}

function assertSame(a: Rgb, b: Rgb, x0: number, y0: number): void {
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) if (a.rgb(x, y) !== b.rgb(x + x0, y + y0)) assert.fail(`pixel ${x},${y}: grim ${a.rgb(x, y).toString(16)}, screenshot ${b.rgb(x + x0, y + y0).toString(16)}`);
}

test('grim out.png: the same pixels as the compositor\'s screenshot', async (t) => {
  if (!needPeer(t, ['/usr/bin/grim'], 'grim')) return;
  const { grim, shot } = await grimUnder(['--width', '640', '--height', '480'], []);
  assert.deepEqual([grim.width, grim.height], [640, 480]);
  assertSame(grim, shot, 0, 0);
});

test('grim -g "X,Y WxH": exactly that region', async (t) => {
  if (!needPeer(t, ['/usr/bin/grim'], 'grim')) return;
  const { grim, shot } = await grimUnder(['--width', '640', '--height', '480'], ['-g', '20,40 150x100']);
  assert.deepEqual([grim.width, grim.height], [150, 100]);
  assertSame(grim, shot, 20, 40);
});

test('grim -s 2 on a scale-2 output: the output\'s pixel size and pixels', async (t) => {
  if (!needPeer(t, ['/usr/bin/grim'], 'grim')) return;
  const { grim, shot } = await grimUnder(['--width', '640', '--height', '480', '--scale', '2'], ['-s', '2']);
  assert.deepEqual([grim.width, grim.height], [640, 480]);
  assertSame(grim, shot, 0, 0);
});
