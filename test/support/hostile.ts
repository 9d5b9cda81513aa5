// The hostile client (test/native/hostile-wl.c) and what it runs against, for
// test/compositor/bounded-cost.test.ts and bench/bounded.bench.ts (issue 15):
// `nosigbus serve` as a child process, so that a crash is an exit status and
// its memory is readable in /proc/PID/status (VmHWM: peak RSS, VmRSS: now);
// the client run with its stdin kept open (`huge` stays connected until it
// ends); and a memory watchdog that stops a compositor by pid before it
// takes the machine with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XDG_SHELL_XML, collected, start, type Exit, type Proc } from './peer-compositors.js';
import { privateDir, until } from './common.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** What building and running the hostile client needs, for needPeer(): no compositor but the one under test. */
export const HOSTILE_PEERS = ['/usr/bin/gcc', '/usr/bin/pkg-config', '/usr/bin/wayland-scanner', '/usr/include/wayland-client.h', XDG_SHELL_XML] as const;
export const HOSTILE_PACKAGES = 'gcc, pkg-config, libwayland-dev, wayland-protocols';

export const MiB = 1024 * 1024;

/** A memory field of /proc/PID/status (VmHWM, VmRSS) in bytes, or null once the process is gone. */
export function procMemory(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

/** The process has not exited (nor been killed). */
export function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export interface Served extends Proc {
  pid: number;
  /** Environment for its clients (private XDG_RUNTIME_DIR, WAYLAND_DISPLAY). */
  env: NodeJS.ProcessEnv;
  /** Still running. */
  alive(): boolean;
  /** SIGTERM by pid if still running, then removes the runtime dir. */
  stop(): Promise<Exit>;
}

/** `nosigbus serve` (1024×640, as in the issue) on a private 0700 runtime dir; SIGKILLed after timeoutMs. */
export async function serveNosigbus(timeoutMs: number, extraArgs: readonly string[] = []): Promise<Served> {
  const dir = privateDir('nosigbus-hostile-');
  chmodSync(dir, 0o700);
  const socket = 'hostile';
  const p = start(process.execPath, [MAIN, 'serve', '--socket', socket, '--width', '1024', '--height', '640', ...extraArgs],
    { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir }, timeoutMs);
  const alive = (): boolean => running(p.child);
  await until(() => existsSync(join(dir, socket)) || !alive(), 10_000);
  if (!alive() || !existsSync(join(dir, socket))) {
    const e = await p.exited;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nosigbus serve did not start (status ${e.code}, signal ${e.signal}):\n${e.stderr}`);
  }
  return {
    ...p,
    pid: p.child.pid!,
    env: { PATH: process.env.PATH, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: socket },
    alive,
    async stop() {
      if (alive()) process.kill(p.child.pid!, 'SIGTERM');
      const e = await p.exited;
      rmSync(dir, { recursive: true, force: true });
      return e;
    },
  };
}

export interface HostileClient extends Proc {
  /** Closes its stdin (`huge` then disconnects and exits). */
  endInput(): void;
}

/** Runs the hostile client with stdin a pipe kept open until endInput(); SIGKILLed after timeoutMs. */
export function runHostile(exe: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): HostileClient {
  const child = spawn(exe, args, { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
  child.stdin!.on('error', () => {}); // EPIPE once it has exited
  return { ...collected(child), endInput: () => child.stdin!.end() };
}

/** Kills `pid` by pid (if it still runs). */
export function killPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Samples a compositor's memory every 100 ms; SIGKILLs it (by pid) once its RSS passes capBytes. */
export class MemoryWatch {
  /** Highest VmHWM seen (bytes). */
  peak = 0;
  /** The RSS at which the watch killed the process, if it did. */
  killedAt: number | null = null;
  readonly #timer: NodeJS.Timeout;
  readonly #pid: number;
  readonly #cap: number;

  constructor(pid: number, capBytes: number) {
    this.#pid = pid;
    this.#cap = capBytes;
    this.sample();
    this.#timer = setInterval(() => this.sample(), 100);
  }

  /** Reads VmHWM now (and kills past the cap); returns the peak so far. */
  sample(): number {
    const hwm = procMemory(this.#pid, 'VmHWM');
    const rss = procMemory(this.#pid, 'VmRSS');
    if (hwm !== null) this.peak = Math.max(this.peak, hwm);
    if (rss !== null && rss > this.#cap && this.killedAt === null) {
      this.killedAt = rss;
      killPid(this.#pid);
    }
    return this.peak;
  }

  stop(): number {
    this.sample();
    clearInterval(this.#timer);
    return this.peak;
  }
}
