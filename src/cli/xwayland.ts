// Xwayland, rootful, as a client of our compositor: the X display of
// `nosigbus run --xwayland` and `nosigbus serve --xwayland` (what xvfb-run
// gives with Xvfb).
//
// Invariants:
//  - the display number is Xwayland's choice (-displayfd): no guessed
//    numbers, no polling of sockets; the number arrives when the server
//    accepts connections, so "ready" means ready;
//  - every wait is bounded: not ready within READY_TIMEOUT_MS, or exited
//    before, is an XwaylandError naming what happened, with the end of
//    Xwayland's stderr; stop() waits STOP_TIMEOUT_MS for SIGTERM, then
//    SIGKILLs (and waits as long again at most);
//  - access: no TCP (-nolisten tcp), and, as xvfb-run does with xauth, an
//    MIT-MAGIC-COOKIE-1 of 16 random bytes in an Xauthority file (0600, in
//    a private 0700 directory that stop() and kill() remove). The file is
//    written here (its format is five length-prefixed fields), so xauth is
//    not needed;
//  - Xwayland is signalled by its pid only, and runs in a process group of
//    its own: a Ctrl-C at the terminal reaches `run` (which passes it to
//    the client), not the X server under it;
//  - rootful: one toplevel the size of the output (22.1 sizes its root
//    window to the outputs; it has no -geometry or -fullscreen, which came
//    in 23.1). It fills the output, so the desktop's cascade, kept inside
//    the output, places it at 0,0; being a toplevel that maps, it gets
//    keyboard focus. Inside, with no X window manager, X's focus follows
//    X's pointer, which is the compositor's (it starts at 0,0).
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How long Xwayland may take to accept connections (a busy machine, xkbcomp, GLX set-up). */
export const READY_TIMEOUT_MS = 15_000;
/** How long Xwayland may take to exit after SIGTERM, and after SIGKILL. */
export const STOP_TIMEOUT_MS = 2_000;
/** Bytes of Xwayland's stderr kept for error messages. */
const STDERR_TAIL_BYTES = 4096;
/** X11's FamilyWild: an Xauthority entry for any host address. */
const FAMILY_WILD = 0xffff;

export class XwaylandError extends Error {}

export interface XwaylandOptions {
  /** Environment naming the compositor (WAYLAND_DISPLAY, XDG_RUNTIME_DIR). */
  env: NodeJS.ProcessEnv;
  /** A 0700 directory (the session's runtime directory) for the Xauthority file's directory. */
  privateParent: string;
  /** Where Xwayland's stderr goes (appended); undefined: kept, the end shown on failure. */
  logFile: string | undefined;
}

export interface Xwayland {
  readonly pid: number;
  /** ":N" */
  readonly display: string;
  /** The Xauthority file clients need (XAUTHORITY). */
  readonly authority: string;
  /** Variables for X clients: DISPLAY and XAUTHORITY. */
  readonly clientEnv: { DISPLAY: string; XAUTHORITY: string };
  /** Runs once if Xwayland exits by itself (not through stop() or kill()), with a line saying how. */
  onUnexpectedExit(listener: (why: string) => void): void;
  /** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; resolves once it has exited (or after both timeouts); removes the Xauthority file. */
  stop(): Promise<void>;
  /** Synchronous, for 'exit' and uncaught errors: SIGTERM now, remove the Xauthority file. Idempotent. */
  kill(): void;
}

/** One Xauthority entry: family, address, display number, auth name, auth data, each (but family) length-prefixed, big-endian. */
function authorityEntry(display: string, cookie: Buffer): Buffer {
  const field = (bytes: Buffer): Buffer => {
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const family = Buffer.alloc(2);
  family.writeUInt16BE(FAMILY_WILD);
  return Buffer.concat([family, field(Buffer.alloc(0)), field(Buffer.from(display)), field(Buffer.from('MIT-MAGIC-COOKIE-1')), field(cookie)]);
}

/** Replaces `path` at once (a server reading it at reset never sees half a file). */
function writeAuthority(path: string, display: string, cookie: Buffer): void {
  const partial = `${path}.new`;
  writeFileSync(partial, authorityEntry(display, cookie), { mode: 0o600 });
  renameSync(partial, path);
}

/** The last `limit` bytes written to it. */
class Tail {
  #chunks: Buffer[] = [];
  #bytes = 0;
  constructor(readonly limit: number) {}
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes - this.#chunks[0]!.length >= this.limit) this.#bytes -= this.#chunks.shift()!.length;
  }
  get text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8').trim();
  }
}

