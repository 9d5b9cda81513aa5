// The headless compositor, wired top to bottom: a display, its globals (one
// `create…Global(display, …)` per protocol area), the desktop that decides
// window policy, and the frame clock that paints and answers frame
// callbacks; screenshots.
//
// Where things are:
//  - what happens on wl_surface.commit: core/surface.ts (then the role's
//    committed(): shell/xdg-shell.ts, shell/layer-shell.ts, core/subsurface.ts);
//  - how a frame is painted: #tick() here → output/renderer.ts → core/pixman.ts;
//  - where a window is placed, how windows stack, where focus changes:
//    desktop/desktop.ts;
//  - wl_shm_pool.resize and the guarded mappings: core/shm.ts → src/shm.
//
// Invariants:
//  - the globals are created by the `create…Global` calls in the
//    constructor, in the order clients see them; each area's function names
//    its interface and version (Debian 12's XML, or the published XML of
//    the version served); zwlr_data_control_manager_v1 and
//    ext_data_control_manager_v1 are left out with options.dataControl false; wl_data_device_manager and
//    zwp_primary_selection_device_manager_v1 come with the seat
//    (attachSelectionSeat: GTK crashes on primary selection without a seat);
//  - the first paint (the background) is pending from the start, so a
//    screen capture before any client committed shows the background, not
//    the zeros of a framebuffer never painted (no timer is armed for it);
//  - outputs are fixed at start (options.outputs, else one of width ×
//    height at scale): HEADLESS-1, HEADLESS-2, … in one logical layout
//    (output/layout.ts), each with its own wl_output global, framebuffer
//    and renderer; no client can add one;
//  - an output mode change repaints that output; the desktop re-arranges
//    what is sized to an output (maximized and fullscreen toplevels,
//    layer surfaces) and moves the windows on an output that moved;
//  - one frame clock for every output: the refresh timer runs only while
//    something waits for it (a frame callback, feedback or damage),
//    ticking on the grid of the fastest output's refresh (start + k ×
//    period), so every output is painted at least as often as its own rate
//    asks: an idle compositor has no timer and uses no CPU;
//  - at each tick: paint the damage of every output, send wl_surface.enter
//    and leave as surfaces moved between outputs (output/presence.ts),
//    then answer the frame callbacks and presentation feedback of every
//    commit made before the tick, once (sync_output: the first output the
//    surface is on);
//  - one client's failure (truncated buffer, protocol error, hang-up) touches
//    no other client: its surfaces leave the scene, the others go on; an
//    exception while painting one client's surface, answering its frame
//    callbacks or presentation feedback ends that client (wl_display.error
//    implementation, logged with its stack), never the compositor;
//  - client pixels cost the compositor at most the pixel budget (per client
//    and in all, core/content.ts): past it buffers are shown in place.
import { LEVELS, type LogLevel } from './log.js';
import { Listeners } from './events.js';
import { ClientStatsBook, type ClientStats } from './client-stats.js';
import { writeFileSync } from 'node:fs';
import { Display, type Client, type Resource } from '../server/index.js';
import type { wl_callback } from '../protocol/wayland.js';
import type { wp_presentation_feedback } from '../protocol/presentation-time.js';
import type { Listener } from '../wire/socket.js';
import type { UnixStream } from '../wire/socket.js';
import { createOutputGlobals, MAX_OUTPUT_SIZE, Output, outputOfResource } from './output/output.js';
import { checkLayout, OutputLayout, placeOutputs, type OutputSpec } from './output/layout.js';
import { OutputPresence } from './output/presence.js';
import { createPresentationGlobal, discard, presented } from './core/presentation.js';
import { composeLayout, imageRgba } from './output/capture.js';
import type { TargetImage } from './core/pixman.js';
import { Renderer, type SceneRoot } from './output/renderer.js';
import { createScreencopyGlobal } from './output/screencopy.js';
import { CaptureQueue } from './output/capture-queue.js';
import { createImageCopyCaptureGlobals, type ImageCopyCapture } from './output/image-copy-capture.js';
import { createDataControlGlobal, EXT_DATA_CONTROL, WLR_DATA_CONTROL } from './selection/data-control.js';
import { createDataDeviceGlobal, type DataDevices } from './selection/data-device.js';
import { createPrimarySelectionGlobal } from './selection/primary-selection.js';
import { Selections, type SelectionSeat } from './selection/selection.js';
import { DEFAULT_CLIENT_PIXEL_BUDGET, DEFAULT_TOTAL_PIXEL_BUDGET, PixelBudget } from './core/content.js';
import { createShmGlobal, postAccessError, type ShmStats, type TruncationPolicy } from './core/shm.js';
import { createSubcompositorGlobal } from './core/subsurface.js';
import { createCompositorGlobal, type Surface, type SurfaceHost } from './core/surface.js';
import { createViewporterGlobal } from './core/viewporter.js';
import { createSinglePixelBufferGlobal } from './core/single-pixel-buffer.js';
import { createFractionalScaleGlobal, type FractionalScales } from './core/fractional-scale.js';
import { createIdleInhibitGlobal, type IdleInhibitHost, type IdleInhibitors } from './core/idle-inhibit.js';
import { createActivationGlobal } from './shell/activation.js';
import { createXdgForeignGlobals } from './shell/xdg-foreign.js';
import { Input } from './input/scripted.js';
import { createSeatGlobal, type Seat, type SeatHost } from './input/seat.js';
import { createVirtualKeyboardGlobal, createVirtualPointerGlobal } from './input/virtual-input.js';
import { createRelativePointerGlobal } from './input/relative-pointer.js';
import { createPointerConstraintsGlobal, type PointerConstraints } from './input/pointer-constraints.js';
import { createCursorShapeGlobal } from './input/cursor-shape.js';
import type { KeymapNames } from './input/xkb.js';
import { createDecorationGlobal } from './shell/decoration.js';
import { createLayerShellGlobal, type LayerShell, type LayerShellHost } from './shell/layer-shell.js';
import { createOutputManagementGlobal } from './output/output-management.js';
import type { Rect } from './core/region.js';
import { createXdgShellGlobal, type Shell, type ShellHost, type XdgSurface } from './shell/xdg-shell.js';
import { Desktop, type DesktopHost } from './desktop/desktop.js';
import type { WindowStack } from './desktop/window-stack.js';

