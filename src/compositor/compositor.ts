// The headless compositor, wired top to bottom: a display, its globals, the
// scene of windows, the refresh timer that paints and answers frame
// callbacks, screenshots.
//
// Invariants:
//  - globals (versions of Debian 12's XML): wl_compositor 5,
//    wl_subcompositor 1, wl_shm 1, wl_output 4, zxdg_output_manager_v1 3,
//    xdg_wm_base 5, wp_viewporter 1, wp_presentation 1,
//    zwlr_screencopy_manager_v1 3 (screencopy.ts), wl_seat 7,
//    zwp_virtual_keyboard_manager_v1 1, zwlr_virtual_pointer_manager_v1 2
//    and xdg_activation_v1 1 (seat.ts, virtual-input.ts, activation.ts),
//    zwlr_layer_shell_v1 4
//    (layer-shell.ts), zxdg_decoration_manager_v1 1 (decoration.ts),
//    zwlr_output_manager_v1 2 (output-management.ts),
//    zwlr_data_control_manager_v1 2 (data-control.ts; unless
//    options.dataControl is false); with a seat only (attachSelectionSeat):
//    wl_data_device_manager 3 and zwp_primary_selection_device_manager_v1 1
//    (GTK crashes on primary selection without a seat);
//  - the scene, bottom to top: background and bottom layer surfaces, the
//    windows (each toplevel with its popups above it, in the order raised:
//    window-stack.ts), top and overlay layer surfaces, then popups of layer
//    surfaces; mapping, unmapping and raising a window cost O(1), whatever
//    the number of windows (sceneRoots() is O(scene): once per frame or per
//    input event);
//    windows are placed and maximized within the usable area (the output
//    less the layer surfaces' exclusive zones);
//  - an output mode change repaints everything and reconfigures what is
//    sized to the output (maximized and fullscreen toplevels, layer surfaces);
//  - the refresh timer runs only while something waits for it (a frame
//    callback, feedback or damage), ticking on the output's refresh grid
//    (start + k × period): an idle compositor has no timer and uses no CPU;
//  - at each tick: paint the damage, then answer the frame callbacks and
//    presentation feedback of every commit made before the tick, once;
//  - one client's failure (truncated buffer, protocol error, hang-up) touches
//    no other client: its surfaces leave the scene, the others go on; an
//    exception while painting one client's surface, answering its frame
//    callbacks or presentation feedback ends that client (wl_display.error
//    implementation, logged with its stack), never the compositor;
//  - client pixels cost the compositor at most the pixel budget (per client
//    and in all, content.ts): past it buffers are shown in place.
import { LEVELS, type LogLevel } from './log.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { Display, type Client, type Resource } from '../server/index.js';
import type { wl_callback } from '../protocol/wayland.js';
import type { wp_presentation_feedback } from '../protocol/presentation-time.js';
import type { Listener } from '../wire/socket.js';
import type { UnixStream } from '../wire/socket.js';
import { Output } from './output/output.js';
import { createPresentationGlobal, discard, presented } from './core/presentation.js';
import { captureRgba } from './output/capture.js';
import { Renderer, type SceneRoot } from './output/renderer.js';
import { Screencopy } from './output/screencopy.js';
import { createDataControlGlobal } from './selection/data-control.js';
import { createDataDeviceGlobal, type DataDevices } from './selection/data-device.js';
import { createPrimarySelectionGlobal } from './selection/primary-selection.js';
import { Selections, type SelectionSeat } from './selection/selection.js';
import { DEFAULT_CLIENT_PIXEL_BUDGET, DEFAULT_TOTAL_PIXEL_BUDGET, PixelBudget } from './core/content.js';
import { createShmGlobal, postAccessError, type ShmStats, type TruncationPolicy } from './core/shm.js';
import { createSubcompositorGlobal } from './core/subsurface.js';
import { createCompositorGlobal, type Surface, type SurfaceHost } from './core/surface.js';
import { createViewporterGlobal } from './core/viewporter.js';
import { createActivationGlobal } from './shell/activation.js';
import { Input } from './input/scripted.js';
import { Seat } from './input/seat.js';
import { createVirtualKeyboardGlobal, createVirtualPointerGlobal } from './input/virtual-input.js';
import type { KeymapNames } from './input/xkb.js';
import { createDecorationGlobal } from './shell/decoration.js';
import { LAYER, LayerShell, LayerSurface, type LayerShellHost } from './shell/layer-shell.js';
import { OutputManagement } from './output/output-management.js';
import type { Rect } from './core/region.js';
import { createXdgShellGlobal, windowTitle, type Shell, type ShellHost, type XdgSurface } from './shell/xdg-shell.js';
import { WindowStack } from './desktop/window-stack.js';

