// nosigbus/session: drive and watch a headless Wayland session from
// TypeScript, as browser testing tools drive a page: start a program on a
// compositor (launch) or reach a running `nosigbus serve` (attach), wait for
// its window, click, type, take screenshots, compare them.
//
// ```ts
// import { launch, compareImages } from 'nosigbus/session';
//
// const session = await launch(['gtk4-widget-factory'], { width: 1280, height: 800 });
// try {
//   const win = await session.waitForWindow({ appId: 'org.gtk.WidgetFactory4', timeout: 30_000 });
//   const before = await win.screenshot();
//   await win.click(120, 60);                 // window coordinates (logical), focused first
//   await win.type('hello');
//   await win.press('Control+a');
//   await session.waitForIdle({ quietMs: 300, timeout: 5_000 });
//   const { differing, diff } = await compareImages(before, await win.screenshot(), { tolerance: 8 });
// } finally {
//   await session.close();                    // ends the program, the compositor, the runtime dir
// }
// ```
//
// Invariants:
//  - launch() runs the compositor in this process (an in-process Compositor,
//    not a child `nosigbus serve`): the API calls the control functions
//    (operations.ts) directly, screenshots are not copied through a socket,
//    and there is one process less to start and to clean up. The program
//    gets WAYLAND_DISPLAY in a private 0700 XDG_RUNTIME_DIR (removed by
//    close()) and no DISPLAY unless `env` gives one (an X server of the
//    machine is not the session's); `control: true` also listens on the
//    control socket, for `nosigbus ctl` from the program's shell;
//  - attach() speaks the control protocol (protocol.ts) to a `nosigbus
//    serve`: the same operations, the same checks and messages;
//  - every wait waits on compositor events and is bounded by its timeout;
//    a failed wait or a window that is not there rejects with a
//    ControlError naming what was waited for and the windows that exist,
//    and, for a launched session, whether the program is still running
//    (its exit status and the end of its stderr if it is not);
//  - close() stops the program (SIGTERM by pid, SIGKILL after 5 s), then the
//    compositor; it is idempotent.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compositor, type CompositorOptions } from '../compositor/compositor.js';
import { listenControl, type ControlServer } from './control-socket.js';
import { ControlClient } from './control-client.js';
import { Operations } from './operations.js';
import {
  ControlError,
  describeMatch,
  describeWindows,
  textMatches,
  type Button,
  type Control,
  type OperationArgs,
  type OperationName,
  type OperationResults,
  type OutputInfo,
  type SessionInfo,
  type WindowInfo,
  type WindowMatch,
} from './requests.js';
import { controlSocketPath, resolveControlPath } from './protocol.js';

export { compareImages, decodePng, encodePng, type CompareOptions, type Image, type ImageComparison } from './image.js';
export { ControlError, describeWindows, type Button, type ControlErrorCode, type OutputInfo, type SessionInfo, type TextMatch, type WindowInfo, type WindowMatch } from './requests.js';

/** How long close() gives the program after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 5000;
/** The tail of the program's stdout and stderr kept (characters each). */
const OUTPUT_KEPT = 64 * 1024;

export interface LaunchOptions {
  /** Output mode in pixels (default 1024 × 768), scale (default 1), refresh in Hz (default 60). */
  width?: number;
  height?: number;
  scale?: number;
  refresh?: number;
  /** xkb layout of the seat's keyboard (default us). */
  keyboardLayout?: string;
  /** Added to this process's environment for the program (WAYLAND_DISPLAY and XDG_RUNTIME_DIR are the session's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The program's stdout and stderr: kept for error messages and Program.stdout()/stderr() ('pipe', the default), 'inherit' or 'ignore'. */
  stdio?: 'pipe' | 'inherit' | 'ignore';
  /** The Wayland socket's name in the private runtime directory (default wayland-0). */
  socket?: string;
  /** Also listen on the control socket (NAME.ctl beside the Wayland socket), for `nosigbus ctl`. */
  control?: boolean;
  /** Anything else of the compositor's (log level, cursor, pixel budget...). */
  compositor?: CompositorOptions;
}

