// An output: wl_output v4 (one global per output), its zxdg_output_v1
// objects (one zxdg_output_manager_v1 v3 global for all outputs), and its
// framebuffer.
//
// Invariants:
//  - the mode is width × height pixels at `refreshMilliHz`; the scale is a
//    multiple of 1/120 in 0.25..8 (scale.ts), held as its numerator; the
//    logical size (what windows are sized to, what xdg_output says) is the
//    mode divided by the scale, rounded down as wlroots does (1024 px at 1.5
//    is 682); wl_output.scale, an integer, says ceil(scale), as wlroots and
//    KWin do: a client that knows no fractional scale draws at 2 for 1.5 and
//    is scaled down (wp_fractional_scale_v1 tells the others 1.5);
//  - logical coordinates become output pixels by toOutputPixels(), one
//    rounding (half up) for every edge, so that two surfaces meeting at a
//    logical edge meet at the same pixel edge: no gap, no overlap;
//  - the logical position (x, y) places it in the layout's one logical
//    coordinate space (layout.ts keeps outputs from overlapping);
//  - every wl_output resource carries its Output (outputOfResource): a
//    request naming a wl_output (screen capture, fullscreen, layer surfaces,
//    xdg_output) finds the output it names in O(1);
//  - every wl_output bind gets geometry, mode, scale, name, description and
//    done, in that order (each only from the version that has it);
//  - zxdg_output_v1 v3 ends with wl_output.done (its own done is deprecated
//    from version 3), earlier versions with zxdg_output_v1.done;
//  - the framebuffer is compositor memory (argb premultiplied, one uint32 per
//    pixel, row-major, no padding): the renderer writes it, screenshots and
//    screen capture read it;
//  - setMode() (output management, tests) changes mode, scale and position
//    at run time: a new framebuffer of the new size, then every xdg_output
//    gets its logical position and size (done by its version: v3 waits for
//    wl_output.done) and every bound wl_output geometry, mode, scale and
//    done again, then the change listeners
//    run (the compositor repaints and reconfigures what is sized to the
//    output). Name and description never change.
//
// What a client may cost: a mode change sends O(1) events to each bound
// wl_output and zxdg_output_v1; a client binds wl_output at most
// MAX_BINDS_PER_GLOBAL (64) times (the server core) and has at most
// MAX_XDG_OUTPUTS (64) zxdg_output_v1 objects (no_memory past it), so a mode
// change costs O(clients), each O(128) events at most. outputsOf() is O(1)
// (no copy): per-client loops over a client's wl_outputs (sync_output for
// every presentation feedback) walk at most 64.
import { wl_output } from '../../protocol/wayland.js';
import { zxdg_output_manager_v1, zxdg_output_v1 } from '../../protocol/xdg-output.js';
import type { Client, Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import { dataOf, implement } from '../../server/typed.js';
import { rect, type Rect } from '../core/region.js';
import { SCALE_DENOMINATOR, scale120Of } from './scale.js';

export interface OutputOptions {
  width: number;
  height: number;
  /** A multiple of 1/120 in 0.25..8 (scale.ts). */
  scale: number;
  /** Refresh rate in Hz. */
  refresh: number;
  name?: string;
  description?: string;
  /** Logical position in the layout (default 0, 0). */
  x?: number;
  y?: number;
}

/** What setMode() changes (omitted fields keep their value). */
export interface OutputMode {
  width: number;
  height: number;
  /** mHz. */
  refreshMilliHz?: number;
  scale?: number;
  /** Logical position in the layout. */
  x?: number;
  y?: number;
}

/** The largest mode accepted at run time, per axis (what --width/--height accept too). */
export const MAX_OUTPUT_SIZE = 16384;
/** The highest refresh rate an output takes (a million Hz). */
export const MAX_REFRESH_MILLIHZ = 1_000_000_000;
/** zxdg_output_v1 objects one client may have (one per wl_output is what clients make); more is no_memory. */
export const MAX_XDG_OUTPUTS = 64;

const MODE = wl_output.enums.mode.entries;

/** A length in output pixels at `scale` (a multiple of 1/120), in logical units (what windows are sized to), rounded down as wlroots does; exact in integers. */
export function logicalLength(pixels: number, scale: number): number {
  return Math.floor((pixels * SCALE_DENOMINATOR) / Math.round(scale * SCALE_DENOMINATOR));
}
const NO_RESOURCES: ReadonlySet<Resource<typeof wl_output>> = new Set();

/** zxdg_output_v1 objects per client, over every output. */
const xdgOutputQuota = new ClientQuota('zxdg_output_v1 objects', MAX_XDG_OUTPUTS);

export class Output {
  #width: number;
  #height: number;
  /** The scale's numerator over SCALE_DENOMINATOR (120). */
  #scale120: number;
  #refreshMilliHz: number;
  #x: number;
  #y: number;
  readonly name: string;
  readonly description: string;
  /** argb premultiplied, width × height. */
  #framebuffer: Uint32Array;
  readonly #resources = new Map<Client, Set<Resource<typeof wl_output>>>();
  /** zxdg_output_v1 objects and the wl_output each was made for. */
  readonly #xdgOutputs = new Map<Resource<typeof zxdg_output_v1>, Resource<typeof wl_output>>();
  readonly #changeListeners: (() => void)[] = [];

  constructor(options: OutputOptions) {
    this.#width = options.width;
    this.#height = options.height;
    this.#scale120 = checkedScale120(options.scale);
    this.#refreshMilliHz = Math.round(options.refresh * 1000);
    this.#x = options.x ?? 0;
    this.#y = options.y ?? 0;
    this.name = options.name ?? 'HEADLESS-1';
    this.description = options.description ?? 'nosigbus headless output';
    this.#framebuffer = new Uint32Array(this.#width * this.#height);
  }

  /** Logical position in the layout. */
  get x(): number {
    return this.#x;
  }

  get y(): number {
    return this.#y;
  }

  /** Where the output is in the layout, logical units. */
  get logicalBox(): Rect {
    return rect(this.#x, this.#y, this.logicalWidth, this.logicalHeight);
  }

  get width(): number {
    return this.#width;
  }

  get height(): number {
    return this.#height;
  }

  /** The scale (1.5 for 3 output pixels per 2 logical units). */
  get scale(): number {
    return this.#scale120 / SCALE_DENOMINATOR;
  }

  /** The scale's numerator over 120: what wp_fractional_scale_v1.preferred_scale says. */
  get scale120(): number {
    return this.#scale120;
  }

  /** What wl_output.scale (an integer) advertises: the scale rounded up. */
  get integerScale(): number {
    return Math.ceil(this.#scale120 / SCALE_DENOMINATOR);
  }

  /** A logical coordinate (an edge) in output pixels: the one rounding every edge gets. */
  toOutputPixels(logical: number): number {
    return Math.round((logical * this.#scale120) / SCALE_DENOMINATOR);
  }

  /**
   * The logical point that input at output pixel `px` means (the live view's
   * pointer): at a fractional scale the pixel's centre, which lies in the
   * surface the renderer drew there whatever the rounding of its edges (its
   * corner may not: a surface at x·s = 49.33 starts at pixel 49, whose corner
   * is left of it); at integer scales its corner, whole logical units.
   */
  toLogical(px: number): number {
    const centre = this.#scale120 % SCALE_DENOMINATOR === 0 ? px : px + 0.5;
    return (centre * SCALE_DENOMINATOR) / this.#scale120;
  }

  /** A logical rectangle in output pixels: its edges through toOutputPixels(). */
  toOutputRect(x: number, y: number, width: number, height: number): Rect {
    const x0 = this.toOutputPixels(x);
    const y0 = this.toOutputPixels(y);
    return rect(x0, y0, this.toOutputPixels(x + width) - x0, this.toOutputPixels(y + height) - y0);
  }

  get refreshMilliHz(): number {
    return this.#refreshMilliHz;
  }

  /** argb premultiplied, width × height (a new array after setMode). */
  get framebuffer(): Uint32Array {
    return this.#framebuffer;
  }

  /** The mode in logical units, rounded down (exact: integers over the numerator). */
  get logicalWidth(): number {
    return Math.floor((this.#width * SCALE_DENOMINATOR) / this.#scale120);
  }

  get logicalHeight(): number {
    return Math.floor((this.#height * SCALE_DENOMINATOR) / this.#scale120);
  }

  /** Nanoseconds per refresh. */
  get refreshNs(): number {
    return Math.round(1e12 / this.#refreshMilliHz);
  }

  /** This client's wl_output objects (a copy). */
  resourcesOf(client: Client): readonly Resource<typeof wl_output>[] {
    return [...this.outputsOf(client)];
  }

  /** This client's wl_output objects, not copied (at most MAX_BINDS_PER_GLOBAL): do not bind or destroy while iterating. */
  outputsOf(client: Client): ReadonlySet<Resource<typeof wl_output>> {
    return this.#resources.get(client) ?? NO_RESOURCES;
  }

  /** Clients with a bound wl_output, zxdg_output_v1 objects (tests: back to 0 once clients left). */
  get bindings(): { clients: number; xdgOutputs: number } {
    return { clients: this.#resources.size, xdgOutputs: this.#xdgOutputs.size };
  }

  /** Runs `listener` after every mode or scale change (events already sent). */
  onChange(listener: () => void): void {
    this.#changeListeners.push(listener);
  }

  /**
   * Changes the mode (and scale, and position): throws a RangeError for a
   * size outside 1..MAX_OUTPUT_SIZE, a refresh below 1 mHz, a scale that is
   * not a multiple of 1/120 in 0.25..8 or a position that is not an
   * integer. A change to the current values sends nothing. Overlaps are the
   * layout's business (layout.ts checks a layout before anything applies it).
   */
  setMode(mode: OutputMode): void {
    const refresh = mode.refreshMilliHz ?? this.#refreshMilliHz;
    const x = mode.x ?? this.#x;
    const y = mode.y ?? this.#y;
    const ok = (n: number, max: number): boolean => Number.isInteger(n) && n >= 1 && n <= max;
    if (!ok(mode.width, MAX_OUTPUT_SIZE) || !ok(mode.height, MAX_OUTPUT_SIZE)) throw new RangeError(`output size ${mode.width}x${mode.height} is outside 1..${MAX_OUTPUT_SIZE}`);
    if (!ok(refresh, MAX_REFRESH_MILLIHZ)) throw new RangeError(`refresh ${refresh} mHz is not a positive integer`);
    const scale120 = mode.scale === undefined ? this.#scale120 : checkedScale120(mode.scale);
    if (!Number.isSafeInteger(x) || !Number.isSafeInteger(y)) throw new RangeError(`position ${x},${y} is not a pair of integers`);
    if (mode.width === this.#width && mode.height === this.#height && refresh === this.#refreshMilliHz && scale120 === this.#scale120 && x === this.#x && y === this.#y) return;
    const resized = mode.width !== this.#width || mode.height !== this.#height;
    this.#width = mode.width;
    this.#height = mode.height;
    this.#refreshMilliHz = refresh;
    this.#scale120 = scale120;
    this.#x = x;
    this.#y = y;
    if (resized) this.#framebuffer = new Uint32Array(this.#width * this.#height);
    // xdg_output v3 state is applied by the wl_output.done that follows it.
    for (const [x, o] of this.#xdgOutputs) this.#sendXdgState(x, o, false);
    for (const set of this.#resources.values()) for (const r of set) this.#sendState(r, false);
    for (const l of this.#changeListeners) l();
  }

  /** A client bound wl_output. */
  bindOutput(resource: Resource<typeof wl_output>): void {
    let set = this.#resources.get(resource.client);
    if (!set) {
      set = new Set();
      this.#resources.set(resource.client, set);
      resource.client.onDestroy((c) => this.#resources.delete(c));
    }
    set.add(resource);
    resource.onDestroy(() => set.delete(resource));
    implement(resource, wl_output, {}, this);
    this.#sendState(resource, true);
  }

  /** geometry, mode, scale (v2), name and description (v4, first time only), done (v2). */
  #sendState(resource: Resource<typeof wl_output>, first: boolean): void {
    if (resource.destroyed) return;
    const v = resource.version;
    // A headless output has no physical size; 0 × 0 mm is what the protocol allows for that.
    // x, y: the position in the compositor's space (as weston sends it), the logical one here.
    resource.send('geometry', this.#x, this.#y, 0, 0, wl_output.enums.subpixel.entries.unknown, 'nosigbus', 'headless', 0);
    resource.send('mode', MODE.current | MODE.preferred, this.#width, this.#height, this.#refreshMilliHz);
    if (v >= 2) resource.send('scale', this.integerScale);
    if (v >= 4 && first) {
      resource.send('name', this.name);
      resource.send('description', this.description);
    }
    if (v >= 2) resource.send('done');
  }

  /** get_xdg_output for one of this output's wl_output objects. */
  serveXdgOutput(resource: Resource<typeof zxdg_output_v1>, outputResource: Resource<typeof wl_output>): void {
    implement(resource, zxdg_output_v1, {});
    if (!xdgOutputQuota.acquire(resource)) return;
    this.#xdgOutputs.set(resource, outputResource);
    resource.onDestroy(() => this.#xdgOutputs.delete(resource));
    this.#sendXdgState(resource, outputResource, true);
  }

  #sendXdgState(resource: Resource<typeof zxdg_output_v1>, outputResource: Resource<typeof wl_output>, first: boolean): void {
    if (resource.destroyed) return;
    resource.send('logical_position', this.#x, this.#y);
    resource.send('logical_size', this.logicalWidth, this.logicalHeight);
    if (resource.version >= 2 && first) {
      resource.send('name', this.name);
      resource.send('description', this.description);
    }
    if (resource.version >= 3) {
      // After a mode change the wl_output events that follow end with done.
      if (first && !outputResource.destroyed && outputResource.version >= 2) outputResource.send('done');
    } else resource.send('done');
  }
}

/** `scale`'s numerator over 120; a RangeError if it is not a multiple of 1/120 in 0.25..8. */
function checkedScale120(scale: number): number {
  const k = scale120Of(scale);
  if (k === null) throw new RangeError(`scale ${scale} is not a multiple of 1/120 in 0.25..8`);
  return k;
}

/** The output a wl_output object was bound for (null: none of ours). O(1). */
export function outputOfResource(resource: Resource<typeof wl_output> | null): Output | null {
  return dataOf(resource, Output);
}

/**
 * Creates the zxdg_output_manager_v1 global, then a wl_output global per
 * output, in order. The manager first, as wlroots compositors list it
 * (their outputs come later): clients such as fuzzel ask for an
 * xdg_output (whose name `--output NAME` matches) only for wl_outputs that
 * arrive after the manager.
 */
export function createOutputGlobals(display: Display, outputs: readonly Output[]): void {
  display.createGlobal(zxdg_output_manager_v1, 3, (resource) =>
    implement(resource, zxdg_output_manager_v1, {
      get_xdg_output: (_r, xdgOutput, outputResource) => {
        // Every wl_output object is one of ours; a zombie's has no output: an inert xdg_output.
        const output = outputOfResource(outputResource);
        if (output) output.serveXdgOutput(xdgOutput, outputResource);
        else implement(xdgOutput, zxdg_output_v1, {});
      },
    }),
  );
  for (const output of outputs) display.createGlobal(wl_output, 4, (resource) => output.bindOutput(resource));
}