export type { LogLevel } from './log.js';

export interface CompositorOptions {
  width?: number;
  height?: number;
  scale?: number;
  /** Hz (default 60). */
  refresh?: number;
  onTruncate?: TruncationPolicy;
  logLevel?: LogLevel;
  /** Where log lines go (default: stderr). */
  log?: (line: string) => void;
  /** Ping interval for xdg_wm_base (default 10 s; 0: never). */
  pingIntervalMs?: number;
  /** The seat's keymap (default: layout us). */
  keyboard?: KeymapNames;
  /** Compile the seat's keymap when first needed (a wl_keyboard, a key, typing) rather than
   * here (default false). Spares a start its biggest piece of work (the CLI sets it), at the
   * cost of an error for names libxkbcommon cannot compile coming then, and of the keymap's
   * memfd opening after the constructor. */
  keymapOnFirstUse?: boolean;
  /** Draw the cursor a client set into the output (screenshots, screen capture; default false). */
  cursor?: boolean;
  /** Advertise zwlr_data_control_manager_v1 (default true; false: clipboard tools need keyboard focus). */
  dataControl?: boolean;
  /** Gives the JavaScript heap back (the CLI's runs full collections until
   * V8 shrinks it): called a second after a client with 1,000 objects or more
   * left, so that what it grew goes back within seconds (default: none). */
  releaseMemory?: () => void;
  /** Bytes of client pixels copied into compositor memory, per client and in all
   * (defaults 128 MiB and 384 MiB); buffers past it are shown in place (content.ts). */
  pixelBudget?: { perClient?: number; total?: number };
}

/** What the compositor saw of one client (for reports and tests). */
export interface ClientStats {
  label: string;
  commits: number;
  /** Frame callbacks answered (done sent). */
  frames: number;
  presented: number;
  rescues: number;
  /** The client got a protocol error (and was disconnected). */
  protocolError: boolean;
  disconnected: boolean;
  unresponsive: boolean;
  /** Milliseconds since the compositor started: first commit, last frame callback answered (null: none yet). */
  firstCommitMs: number | null;
  lastFrameMs: number | null;
}

interface QueuedFrame {
  surface: Surface;
  frames: Resource<typeof wl_callback>[];
  feedbacks: Resource<typeof wp_presentation_feedback>[];
}

const CASCADE_STEP = 32;
/** Stats of gone clients kept for reports (the oldest are forgotten past it). */
const MAX_GONE_STATS = 1024;
/** A client leaving with this many objects or more makes the heap worth collecting at once. */
const RELEASE_AFTER_OBJECTS = 1000;

export class Compositor implements SurfaceHost, ShellHost, LayerShellHost {
  readonly display: Display;
  readonly output: Output;
  readonly renderer: Renderer;
  readonly policy: TruncationPolicy;
  readonly shm: ShmStats = { pools: 0, buffers: 0 };
  readonly pixelBudget: PixelBudget;
  readonly #releaseMemory: (() => void) | null;
  #releaseTimer: NodeJS.Timeout | null = null;
  /** Mapped windows (toplevels and popups), bottom to top: O(1) to add, remove and raise (window-stack.ts). */
  readonly windows = new WindowStack();
  readonly seat: Seat;
  /** Scripted keyboard and pointer input (see input.ts). */
  readonly input: Input;
  readonly #drawCursor: boolean;
  /** Stats of the connected clients (a gone client is not kept: nothing may hold it, or its buffers). */
  readonly #stats = new Map<Client, ClientStats>();
  /** Every client's stats in connection order; of the gone ones only the latest MAX_GONE_STATS or so. */
  #history: ClientStats[] = [];
  #goneInHistory = 0;
  readonly #log: (line: string) => void;
  readonly #level: number;
  readonly #shell: Shell;
  readonly #screencopy: Screencopy;
  /** The clipboard and primary selections, shared by the three selection protocols. */
  readonly selections = new Selections();
  #dataDevices: DataDevices | null = null;
  readonly layerShell: LayerShell;
  /** Frame callbacks and feedback waiting for the next refresh, per surface (in order of first commit). */
  #queued = new Map<Surface, QueuedFrame>();
  readonly #unmapListeners: ((window: XdgSurface) => void)[] = [];
  #repaint = false;
  #timer: NodeJS.Timeout | null = null;
  #pingTimer: NodeJS.Timeout | null = null;
  readonly #epoch = process.hrtime.bigint();
  #sequence = 0;
  #lastVblank = 0n;
  #placed = 0;
  #closed = false;
  /** Refreshes that ran (painted or answered callbacks). */
  ticks = 0;

