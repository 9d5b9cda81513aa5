// The stateful protocol fuzzer's run loop: several FuzzClients at once
// against one compositor, scripted input and repaints between turns, every
// failure written down with its seed and the client's last requests.
//
// What counts as a failure (FuzzFailureKind):
//  - unexpected-error: a protocol error the model neither expected nor allowed;
//  - missing-error: a request the model knows is invalid went through;
//  - internal-error: wl_display.error `implementation` (an exception in a handler);
//  - logged-error: a line the compositor logged at level 'error', or an
//    uncaught exception in its process;
//  - disconnected: the compositor dropped a client without a protocol error;
//  - hang: a wl_display.sync round trip not answered within the timeout;
//  - compositor-threw: a harness step (scripted input, repaint, mode change) threw;
//  - crash: the compositor process died (or, in-process, an exception no
//    handler caught: it would have);
//  - leak: after every client left, the compositor still holds per-client
//    state or more fds than before the first client;
//  - memory: its RSS went past the bound;
//  - client-library: our own client library (src/client) failed on what the
//    compositor sent (a malformed event as it sees it);
//  - fuzzer-bug: the fuzzer's own model or handlers failed (not a finding).
//
// Invariants:
//  - with `concurrent` false (the default), turns run one client at a time and
//    each starts with a round trip: what a client decides depends only on the
//    seed, so a seed replays the same requests (only the refresh timer's
//    events, which no decision reads, may come at other times);
//  - every fd the fuzzer made is closed when its client retires;
//  - the run never throws for a finding: it returns a report.
import { WaylandClient, type ProtocolError } from '../../../src/client/index.js';
import { FuzzClient, type FuzzLimits, type SharedState } from './client.js';
import { Rng } from './rng.js';
import type { FuzzTarget, HarnessStep, Leftovers, TargetProbe } from './target.js';
import { sleep } from '../common.js';

export type FuzzFailureKind =
  | 'unexpected-error'
  | 'missing-error'
  | 'internal-error'
  | 'logged-error'
  | 'disconnected'
  | 'hang'
  | 'compositor-threw'
  | 'crash'
  | 'leak'
  | 'memory'
  | 'client-library'
  | 'fuzzer-bug';

export interface FuzzFailure {
  kind: FuzzFailureKind;
  message: string;
  seed: number;
  /** The client it happened to (label, its own seed), if any. */
  client: string | null;
  /** Requests sent by all clients before it. */
  atRequest: number;
  /** That client's last requests, oldest first. */
  lastRequests: string[];
}

export interface FuzzOptions {
  seed: number;
  /** Requests to send in all (the run also lasts at least minDurationMs). */
  requests: number;
  minDurationMs?: number;
  /** Clients connected at once. */
  clients: number;
  /** Requests per turn at most. */
  batch: number;
  limits: FuzzLimits;
  roundtripTimeoutMs?: number;
  /** Turns of all clients at once (child-process targets): more interleavings, not reproducible. */
  concurrent?: boolean;
  /** A client leaves of its own accord with this probability per turn. */
  leaveChance?: number;
  /** Peak RSS allowed (bytes); past it: a `memory` failure. */
  rssLimitBytes?: number;
  /** Stop at the first failure of these kinds (default: crash, hang, compositor-threw). */
  stopOn?: readonly FuzzFailureKind[];
  /** At most this many failures are recorded (the rest counted). */
  maxFailures?: number;
  /** The target compositor's onTruncate policy (default 'error'). */
  truncationPolicy?: 'error' | 'zero';
  /** Requests kept per client for a failure's report (default 50). */
  logSize?: number;
  /** Progress lines (every progressMs). */
  progress?: (line: string) => void;
  progressMs?: number;
}

