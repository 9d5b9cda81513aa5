// Compositor CPU per frame as outputs and clients grow: 1, 10 and 30
// weston-simple-shm clients at once on a 1920×1080 and a 3840×2160 output,
// nosigbus serve against weston 10 headless (--use-pixman), in the same run.
// Frames are the wl_callback.done lines in the clients' own WAYLAND_DEBUG
// traces (frame callbacks received, summed over the clients); CPU is the
// compositor process's utime + stime over the window, from /proc.
// A third row, nosigbus with --memory-budget 0, shows every buffer straight
// from the client's guarded mapping instead of copying it at commit (the
// default): pixels read once, but each buffer held until replaced.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepting, cpuMs, sleep } from './support.js';
import { privateDir } from '../test/support/common.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SIMPLE_SHM = '/usr/bin/weston-simple-shm';
const SECONDS = Number(process.env.BENCH_SCALING_SECONDS ?? 5);
const OUTPUTS: [number, number][] = [
  [1920, 1080],
  [3840, 2160],
];
const CLIENTS = [1, 10, 30];

interface Contender {
  name: string;
  command(socket: string, width: number, height: number): [string, string[]];
}

const CONTENDERS: Contender[] = [
  { name: 'nosigbus', command: (s, w, h) => [process.execPath, [MAIN, 'serve', '--socket', s, '--width', `${w}`, '--height', `${h}`]] },
  { name: 'in place', command: (s, w, h) => [process.execPath, [MAIN, 'serve', '--socket', s, '--width', `${w}`, '--height', `${h}`, '--memory-budget', '0']] },
  {
    name: 'weston',
    command: (s, w, h) => ['weston', ['--backend=headless-backend.so', '--use-pixman', `--socket=${s}`, '--idle-time=0', `--width=${w}`, `--height=${h}`]],
  },
];

/** Counts the frame callbacks a client received (its WAYLAND_DEBUG=client trace on stderr). */
function countFrames(child: ChildProcess, counter: { frames: number }): void {
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (/wl_callback@\d+\.done\(/.test(l)) counter.frames++;
  });
}

async function measure(c: Contender, width: number, height: number, clients: number): Promise<{ frames: number; cpuMs: number }> {
  const dir = privateDir('nosigbus-bench-');
  chmodSync(dir, 0o700);
  const socket = `scaling-${c.name.replace(' ', '-')}`;
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  const [cmd, args] = c.command(socket, width, height);
  const server = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  while (!accepting(dir, socket)) await sleep(5);
  const counter = { frames: 0 };
  const children: ChildProcess[] = [];
  for (let i = 0; i < clients; i++) {
    const child = spawn(SIMPLE_SHM, [], { env: { ...env, WAYLAND_DISPLAY: socket, WAYLAND_DEBUG: 'client' }, stdio: ['ignore', 'ignore', 'pipe'] });
    countFrames(child, counter);
    children.push(child);
  }
  await sleep(1500); // every client mapped and drawing
  const frames0 = counter.frames;
  const cpu0 = cpuMs(server.pid!);
  await sleep(SECONDS * 1000);
  const result = { frames: counter.frames - frames0, cpuMs: cpuMs(server.pid!) - cpu0 };
  for (const child of children) child.kill('SIGINT');
  await Promise.all(children.map((child) => new Promise((r) => (child.exitCode !== null ? r(null) : child.on('close', r)))));
  server.kill('SIGTERM');
  await new Promise((r) => server.on('close', r));
  rmSync(dir, { recursive: true, force: true });
  return result;
}

export async function run(): Promise<void> {
  if (!existsSync(SIMPLE_SHM)) {
    console.log(`skipped: ${SIMPLE_SHM} not found (Debian package weston)`);
    return;
  }
  console.log(`weston-simple-shm clients for ${SECONDS} s each; compositor CPU per client frame (frame callbacks summed over the clients)`);
  for (const [width, height] of OUTPUTS)
    for (const clients of CLIENTS) {
      const figures = new Map<string, { frames: number; cpuMs: number }>();
      for (const c of CONTENDERS) figures.set(c.name, await measure(c, width, height, clients));
      const weston = figures.get('weston')!;
      const per = (f: { frames: number; cpuMs: number }): number => f.cpuMs / Math.max(1, f.frames);
      const cells = [...figures].map(([name, f]) => `${name} ${per(f).toFixed(3)} ms (${f.frames} frames)`);
      const ours = figures.get('nosigbus')!;
      const inPlace = figures.get('in place')!;
      console.log(
        `${width}×${height}, ${String(clients).padStart(2)} clients: ${cells.join('   ')}   ratio ${(per(ours) / per(weston)).toFixed(2)} (target ≤ 1.0), in place ${(per(inPlace) / per(weston)).toFixed(2)}`,
      );
    }
}