export type { LogLevel } from './log.js';
export type { ClientStats } from './client-stats.js';
export type { OutputSpec } from './output/layout.js';

export interface CompositorOptions {
  /** The one output's size in pixels and scale (defaults 1024 × 768, 1), when `outputs` is not given. */
  width?: number;
  height?: number;
  scale?: number;
  /** Several outputs, HEADLESS-1, HEADLESS-2, … in this order (instead of width, height and
   * scale: giving both is a TypeError); each without a position goes right of the previous one. */
  outputs?: readonly OutputSpec[];
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
  /** Advertise zwlr_data_control_manager_v1 and ext_data_control_manager_v1 (default true; false: clipboard tools need keyboard focus). */
  dataControl?: boolean;
  /** Gives the JavaScript heap back (the CLI's runs full collections until
   * V8 shrinks it): called a second after a client with 1,000 objects or more
   * left, so that what it grew goes back within seconds (default: none). */
  releaseMemory?: () => void;
  /** Bytes of client pixels copied into compositor memory, per client and in all
   * (defaults 128 MiB and 384 MiB); buffers past it are shown in place (content.ts). */
  pixelBudget?: { perClient?: number; total?: number };
}

interface QueuedFrame {
  surface: Surface;
  frames: Resource<typeof wl_callback>[];
  feedbacks: Resource<typeof wp_presentation_feedback>[];
}

/** A client leaving with this many objects or more makes the heap worth collecting at once. */
const RELEASE_AFTER_OBJECTS = 1000;