function howEnded(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exited with status ${code}`;
}

/** Starts Xwayland and resolves once it accepts connections; rejects with an XwaylandError otherwise (it is then stopped). */
export async function startXwayland(options: XwaylandOptions): Promise<Xwayland> {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(options.privateParent, 'nosigbus-x11-'));
  const authority = join(dir, 'Xauthority');
  // Web Crypto's global: importing node:crypto would cost every start of the command.
  const cookie = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  // The server takes every cookie in the file whatever its display number;
  // clients match the number, so the file is written again once it is known.
  writeAuthority(authority, '0', cookie);
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('Xwayland', ['-displayfd', '3', '-nolisten', 'tcp', '-auth', authority], {
      env: options.env,
      stdio: ['ignore', 'ignore', logFd ?? 'pipe', 'pipe'],
      detached: true,
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd); // the child has its copy
  }
  // Whatever way we end, Xwayland is told to go (stop() has usually waited for it already).
  process.on('exit', () => kill());
  const stderr = new Tail(STDERR_TAIL_BYTES);
  child.stderr?.on('data', (d: Buffer) => stderr.push(d));
  const pid = child.pid;
  let exited = child.exitCode !== null || child.signalCode !== null;
  let stopping = false;
  const exitListeners: ((why: string) => void)[] = [];
  let exitSeen: () => void = () => {};
  const exitPromise = new Promise<void>((resolve) => (exitSeen = resolve));
  const describe = (what: string): string => {
    const text = stderr.text;
    return text === '' ? what : `${what}; its stderr ends:\n${text}`;
  };
  child.on('exit', (code, signal) => {
    exited = true;
    exitSeen();
    if (!stopping) for (const l of exitListeners.splice(0)) l(describe(`Xwayland ${howEnded(code, signal)}`));
  });
  child.on('error', () => {
    // A spawn that failed (no such file) has no process and no 'exit' to wait for.
    if (child.pid !== undefined) return;
    exited = true;
    exitSeen();
  });
  let removed = false;
  const removeAuthority = (): void => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  const signal = (sig: NodeJS.Signals): void => {
    if (exited || pid === undefined) return;
    try {
      process.kill(pid, sig);
    } catch {
      // ESRCH: it exited between the check and the signal
    }
  };
  const kill = (): void => {
    stopping = true;
    signal('SIGTERM');
    removeAuthority();
  };
  const bounded = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void exitPromise.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  const stop = async (): Promise<void> => {
    stopping = true;
    if (!exited) {
      signal('SIGTERM');
      if (!(await bounded(STOP_TIMEOUT_MS))) {
        signal('SIGKILL');
        await bounded(STOP_TIMEOUT_MS);
      }
    }
    removeAuthority();
  };

  let display: string;
  try {
    display = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new XwaylandError(describe(`Xwayland did not accept connections within ${READY_TIMEOUT_MS / 1000} s`))), READY_TIMEOUT_MS);
      const fail = (e: XwaylandError): void => {
        clearTimeout(timer);
        reject(e);
      };
      child.on('error', (e: NodeJS.ErrnoException) =>
        fail(new XwaylandError(e.code === 'ENOENT' ? 'Xwayland not found on PATH: install Debian package xwayland' : `cannot run Xwayland: ${e.message}`)),
      );
      child.on('exit', (code, sig) => fail(new XwaylandError(describe(`Xwayland ${howEnded(code, sig)} before accepting connections`))));
      let text = '';
      const displayFd = child.stdio[3];
      if (!displayFd) return fail(new XwaylandError('no pipe for -displayfd'));
      displayFd.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.length > 32) return fail(new XwaylandError(`Xwayland wrote '${text.slice(0, 32)}...' on -displayfd, not a display number`));
        const line = /^(\d+)\n/.exec(text);
        if (!line) return;
        clearTimeout(timer);
        resolve(`:${line[1]}`);
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  if (pid === undefined) {
    await stop();
    throw new XwaylandError('Xwayland has no pid'); // spawn failed, which 'error' reports first
  }
  writeAuthority(authority, display.slice(1), cookie);
  return {
    pid,
    display,
    authority,
    clientEnv: { DISPLAY: display, XAUTHORITY: authority },
    onUnexpectedExit: (listener) => {
      if (exited && !stopping) listener('Xwayland exited');
      else exitListeners.push(listener);
    },
    stop,
    kill,
  };
}
