// Issue 10: `grim out.png` end to end (spawn to exit) under `nosigbus serve`
// against sway 1.7 headless (pixman; as nobody when we are root, since sway
// refuses root), both with one 1920×1080 output and nothing on it, runs
// alternating between the two so the machine's load weighs on both alike.
// Medians of RUNS, as a ratio; `grim -t ppm` too (no PNG compression: the
// capture path shows more). Then two 1920×1080 outputs side by side
// (`--output` twice; sway: WLR_HEADLESS_OUTPUTS=2): `grim -o HEADLESS-2`
// (one output of two) and `grim` (both, composed by grim).
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { SETPRIV, SWAY, asRoot } from '../test/support/peer-compositors.js';
import { privateDir, sleep } from '../test/support/common.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const GRIM = '/usr/bin/grim';
const WIDTH = 1920;
const HEIGHT = 1080;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

interface Running {
  name: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

async function launch(name: string, socket: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<Running> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const closed = new Promise<void>((resolve) => child.on('close', () => ((exited = true), resolve())));
  for (let i = 0; i < 200 && !existsSync(join(dir, socket)) && !exited; i++) await sleep(50);
  if (exited || !existsSync(join(dir, socket))) throw new Error(`${name} did not start:\n${stderr}`);
  await sleep(500); // the output configured
  return {
    name,
    env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: socket },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const benchDir = (name: string): string => privateDir(`nosigbus-bench-grim-${name}-`);

/** `nosigbus serve` with `outputs` WIDTH × HEIGHT outputs side by side. */
function startOurs(outputs: number): Promise<Running> {
  const dir = benchDir('nosigbus');
  const size = outputs === 1 ? ['--width', String(WIDTH), '--height', String(HEIGHT)] : Array.from({ length: outputs }, () => ['--output', `${WIDTH}x${HEIGHT}`]).flat();
  return launch('nosigbus', 'bench-grim', process.execPath, [MAIN, 'serve', '--socket', 'bench-grim', ...size], { PATH: process.env.PATH, XDG_RUNTIME_DIR: dir }, dir);
}

/** sway headless with `outputs` WIDTH × HEIGHT outputs side by side. */
function startSway(outputs: number): Promise<Running> {
  const dir = benchDir('sway');
  const config = join(dir, 'config');
  const lines = Array.from({ length: outputs }, (_, i) => `output HEADLESS-${i + 1} resolution ${WIDTH}x${HEIGHT} position ${i * WIDTH} 0`);
  writeFileSync(config, `xwayland disable\n${lines.join('\n')}\n`);
  const env = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, WLR_BACKENDS: 'headless', WLR_RENDERER: 'pixman', WLR_LIBINPUT_NO_DEVICES: '1', WLR_HEADLESS_OUTPUTS: String(outputs) };
  if (!asRoot) return launch('sway 1.7', 'wayland-1', SWAY, ['-c', config], env, dir);
  const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }));
  for (const f of [dir, config]) chownSync(f, uid, gid);
  return launch('sway 1.7', 'wayland-1', SETPRIV, [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', SWAY, '-c', config], env, dir);
}

/** One grim run: wall ms from spawn to exit. */
async function grim(c: Running, args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(GRIM, args, { env: c.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`grim under ${c.name}: status ${code}\n${stderr}`);
  return performance.now() - t0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  if (!existsSync(GRIM) || !existsSync(SWAY) || (asRoot && !existsSync(SETPRIV))) {
    console.log(`skipped: needs ${GRIM} and ${SWAY}${asRoot ? ` and ${SETPRIV}` : ''} (Debian grim, sway, util-linux)`);
    return;
  }
  const out = privateDir('nosigbus-bench-grim-out-');
  try {
    await scenario(out, 1, `on a ${WIDTH}×${HEIGHT} output`, [['grim out.png', [join(out, 'out.png')]], ['grim -t ppm out.ppm', ['-t', 'ppm', join(out, 'out.ppm')]]]);
    await scenario(out, 2, `on two ${WIDTH}×${HEIGHT} outputs side by side`, [['grim -o HEADLESS-2 o.png', ['-o', 'HEADLESS-2', join(out, 'o.png')]], ['grim out.png (both)', [join(out, 'out.png')]]]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Both compositors with `outputs` outputs; each row's grim, alternating, medians and their ratio. */
async function scenario(out: string, outputs: number, what: string, rows: readonly (readonly [string, readonly string[]])[]): Promise<void> {
  const contenders: Running[] = [];
  try {
    contenders.push(await startOurs(outputs));
    contenders.push(await startSway(outputs));
    for (const c of contenders) {
      await grim(c, [join(out, 'check.png')]);
      const png = decode(readFileSync(join(out, 'check.png')));
      if (png.width !== outputs * WIDTH || png.height !== HEIGHT) throw new Error(`${c.name}: grim gave ${png.width}×${png.height}, not ${outputs * WIDTH}×${HEIGHT}`);
    }
    console.log(`grim end to end (spawn to exit) ${what}, median of ${RUNS} runs each, alternating`);
    for (const [row, args] of rows) {
      const times: number[][] = contenders.map(() => []);
      for (let i = 0; i < RUNS; i++) for (const [k, c] of contenders.entries()) times[k]!.push(await grim(c, [...args]));
      const [ours, sway] = times.map(median) as [number, number];
      console.log(`${row.padEnd(26)} nosigbus ${ours.toFixed(1).padStart(7)} ms   sway 1.7 ${sway.toFixed(1).padStart(7)} ms   ratio ${(ours / sway).toFixed(2)} (lower is better)`);
    }
  } finally {
    for (const c of contenders) await c.stop();
  }
}
