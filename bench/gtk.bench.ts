// gtk3-widget-factory for 10 s under `nosigbus run` and under weston 10
// headless (--use-pixman), in the same run, measured alike: both compositors
// are child processes, their CPU read from /proc/PID/stat (utime + stime,
// without their children), and frames are the wl_callback.done lines in the
// client's own WAYLAND_DEBUG=client trace (frame callbacks it received; the
// widget factory's first page animates by itself: spinners and pulsing
// progress bars, so it draws continuously with no input). The 10 s window
// starts at the client's first frame callback, so start-up is not counted.
// BENCH_NOSIGBUS_ARGS adds options to nosigbus, e.g. "--memory-budget 0" to
// show GTK's buffers in place instead of copying them at commit.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepting, cpuMs, sleep } from './support.js';
import { privateDir } from '../test/support/common.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const GTK3 = '/usr/bin/gtk3-widget-factory';
const WESTON = '/usr/bin/weston';
const SECONDS = 10;
const WIDTH = 1024;
const HEIGHT = 768;

/** Counts wl_callback.done lines in a WAYLAND_DEBUG=client trace; `first` resolves at the
 * first one after the client asked for a frame callback (the registry round trips come before). */
function frameCounter(child: ChildProcess): { count: () => number; first: Promise<void> } {
  let frames = 0;
  let asked = false;
  let partial = '';
  let onFirst: (() => void) | null = null;
  const first = new Promise<void>((r) => (onFirst = r));
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (/ -> wl_surface@\d+\.frame\(/.test(l)) asked = true;
      else if (/\] wl_callback@\d+\.done\(/.test(l)) {
        frames++;
        if (asked && onFirst) {
          onFirst();
          onFirst = null;
        }
      }
    }
  });
  return { count: () => frames, first };
}

function clientEnv(dir: string): NodeJS.ProcessEnv {
  // GTK3 alone, as the tests run it: no X display, no session bus.
  return { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir, GDK_BACKEND: 'wayland', NO_AT_BRIDGE: '1', GTK_A11Y: 'none', WAYLAND_DEBUG: 'client' };
}

interface Figures {
  frames: number;
  cpuMs: number;
}

/** Measures `frames` and the compositor's CPU over SECONDS from the client's first frame. */
async function window(compositorPid: number, counter: ReturnType<typeof frameCounter>, exited: Promise<unknown>): Promise<Figures> {
  const started = await Promise.race([counter.first.then(() => true), exited.then(() => false), sleep(60_000).then(() => false)]);
  if (!started) throw new Error('gtk3-widget-factory made no frame');
  const f0 = counter.count();
  const c0 = cpuMs(compositorPid);
  await sleep(SECONDS * 1000);
  return { frames: counter.count() - f0, cpuMs: cpuMs(compositorPid) - c0 };
}

async function ours(): Promise<Figures> {
  const dir = privateDir('nosigbus-bench-gtk-');
  chmodSync(dir, 0o700);
  // `run` passes its environment to the client; WAYLAND_DEBUG=client traces only the client.
  const run = spawn(process.execPath, [MAIN, 'run', '--width', String(WIDTH), '--height', String(HEIGHT), ...(process.env.BENCH_NOSIGBUS_ARGS ?? '').split(' ').filter(Boolean), '--', GTK3],
    { env: clientEnv(dir), stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => run.on('close', r));
  try {
    return await window(run.pid!, frameCounter(run), exited);
  } finally {
    run.kill('SIGTERM'); // forwarded to the client; run exits with it
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function weston(): Promise<Figures> {
  const dir = privateDir('nosigbus-bench-weston-');
  chmodSync(dir, 0o700);
  const socket = 'bench-weston';
  const server = spawn(WESTON, ['--backend=headless-backend.so', '--use-pixman', `--socket=${socket}`, '--idle-time=0', '--no-config', `--width=${WIDTH}`, `--height=${HEIGHT}`],
    { env: { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir }, stdio: ['ignore', 'ignore', 'ignore'] });
  const serverExited = new Promise((r) => server.on('close', r));
  let client: ChildProcess | null = null;
  try {
    for (let i = 0; i < 2000 && !accepting(dir, socket); i++) await sleep(5);
    await sleep(500); // weston-desktop-shell draws its background and panel first
    client = spawn(GTK3, [], { env: { ...clientEnv(dir), WAYLAND_DISPLAY: socket }, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((r) => client!.on('close', r));
    const figures = await window(server.pid!, frameCounter(client), exited);
    client.kill('SIGTERM');
    await exited;
    return figures;
  } finally {
    if (client && client.exitCode === null && client.signalCode === null) client.kill('SIGKILL');
    server.kill('SIGTERM');
    await serverExited;
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const missing = [GTK3, WESTON].filter((p) => !existsSync(p));
  if (missing.length) {
    console.log(`skipped: ${missing.join(', ')} not found (Debian packages gtk-3-examples, weston)`);
    return;
  }
  const a = await ours();
  const b = await weston();
  const row = (what: string, x: number, y: number, unit: string, digits: number, better: 'lower' | 'higher'): void => {
    console.log(`${what.padEnd(34)} nosigbus ${x.toFixed(digits).padStart(8)} ${unit.padEnd(3)} weston ${y.toFixed(digits).padStart(8)} ${unit.padEnd(3)} ratio ${(x / y).toFixed(2)} (${better} is better)`);
  };
  row(`gtk3-widget-factory frames, ${SECONDS} s`, a.frames, b.frames, '', 0, 'higher');
  row('compositor CPU in that time', a.cpuMs, b.cpuMs, 'ms', 0, 'lower');
  row('compositor CPU per frame', a.cpuMs / Math.max(1, a.frames), b.cpuMs / Math.max(1, b.frames), 'ms', 2, 'lower');
}
