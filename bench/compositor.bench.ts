// nosigbus serve against weston 10 headless (--use-pixman), in the same run,
// as ratios: start to socket accepting, weston-simple-shm frames in 10 s and
// compositor CPU per frame, idle RSS, and server CPU per request under a
// flood of attach/damage_buffer/commit. Start and idle RSS also against the
// floor of any Node.js program, measured in the same run: `node -e 0` from
// spawn to exit, and the RSS of an idle `node -e "setInterval(...)"`, with
// the targets (issue 16): start ≤ floor + 30 ms, idle RSS ≤ floor + 12 MiB.
// Starts are the median of START_RUNS, interleaved (2 cores, shared).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { accepting, cpuMs, sleep } from './support.js';
import { privateDir } from '../test/support/common.js';

// The command as installed (package.json bin, npm start).
const MAIN = fileURLToPath(new URL('../src/cli/nosigbus.cjs', import.meta.url));
const FLOODER = fileURLToPath(new URL('./flood-client.js', import.meta.url));
const SIMPLE_SHM = '/usr/bin/weston-simple-shm';
const FRAMES_SECONDS = 10;
const FLOOD_REQUESTS = 600_000;
const START_RUNS = 5;
const IDLE_MS = 1000;
const TARGET_START_OFFSET_MS = 30;
const TARGET_RSS_OFFSET_KB = 12 * 1024;

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

function runtimeDir(): string {
  const dir = privateDir('nosigbus-bench-');
  chmodSync(dir, 0o700);
  return dir;
}

/** Spawn to socket accepting, in ms; the server is killed and waited for. */
async function startMs(c: Contender): Promise<number> {
  const dir = runtimeDir();
  const socket = `bench-${c.name}`;
  const [cmd, args] = c.command(socket);
  const t0 = performance.now();
  const server = spawn(cmd, args, { env: { ...process.env, XDG_RUNTIME_DIR: dir }, stdio: ['ignore', 'ignore', 'ignore'] });
  while (!accepting(dir, socket)) await sleep(1);
  const ms = performance.now() - t0;
  server.kill('SIGTERM');
  await new Promise((r) => server.on('close', r));
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** `node -e 0`, spawn to exit, in ms. */
async function floorStartMs(): Promise<number> {
  const t0 = performance.now();
  const node = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => node.on('close', r));
  return performance.now() - t0;
}

/** RSS of an idle Node.js process, IDLE_MS after its spawn (as ours is measured). */
async function floorIdleRssKb(): Promise<number> {
  const node = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });
  await sleep(IDLE_MS);
  const kb = rssKb(node.pid!);
  node.kill('SIGTERM');
  await new Promise((r) => node.on('close', r));
  return kb;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function measure(c: Contender): Promise<Omit<Figures, 'startMs'>> {
  const dir = runtimeDir();
  const socket = `bench-${c.name}`;
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  const [cmd, args] = c.command(socket);
  const server = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  while (!accepting(dir, socket)) await sleep(1);
  await sleep(IDLE_MS);
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
  return { frames, cpuPerFrameMs, idleRssKb, nsPerRequest };
}

export async function run(): Promise<void> {
  if (!existsSync(SIMPLE_SHM)) {
    console.log(`skipped: ${SIMPLE_SHM} not found (Debian package weston)`);
    return;
  }
  const starts: number[][] = CONTENDERS.map(() => []);
  const floorStarts: number[] = [];
  for (let i = 0; i < START_RUNS; i++) {
    floorStarts.push(await floorStartMs());
    for (const [k, c] of CONTENDERS.entries()) starts[k]!.push(await startMs(c));
  }
  const results: [string, Figures][] = [];
  for (const [k, c] of CONTENDERS.entries()) results.push([c.name, { ...(await measure(c)), startMs: median(starts[k]!) }]);
  const floorRssKb = await floorIdleRssKb();
  const floorMs = median(floorStarts);
  const [ours, theirs] = [results[0]![1], results[1]![1]];
  const row = (what: string, a: number, b: number, unit: string, better: 'lower' | 'higher'): void => {
    const ratio = a / b;
    console.log(`${what.padEnd(34)} nosigbus ${a.toFixed(unit === 'ms' ? 1 : 0).padStart(8)} ${unit.padEnd(4)} weston ${b.toFixed(unit === 'ms' ? 1 : 0).padStart(8)} ${unit.padEnd(4)} ratio ${ratio.toFixed(2)} (${better} is better)`);
  };
  const floorRow = (what: string, a: number, floor: number, unit: string, target: number): void => {
    const digits = unit === 'ms' ? 1 : 0;
    const offset = a - floor;
    console.log(
      `${what.padEnd(34)} nosigbus ${a.toFixed(digits).padStart(8)} ${unit.padEnd(4)} node -e 0 ${floor.toFixed(digits).padStart(8)} ${unit.padEnd(4)} ` +
        `ratio ${(a / floor).toFixed(2)}, offset ${offset < 0 ? '' : '+'}${offset.toFixed(digits)} ${unit} (target +${target} ${unit}: ${offset <= target ? 'met' : 'missed'})`,
    );
  };
  row('start to socket accepting', ours.startMs, theirs.startMs, 'ms', 'lower');
  floorRow('  against the Node.js floor', ours.startMs, floorMs, 'ms', TARGET_START_OFFSET_MS);
  row(`simple-shm frames in ${FRAMES_SECONDS} s`, ours.frames, theirs.frames, '', 'higher');
  row('compositor CPU per frame', ours.cpuPerFrameMs, theirs.cpuPerFrameMs, 'ms', 'lower');
  row('idle RSS', ours.idleRssKb, theirs.idleRssKb, 'KiB', 'lower');
  floorRow('  against the Node.js floor', ours.idleRssKb, floorRssKb, 'KiB', TARGET_RSS_OFFSET_KB);
  row('flood: server CPU per request', ours.nsPerRequest, theirs.nsPerRequest, 'ns', 'lower');
}