export interface ProgramExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The program a launched session runs. */
export interface Program {
  readonly pid: number;
  /** null while it runs. */
  readonly exit: ProgramExit | null;
  readonly exited: Promise<ProgramExit>;
  /** The last 64 KiB of what it wrote (with stdio 'pipe'; else ''). */
  stdout(): string;
  stderr(): string;
}

/** What the environment of another client of the session needs. */
export interface SessionEnv {
  WAYLAND_DISPLAY: string;
  XDG_RUNTIME_DIR: string;
}

/** A toplevel of the session: its state when this handle was made (refresh() for now), and what can be done to it. */
export class Window implements WindowInfo {
  readonly id: number;
  readonly title: string;
  readonly appId: string;
  readonly pid: number | null;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly maximized: boolean;
  readonly fullscreen: boolean;
  readonly activated: boolean;
  readonly #session: Session;

  constructor(session: Session, info: WindowInfo) {
    this.#session = session;
    this.id = info.id;
    this.title = info.title;
    this.appId = info.appId;
    this.pid = info.pid;
    this.x = info.x;
    this.y = info.y;
    this.width = info.width;
    this.height = info.height;
    this.maximized = info.maximized;
    this.fullscreen = info.fullscreen;
    this.activated = info.activated;
  }

  /** This window as it is now (rejects if it is gone). */
  refresh(): Promise<Window> {
    return this.#session.window(this.id);
  }

  /** Focuses and raises the window, then clicks at (x, y) in window coordinates. */
  async click(x: number, y: number, options: { button?: Button } = {}): Promise<void> {
    await this.#session.call('click', { window: this.id, x, y, ...(options.button ? { button: options.button } : {}) });
  }

  /** Focuses and raises the window, then moves the pointer to (x, y) in window coordinates. */
  async move(x: number, y: number): Promise<void> {
    await this.#session.call('move', { window: this.id, x, y });
  }

  /** Wheel steps (positive dy: down, dx: right) over the window: at `at` (window coordinates), else where the pointer is if inside, else its centre. */
  async scroll(dx: number, dy: number, at?: { x: number; y: number }): Promise<void> {
    await this.#session.call('scroll', { window: this.id, dx, dy, ...(at ?? {}) });
  }

  /** Focuses the window and types `text` ('\n' is Return) with the seat's keymap. */
  async type(text: string): Promise<void> {
    await this.#session.call('type', { window: this.id, text });
  }

  /** Focuses the window and presses one key by xkb keysym name, with modifiers: 'Return', 'Control+v', 'Shift+Tab'. */
  async press(key: string): Promise<void> {
    await this.#session.call('key', { window: this.id, key });
  }