export class Compositor implements SurfaceHost, ShellHost, LayerShellHost, DesktopHost {
  readonly display: Display;
  /** Every output, in order (HEADLESS-1 first). */
  readonly outputs: readonly Output[];
  readonly layout: OutputLayout;
  /** The first output (where new toplevels open). */
  readonly output: Output;
  /** One renderer per output, in the outputs' order. */
  readonly renderers: readonly Renderer[];
  /** The first output's renderer. */
  readonly renderer: Renderer;
  /** Which outputs each surface is on (wl_surface.enter/leave). */
  readonly presence = new OutputPresence();
  readonly policy: TruncationPolicy;
  readonly shm: ShmStats = { pools: 0, buffers: 0 };
  readonly pixelBudget: PixelBudget;
  readonly #releaseMemory: (() => void) | null;
  #releaseTimer: NodeJS.Timeout | null = null;
  readonly seat: Seat;
  /** zwp_pointer_constraints_v1: which constraint is active, how many surfaces have one. */
  readonly pointerConstraints: PointerConstraints;
  /** wp_fractional_scale_manager_v1: the objects that are told the output's scale. */
  readonly fractionalScales: FractionalScales;
  /** zwp_idle_inhibit_manager_v1: the inhibitors, and whether a shown surface inhibits idling (idleInhibited). */
  readonly idleInhibitors: IdleInhibitors;
  /** Window policy: the stack, placement, focus and activation, the scene (desktop/desktop.ts). */
  readonly desktop: Desktop;
  /** Scripted keyboard and pointer input (see input/scripted.ts). */
  readonly input: Input;
  readonly #drawCursor: boolean;
  /** What was seen of each client (reports and tests). */
  readonly #stats = new ClientStatsBook();
  readonly #log: (line: string) => void;
  readonly #level: number;
  readonly #shell: Shell;
  /** Screen capture into clients' buffers, for both capture protocols (output/capture-queue.ts). */
  readonly captures: CaptureQueue;
  /** ext_image_copy_capture_manager_v1 and its output capture sources: the sessions. */
  readonly imageCopyCapture: ImageCopyCapture;
  /** The clipboard and primary selections, shared by the three selection protocols. */
  readonly selections = new Selections();
  #dataDevices: DataDevices | null = null;
  readonly layerShell: LayerShell;
  /** Frame callbacks and feedback waiting for the next refresh, per surface (in order of first commit). */
  #queued = new Map<Surface, QueuedFrame>();
  /** Damage waits to be painted; at first the whole background. */
  #repaint = true;
  #timer: NodeJS.Timeout | null = null;
  #pingTimer: NodeJS.Timeout | null = null;
  readonly #epoch = process.hrtime.bigint();
  #sequence = 0;
  #lastVblank = 0n;
  #closed = false;
  /** Refreshes that ran (painted or answered callbacks). */
  ticks = 0;
  /** Every surface commit, as its state is applied (src/session waits for a quiet spell on it). */
  readonly commits = new Listeners<Surface>((e) => this.log('error', `a commit listener failed: ${stackOf(e)}`));