  constructor(options: CompositorOptions = {}) {
    this.policy = options.onTruncate ?? 'error';
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#level = LEVELS.indexOf(options.logLevel ?? 'warn');
    this.display = new Display({ onInternalError: (e) => this.log('error', `internal error: ${stackOf(e)}`) });
    this.output = new Output({ width: options.width ?? 1024, height: options.height ?? 768, scale: options.scale ?? 1, refresh: options.refresh ?? 60 });
    this.renderer = new Renderer(this.output);
    this.#releaseMemory = options.releaseMemory ?? null;
    const perClient = options.pixelBudget?.perClient ?? DEFAULT_CLIENT_PIXEL_BUDGET;
    // A per-client budget alone lets three clients copy that much.
    this.pixelBudget = new PixelBudget(perClient, options.pixelBudget?.total ?? (perClient > 0 ? 3 * perClient : DEFAULT_TOTAL_PIXEL_BUDGET));

    createCompositorGlobal(this.display, this);
    createSubcompositorGlobal(this.display);
    createShmGlobal(this.display, this.shm);
    this.output.createGlobals(this.display);
    this.#shell = createXdgShellGlobal(this);
    createViewporterGlobal(this.display);
    createPresentationGlobal(this.display);
    this.#screencopy = new Screencopy(this.display, this);
    this.seat = new Seat(this, { ...(options.keyboard ? { keyboard: options.keyboard } : {}), keymapOnFirstUse: options.keymapOnFirstUse ?? false });
    this.input = new Input(this.seat);
    this.#drawCursor = options.cursor ?? false;
    createVirtualKeyboardGlobal(this.display, this.seat);
    createVirtualPointerGlobal(this.display, this.seat);
    createActivationGlobal(this.display, this.seat);
    this.attachSelectionSeat(this.seat);
    if (options.dataControl !== false) createDataControlGlobal(this.display, this.selections);
    this.layerShell = new LayerShell(this);
    createDecorationGlobal(this.display);
    new OutputManagement(this.display, this.output);
    this.output.onChange(() => this.#outputChanged());

    this.display.onClient((client) => this.#track(client, labelOf(client)));
    const ping = options.pingIntervalMs ?? 10_000;
    if (ping > 0) {
      this.#pingTimer = setInterval(() => this.#guarded('ping', () => this.#shell.ping()), ping);
      this.#pingTimer.unref();
    }
  }

  /** Advertises the focus-dependent selection globals for `seat` (once). */
  attachSelectionSeat(seat: SelectionSeat): void {
    if (this.#dataDevices) return;
    this.#dataDevices = createDataDeviceGlobal(this.display, this.selections, seat);
    createPrimarySelectionGlobal(this.display, this.selections, seat);
  }

  /** The drag-and-drop icon while a drag shows one (not in sceneRoots: it takes no input). */
  get dragIcon(): { surface: Surface; x: number; y: number } | null {
    return this.#dataDevices?.dragIcon ?? null;
  }

  log(level: LogLevel, message: string): void {
    if (LEVELS.indexOf(level) <= this.#level) this.#log(`nosigbus: ${level}: ${message}`);
  }

  /** Listens on $XDG_RUNTIME_DIR/NAME (default: the first free wayland-N). */
  listen(name?: string, runtimeDir?: string): Listener {
    return this.display.addSocket({ ...(name !== undefined ? { name } : {}), ...(runtimeDir !== undefined ? { runtimeDir } : {}) });
  }

  /** Serves a connected stream (e.g. a socketpair end for an in-process client) under a label. */
  addClient(stream: UnixStream, label: string): Client {
    const client = this.display.addClient(stream);
    const stats = this.#stats.get(client);
    if (stats) stats.label = label;
    return client;
  }

  /** Everything seen of each client, connected or gone (the latest 1,024 to 2,048 gone ones), in connection order. */
  get clientStats(): readonly ClientStats[] {
    return this.#history.slice();
  }

  statsOf(client: Client): ClientStats | undefined {
    return this.#stats.get(client);
  }

  #track(client: Client, label: string): void {
    const stats: ClientStats = { label, commits: 0, frames: 0, presented: 0, rescues: 0, protocolError: false, disconnected: false, unresponsive: false, firstCommitMs: null, lastFrameMs: null };
    this.#stats.set(client, stats);
    this.#history.push(stats);
    client.onDestroy((c) => {
      stats.disconnected = true;
      stats.protocolError = c.errored;
      this.#stats.delete(c);
      // Bounded: a client connecting a million times leaves MAX_GONE_STATS behind (compacted in batches: O(1) amortized).
      if (++this.#goneInHistory > 2 * MAX_GONE_STATS) {
        let drop = this.#goneInHistory - MAX_GONE_STATS;
        this.#history = this.#history.filter((h) => !(h.disconnected && drop-- > 0));
        this.#goneInHistory = MAX_GONE_STATS;
      }
      if (c.objectCount >= RELEASE_AFTER_OBJECTS) this.#scheduleRelease();
      this.log(c.errored ? 'warn' : 'info', `${stats.label}: ${c.errored ? 'disconnected after a protocol error' : 'disconnected'}`);
    });
  }

  /** A full collection a second after a big client left (debounced): the
   * JavaScript heap it grew goes back to the system within seconds, not at
   * whatever time the next collection happens to run. */
  #scheduleRelease(): void {
    const release = this.#releaseMemory;
    if (!release || this.#releaseTimer || this.#closed) return;
    this.#releaseTimer = setTimeout(() => {
      this.#releaseTimer = null;
      release();
    }, 1000);
    this.#releaseTimer.unref();
  }

  // ---- SurfaceHost

  queueFrame(surface: Surface, frames: Resource<typeof wl_callback>[], feedbacks: Resource<typeof wp_presentation_feedback>[]): void {
    const q = this.#queued.get(surface);
    if (q) {
      for (const f of frames) q.frames.push(f);
      for (const f of feedbacks) q.feedbacks.push(f);
    } else this.#queued.set(surface, { surface, frames: [...frames], feedbacks: [...feedbacks] });
    this.#arm();
  }

  scheduleRepaint(): void {
    this.#repaint = true;
    this.#arm();
  }

  /** A refresh soon, without new damage (a screen capture waits for it). */
  scheduleRefresh(): void {
    this.#arm();
  }

  /** Something committed waits for the next refresh to be painted. */
  get repaintPending(): boolean {
    return this.#repaint;
  }

  countRescue(client: Client, policy: TruncationPolicy): void {
    const stats = this.#stats.get(client);
    if (stats) stats.rescues++;
    this.log('warn', `${stats?.label ?? 'a client'} truncated a buffer under us: ${policy === 'error' ? 'invalid_fd posted' : 'showing zeros'}`);
  }

  countCommit(client: Client): void {
    const stats = this.#stats.get(client);
    if (!stats) return;
    stats.commits++;
    stats.firstCommitMs ??= this.#elapsedMs();
  }

  surfaceDestroyed(surface: Surface): void {
    // O(this surface's callbacks), whatever every other surface has queued.
    const q = this.#queued.get(surface);
    if (q) {
      this.#queued.delete(surface);
      q.frames.forEach((f) => f.destroy());
      q.feedbacks.forEach(discard);
    }
    this.scheduleRepaint();
  }

  // ---- ShellHost, LayerShellHost

  usableArea(): Rect {
    return this.layerShell.usableArea;
  }

  /** Keyboard focus for layer surfaces (keyboard_interactivity); null gives it back if a layer surface has it. */
  requestKeyboardFocus(surface: Surface | null): void {
    if (surface) this.seat.focus(surface);
    else if (this.seat.keyboardFocus?.role instanceof LayerSurface) this.seat.refocus();
  }

  usableAreaChanged(): void {
    this.#placeSized();
    this.#shell.reconfigureSized();
  }

  #outputChanged(): void {
    this.renderer.invalidate();
    this.#screencopy.outputChanged();
    this.layerShell.arrange();
    this.#placeSized();
    this.#shell.reconfigureSized();
    // The pointer stays on the output (and what is under it may have moved).
    const { x, y } = this.seat.pointerPosition;
    this.seat.pointer.move(x, y);
    this.scheduleRepaint();
    this.log('info', `output mode ${this.output.width}x${this.output.height} @ ${this.output.refreshMilliHz} mHz, scale ${this.output.scale}`);
  }