  /** PNG of the window alone (its surfaces and popups on the background, nothing above it), window size × output scale. */
  async screenshot(): Promise<Uint8Array> {
    return (await this.#session.call('screenshot', { window: this.id })).png;
  }

  /** Configures the window to width × height (logical) and waits until it acked and committed; resolves with its new state. */
  async resize(width: number, height: number, options: { timeout?: number } = {}): Promise<Window> {
    return new Window(this.#session, await this.#session.call('resize', { window: this.id, width, height, timeoutMs: options.timeout ?? 5000 }));
  }

  /** Asks the window to close (xdg_toplevel.close) and waits until it is gone. */
  async close(options: { timeout?: number } = {}): Promise<void> {
    await this.#session.call('close', { window: this.id, timeoutMs: options.timeout ?? 5000 });
  }
}

interface SessionParts {
  control: Control;
  env: SessionEnv;
  program: (Program & { describe(): string }) | null;
  compositor: Compositor | null;
  controlSocket: string | null;
  close(): Promise<void>;
}

/** A compositor with its windows, reached in this process (launch) or through a control socket (attach). */
export class Session {
  /** WAYLAND_DISPLAY and XDG_RUNTIME_DIR for more clients of this session (wtype, grim...). */
  readonly env: Readonly<SessionEnv>;
  /** The launched program (null for attach()). */
  readonly program: Program | null;
  /** The in-process compositor (launch() only): everything the control functions do not cover. */
  readonly compositor: Compositor | null;
  /** The control socket's path, if it listens on one (launch with control: true, or attach). */
  readonly controlSocket: string | null;
  readonly #parts: SessionParts;
  #closing: Promise<void> | null = null;

  constructor(parts: SessionParts) {
    this.#parts = parts;
    this.env = parts.env;
    this.program = parts.program;
    this.compositor = parts.compositor;
    this.controlSocket = parts.controlSocket;
  }

  /** Runs one control operation; a failed wait also says how the program is doing. */
  async call<K extends OperationName>(op: K, args: OperationArgs[K]): Promise<OperationResults[K]> {
    try {
      return await this.#parts.control.call(op, args);
    } catch (e) {
      const program = this.#parts.program;
      if (e instanceof ControlError && program && (e.code === 'ERR_NOSIGBUS_TIMEOUT' || e.code === 'ERR_NOSIGBUS_NO_WINDOW'))
        throw new ControlError(e.code, `${e.message}; ${program.describe()}`);
      throw e;
    }
  }

  /** The compositor's process, sockets and output. */
  info(): Promise<SessionInfo> {
    return this.call('info', {});
  }

  /** Mapped toplevels, bottom to top. */
  async windows(): Promise<Window[]> {
    return (await this.call('windows', {})).map((w) => new Window(this, w));
  }

  /** The window with this id, or the topmost matching one, now (rejects with ERR_NOSIGBUS_NO_WINDOW if there is none). */
  async window(ref: number | WindowMatch): Promise<Window> {
    const list = await this.call('windows', {});
    const found = typeof ref === 'number' ? list.find((w) => w.id === ref) : list.findLast((w) => textMatches(ref.title, w.title) && textMatches(ref.appId, w.appId));
    if (found) return new Window(this, found);
    const what = typeof ref === 'number' ? `window ${ref}` : describeMatch(ref).replace(/^a /, '');
    const program = this.#parts.program;
    throw new ControlError('ERR_NOSIGBUS_NO_WINDOW', `no ${what}; ${describeWindows(list)}${program ? `; ${program.describe()}` : ''}`);
  }

  /** Waits until a toplevel matching `title` and `appId` (strings match exactly, RegExps by test) is mapped; `timeout` ms (default 5000). */
  async waitForWindow(options: WindowMatch & { timeout?: number } = {}): Promise<Window> {
    const { timeout, ...match } = options;
    return new Window(this, await this.call('waitWindow', { match, timeoutMs: timeout ?? 5000 }));
  }

  /** Waits until no surface committed for `quietMs` (default 500), at most `timeout` ms (default 5000). */
  async waitForIdle(options: { quietMs?: number; timeout?: number } = {}): Promise<void> {
    await this.call('waitIdle', { quietMs: options.quietMs ?? 500, timeoutMs: options.timeout ?? 5000 });
  }

  /** PNG of the whole output, as shown now. */
  async screenshot(): Promise<Uint8Array> {
    return (await this.call('screenshot', {})).png;
  }

  /** Types into the window with keyboard focus. */
  async type(text: string): Promise<void> {
    await this.call('type', { text });
  }

  /** Presses a key (with modifiers: 'Control+v') in the window with keyboard focus. */
  async press(key: string): Promise<void> {
    await this.call('key', { key });
  }

  /** Changes the output's mode (pixels): clients get the new wl_output mode, maximized windows follow. */
  setOutput(width: number, height: number): Promise<OutputInfo> {
    return this.call('output', { width, height });
  }

  /** Ends the session: the program, then the compositor (launch), or the connection (attach). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#parts.close();
    return this.#closing;
  }
}

/** A 0700 directory for XDG_RUNTIME_DIR. */
function privateRuntimeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nosigbus-session-'));
  chmodSync(dir, 0o700);
  return dir;
}

function watchProgram(child: ChildProcess, name: string): Program & { describe(): string } {
  let exit: ProgramExit | null = null;
  let out = '';
  let err = '';
  const keep = (s: string, d: Buffer): string => (s + d.toString()).slice(-OUTPUT_KEPT);
  child.stdout?.on('data', (d: Buffer) => (out = keep(out, d)));
  child.stderr?.on('data', (d: Buffer) => (err = keep(err, d)));
  const exited = new Promise<ProgramExit>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }));
  const pid = child.pid!;
  return {
    pid,
    get exit() {
      return exit;
    },
    exited,
    stdout: () => out,
    stderr: () => err,
    describe: () => {
      if (!exit) return `the program ${name} (pid ${pid}) is running`;
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
      const tail = err.trim().split('\n').slice(-5).join('\n');
      return `the program ${name} (pid ${pid}) ${how}${tail ? `; its stderr ended with:\n${tail}` : ''}`;
    },
  };
}