export interface FuzzReport {
  seed: number;
  target: string;
  requests: number;
  turns: number;
  clientsStarted: number;
  expectedErrors: number;
  allowedErrors: number;
  clientsLeft: number;
  durationMs: number;
  failures: FuzzFailure[];
  failuresNotRecorded: number;
  /** Requests sent per "interface.request". */
  coverage: Map<string, number>;
  fdsBefore: number;
  fdsAfter: number;
  peakRssBytes: number;
  rssAfterBytes: number;
  leftovers: Leftovers | null;
  clientStatsEntries: number;
}

type TurnResult = 'alive' | 'retired';

const DEFAULT_STOP_ON: readonly FuzzFailureKind[] = ['crash', 'hang', 'compositor-threw'];

/** Races `p` against a timer: 'timeout' if it did not settle in time. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

export class Fuzzer {
  readonly target: FuzzTarget;
  readonly options: FuzzOptions;
  readonly rng: Rng;
  readonly shared: SharedState;
  readonly coverage = new Map<string, number>();
  readonly failures: FuzzFailure[] = [];
  #failuresNotRecorded = 0;
  #requests = 0;
  #turns = 0;
  #clientsStarted = 0;
  #expected = 0;
  #allowed = 0;
  #left = 0;
  #stop = false;
  #peakRss = 0;
  #buttonHeld = false;
  #outputSize = { width: 640, height: 480 };
  readonly #slots: (FuzzClient | null)[];

  constructor(target: FuzzTarget, options: FuzzOptions) {
    this.target = target;
    this.options = options;
    this.rng = new Rng(options.seed);
    this.shared = { limits: options.limits, keymap: null, tokens: [], handles: [], clientsMade: 0, logSize: options.logSize ?? 50, truncationPolicy: options.truncationPolicy ?? 'error' };
    this.#slots = new Array<FuzzClient | null>(options.clients).fill(null);
  }

  get requests(): number {
    return this.#requests;
  }

  #timeout(): number {
    return this.options.roundtripTimeoutMs ?? 5000;
  }

  #fail(kind: FuzzFailureKind, message: string, client: FuzzClient | null): void {
    const max = this.options.maxFailures ?? 50;
    if (this.failures.length >= max) this.#failuresNotRecorded++;
    else
      this.failures.push({
        kind,
        message,
        seed: this.options.seed,
        client: client ? `${client.label} (client seed ${client.rng.seed})` : null,
        atRequest: this.#requests,
        lastRequests: client ? client.log.slice() : [],
      });
    if ((this.options.stopOn ?? DEFAULT_STOP_ON).includes(kind)) this.#stop = true;
  }

  async #newClient(index: number): Promise<FuzzClient | null> {
    const n = this.#clientsStarted++;
    const label = `fuzz-${n}`;
    const wl = new WaylandClient(this.target.connect(label));
    const c = new FuzzClient(index, label, wl, this.rng.fork(), this.shared, (_c, _line, key) => {
      this.#requests++;
      this.coverage.set(key, (this.coverage.get(key) ?? 0) + 1);
    });
    c.note(`# ${label} connects (client seed ${c.rng.seed})`);
    const got = await within(
      wl.registry().then(
        () => null,
        (e: unknown) => e,
      ),
      this.#timeout(),
    );
    if (got === 'timeout') {
      this.#fail('hang', `${label}: registry round trip not answered in ${this.#timeout()} ms`, c);
      this.#retire(c);
      return null;
    }
    if (got !== null) {
      this.#fail('disconnected', `${label}: failed before binding: ${String(got)}`, c);
      this.#retire(c);
      return null;
    }
    try {
      c.bindGlobals();
    } catch (e) {
      this.#fail('fuzzer-bug', `${label}: binding globals: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, c);
      this.#retire(c);
      return null;
    }
    return c;
  }

  #retire(c: FuzzClient): void {
    if (!c.wl.error) c.wl.close();
    else c.wl.connection.close();
    c.dispose();
  }

  /** A round trip: null if answered, 'timeout', or the client's error. */
  async #roundtrip(c: FuzzClient): Promise<ProtocolError | 'timeout' | null> {
    const r = await within(
      c.wl.roundtrip().then(
        () => null,
        (e: unknown) => c.wl.error ?? Object.assign(new Error(`round trip failed: ${String(e)}`), { code: 'ERR_NOSIGBUS_DISCONNECTED' as const }),
      ),
      this.#timeout(),
    );
    return r;
  }

  /** Classifies a client's end: false if it was a failure. */
  #judge(c: FuzzClient, r: ProtocolError | 'timeout'): void {
    if (r === 'timeout') {
      this.#fail('hang', `${c.label}: wl_display.sync not answered within ${this.#timeout()} ms`, c);
      return;
    }
    const e = r;
    if (e.code === 'ERR_NOSIGBUS_HANDLER_THREW') {
      this.#fail('fuzzer-bug', `${c.label}: an event handler threw: ${e.message}`, c);
      return;
    }
    if (e.code === 'ERR_NOSIGBUS_DISCONNECTED' && /^malformed event|^invalid event/.test(e.message)) {
      this.#fail('client-library', `${c.label}: ${e.message}`, c);
      return;
    }
    if (e.code === 'ERR_NOSIGBUS_DISCONNECTED') {
      if (this.target.death) this.#fail('crash', `compositor died: ${this.target.death}`, c);
      else this.#fail('disconnected', `${c.label}: ${e.message} (no protocol error)`, c);
      return;
    }
    if (e.interfaceName === 'wl_display' && e.errorCode === 3) {
      this.#fail('internal-error', `${c.label}: ${e.message}`, c);
      return;
    }
    const expected = c.expectation;
    if (c.accepts(e)) {
      if (expected && e.errorCode === expected.code) this.#expected++;
      else this.#allowed++;
      return;
    }
    const wanted = expected ? ` (expected ${expected.iface} error ${expected.code}: ${expected.why})` : '';
    this.#fail('unexpected-error', `${c.label}: ${e.message}${wanted}`, c);
  }

  /** One turn of one client: a round trip, a batch, a round trip. */
  async #turn(c: FuzzClient): Promise<TurnResult> {
    this.#turns++;
    const before = await this.#roundtrip(c);
    if (before !== null) {
      this.#judge(c, before);
      this.#retire(c);
      return 'retired';
    }
    c.drainPipes();
    c.clearExpectation();
    const leave = c.rng.chance(this.options.leaveChance ?? 0.02);
    try {
      if (leave) {
        if (c.rng.chance(0.7)) c.destroyAll();
        c.note(`# ${c.label} leaves`);
      } else c.batch(c.rng.int(1, this.options.batch));
    } catch (e) {
      this.#fail('fuzzer-bug', `${c.label}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, c);
      this.#retire(c);
      return 'retired';
    }
    const after = await this.#roundtrip(c);
    if (after === null) {
      const expected = c.expectation;
      if (expected) {
        this.#fail('missing-error', `${c.label}: no ${expected.iface} error ${expected.code} (${expected.why})`, c);
        this.#retire(c);
        return 'retired';
      }
      if (leave) {
        this.#left++;
        this.#retire(c);
        return 'retired';
      }
      return 'alive';
    }
    this.#judge(c, after);
    this.#retire(c);
    return 'retired';
  }

  /** What the session does between turns: input (mostly where something is shown), repaints, time passing, mode changes. */
  #harnessStep(hotspots: readonly { x: number; y: number }[]): HarnessStep | null {
    const r = this.rng;
    const { width, height } = this.#outputSize;
    const spot = (): { x: number; y: number } =>
      hotspots.length > 0 && r.chance(0.75) ? r.pick(hotspots) : { x: r.int(0, Math.max(0, width - 1)), y: r.int(0, Math.max(0, height - 1)) };
    const k = r.float();
    if (k < 0.25) return { kind: 'move', ...spot() };
    if (k < 0.4) {
      if (this.#gesture) return null;
      this.#buttonHeld = !this.#buttonHeld;
      return { kind: this.#buttonHeld ? 'press' : 'release', button: 0x110 };
    }
    if (k < 0.46) return { kind: 'click', ...spot() };
    if (k < 0.5) return { kind: 'scroll', dy: r.int(-3, 3), dx: r.int(-1, 1) };
    if (k < 0.56) return { kind: 'key', combo: r.pick(['a', 'Return', 'ctrl+c', 'ctrl+v', 'shift+Tab', 'Escape', 'alt+F4', 'super+q']) };
    if (k < 0.6) return { kind: 'type', text: r.pick(['hello', 'World', '\n', 'a b c', '{}[]']) };
    if (k < 0.62) return { kind: 'unfocus' };
    if (k < 0.8) return { kind: 'paint' };
    if (k < 0.84) return { kind: 'snapshot' };
    if (k < 0.85) {
      const side = this.options.limits.maxOutputSide;
      const w = r.int(64, Math.min(side, 1280));
      const h = r.int(64, Math.min(side, 1024));
      this.#outputSize = { width: w, height: h };
      return { kind: 'mode', width: w, height: h, scale: r.chance(0.7) ? 1 : r.pick([2, 1.5, 1.25]) };
    }
    return { kind: 'wait', ms: r.int(1, 20) };
  }

  /**
   * A drag gesture over a few rounds: press on one thing shown, move to
   * another, release (the clients under it start and answer the drag in
   * their turns between the steps).
   */
  #gesture: { round: number; to: { x: number; y: number } } | null = null;

  #gestureStep(hotspots: readonly { x: number; y: number }[]): HarnessStep | null {
    const r = this.rng;
    const g = this.#gesture;
    if (!g) {
      if (hotspots.length < 2 || !r.chance(0.08) || this.#buttonHeld) return null;
      const from = r.pick(hotspots);
      this.#gesture = { round: 0, to: r.pick(hotspots) };
      this.#pendingPress = true;
      return { kind: 'move', ...from };
    }
    g.round++;
    if (this.#pendingPress) {
      this.#pendingPress = false;
      this.#buttonHeld = true;
      return { kind: 'press', button: 0x110 };
    }
    if (g.round <= 3) return { kind: 'move', x: g.to.x + r.int(-2, 2), y: g.to.y + r.int(-2, 2) };
    this.#gesture = null;
    this.#buttonHeld = false;
    return { kind: 'release', button: 0x110 };
  }

  #pendingPress = false;

  async #between(last: FuzzClient | null): Promise<void> {
    const steps = this.rng.int(0, 3);
    const hotspots = await this.target.hotspots();
    const gesture = this.#gestureStep(hotspots);
    if (gesture) {
      try {
        await this.target.drive(gesture);
      } catch (e) {
        this.#fail('compositor-threw', `harness step ${JSON.stringify(gesture)} threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, last);
      }
    }
    // Nothing else moves the pointer during a gesture.
    for (let i = 0; i < steps && !this.#stop && !this.#gesture; i++) {
      const step = this.#harnessStep(hotspots);
      if (!step) continue;
      try {
        await this.target.drive(step);
      } catch (e) {
        this.#fail('compositor-threw', `harness step ${JSON.stringify(step)} threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, last);
      }
    }
    this.#takeErrors(last);
    if (this.target.death) this.#fail('crash', `compositor died: ${this.target.death}`, last);
  }

  /** The compositor's error log lines; an uncaught exception (in-process) is a crash: it would have killed the process. */
  #takeErrors(client: FuzzClient | null): void {
    for (const line of this.target.takeErrors()) this.#fail(line.startsWith('uncaught exception') ? 'crash' : 'logged-error', line, client);
  }

  async run(): Promise<FuzzReport> {
    const o = this.options;
    const started = Date.now();
    const probe0 = await this.target.probe();
    this.#peakRss = probe0.peakRssBytes;
    let lastProgress = started;
    const minDuration = o.minDurationMs ?? 0;
    while (!this.#stop && (this.#requests < o.requests || Date.now() - started < minDuration)) {
      const turn = async (i: number): Promise<FuzzClient | null> => {
        let c = this.#slots[i] ?? null;
        if (!c) {
          c = await this.#newClient(i);
          this.#slots[i] = c;
          if (!c) return null;
        }
        const result = await this.#turn(c);
        if (result === 'retired') this.#slots[i] = null;
        return c;
      };
      if (o.concurrent) {
        const done = await Promise.all(this.#slots.map((_, i) => turn(i)));
        await this.#between(done.find((c) => c !== null) ?? null);
      } else {
        for (let i = 0; i < this.#slots.length && !this.#stop; i++) {
          const c = await turn(i);
          this.#takeErrors(c);
          if (this.target.death) {
            this.#fail('crash', `compositor died: ${this.target.death}`, c);
            break;
          }
        }
        await this.#between(null);
      }
      if (o.progress && Date.now() - lastProgress >= (o.progressMs ?? 10_000)) {
        lastProgress = Date.now();
        const p = await this.target.probe();
        this.#peakRss = Math.max(this.#peakRss, p.peakRssBytes);
        const secs = (Date.now() - started) / 1000;
        o.progress(
          `t=${secs.toFixed(0)}s requests=${this.#requests} (${(this.#requests / secs).toFixed(0)}/s) turns=${this.#turns} clients=${this.#clientsStarted} ` +
            `expected-errors=${this.#expected} allowed-errors=${this.#allowed} rss=${mib(p.rssBytes)} peak=${mib(p.peakRssBytes)} fds=${p.fds} failures=${this.failures.length + this.#failuresNotRecorded}`,
        );
        if (o.rssLimitBytes && p.peakRssBytes > o.rssLimitBytes) this.#fail('memory', `peak RSS ${mib(p.peakRssBytes)} past the bound ${mib(o.rssLimitBytes)}`, null);
      }
    }
    // Every client leaves; then the compositor must hold nothing of them.
    for (let i = 0; i < this.#slots.length; i++) {
      const c = this.#slots[i];
      if (c) this.#retire(c);
      this.#slots[i] = null;
    }
    let probe: TargetProbe | null = null;
    if (!this.target.death) probe = await this.#settled(probe0.fds);
    this.#takeErrors(null);
    if (this.target.death) this.#fail('crash', `compositor died: ${this.target.death}`, null);
    if (probe) {
      this.#peakRss = Math.max(this.#peakRss, probe.peakRssBytes);
      const left = Object.entries(probe.leftovers).filter(([, v]) => v !== 0 && v !== -1);
      if (left.length) this.#fail('leak', `after every client left the compositor still holds: ${left.map(([k, v]) => `${k}=${v}`).join(', ')}`, null);
      if (probe.fds !== probe0.fds) this.#fail('leak', `fd count ${probe.fds} after every client left, ${probe0.fds} before the first`, null);
      if (o.rssLimitBytes && probe.peakRssBytes > o.rssLimitBytes) this.#fail('memory', `peak RSS ${mib(probe.peakRssBytes)} past the bound ${mib(o.rssLimitBytes)}`, null);
    }
    return {
      seed: o.seed,
      target: this.target.description,
      requests: this.#requests,
      turns: this.#turns,
      clientsStarted: this.#clientsStarted,
      expectedErrors: this.#expected,
      allowedErrors: this.#allowed,
      clientsLeft: this.#left,
      durationMs: Date.now() - started,
      failures: this.failures,
      failuresNotRecorded: this.#failuresNotRecorded,
      coverage: this.coverage,
      fdsBefore: probe0.fds,
      fdsAfter: probe?.fds ?? -1,
      peakRssBytes: this.#peakRss,
      rssAfterBytes: probe?.rssBytes ?? -1,
      leftovers: probe?.leftovers ?? null,
      clientStatsEntries: probe?.clientStats ?? -1,
    };
  }

  /** Probes until the compositor let go of everything (disconnects take a tick or two), or 3 s passed. */
  async #settled(fdsBefore: number): Promise<TargetProbe> {
    const deadline = Date.now() + 3000;
    // Every hang-up processed first.
    for (let p = await this.target.probe(); p.leftovers.connectedClients > 0 && Date.now() < deadline; p = await this.target.probe()) await sleep(20);
    // The session lets go of the button it may hold (a drag gesture); and, a known finding, the
    // pointer lets go of a gone layer surface only at its next event.
    if (this.#buttonHeld) await this.target.drive({ kind: 'release', button: 0x110 }).catch(() => {});
    this.#buttonHeld = false;
    if (this.options.limits.avoid.includes('layer-pointer-focus')) await this.target.drive({ kind: 'move', x: 0, y: 0 }).catch(() => {});
    for (;;) {
      await this.target.drive({ kind: 'paint' }).catch(() => {});
      const p = await this.target.probe();
      const clean = Object.values(p.leftovers).every((v) => v === 0 || v === -1) && p.fds === fdsBefore;
      if (clean || Date.now() > deadline) return p;
      await sleep(50);
    }
  }
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** A readable account of a report (for test diagnostics and the long run). */
export function describeReport(r: FuzzReport): string {
  const lines = [
    `seed ${r.seed} (${r.target}): ${r.requests} requests, ${r.turns} turns, ${r.clientsStarted} clients in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  protocol errors: ${r.expectedErrors} expected, ${r.allowedErrors} allowed; ${r.clientsLeft} clients left on their own`,
    `  fds ${r.fdsBefore} before, ${r.fdsAfter} after; peak RSS ${mib(r.peakRssBytes)}, RSS after ${mib(r.rssAfterBytes)}; clientStats entries ${r.clientStatsEntries}`,
    `  failures: ${r.failures.length + r.failuresNotRecorded}`,
  ];
  for (const f of r.failures) lines.push(...describeFailure(f).map((l) => `  ${l}`));
  return lines.join('\n');
}

export function describeFailure(f: FuzzFailure): string[] {
  const out = [`[${f.kind}] seed ${f.seed}${f.client ? `, ${f.client}` : ''}, after request ${f.atRequest}: ${f.message}`];
  if (f.lastRequests.length) {
    out.push('  last requests of that client:');
    for (const l of f.lastRequests) out.push(`    ${l}`);
  }
  return out;
}

/**
 * Every request of every interface reachable from `globals` (through new_id
 * arguments of requests and events), as "interface.request": what a run
 * should drive. wl_registry.bind is reached through the registry. A request
 * that needs an object of an interface no client can have (no global or new_id
 * makes one: cursor-shape's get_tablet_tool_v2 without a tablet global) is
 * not in it: no well-formed client sends it.
 */
export function requestUniverse(
  globals: readonly string[],
  interfaces: ReadonlyMap<string, { requests: readonly { name: string; signature: string; types: readonly (string | null)[] }[]; events: readonly { signature: string; types: readonly (string | null)[] }[] }>,
): string[] {
  /** Argument codes of a signature, each with whether it is nullable. */
  const codes = (signature: string): { code: string; nullable: boolean }[] => {
    const out: { code: string; nullable: boolean }[] = [];
    for (let i = 0; i < signature.length; i++) {
      const nullable = signature[i] === '?';
      if (nullable) i++;
      out.push({ code: signature[i]!, nullable });
    }
    return out;
  };
  const seen = new Set<string>();
  const todo = ['wl_display', ...globals];
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const iface = interfaces.get(name);
    if (!iface) continue;
    for (const m of [...iface.requests, ...iface.events]) {
      codes(m.signature).forEach(({ code }, k) => {
        const t = m.types[k];
        if (code === 'n' && t && !seen.has(t)) todo.push(t);
      });
    }
  }
  const out: string[] = [];
  for (const name of [...seen].sort()) {
    for (const r of interfaces.get(name)?.requests ?? []) {
      const needsUnreachable = codes(r.signature).some(({ code, nullable }, k) => code === 'o' && !nullable && r.types[k] != null && !seen.has(r.types[k]!));
      if (!needsUnreachable) out.push(`${name}.${r.name}`);
    }
  }
  return out;
}
