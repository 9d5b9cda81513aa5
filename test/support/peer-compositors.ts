// Real compositors for the preload tests and benchmark: weston 10 headless
// (Debian weston) and sway 1.7 headless (Debian sway; it refuses to run as
// root, so as root it is started as nobody with setpriv), and the C programs
// they run, built here against libwayland-client.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './common.js';
import { privateDir } from './common.js';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const PRELOAD = join(root, 'build-c/libnosigbus-preload.so');
export const WESTON = '/usr/bin/weston';
export const XDG_SHELL_XML = '/usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml';
export const SCREENCOPY_XML = join(root, 'protocol/wlr-screencopy-unstable-v1.xml');
/** What the weston tests need, for needPeer(). */
export const WESTON_PEERS = [WESTON, '/usr/lib/x86_64-linux-gnu/libweston-10/headless-backend.so', '/usr/bin/wayland-scanner',
  '/usr/include/wayland-client.h', XDG_SHELL_XML];

const cflags = ['-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-O1', '-g'];

/** Builds test/native/NAME.c into dir (with xdg-shell and libwayland-client when wayland);
 * the tools (gcc, pkg-config, wayland-scanner) run with `env` (default: ours). */
export function buildC(dir: string, name: string, wayland = false, env: NodeJS.ProcessEnv = process.env): string {
  const exe = join(dir, name);
  const extra: string[] = [];
  if (wayland) {
    extra.push(`-I${dir}`);
    for (const [xml, stem] of [[XDG_SHELL_XML, 'xdg-shell'], [SCREENCOPY_XML, 'wlr-screencopy-unstable-v1']] as const) {
      execFileSync('wayland-scanner', ['client-header', xml, join(dir, `${stem}-client-protocol.h`)], { env });
      execFileSync('wayland-scanner', ['private-code', xml, join(dir, `${stem}-protocol.c`)], { env });
      extra.push(join(dir, `${stem}-protocol.c`));
    }
    const pc = execFileSync('pkg-config', ['--cflags', '--libs', 'wayland-client'], { encoding: 'utf8', env }).trim().split(/\s+/);
    extra.push(...pc.filter(Boolean));
  }
  execFileSync('gcc', [...cflags, '-o', exe, join(root, `test/native/${name}.c`), ...extra], { env });
  return exe;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
}

/** Spawns a program, collecting its output; SIGKILLed after timeoutMs. Its stdin is
 * `stdin` (then closed), else /dev/null. */
export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000, stdin?: string): Proc {
  const child = spawn(cmd, args, { env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (stdin !== undefined) child.stdin!.end(stdin);
  return collected(child);
}

/** `child`'s stdout and stderr as they come, and its exit with all of both. */
export function collected(child: ChildProcess): Proc {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })));
  return { child, stdout: () => out, stderr: () => err, exited };
}


export interface Compositor extends Proc {
  /** Environment for clients of this compositor. */
  env: NodeJS.ProcessEnv;
  /** SIGTERM by pid (if still running), then removes the runtime dir. */
  stop(): Promise<Exit>;
}

export const SWAY = '/usr/bin/sway';
export const SETPRIV = '/usr/bin/setpriv';
export const asRoot = process.getuid?.() === 0;
/** What the sway tests need, for needPeer(). */
export const SWAY_PEERS = [SWAY, ...(asRoot ? [SETPRIV] : []), ...WESTON_PEERS.slice(2)];

/** Starts weston headless (pixman) on a private runtime dir, with or without the preload (`extraArgs`: e.g. --width, --height). */
export function startWeston(preload: boolean, extraEnv: NodeJS.ProcessEnv = {}, extraArgs: readonly string[] = []): Promise<Compositor> {
  const socket = `nosigbus-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return launch('weston', socket, () => ({
    cmd: WESTON,
    args: ['--backend=headless-backend.so', '--use-pixman', `--socket=${socket}`, '--idle-time=0', '--no-config', ...extraArgs],
    env: { ...extraEnv, ...(preload ? { LD_PRELOAD: PRELOAD } : {}) },
  }));
}

/** Starts sway headless (pixman, no Xwayland) on a private runtime dir, as nobody when we are root. */
export function startSway(preload: boolean, extraEnv: NodeJS.ProcessEnv = {}): Promise<Compositor> {
  return launch('sway', 'wayland-1', (dir) => {
    writeFileSync(join(dir, 'config'), 'xwayland disable\noutput HEADLESS-1 resolution 1024x768\n');
    const env = { ...extraEnv, WLR_BACKENDS: 'headless', WLR_RENDERER: 'pixman', WLR_LIBINPUT_NO_DEVICES: '1',
      ...(preload ? { LD_PRELOAD: PRELOAD } : {}) };
    const sway = ['-c', join(dir, 'config')];
    if (!asRoot) return { cmd: SWAY, args: sway, env };
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
    const nogroup = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }));
    for (const f of [dir, join(dir, 'config')]) chownSync(f, nobody, nogroup);
    return { cmd: SETPRIV, args: [`--reuid=${nobody}`, `--regid=${nogroup}`, '--clear-groups', SWAY, ...sway], env };
  });
}

async function launch(name: string, socket: string,
  how: (dir: string) => { cmd: string; args: string[]; env: NodeJS.ProcessEnv }): Promise<Compositor> {
  const dir = privateDir(`nosigbus-${name}-`);
  chmodSync(dir, 0o700);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir };
  const { cmd, args, env: extra } = how(dir);
  const p = start(cmd, args, { ...env, ...extra }, 120_000);
  let done = false;
  void p.exited.then(() => (done = true));
  for (let i = 0; i < 100 && !existsSync(join(dir, socket)) && !done; i++) await sleep(50);
  // weston's shell helper (weston-desktop-shell) comes up after the socket.
  await sleep(300);
  const stop = async () => {
    try {
      if (!done && p.child.pid) process.kill(p.child.pid, 'SIGTERM');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // it died already: its exit is what we report
    }
    const e = await p.exited;
    rmSync(dir, { recursive: true, force: true });
    return e;
  };
  return { ...p, env: { ...env, WAYLAND_DISPLAY: socket }, stop };
}