  /** Maximized windows at the usable area's origin, fullscreen ones at the output's (O(sized toplevels), not O(windows)). */
  #placeSized(): void {
    const area = this.usableArea();
    for (const t of this.#shell.sized) {
      const w = t.xdg;
      if (!w.mapped) continue;
      if (t.fullscreen) [w.x, w.y] = [0, 0];
      else if (t.maximized) [w.x, w.y] = [area.x, area.y];
    }
    this.scheduleRepaint();
  }

  mapWindow(window: XdgSurface): void {
    if (window.toplevel) {
      const area = this.usableArea();
      if (window.toplevel.fullscreen) {
        window.x = 0;
        window.y = 0;
      } else if (window.toplevel.maximized) {
        window.x = area.x;
        window.y = area.y;
      } else {
        // Cascade from the usable area's top-left corner; keep the window in it.
        const k = this.#placed++ % 10;
        window.x = area.x + Math.max(0, Math.min(CASCADE_STEP * (k + 1), area.width - window.windowWidth));
        window.y = area.y + Math.max(0, Math.min(CASCADE_STEP * (k + 1), area.height - window.windowHeight));
      }
    }
    const root = window.popup?.chainRoot ?? window;
    this.windows.add(window, root, root.popup?.parent instanceof LayerSurface);
    for (const o of this.output.resourcesOf(window.surface.client)) {
      if (window.surface.entered.has(o)) continue;
      window.surface.entered.add(o);
      window.surface.resource.send('enter', o);
    }
    this.log('info', `${this.#label(window.surface.client)}: mapped ${windowTitle(window)} at ${window.x},${window.y}`);
    this.scheduleRepaint();
    this.seat.windowMapped(window);
  }

  /** Runs `listener` just before a window leaves the scene (it is still painted). */
  onUnmap(listener: (window: XdgSurface) => void): void {
    this.#unmapListeners.push(listener);
  }

  unmapWindow(window: XdgSurface): void {
    for (const l of this.#unmapListeners) l(window);
    this.windows.remove(window);
    this.scheduleRepaint();
    this.seat.windowUnmapped(window);
  }

  grabPopup(popup: XdgSurface, serial: number): boolean {
    return this.seat.grabPopup(popup, serial);
  }

  reportUnresponsive(client: Client): void {
    const stats = this.#stats.get(client);
    if (stats) stats.unresponsive = true;
    this.log('warn', `${this.#label(client)} does not answer pings (not disconnected for it)`);
  }

  #label(client: Client): string {
    return this.#stats.get(client)?.label ?? 'client';
  }

  // ---- refresh

  /** Arms the refresh timer for the next tick on the output's grid, if not armed. */
  #arm(): void {
    if (this.#timer || this.#closed) return;
    const period = BigInt(this.output.refreshNs);
    const now = process.hrtime.bigint();
    let next = ((now - this.#epoch) / period + 1n) * period + this.#epoch;
    // A timer may fire a little early: never the same refresh twice.
    if (next <= this.#lastVblank) next = this.#lastVblank + period;
    this.#timer = setTimeout(() => this.#guarded('refresh', () => this.#tick(next)), Math.max(1, Number(next - now) / 1e6));
  }

  /** Runs a timer's work: what one client's state breaks is caught nearer to it (its
   * client is ended); anything reaching here is logged and the compositor goes on. */
  #guarded(what: string, work: () => void): void {
    try {
      work();
    } catch (e) {
      this.log('error', `${what} failed: ${stackOf(e)}`);
    }
  }

  /** One refresh; `vblank` is its time on the output's grid (what presentation feedback reports). */
  #tick(vblank: bigint): void {
    this.#timer = null;
    this.#lastVblank = vblank;
    if (this.#closed) return;
    this.ticks++;
    this.#sequence++;
    if (this.#repaint) {
      this.#repaint = false;
      this.paint();
    }
    try {
      this.#screencopy.refresh(vblank);
    } catch (e) {
      this.log('error', `screen capture failed: ${stackOf(e)}`);
    }
    const ms = Number((vblank / 1_000_000n) & 0xffffffffn);
    const queued = this.#queued;
    this.#queued = new Map();
    for (const q of queued.values()) {
      const client = q.surface.client;
      const stats = this.#stats.get(client);
      try {
        for (const f of q.frames) {
          if (f.destroyed) continue;
          f.send('done', ms);
          f.destroy();
          if (stats) {
            stats.frames++;
            stats.lastFrameMs = this.#elapsedMs();
          }
        }
        if (q.feedbacks.length) {
          presented(q.feedbacks, this.output, vblank, this.#sequence);
          if (stats) stats.presented += q.feedbacks.length;
        }
      } catch (e) {
        client.postImplementationError(e); // that client's frame, that client's end
      }
    }
  }

  /**
   * Paints the damage. What one client's state breaks ends that client, not
   * the compositor: a surface that throws while painted, or whose buffer
   * shown in place turned out truncated (policy 'error'), leaves the scene
   * and the frame is painted again without it, before anything shows it.
   */
  #render(): void {
    for (let pass = 0; pass < 3; pass++) {
      this.renderer.render(this.#paintRoots());
      const failed = this.renderer.takeFailures();
      const rescued = this.renderer.takeRescued();
      let again = false;
      for (const { surface, error } of failed) {
        surface.client.postImplementationError(error); // logged with its stack by the display
        this.#hide(surface);
        again = true;
      }
      for (const surface of rescued) {
        this.countRescue(surface.client, this.policy);
        const c = surface.content;
        if (this.policy === 'error' && c?.kind === 'direct') {
          postAccessError(c.buffer, surface.resource);
          this.#hide(surface);
          again = true;
        }
      }
      if (!again) return;
    }
  }

  /** Takes a surface out of the scene at once (its client is on its way out). */
  #hide(surface: Surface): void {
    surface.content?.free();
    surface.content = null;
  }

  #elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.#epoch) / 1e6;
  }

  /** Scene roots for the renderer (and hit testing), bottom to top. O(scene): once per frame, or per input event. */
  sceneRoots(): SceneRoot[] {
    const roots: SceneRoot[] = this.layerShell.roots([LAYER.background, LAYER.bottom]);
    const windowRoot = (w: XdgSurface): SceneRoot => {
      // A popup follows its parent (placed earlier: parents are below their popups).
      w.popup?.updatePosition();
      return { surface: w.surface, x: w.originX + w.surface.offsetX, y: w.originY + w.surface.offsetY };
    };
    for (const w of this.windows.belowLayers()) roots.push(windowRoot(w));
    for (const r of this.layerShell.roots([LAYER.top, LAYER.overlay])) roots.push(r);
    for (const w of this.windows.aboveLayers()) roots.push(windowRoot(w));
    return roots;
  }

  /** The scene, the drag icon during a drag, and the cursor on top when it is drawn. */
  #paintRoots(): SceneRoot[] {
    const roots = this.sceneRoots();
    const icon = this.dragIcon;
    if (icon) roots.push(icon);
    const cursor = this.#drawCursor ? this.seat.cursorRoot() : null;
    if (cursor) roots.push(cursor);
    return roots;
  }

  /** Paints whatever is pending now (the refresh, tests, screenshots). */
  paint(): void {
    try {
      this.#render();
    } catch (e) {
      // Not one surface's fault (the scene itself): log it, paint everything next time.
      this.log('error', `painting failed: ${stackOf(e)}`);
      this.renderer.invalidate();
    }
  }

  /** A copy of the output with everything committed so far painted. */
  snapshot(): Uint32Array {
    this.paint();
    return this.output.framebuffer.slice();
  }

  /** PNG bytes of `frame` (default: a snapshot now). Needs loadPngEncoder() first. */
  screenshotPng(frame: Uint32Array = this.snapshot()): Uint8Array {
    if (!pngEncode) throw new Error('call loadPngEncoder() before taking PNG screenshots');
    const { width, height, data } = captureRgba(this.output, frame);
    return pngEncode({ width, height, data, channels: 4, depth: 8 });
  }

  writeScreenshot(path: string, frame?: Uint32Array): void {
    writeFileSync(path, this.screenshotPng(frame));
  }

  /** Disconnects every client, removes the sockets, stops the timers. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#releaseTimer) clearTimeout(this.#releaseTimer);
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#timer = this.#pingTimer = null;
    this.display.destroy();
    this.seat.close();
  }
}

let pngEncode: typeof import('fast-png').encode | null = null;

/** Loads the PNG encoder (a third of the start-up time if loaded eagerly; only screenshots need it). */
export async function loadPngEncoder(): Promise<void> {
  pngEncode ??= (await import('fast-png')).encode;
}

function stackOf(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** "weston-simple-shm (pid 123)" from the peer's credentials, else "client". */
function labelOf(client: Client): string {
  const pid = client.credentials?.pid;
  if (!pid || pid === process.pid) return 'client';
  let comm = '';
  try {
    comm = readComm(pid);
  } catch {
    comm = '';
  }
  return comm ? `${comm} (pid ${pid})` : `pid ${pid}`;
}

function readComm(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}
