// What the protocol fuzzer drives: a compositor in this process (tests) or
// in a child process (the long run: a crash is an exit, its memory and fds
// are its own).
//
// Invariants:
//  - a HarnessStep is what a user or the session does to the compositor
//    (scripted input, a repaint, a mode change, time passing); applyStep()
//    is the one implementation, used in both places;
//  - probe() reports the compositor's fds, memory and the per-client state
//    it still holds; once every client left, `leftovers` must be all zero;
//  - an exception out of the compositor (a step that throws, an uncaught
//    exception on its timers) and every line it logs at level 'error' are
//    reported, never swallowed.
import { readdirSync, readFileSync } from 'node:fs';
import type { Compositor } from '../../../src/compositor/index.js';
import { activeMappings } from '../../../src/shm/index.js';
import { activePolls, type UnixStream } from '../../../src/wire/socket.js';
import { sleep } from '../common.js';

export type HarnessStep =
  | { kind: 'move'; x: number; y: number }
  | { kind: 'press'; button: number }
  | { kind: 'release'; button: number }
  | { kind: 'click'; x: number; y: number }
  | { kind: 'scroll'; dy: number; dx: number }
  | { kind: 'key'; combo: string }
  | { kind: 'type'; text: string }
  | { kind: 'unfocus' }
  | { kind: 'paint' }
  | { kind: 'snapshot' }
  | { kind: 'mode'; width: number; height: number; scale: number }
  | { kind: 'wait'; ms: number };

/** Per-client state the compositor still holds (all zero once every client left). */
export interface Leftovers {
  connectedClients: number;
  clientsNotMarkedDisconnected: number;
  windows: number;
  layerSurfaces: number;
  clipboardSource: number;
  primarySource: number;
  keyboardFocus: number;
  pointerFocus: number;
  pointerGrab: number;
  cursor: number;
  dragIcon: number;
  /** Surfaces with a pointer constraint. */
  pointerConstraints: number;
  /** Live idle inhibitors, ext capture sessions not stopped, capture damage logs, captures waiting. */
  idleInhibitors: number;
  captureSessions: number;
  captureDamageLogs: number;
  capturesWaiting: number;
  /** Guarded mappings and native polls beyond the baseline (in-process only; -1: not known). */
  mappings: number;
  polls: number;
}

export interface TargetProbe {
  fds: number;
  rssBytes: number;
  peakRssBytes: number;
  leftovers: Leftovers;
  /** Clients the compositor has seen (its clientStats keeps one entry per client ever connected). */
  clientStats: number;
}

export interface FuzzTarget {
  readonly description: string;
  /** A new connection to the compositor. */
  connect(label: string): UnixStream;
  /** Runs a step; rejects if the compositor threw. */
  drive(step: HarnessStep): Promise<void>;
  /** Lines logged at level 'error' since the last call, and uncaught exceptions. */
  takeErrors(): string[];
  probe(): Promise<TargetProbe>;
  /** Points over what is shown (the middle of each scene root): where input does something. */
  hotspots(): Promise<{ x: number; y: number }[]>;
  /** Why the compositor is gone (a crash), or null while it runs. */
  readonly death: string | null;
  close(): Promise<void>;
}


/** Runs `step` on `compositor` (throws what the compositor throws). */
export async function applyStep(compositor: Compositor, step: HarnessStep): Promise<void> {
  const input = compositor.input;
  switch (step.kind) {
    case 'move':
      return input.pointer.move(step.x, step.y);
    case 'press':
      return input.pointer.press(step.button);
    case 'release':
      return input.pointer.release(step.button);
    case 'click':
      return input.pointer.click('left', { x: step.x, y: step.y });
    case 'scroll':
      return input.pointer.scroll(step.dy, step.dx);
    case 'key':
      return input.key(step.combo);
    case 'type':
      return input.type(step.text);
    case 'unfocus':
      compositor.desktop.focus(null);
      return;
    case 'paint':
      compositor.paint();
      return;
    case 'snapshot':
      compositor.snapshot();
      return;
    case 'mode':
      compositor.output.setMode({ width: step.width, height: step.height, scale: step.scale });
      return;
    case 'wait':
      return sleep(step.ms);
  }
}