  constructor(options: CompositorOptions = {}) {
    this.policy = options.onTruncate ?? 'error';
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#level = LEVELS.indexOf(options.logLevel ?? 'warn');
    // First: a bad layout throws before anything is made.
    this.outputs = makeOutputs(options);
    this.layout = new OutputLayout(this.outputs);
    this.display = new Display({ onInternalError: (e) => this.log('error', `internal error: ${stackOf(e)}`) });
    this.output = this.layout.first;
    this.renderers = this.outputs.map((o) => new Renderer(o));
    this.renderer = this.renderers[0]!;
    this.#releaseMemory = options.releaseMemory ?? null;
    const perClient = options.pixelBudget?.perClient ?? DEFAULT_CLIENT_PIXEL_BUDGET;
    // A per-client budget alone lets three clients copy that much.
    this.pixelBudget = new PixelBudget(perClient, options.pixelBudget?.total ?? (perClient > 0 ? 3 * perClient : DEFAULT_TOTAL_PIXEL_BUDGET));

    // The globals, in registry order.
    const display = this.display;
    createCompositorGlobal(display, this);
    createSubcompositorGlobal(display);
    createShmGlobal(display, this.shm);
    createOutputGlobals(display, this.outputs);
    this.#shell = createXdgShellGlobal(display, this);
    createViewporterGlobal(display);
    createPresentationGlobal(display);
    this.captures = new CaptureQueue(this);
    createScreencopyGlobal(display, this.captures);
    this.imageCopyCapture = createImageCopyCaptureGlobals(display, this.captures, { outputOf: (resource) => outputOfResource(resource) });
    const seatHost: SeatHost = {
      display,
      layout: this.layout,
      sceneRoots: () => this.desktop.sceneRoots(),
      pointerPressed: (hit) => this.desktop.pointerPressed(hit),
      scheduleRepaint: () => this.scheduleRepaint(),
      log: (level, message) => this.log(level, message),
    };
    this.seat = createSeatGlobal(display, seatHost, { ...(options.keyboard ? { keyboard: options.keyboard } : {}), keymapOnFirstUse: options.keymapOnFirstUse ?? false });
    this.input = new Input(this.seat);
    this.#drawCursor = options.cursor ?? false;
    createVirtualKeyboardGlobal(display, this.seat);
    createVirtualPointerGlobal(display, this.seat);
    createActivationGlobal(display, { activate: (surface) => this.desktop.activate(surface) });
    this.attachSelectionSeat(this.seat);
    if (options.dataControl !== false) createDataControlGlobal(display, this.selections, WLR_DATA_CONTROL);
    if (options.dataControl !== false) createDataControlGlobal(display, this.selections, EXT_DATA_CONTROL);
    this.layerShell = createLayerShellGlobal(display, this);
    createDecorationGlobal(display);
    createOutputManagementGlobal(display, this.layout);
    createSinglePixelBufferGlobal(display);
    createXdgForeignGlobals(display);
    createRelativePointerGlobal(display, this.seat);
    this.pointerConstraints = createPointerConstraintsGlobal(display, this.seat);
    this.fractionalScales = createFractionalScaleGlobal(display, { scale120Of: (surface) => this.#scale120Of(surface) });
    this.idleInhibitors = createIdleInhibitGlobal(display, this.#idleInhibitHost());
    createCursorShapeGlobal(display, this.seat);
    // Window policy, over the areas it decides for (the hosts above reach it once clients talk).
    this.desktop = new Desktop(this, { seat: this.seat, shell: this.#shell, layerShell: this.layerShell });
    for (const o of this.outputs) o.onChange(() => this.#outputChanged(o));
    this.idleInhibitors.onChange((on) => this.log('info', on ? 'idle inhibited: a shown surface has an idle inhibitor' : 'idle no longer inhibited'));
    // The pointer starts at 0,0: on an output, wherever the first one was put.
    const start = this.layout.clamp(0, 0);
    if (start.x !== 0 || start.y !== 0) this.seat.pointer.warp(start.x, start.y);

    this.display.onClient((client) => this.#track(client));
    const ping = options.pingIntervalMs ?? 10_000;
    if (ping > 0) {
      this.#pingTimer = setInterval(() => this.#guarded('ping', () => this.#shell.ping()), ping);
      this.#pingTimer.unref();
    }
  }

  /** The scale a surface is best drawn at (numerator over 120): the highest of the outputs it is on, else the first output's. */
  #scale120Of(surface: Surface): number {
    let best = 0;
    for (const o of this.presence.outputsOf(surface)) best = Math.max(best, o.scale120);
    return best || this.output.scale120;
  }

  #idleInhibitHost(): IdleInhibitHost {
    return {
      shown: (surface) => this.renderers.some((r) => r.shows(surface)),
      onPainted: (listener) => {
        for (const r of this.renderers) r.onDamage(listener);
      },
      countInhibitors: (client, live) => {
        const stats = this.#stats.of(client);
        if (stats) stats.idleInhibitors = live;
      },
    };
  }

  /** A shown surface has an idle inhibitor: an idle feature (none yet: the output never idles) must not idle. */
  get idleInhibited(): boolean {
    return this.idleInhibitors.inhibited;
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
    const stats = this.#stats.of(client);
    if (stats) stats.label = label;
    return client;
  }

  /** Everything seen of each client, connected or gone (the latest 1,024 to 2,048 gone ones), in connection order. */
  get clientStats(): readonly ClientStats[] {
    return this.#stats.all();
  }

  statsOf(client: Client): ClientStats | undefined {
    return this.#stats.of(client);
  }

  #track(client: Client): void {
    const stats = this.#stats.track(client);
    client.onDestroy((c) => {
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
    const stats = this.#stats.of(client);
    if (stats) stats.rescues++;
    this.log('warn', `${stats?.label ?? 'a client'} truncated a buffer under us: ${policy === 'error' ? 'invalid_fd posted' : 'showing zeros'}`);
  }

  countCommit(client: Client, surface: Surface): void {
    this.commits.emit(surface);
    const stats = this.#stats.of(client);
    if (!stats) return;
    stats.commits++;
    stats.firstCommitMs ??= this.#elapsedMs();
  }

  surfaceDestroyed(surface: Surface): void {
    this.presence.forget(surface);
    // O(this surface's callbacks), whatever every other surface has queued.
    const q = this.#queued.get(surface);
    if (q) {
      this.#queued.delete(surface);
      q.frames.forEach((f) => f.destroy());
      q.feedbacks.forEach(discard);
    }
    this.scheduleRepaint();
  }

  // ---- ShellHost, LayerShellHost: what the shells report, the desktop decides on

  usableArea(output: Output = this.output): Rect {
    return this.desktop.usableArea(output);
  }

  /** The output a window is on (sized to, constrained to): see Desktop.outputOf. */
  outputOf(window: XdgSurface): Output {
    return this.desktop.outputOf(window);
  }

  /** The renderer of `output` (one of ours). */
  rendererOf(output: Output): Renderer {
    const i = this.outputs.indexOf(output);
    if (i < 0) throw new RangeError(`${output.name} is not an output of this compositor`);
    return this.renderers[i]!;
  }

  mapWindow(window: XdgSurface): void {
    this.desktop.mapWindow(window);
  }

  unmapWindow(window: XdgSurface): void {
    this.desktop.unmapWindow(window);
  }

  toplevelStateChanged(window: XdgSurface): void {
    this.desktop.toplevelStateChanged(window);
  }

  grabPopup(popup: XdgSurface, serial: number): boolean {
    return this.desktop.grabPopup(popup, serial);
  }

  /** Keyboard focus for layer surfaces (keyboard_interactivity); null gives it back if a layer surface has it. */
  requestKeyboardFocus(surface: Surface | null): void {
    this.desktop.layerKeyboardFocus(surface);
  }

  usableAreaChanged(): void {
    this.desktop.usableAreaChanged();
  }

  toplevelChanged(window: XdgSurface): void {
    this.desktop.windowChanged(window);
  }

  /** Mapped windows (toplevels and popups), bottom to top (the desktop's stack). */
  get windows(): WindowStack {
    return this.desktop.windows;
  }

  #outputChanged(output: Output): void {
    this.rendererOf(output).invalidate();
    this.captures.outputChanged(output);
    this.desktop.outputChanged(output);
    this.fractionalScales.outputChanged();
    this.scheduleRepaint();
    this.log('info', `output ${output.name} mode ${output.width}x${output.height} @ ${output.refreshMilliHz} mHz, scale ${output.scale}, at ${output.x},${output.y}`);
  }

  reportUnresponsive(client: Client): void {
    const stats = this.#stats.of(client);
    if (stats) stats.unresponsive = true;
    this.log('warn', `${this.labelOf(client)} does not answer pings (not disconnected for it)`);
  }

  /** A client's name for log lines ("foot (pid 12)"). */
  labelOf(client: Client): string {
    return this.#stats.labelOf(client);
  }

  // ---- refresh

  /** Nanoseconds between ticks: the fastest output's refresh period. */
  get #periodNs(): number {
    return this.layout.refreshNs;
  }

  /** Arms the refresh timer for the next tick on the clock's grid, if not armed. */
  #arm(): void {
    if (this.#timer || this.#closed) return;
    const period = BigInt(this.#periodNs);
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
      this.captures.refresh(vblank);
    } catch (e) {
      this.log('error', `screen capture failed: ${stackOf(e)}`);
    }
    const ms = Number((vblank / 1_000_000n) & 0xffffffffn);
    const queued = this.#queued;
    this.#queued = new Map();
    for (const q of queued.values()) {
      const client = q.surface.client;
      const stats = this.#stats.of(client);
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
          // Shown on no output (yet): the first, as before several outputs.
          const shownOn = this.presence.primaryOf(q.surface, this.outputs) ?? this.output;
          presented(q.feedbacks, shownOn, vblank, this.#sequence, this.#periodNs);
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
      const roots = this.#paintRoots();
      // A surface that fails on several outputs is one failure.
      const failures = new Map<Surface, unknown>();
      const rescued = new Set<Surface>();
      for (const r of this.renderers) {
        r.render(roots);
        for (const f of r.takeFailures()) if (!failures.has(f.surface)) failures.set(f.surface, f.error);
        for (const s of r.takeRescued()) rescued.add(s);
      }
      const failed = [...failures].map(([surface, error]) => ({ surface, error }));
      // Every output read the surfaces' damage: it is spent.
      for (const s of this.renderer.placedSurfaces) s.damage = [];
      this.presence.update(
        this.renderers.map((r) => ({ output: r.output, surfaces: r.surfacesOnOutput })),
        (surface) => this.fractionalScales.surfaceMoved(surface),
      );
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

  /** Scene roots for the renderer (and hit testing), bottom to top (the desktop's scene). */
  sceneRoots(): SceneRoot[] {
    return this.desktop.sceneRoots();
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
      for (const r of this.renderers) r.invalidate();
    }
  }

  /**
   * The whole layout with everything committed so far painted: the
   * outputs' bounding box (logical) at their highest scale, transparent
   * where no output is (output/capture.ts: composeLayout). One output: a
   * copy of its framebuffer.
   */
  screenshot(): TargetImage {
    this.paint();
    return composeLayout(this.outputs);
  }

  /** The pixels of screenshot() (one output: a copy of its framebuffer, width × height). */
  snapshot(): Uint32Array {
    return this.screenshot().pixels;
  }

  /** PNG bytes of `frame` (default: a screenshot now; pixels alone are taken to be the layout's
   * size now). Needs loadPngEncoder() first. */
  screenshotPng(frame: TargetImage | Uint32Array = this.screenshot()): Uint8Array {
    if (!pngEncode) throw new Error('call loadPngEncoder() before taking PNG screenshots');
    const image = frame instanceof Uint32Array ? { pixels: frame, ...this.#layoutImageSize() } : frame;
    const { width, height, data } = imageRgba(image);
    return pngEncode({ width, height, data, channels: 4, depth: 8 });
  }

  /** The size of screenshot()'s image now. */
  #layoutImageSize(): { width: number; height: number } {
    if (this.outputs.length === 1) return { width: this.output.width, height: this.output.height };
    const { width, height } = this.layout.extent;
    return { width, height };
  }

  writeScreenshot(path: string, frame?: TargetImage | Uint32Array): void {
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

/** The outputs of `options`: `outputs` (checked as a layout before any framebuffer is
 * allocated: a RangeError), else the one of width × height at scale. */
function makeOutputs(options: CompositorOptions): Output[] {
  const refresh = options.refresh ?? 60;
  if (!options.outputs) return [new Output({ width: options.width ?? 1024, height: options.height ?? 768, scale: options.scale ?? 1, refresh })];
  if (options.width !== undefined || options.height !== undefined || options.scale !== undefined)
    throw new TypeError('CompositorOptions: give either outputs or width, height and scale, not both');
  const boxes = placeOutputs(options.outputs);
  for (const b of boxes) {
    const size = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_OUTPUT_SIZE;
    if (!size(b.pixelWidth) || !size(b.pixelHeight) || !(b.scale >= 1)) throw new RangeError(`${b.name}: ${b.pixelWidth}x${b.pixelHeight} at scale ${b.scale} is not an output (1..${MAX_OUTPUT_SIZE} pixels a side, scale ≥ 1)`);
  }
  const why = checkLayout(boxes);
  if (why) throw new RangeError(`bad output layout: ${why}`);
  return boxes.map((b, i) =>
    new Output({ width: b.pixelWidth, height: b.pixelHeight, scale: b.scale, refresh, x: b.x, y: b.y, name: b.name, ...(i > 0 ? { description: `nosigbus headless output ${i + 1}` } : {}) }),
  );
}

let pngEncode: typeof import('fast-png').encode | null = null;

/** Loads the PNG encoder (a third of the start-up time if loaded eagerly; only screenshots need it). */
export async function loadPngEncoder(): Promise<void> {
  pngEncode ??= (await import('fast-png')).encode;
}

function stackOf(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
