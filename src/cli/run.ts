// `nosigbus run` and `nosigbus serve`: the compositor on a socket, and its
// cleanup on every exit path.
//
// Invariants:
//  - the socket and its lock file are removed however the process ends:
//    the client exits or crashes, SIGINT/SIGTERM/SIGHUP, an uncaught error
//    (and, last, the 'exit' event, which runs synchronously);
//  - without XDG_RUNTIME_DIR, a private 0700 directory is made and removed;
//  - `run` exits with the client's status, or 128 + signal number when the
//    client was killed by a signal; signals sent to us go to the client
//    first, so it can end in its own way;
//  - the screenshot is the whole layout (every output at its place) when
//    the client exits (before Xwayland is stopped), or, when no window is
//    left then, as it was just before the last window left;
//  - both listen on the control socket NAME.ctl beside the Wayland socket
//    (control.ts; `nosigbus ctl`, the session API's attach()), removed at exit;
//  - with --xwayland (xwayland.ts): the client starts only once the X
//    server accepts connections; Xwayland is stopped (by pid, waited for,
//    bounded) on every exit path; if it exits first, the client is
//    terminated and `run` fails (status 1 unless the client's is non-zero).
import { chmodSync, mkdtempSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compositor, loadPngEncoder } from '../compositor/index.js';
import type { TargetImage } from '../compositor/core/pixman.js';
import type { CompositorArgs } from './options.js';
import { heapRelease } from './gc.js';
import { startXwayland, XwaylandError, type Xwayland } from './xwayland.js';
import type { Recorder } from './record.js';
import type { View } from '../view/view.js';
import { serveControl } from './control.js';

interface Session {
  compositor: Compositor;
  runtimeDir: string;
  socketName: string;
  /** Fixes the screenshot's frame now (the output, or the last one shown); cleanup() writes it. */
  freezeScreenshot(): void;
  /** Removes everything this session made; idempotent and synchronous. */
  cleanup(): void;
  /** The --record encoder, once started. */
  recorder: Recorder | undefined;
  /** The --view server, once listening. */
  view: View | undefined;
}

/** What SIGINT/SIGTERM/SIGHUP do; set by run/serve once the session exists. */
let onSignal = (signal: NodeJS.Signals): void => process.exit(128 + (constants.signals[signal] ?? 0)); // 'exit' cleans up

function startSession(args: CompositorArgs): Session {
  // Before the socket exists: a signal must never find the default action
  // (death with the socket left behind).
  for (const sig of FORWARDED) process.on(sig, () => onSignal(sig));
  let runtimeDir = process.env.XDG_RUNTIME_DIR;
  let privateDir: string | null = null;
  if (!runtimeDir) {
    privateDir = mkdtempSync(join(tmpdir(), 'nosigbus-runtime-'));
    chmodSync(privateDir, 0o700);
    runtimeDir = privateDir;
  }
  const compositor = new Compositor({
    ...(args.outputs ? { outputs: args.outputs } : { width: args.width, height: args.height, scale: args.scale }),
    refresh: args.refresh,
    onTruncate: args.onTruncate,
    logLevel: args.logLevel,
    keyboard: { layout: args.keyboardLayout },
    keymapOnFirstUse: true, // a start needs no keymap (options.ts has checked the layout compiles)
    cursor: args.cursor,
    dataControl: args.dataControl,
    pixelBudget: { perClient: args.memoryBudget, total: args.memoryBudgetTotal },
    releaseMemory: heapRelease(),
  });
  // The screenshot shows the last windows shown: clients destroy their
  // windows before they exit, so the output is kept as it was just before
  // the last window left.
  let lastShown: TargetImage | undefined;
  if (args.screenshot) compositor.desktop.onUnmap(() => (lastShown = compositor.screenshot()));
  let frozen: TargetImage | undefined;
  const freezeScreenshot = (): void => {
    if (args.screenshot && !frozen) frozen = compositor.windows.length > 0 ? compositor.screenshot() : lastShown;
  };
  const recording: { recorder: Recorder | undefined; view: View | undefined } = { recorder: undefined, view: undefined };
  let done = false;
  const cleanup = (): void => {
    if (done) return;
    done = true;
    try {
      recording.recorder?.finishSync();
      void recording.view?.close();
      freezeScreenshot();
      if (args.screenshot) compositor.writeScreenshot(args.screenshot, frozen);
      if (args.stats) writeFileSync(args.stats, JSON.stringify(compositor.clientStats, null, 2));
    } finally {
      compositor.close(); // unlinks socket and lock
      if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    }
  };
  process.on('exit', cleanup);
  let listener;
  try {
    listener = compositor.listen(args.socket, runtimeDir);
  } catch (e) {
    cleanup();
    throw e;
  }
  compositor.log('info', `listening on ${listener.path}`);
  return {
    compositor, runtimeDir, socketName: listener.name, freezeScreenshot, cleanup,
    get recorder() {
      return recording.recorder;
    },
    set recorder(r) {
      recording.recorder = r;
    },
    get view() {
      return recording.view;
    },
    set view(v) {
      recording.view = v;
    },
  };
}

