// The control functions of a session, once: list the windows, wait for one,
// click, move, scroll, type and press keys in window coordinates, take
// screenshots of a window or of the output, resize and close windows, wait
// for a quiet spell, change the output mode. The session API (index.ts) and
// the control socket (control-socket.ts, `nosigbus ctl`) are two thin fronts
// over `Operations.call()`; a future front (a live view) is a third.
//
// Invariants:
//  - every request goes through call(), which checks its arguments (types
//    and ranges) whoever sent it: the API and the control socket accept and
//    refuse the same requests with the same messages;
//  - waits wait on compositor events (desktop.windowEvents,
//    compositor.commits), never by polling; each ends in one of: done, its
//    timeout, its AbortSignal (a control connection that closed), or
//    close(); the listener and timer it held go at once;
//  - a failed wait or a missing window is a ControlError whose message
//    names what was waited for and the windows that exist (at most
//    MAX_LISTED of them);
//  - input aimed at a window focuses and raises it first (what a click on
//    it would do), then goes through the scripted input (input/scripted.ts)
//    at output coordinates = window geometry origin + (x, y) (layout
//    coordinates with several outputs); a point outside the window's
//    geometry, or off every output (the pointer stays on them), is refused,
//    not sent elsewhere; a screenshot without a window is the whole layout
//    (Compositor.screenshot()); the output info and mode are the first
//    output's;
//  - window ids are small integers given to toplevels as they first map
//    (1, 2, ... in mapping order), stable while the xdg_surface lives
//    (unmapping and mapping again keeps its id); only mapped toplevels are
//    listed or addressed;
//  - regular expressions from a peer (the control socket) run in V8's
//    linear-time engine (protocol.ts), so a pattern cannot stall the loop.
//
// Cost: a request is O(windows) at most (a lookup by match walks the stack);
// a pending wait holds one listener and one timer; per window event or
// commit, each pending wait costs O(1) (a window wait looks at the window
// the event is about, a title or app id at most once each). The window screenshot renders the
// window's surfaces (and its popups) alone into a buffer of its size, so
// another window over it does not show; a failure or a rescue while it
// reads a client's buffer is left to the output's next paint, which reads
// the same buffer and applies the truncation policy.
import { captureRgba, imageRgba } from '../compositor/output/capture.js';
import type { Compositor } from '../compositor/compositor.js';
import { xdgSurfaceOf } from '../compositor/desktop/desktop.js';
import { Output, MAX_OUTPUT_SIZE } from '../compositor/output/output.js';
import { Renderer, type SceneRoot } from '../compositor/output/renderer.js';
import { placeTree } from '../compositor/core/tree.js';
import { rect } from '../compositor/core/region.js';
import type { Rect } from '../compositor/core/region.js';
import type { Surface } from '../compositor/core/surface.js';
import type { XdgSurface } from '../compositor/shell/xdg-shell.js';
import type { Client } from '../server/index.js';
import { encodePng, type Image, type Screenshot } from './image.js';
import {
  bad,
  checkArgs,
  ControlError,
  describeMatch,
  describeWindow,
  describeWindows,
  isOperation,
  OPERATIONS,
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
  type WindowRef,
} from './requests.js';

export interface OperationsOptions {
  /** What info() reports: the Wayland socket's name and directory. */
  waylandDisplay?: string | null;
  runtimeDir?: string | null;
}

type Table = { [K in OperationName]: (args: OperationArgs[K], signal?: AbortSignal) => Promise<OperationResults[K]> };

export class Operations implements Control {
  readonly compositor: Compositor;
  readonly #options: OperationsOptions;
  readonly #ids = new WeakMap<XdgSurface, number>();
  readonly #byId = new Map<number, XdgSurface>();
  #nextId = 1;
  /** Ends every pending wait (close()). */
  readonly #pending = new Set<(error: ControlError) => void>();
  readonly #offWindows: () => void;
  #closed = false;
  readonly #table: Table;