async function stopProgram(child: ChildProcess, program: Program): Promise<void> {
  if (program.exit) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => program.exit || child.kill('SIGKILL'), TERM_GRACE_MS);
  await program.exited;
  clearTimeout(killer);
}

/**
 * Starts a compositor in this process and `command` (a program, or argv)
 * as its client; resolves once the program is started (not once it shows
 * a window: waitForWindow() for that). Rejects if it cannot be started.
 *
 * ```ts
 * const session = await launch(['foot', 'sh'], { env: { PS1: '$ ' } });
 * const foot = await session.waitForWindow({ appId: 'foot', timeout: 20_000 });
 * await foot.type('touch /tmp/x');
 * await foot.press('Return');
 * await session.close();
 * ```
 */
export async function launch(command: string | readonly string[], options: LaunchOptions = {}): Promise<Session> {
  const argv = typeof command === 'string' ? [command] : [...command];
  if (argv.length === 0 || !argv[0]) throw new TypeError('launch: no program given');
  const dir = privateRuntimeDir();
  const undo: (() => void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const cleanup = (): void => {
    for (const f of undo.splice(0).reverse()) f();
  };
  try {
    const compositor = new Compositor({
      width: options.width ?? 1024,
      height: options.height ?? 768,
      scale: options.scale ?? 1,
      refresh: options.refresh ?? 60,
      ...(options.keyboardLayout ? { keyboard: { layout: options.keyboardLayout } } : {}),
      ...options.compositor,
    });
    undo.push(() => compositor.close());
    const listener = compositor.listen(options.socket ?? 'wayland-0', dir);
    const ops = new Operations(compositor, { waylandDisplay: listener.name, runtimeDir: dir });
    undo.push(() => ops.close());
    let control: ControlServer | null = null;
    if (options.control) {
      const server = listenControl(ops, controlSocketPath(dir, listener.name), { log: (level, message) => compositor.log(level, message) });
      undo.push(() => server.close());
      control = server;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, XDG_RUNTIME_DIR: dir, WAYLAND_DISPLAY: listener.name };
    delete env.WAYLAND_SOCKET;
    if (options.env?.DISPLAY === undefined) delete env.DISPLAY;
    const stdio = options.stdio ?? 'pipe';
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', stdio, stdio], ...(options.cwd ? { cwd: options.cwd } : {}) });
    try {
      await once(child, 'spawn');
    } catch (e) {
      throw new Error(`launch: cannot run ${argv[0]}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const program = watchProgram(child, argv[0]!);
    const finish = cleanup;
    return new Session({
      control: ops,
      env: { WAYLAND_DISPLAY: listener.name, XDG_RUNTIME_DIR: dir },
      program,
      compositor,
      controlSocket: control?.path ?? null,
      close: async () => {
        await stopProgram(child, program);
        finish();
      },
    });
  } catch (e) {
    cleanup();
    throw e;
  }
}

/**
 * Reaches a running `nosigbus serve` through its control socket. `socket`
 * is its Wayland display name (default $WAYLAND_DISPLAY, else wayland-0), a
 * socket path, or the control socket's path (…​.ctl); `runtimeDir` defaults
 * to $XDG_RUNTIME_DIR. Rejects with ERR_NOSIGBUS_NO_SERVER when nothing listens.
 *
 * ```ts
 * const session = await attach({ socket: 'wayland-1' });
 * console.log(await session.windows());
 * await session.close();                    // the connection only: serve goes on
 * ```
 */
export async function attach(options: { socket?: string; runtimeDir?: string } = {}): Promise<Session> {
  const path = resolveControlPath(options.socket, options.runtimeDir);
  const client = new ControlClient(path);
  try {
    const info = await client.call('info', {});
    return new Session({
      control: client,
      env: { WAYLAND_DISPLAY: info.waylandDisplay ?? '', XDG_RUNTIME_DIR: info.runtimeDir ?? '' },
      program: null,
      compositor: null,
      controlSocket: path,
      close: async () => client.close(),
    });
  } catch (e) {
    client.close();
    throw e;
  }
}