/** Starts --record's encoder for `session`; a RecordError ends the process (status 1) after cleanup. */
async function maybeRecord(args: CompositorArgs, session: Session): Promise<void> {
  if (!args.record) return;
  // Loaded only here: it brings node:child_process, which `serve` otherwise never needs.
  const { Recorder, RecordError } = await import('./record.js');
  try {
    session.recorder = await Recorder.start(session.compositor, args.record);
  } catch (e) {
    if (!(e instanceof RecordError)) throw e;
    process.stderr.write(`nosigbus: ${e.message}\n`);
    session.cleanup();
    process.exit(1);
  }
}

/** Starts --view's server for `session`; a ViewError (the address is taken, say) ends the process (status 1) after cleanup. */
async function maybeView(args: CompositorArgs, session: Session, tellOnStderr: boolean): Promise<void> {
  if (!args.view) return;
  // Loaded only here: node:http and ws are for the view alone.
  const { startView, ViewError } = await import('../view/view.js');
  try {
    session.view = await startView(session.compositor, args.view);
    // serve prints it with the socket (VIEW=…); run's stdout is the client's.
    if (tellOnStderr) process.stderr.write(`nosigbus: live view at ${session.view.url}\n`);
  } catch (e) {
    if (!(e instanceof ViewError)) throw e;
    process.stderr.write(`nosigbus: ${e.message}\n`);
    session.cleanup();
    process.exit(1);
  }
}

/** Ends the recording, the file written; false (and a message) when it failed. */
async function finishRecording(session: Session): Promise<boolean> {
  const failure = await session.recorder?.finish();
  if (!failure) return true;
  process.stderr.write(`nosigbus: the recording failed: ${failure}\n`);
  return false;
}

/** Exit status for a child that ended with `code` or by `signal`. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onUncaught(session: Session, kill: () => void): void {
  process.on('uncaughtException', (e) => {
    session.compositor.log('error', `uncaught: ${e.stack ?? e.message}`);
    kill();
    session.cleanup();
    process.exit(1);
  });
}

/** How long a client has to end after SIGTERM when Xwayland died under it, before SIGKILL. */
const CLIENT_TERM_MS = 5_000;

/** The environment clients get: the session's Wayland socket, and Xwayland's display. */
function clientEnv(session: Session, xwayland: Xwayland | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: session.runtimeDir, WAYLAND_DISPLAY: session.socketName, ...xwayland?.clientEnv };
  delete env.WAYLAND_SOCKET;
  return env;
}