  constructor(compositor: Compositor, options: OperationsOptions = {}) {
    this.compositor = compositor;
    this.#options = options;
    // A toplevel has its id from its mapping (ids count mappings in order); an unmapped one is not addressed.
    for (const w of compositor.windows) if (w.toplevel) this.#idOf(w);
    this.#offWindows = compositor.desktop.windowEvents.add((e) => {
      if (e.type === 'mapped' && e.window.toplevel) this.#idOf(e.window);
      else if (e.type === 'unmapped') {
        const id = this.#ids.get(e.window);
        if (id !== undefined) this.#byId.delete(id);
      }
    });
    this.#table = {
      info: async () => this.info(),
      windows: async () => this.windows(),
      waitWindow: (a, signal) => this.#waitWindow(a.match, a.timeoutMs, signal),
      waitIdle: (a, signal) => this.#waitIdle(a.quietMs, a.timeoutMs, signal),
      click: (a) => this.#click(a.window, a.x, a.y, a.button ?? 'left'),
      move: (a) => this.#move(a.window, a.x, a.y),
      scroll: (a) => this.#scroll(a.window, a.dx, a.dy, a.x !== undefined && a.y !== undefined ? { x: a.x, y: a.y } : null),
      type: (a) => this.#keys('type', a.window, () => this.compositor.input.type(a.text)),
      key: (a) => this.#keys('key', a.window, () => this.compositor.input.key(a.key)),
      screenshot: (a) => this.#screenshot(a.window),
      resize: (a, signal) => this.#resize(a.window, a.width, a.height, a.timeoutMs, signal),
      close: (a, signal) => this.#close(a.window, a.timeoutMs, signal),
      output: async (a) => this.#output(a.width, a.height),
    };
  }

  /** Runs operation `op` with `args` (checked here, whoever sent them). */
  async call<K extends OperationName>(op: K, args: OperationArgs[K], signal?: AbortSignal): Promise<OperationResults[K]> {
    if (!isOperation(op)) throw bad(`unknown operation ${JSON.stringify(op)} (known: ${OPERATIONS.join(', ')})`);
    if (this.#closed) throw new ControlError('ERR_NOSIGBUS_CLOSED', `${op}: the session is closed`);
    const checked = checkArgs(op, args);
    const run: Table[K] = this.#table[op];
    try {
      return await run(checked, signal);
    } catch (e) {
      if (e instanceof ControlError) throw e;
      // What the scripted input refuses (a key not on the keymap), a mode the output refuses.
      if (e instanceof RangeError) throw new ControlError('ERR_NOSIGBUS_CANNOT', `${op}: ${e.message}`);
      throw e;
    }
  }

  /** Ends every pending wait with ERR_NOSIGBUS_CLOSED and refuses later calls. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#offWindows();
    for (const end of [...this.#pending]) end(new ControlError('ERR_NOSIGBUS_CLOSED', 'the session closed'));
  }

  info(): SessionInfo {
    return { pid: process.pid, waylandDisplay: this.#options.waylandDisplay ?? null, runtimeDir: this.#options.runtimeDir ?? null, output: this.#outputInfo() };
  }

  /** Mapped toplevels, bottom to top. */
  windows(): WindowInfo[] {
    const list: WindowInfo[] = [];
    for (const w of this.compositor.windows) if (w.toplevel) list.push(this.#info(w));
    return list;
  }

  #outputInfo(): OutputInfo {
    const o = this.compositor.output;
    return { width: o.width, height: o.height, scale: o.scale, refreshMilliHz: o.refreshMilliHz };
  }

  #idOf(w: XdgSurface): number {
    let id = this.#ids.get(w);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(w, id);
    }
    this.#byId.set(id, w);
    return id;
  }

  #info(w: XdgSurface): WindowInfo {
    const t = w.toplevel!;
    return {
      id: this.#idOf(w),
      title: t.title,
      appId: t.appId,
      pid: clientPid(w.surface.client),
      x: w.x,
      y: w.y,
      width: w.windowWidth,
      height: w.windowHeight,
      maximized: t.maximized,
      fullscreen: t.fullscreen,
      activated: t.activated,
    };
  }

  #live(w: XdgSurface): boolean {
    return w.mapped && w.toplevel !== null && this.compositor.windows.has(w);
  }

  #matches(w: XdgSurface, m: WindowMatch): boolean {
    const t = w.toplevel;
    return t !== null && textMatches(m.title, t.title) && textMatches(m.appId, t.appId);
  }

  /** The topmost mapped toplevel matching `m`, or null. */
  #find(m: WindowMatch): XdgSurface | null {
    let found: XdgSurface | null = null;
    for (const w of this.compositor.windows) if (this.#matches(w, m)) found = w;
    return found;
  }

  #resolve(op: string, ref: WindowRef): XdgSurface {
    if (typeof ref === 'number') {
      const w = this.#byId.get(ref);
      if (w && this.#live(w)) return w;
      throw new ControlError('ERR_NOSIGBUS_NO_WINDOW', `${op}: no window ${ref} (not mapped, or closed); ${describeWindows(this.windows())}`);
    }
    const w = this.#find(ref);
    if (w) return w;
    throw new ControlError('ERR_NOSIGBUS_NO_WINDOW', `${op}: no ${describeMatch(ref).replace(/^a /, '')}; ${describeWindows(this.windows())}`);
  }

  /**
   * Waits until `check` (called now and at each event `subscribe` delivers)
   * gives a result; rejects with `timedOut()` after `timeoutMs`, on abort,
   * or on close(). The listener and the timer go as soon as it ends.
   */
  #wait<T>(subscribe: (wake: () => void) => () => void, check: () => T | null, timeoutMs: number, timedOut: () => ControlError, signal?: AbortSignal): Promise<T> {
    const now = check();
    if (now !== null) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      let unsubscribe = (): void => {};
      const end = (error: ControlError | null, value?: T): void => {
        unsubscribe();
        clearTimeout(timer);
        this.#pending.delete(fail);
        signal?.removeEventListener('abort', abort);
        if (error) reject(error);
        else resolve(value!);
      };
      const fail = (error: ControlError): void => end(error);
      const abort = (): void => end(new ControlError('ERR_NOSIGBUS_CLOSED', 'the request was cancelled'));
      const timer = setTimeout(() => end(timedOut()), timeoutMs);
      this.#pending.add(fail);
      signal?.addEventListener('abort', abort, { once: true });
      if (signal?.aborted) return abort();
      let checking = false;
      unsubscribe = subscribe(() => {
        // Results are read once the event's own work is done (a commit's role state applies after its listeners).
        if (checking) return;
        checking = true;
        queueMicrotask(() => {
          checking = false;
          if (!this.#pending.has(fail)) return;
          const v = check();
          if (v !== null) end(null, v);
        });
      });
    });
  }

  #waitWindow(match: WindowMatch, timeoutMs: number, signal?: AbortSignal): Promise<WindowInfo> {
    const start = Date.now();
    // After the first look (the whole stack), only the window an event is about: O(1) per event.
    let candidate: XdgSurface | null = null;
    return this.#wait(
      (wake) =>
        this.compositor.desktop.windowEvents.add((e) => {
          if (e.type === 'unmapped' || !this.#matches(e.window, match)) return;
          candidate = e.window;
          wake();
        }),
      () => {
        const w = candidate ?? this.#find(match);
        return w && this.#live(w) && this.#matches(w, match) ? this.#info(w) : null;
      },
      timeoutMs,
      () => new ControlError('ERR_NOSIGBUS_TIMEOUT', `timed out after ${Date.now() - start} ms waiting for ${describeMatch(match)}; ${describeWindows(this.windows())}`),
      signal,
    );
  }

  #waitIdle(quietMs: number, timeoutMs: number, signal?: AbortSignal): Promise<{ waitedMs: number }> {
    const start = Date.now();
    let last = start;
    // Who kept committing (for the message): commits per client since the wait began.
    const committers = new Map<Client, number>();
    return new Promise((resolve, reject) => {
      const off = this.compositor.commits.add((surface: Surface) => {
        last = Date.now();
        committers.set(surface.client, (committers.get(surface.client) ?? 0) + 1);
      });
      const end = (error: ControlError | null): void => {
        off();
        clearTimeout(timer);
        this.#pending.delete(end);
        signal?.removeEventListener('abort', abort);
        if (error) reject(error);
        else resolve({ waitedMs: Date.now() - start });
      };
      const abort = (): void => end(new ControlError('ERR_NOSIGBUS_CLOSED', 'the request was cancelled'));
      // The timer fires when the quiet spell would be over; a commit since moves that later.
      const check = (): void => {
        const now = Date.now();
        if (now - last >= quietMs) return end(null);
        if (now - start >= timeoutMs) {
          const who = [...committers].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([c, n]) => `${this.compositor.labelOf(c)}: ${n}`).join(', ');
          return end(new ControlError('ERR_NOSIGBUS_TIMEOUT', `timed out after ${now - start} ms waiting for ${quietMs} ms without a commit (commits meanwhile: ${who || 'none'}; the last ${now - last} ms ago); ${describeWindows(this.windows())}`));
        }
        timer = setTimeout(check, Math.max(1, Math.min(last + quietMs, start + timeoutMs) - now));
      };
      let timer = setTimeout(check, Math.min(quietMs, timeoutMs));
      this.#pending.add(end);
      signal?.addEventListener('abort', abort, { once: true });
      if (signal?.aborted) abort();
    });
  }

  /** Raises and focuses a window (as a click on it would) before input aimed at it. */
  #focus(w: XdgSurface): void {
    this.compositor.desktop.activate(w.surface);
  }

  /** The outputs for messages: "the output (640x480)", or each output's size and place. */
  #outputsDescribed(): string {
    const outputs = this.compositor.outputs;
    if (outputs.length === 1) return `the output (${outputs[0]!.logicalWidth}x${outputs[0]!.logicalHeight})`;
    return `every output (${outputs.map((o) => `${o.name} ${o.logicalWidth}x${o.logicalHeight}+${o.x},${o.y}`).join(', ')})`;
  }

  /** Output coordinates of (x, y) in `ref`'s window (focused first), or of the outputs themselves. */
  #point(op: string, ref: WindowRef | undefined, x: number, y: number): { x: number; y: number } {
    const layout = this.compositor.layout;
    if (ref === undefined) {
      if (!layout.covers(x, y)) throw new ControlError('ERR_NOSIGBUS_CANNOT', `${op}: ${x},${y} is outside ${this.#outputsDescribed()}`);
      return { x, y };
    }
    const w = this.#resolve(op, ref);
    if (x < 0 || y < 0 || x >= w.windowWidth || y >= w.windowHeight)
      throw new ControlError('ERR_NOSIGBUS_CANNOT', `${op}: ${x},${y} is outside window ${describeWindow(this.#info(w))}`);
    const at = { x: w.x + x, y: w.y + y };
    // The pointer stays on the outputs: a point of the window beyond them would be clicked at an edge instead.
    if (!layout.covers(at.x, at.y))
      throw new ControlError('ERR_NOSIGBUS_CANNOT', `${op}: ${x},${y} of window ${describeWindow(this.#info(w))} is at ${at.x},${at.y}, off ${this.#outputsDescribed()}; make the output larger`);
    this.#focus(w);
    return at;
  }

  async #click(ref: WindowRef | undefined, x: number, y: number, button: Button): Promise<null> {
    await this.compositor.input.pointer.click(button, this.#point('click', ref, x, y));
    return null;
  }

  async #move(ref: WindowRef | undefined, x: number, y: number): Promise<null> {
    const p = this.#point('move', ref, x, y);
    await this.compositor.input.pointer.move(p.x, p.y);
    return null;
  }

  async #scroll(ref: WindowRef | undefined, dx: number, dy: number, at: { x: number; y: number } | null): Promise<null> {
    const pointer = this.compositor.input.pointer;
    if (at) {
      const p = this.#point('scroll', ref, at.x, at.y);
      await pointer.move(p.x, p.y);
    }
    else if (ref !== undefined) {
      // Where the pointer is, if that is inside the window; else the window's centre.
      const w = this.#resolve('scroll', ref);
      this.#focus(w);
      const p = this.compositor.seat.pointerPosition;
      const inside = p.x >= w.x && p.y >= w.y && p.x < w.x + w.windowWidth && p.y < w.y + w.windowHeight;
      if (!inside) await pointer.move(w.x + w.windowWidth / 2, w.y + w.windowHeight / 2);
    }
    await pointer.scroll(dy, dx);
    return null;
  }

  /** Keys to `ref`'s window (focused first), else to whatever has keyboard focus. */
  async #keys(op: string, ref: WindowRef | undefined, send: () => Promise<void>): Promise<null> {
    if (ref !== undefined) this.#focus(this.#resolve(op, ref));
    else if (this.compositor.seat.keyboardFocus === null)
      throw new ControlError('ERR_NOSIGBUS_NO_WINDOW', `${op}: no window has keyboard focus; ${describeWindows(this.windows())}`);
    await send();
    return null;
  }

  async #screenshot(ref: WindowRef | undefined): Promise<Screenshot> {
    let image: Image;
    if (ref === undefined) {
      image = imageRgba(this.compositor.screenshot()); // everything committed so far, shown: the whole layout
    } else image = this.#windowImage(this.#resolve('screenshot', ref));
    return { png: await encodePng(image), width: image.width, height: image.height };
  }

  /** The window (its surface tree and its popups) alone on the background, cut to its geometry. */
  #windowImage(w: XdgSurface): Image {
    const c = this.compositor;
    // The output's renderer takes the damage first: rendering empties the surfaces' damage lists.
    c.paint();
    // At the scale of the output it is on.
    const s = c.outputOf(w).scale;
    const width = Math.round(w.windowWidth * s);
    const height = Math.round(w.windowHeight * s);
    if (width < 1 || height < 1 || width > MAX_OUTPUT_SIZE || height > MAX_OUTPUT_SIZE)
      throw new ControlError('ERR_NOSIGBUS_CANNOT', `screenshot: window ${describeWindow(this.#info(w))} is ${width}x${height} pixels, outside 1..${MAX_OUTPUT_SIZE}`);
    const roots: SceneRoot[] = [];
    for (const r of c.sceneRoots()) if (xdgSurfaceOf(r.surface)?.owningToplevel === w) roots.push({ surface: r.surface, x: r.x - w.x, y: r.y - w.y });
    const saved: [Surface, Rect[]][] = [];
    for (const r of roots) for (const p of placeTree(r.surface, 0, 0, [])) saved.push([p.surface, p.surface.damage]);
    const output = new Output({ width, height, scale: s, refresh: 60 });
    const renderer = new Renderer(output);
    try {
      renderer.render(roots);
    } finally {
      for (const [surface, damage] of saved) surface.damage = damage;
    }
    // A surface that fails or is rescued here fails the same way in the output's next paint, which acts on it.
    renderer.takeFailures();
    renderer.takeRescued();
    return captureRgba(output, output.framebuffer, rect(0, 0, width, height));
  }

  async #resize(ref: WindowRef, width: number, height: number, timeoutMs: number, signal?: AbortSignal): Promise<WindowInfo> {
    const w = this.#resolve('resize', ref);
    const serial = w.toplevel!.requestSize(width, height);
    if (serial === null) throw new ControlError('ERR_NOSIGBUS_CANNOT', `resize: window ${describeWindow(this.#info(w))} cannot be configured now`);
    const start = Date.now();
    let committed = false;
    return this.#wait(
      (wake) => this.compositor.commits.add((surface) => {
        if (surface !== w.surface || w.lastAckedSerial === null || !serialReached(w.lastAckedSerial, serial)) return;
        committed = true;
        wake();
      }),
      () => (committed && this.#live(w) ? this.#info(w) : null),
      timeoutMs,
      () => new ControlError('ERR_NOSIGBUS_TIMEOUT', `timed out after ${Date.now() - start} ms waiting for window ${this.#live(w) ? describeWindow(this.#info(w)) : '(gone)'} to ack and commit its ${width}x${height} configure; ${describeWindows(this.windows())}`),
      signal,
    );
  }

  async #close(ref: WindowRef, timeoutMs: number, signal?: AbortSignal): Promise<null> {
    const w = this.#resolve('close', ref);
    const before = this.#info(w);
    w.toplevel!.resource.send('close');
    const start = Date.now();
    return this.#wait(
      (wake) => this.compositor.desktop.windowEvents.add((e) => e.type === 'unmapped' && e.window === w && wake()),
      () => (this.#live(w) ? null : true),
      timeoutMs,
      () => new ControlError('ERR_NOSIGBUS_TIMEOUT', `timed out after ${Date.now() - start} ms waiting for window ${describeWindow(before)} to close (xdg_toplevel.close sent; it is still mapped); ${describeWindows(this.windows())}`),
      signal,
    ).then(() => null);
  }

  #output(width: number, height: number): OutputInfo {
    this.compositor.output.setMode({ width, height });
    return this.#outputInfo();
  }
}

/** `acked` is `serial` or a later one (32-bit serials, wrapping). */
function serialReached(acked: number, serial: number): boolean {
  return ((acked - serial) >>> 0) < 0x80000000;
}

function clientPid(client: Client): number | null {
  const pid = client.credentials?.pid;
  return pid ? pid : null;
}
