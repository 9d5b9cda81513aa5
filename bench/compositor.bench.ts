// nosigbus serve against weston 10 headless (--use-pixman), in the same run,
// as ratios: start to socket accepting, weston-simple-shm frames in 10 s and
// compositor CPU per frame, idle RSS, and server CPU per request under a
// flood of attach/damage_buffer/commit.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepting, cpuMs, sleep } from './support.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const FLOODER = fileURLToPath(new URL('./flood-client.js', import.meta.url));
const SIMPLE_SHM = '/usr/bin/weston-simple-shm';
const FRAMES_SECONDS = 10;
const FLOOD_REQUESTS = 600_000;

interface Contender {
  name: string;
  command(socket: string): [string, string[]];
}

const CONTENDERS: Contender[] = [
  { name: 'nosigbus', command: (socket) => [process.execPath, [MAIN, 'serve', '--socket', socket, '--width', '1024', '--height', '640']] },
  {
    name: 'weston',
    command: (socket) => ['weston', ['--backend=headless-backend.so', '--use-pixman', `--socket=${socket}`, '--idle-time=0', '--width=1024', '--height=640']],
  },
];

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

function ended(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', () => resolve(out)));
}

interface Figures {
  startMs: number;
  frames: number;
  cpuPerFrameMs: number;
  idleRssKb: number;
  nsPerRequest: number;
}

async function measure(c: Contender): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'nosigbus-bench-'));
  chmodSync(dir, 0o700);
  const socket = `bench-${c.name}`;
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  const [cmd, args] = c.command(socket);
  const t0 = performance.now();
  const server = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  while (!accepting(dir, socket)) await sleep(1);
  const startMs = performance.now() - t0;
  await sleep(1000);
  const idleRssKb = rssKb(server.pid!);

  // weston-simple-shm for 10 s: frames counted from its own trace (frame callbacks it received).
  const cpu0 = cpuMs(server.pid!);
  const client = spawn(SIMPLE_SHM, [], { env: { ...env, WAYLAND_DISPLAY: socket, WAYLAND_DEBUG: 'client' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let frames = 0;
  let partial = '';
  client.stderr.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (/wl_callback@\d+\.done\(/.test(l)) frames++;
  });
  await sleep(FRAMES_SECONDS * 1000);
  client.kill('SIGINT');
  await new Promise((r) => client.on('close', r));
  const cpuPerFrameMs = (cpuMs(server.pid!) - cpu0) / Math.max(1, frames);

  const cpu1 = cpuMs(server.pid!);
  const flood = spawn(process.execPath, [FLOODER, socket, dir, String(FLOOD_REQUESTS)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const sent = Number((await ended(flood)).trim());
  const nsPerRequest = ((cpuMs(server.pid!) - cpu1) * 1e6) / sent;

  server.kill('SIGTERM');
  await new Promise((r) => server.on('close', r));
  rmSync(dir, { recursive: true, force: true });
  return { startMs, frames, cpuPerFrameMs, idleRssKb, nsPerRequest };
}

export async function run(): Promise<void> {
  if (!existsSync(SIMPLE_SHM)) {
    console.log(`skipped: ${SIMPLE_SHM} not found (Debian package weston)`);
    return;
  }
  const results: [string, Figures][] = [];
  for (const c of CONTENDERS) results.push([c.name, await measure(c)]);
  const [ours, theirs] = [results[0]![1], results[1]![1]];
  const row = (what: string, a: number, b: number, unit: string, better: 'lower' | 'higher'): void => {
    const ratio = a / b;
    console.log(`${what.padEnd(34)} nosigbus ${a.toFixed(unit === 'ms' ? 1 : 0).padStart(8)} ${unit.padEnd(4)} weston ${b.toFixed(unit === 'ms' ? 1 : 0).padStart(8)} ${unit.padEnd(4)} ratio ${ratio.toFixed(2)} (${better} is better)`);
  };
  row('start to socket accepting', ours.startMs, theirs.startMs, 'ms', 'lower');
  row(`simple-shm frames in ${FRAMES_SECONDS} s`, ours.frames, theirs.frames, '', 'higher');
  row('compositor CPU per frame', ours.cpuPerFrameMs, theirs.cpuPerFrameMs, 'ms', 'lower');
  row('idle RSS', ours.idleRssKb, theirs.idleRssKb, 'KiB', 'lower');
  row('flood: server CPU per request', ours.nsPerRequest, theirs.nsPerRequest, 'ns', 'lower');
}