/** Xwayland for `session` if asked for; an XwaylandError ends the process (status 1) after cleanup. */
async function maybeXwayland(args: CompositorArgs, session: Session): Promise<Xwayland | undefined> {
  if (!args.xwayland) return undefined;
  try {
    const xwayland = await startXwayland({ env: clientEnv(session, undefined), privateParent: session.runtimeDir, logFile: args.xwaylandLog });
    session.compositor.log('info', `Xwayland (pid ${xwayland.pid}) accepts connections on DISPLAY=${xwayland.display}`);
    return xwayland;
  } catch (e) {
    if (!(e instanceof XwaylandError)) throw e;
    process.stderr.write(`nosigbus: ${e.message}\n`);
    session.cleanup();
    process.exit(1);
  }
}

export async function run(args: CompositorArgs, command: readonly string[]): Promise<void> {
  if (args.screenshot) await loadPngEncoder();
  // Loaded here, not at import: `serve` has no child (node:child_process costs a start ~2 MiB).
  const { spawn } = await import('node:child_process');
  const session = startSession(args);
  serveControl(session.compositor, session.runtimeDir, session.socketName);
  const xwayland = await maybeXwayland(args, session);
  await maybeRecord(args, session);
  await maybeView(args, session, true);
  const child = spawn(command[0]!, command.slice(1), { env: clientEnv(session, xwayland), stdio: 'inherit' });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  onUncaught(session, kill);
  onSignal = (sig) => child.kill(sig);
  let xwaylandDied = false;
  xwayland?.onUnexpectedExit((why) => {
    xwaylandDied = true;
    process.stderr.write(`nosigbus: ${why}\nnosigbus: ending ${command[0]} (the X server it uses is gone)\n`);
    child.kill('SIGTERM');
    setTimeout(kill, CLIENT_TERM_MS).unref();
  });
  /** The client is gone: screenshot, recording, then Xwayland, then the compositor. */
  const finish = async (status: number): Promise<never> => {
    session.freezeScreenshot();
    const recorded = await finishRecording(session);
    await xwayland?.stop();
    session.cleanup();
    process.exit((xwaylandDied || !recorded) && status === 0 ? 1 : status);
  };
  child.on('error', (e) => {
    session.compositor.log('error', `cannot run ${command[0]}: ${e.message}`);
    void finish(127);
  });
  child.on('exit', (code, signal) => {
    session.compositor.log('info', `${command[0]} exited ${signal ? `by ${signal}` : `with status ${code}`}`);
    void finish(exitStatus(code, signal));
  });
}

/**
 * A line on stdout, written at once: process.stdout, a stream, costs a start
 * ~2 MiB and a few ms of modules, for two lines. The stream only if the
 * write fails (a non-blocking pipe that is full, say), where it copes.
 */
function printLine(text: string): void {
  const bytes = Buffer.from(`${text}\n`);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch {
    process.stdout.write(bytes.subarray(written));
  }
}

export async function serve(args: CompositorArgs): Promise<void> {
  if (args.screenshot) await loadPngEncoder();
  const session = startSession(args);
  onUncaught(session, () => {});
  serveControl(session.compositor, session.runtimeDir, session.socketName);
  const xwayland = await maybeXwayland(args, session);
  await maybeRecord(args, session);
  await maybeView(args, session, false);
  const x11 = xwayland ? `\nDISPLAY=${xwayland.display}\nXAUTHORITY=${xwayland.authority}` : '';
  const view = session.view ? `\nVIEW=${session.view.url}` : '';
  printLine(`XDG_RUNTIME_DIR=${session.runtimeDir}\nWAYLAND_DISPLAY=${session.socketName}${x11}${view}`);
  xwayland?.onUnexpectedExit((why) => {
    process.stderr.write(`nosigbus: ${why}\n`);
    session.cleanup();
    process.exit(1);
  });
  onSignal = (sig) =>
    void (async () => {
      await finishRecording(session);
      await xwayland?.stop();
      session.cleanup();
      process.exit(128 + (constants.signals[sig] ?? 0));
    })();
}