/** The compositor's per-client state (`baseline` mappings and polls are subtracted). */
export function leftoversOf(compositor: Compositor, baseline: { mappings: number; polls: number } | null): Leftovers {
  const seat = compositor.seat;
  return {
    connectedClients: compositor.display.clients.size,
    clientsNotMarkedDisconnected: compositor.clientStats.filter((s) => !s.disconnected).length,
    windows: compositor.windows.length,
    layerSurfaces: compositor.layerShell.surfaces.size,
    clipboardSource: compositor.selections.clipboard.source ? 1 : 0,
    primarySource: compositor.selections.primary.source ? 1 : 0,
    keyboardFocus: seat.keyboardFocus ? 1 : 0,
    pointerFocus: seat.pointer.focus ? 1 : 0,
    pointerGrab: seat.pointer.grab ? 1 : 0,
    cursor: seat.pointer.cursor ? 1 : 0,
    dragIcon: compositor.dragIcon ? 1 : 0,
    pointerConstraints: compositor.pointerConstraints.size,
    idleInhibitors: compositor.idleInhibitors.count,
    captureSessions: compositor.imageCopyCapture.sessions,
    captureDamageLogs: compositor.captures.logs,
    capturesWaiting: compositor.captures.waiting,
    mappings: baseline ? activeMappings() - baseline.mappings : -1,
    polls: baseline ? activePolls() - baseline.polls : -1,
  };
}

/** The middle of every mapped scene root (window, layer surface, popup), output-logical. */
export function hotspotsOf(compositor: Compositor): { x: number; y: number }[] {
  return compositor.sceneRoots().map((r) => ({ x: Math.floor(r.x + r.surface.width / 2), y: Math.floor(r.y + r.surface.height / 2) }));
}

/** VmRSS and VmHWM of a process, bytes. */
export function memoryOf(pid: number | 'self'): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

export function fdCount(pid: number | 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * The compositor of this process (the test's startCompositor, or one of our
 * own). `stream` makes a socketpair client of it. Lines its log writes at
 * level 'error' must reach `reportLogLine` (CompositorOptions.log).
 */
export class InProcessTarget implements FuzzTarget {
  readonly description = 'in-process compositor';
  readonly compositor: Compositor;
  readonly #stream: (label: string) => UnixStream;
  readonly #errors: string[] = [];
  readonly #baseline: { mappings: number; polls: number };
  readonly #onUncaught = (e: unknown): void => {
    this.#errors.push(`uncaught exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  };
  death: string | null = null;

  constructor(compositor: Compositor, stream: (label: string) => UnixStream) {
    this.compositor = compositor;
    this.#stream = stream;
    this.#baseline = { mappings: activeMappings(), polls: activePolls() };
    process.on('uncaughtException', this.#onUncaught);
    process.on('unhandledRejection', this.#onUncaught);
  }

  /** Feed CompositorOptions.log through this. */
  reportLogLine(line: string): void {
    if (/^nosigbus: error: /.test(line)) this.#errors.push(line);
  }

  connect(label: string): UnixStream {
    return this.#stream(label);
  }

  async drive(step: HarnessStep): Promise<void> {
    await applyStep(this.compositor, step);
  }

  takeErrors(): string[] {
    return this.#errors.splice(0);
  }

  async hotspots(): Promise<{ x: number; y: number }[]> {
    return hotspotsOf(this.compositor);
  }

  async probe(): Promise<TargetProbe> {
    const m = memoryOf('self');
    return { fds: fdCount('self'), rssBytes: m.rss, peakRssBytes: m.hwm, leftovers: leftoversOf(this.compositor, this.#baseline), clientStats: this.compositor.clientStats.length };
  }

  async close(): Promise<void> {
    process.off('uncaughtException', this.#onUncaught);
    process.off('unhandledRejection', this.#onUncaught);
  }
}
