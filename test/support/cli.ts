// The `nosigbus` command as the tests run it: a child process with its
// output collected, bounded in time (30 s, then SIGTERM), and private
// runtime directories.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { privateDir } from './common.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  pid: number;
  ended: Promise<Ended>;
  /** What it wrote so far. */
  readonly stdout: string;
  readonly stderr: string;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `nosigbus ARGS` with `env` (XDG_RUNTIME_DIR, WAYLAND_DISPLAY, DISPLAY only if given). */
export function nosigbus(args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.XDG_RUNTIME_DIR;
  delete base.WAYLAND_DISPLAY;
  delete base.WAYLAND_SOCKET;
  delete base.DISPLAY;
  delete base.XAUTHORITY;
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    pid: child.pid!,
    ended: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))),
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    kill: (signal) => child.kill(signal),
  };
}

/** A private 0700 directory for XDG_RUNTIME_DIR. */
export function runtimeDir(): string {
  return privateDir('nosigbus-cli-');
}
