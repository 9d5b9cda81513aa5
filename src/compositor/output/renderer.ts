// Software compositing into an output's framebuffer (one Renderer per
// output).
//
// Invariants:
//  - the scene is drawn bottom to top: windows in stacking order, each with
//    its subsurface tree in its stacking order, onto an opaque background;
//    the framebuffer is therefore opaque everywhere;
//  - only damaged output pixels are redrawn, from the topmost opaque surface
//    covering a damaged rectangle up: content damage of each surface,
//    and the old and new places of surfaces that moved, resized, appeared,
//    disappeared or changed stacking order relative to another (keptInOrder:
//    not the whole scene when one window is raised or mapped); a frame
//    without damage costs a walk of the scene and draws nothing;
//  - pixels are argb premultiplied (what wl_shm's argb8888 is); blending is
//    source-over, src + dst × (255 − αsrc) / 255, and opaque content (an
//    x-format or a fully opaque region) is copied row by row; an area of
//    translucent content inside the surface's opaque region is copied with
//    alpha forced to 0xff (the protocol lets us ignore alpha there), and
//    nothing below it is drawn — GTK's windows are argb for their shadows
//    and corners, with the rest declared opaque;
//  - a surface at logical (x, y), w × h covers the output pixels from
//    round(x·s) to round((x+w)·s) (Output.toOutputRect: the same rounding
//    for every edge, so neighbours meet without gap or overlap at any
//    scale), except content drawn for the output's scale, kept at its own
//    pixel size (outputBox): crisp at fractional scales;
//  - content whose pixels fall on the output's pixel grid (same size,
//    whole-pixel offset, right-angle transforms) is copied pixel for pixel;
//    other content is resampled (samplingFilter, pixman.ts: bilinear when
//    magnified, an area average when shrunk by less than 2);
//  - surface-local damage, opaque regions and the surface's pixels reach
//    the output through the same box: damage rounded outwards, what is
//    opaque rounded inwards;
//  - the scene is in the layout's logical coordinates: a surface at (x, y)
//    is at (x − output.x, y − output.y) on this output (in pixels as above),
//    so what falls outside this output is clipped away and a window
//    straddling two outputs is drawn on both, each by its own Renderer;
//  - surfaces' content damage is read, not consumed: every output's
//    renderer reads it in the same paint, then the compositor clears it
//    (Compositor.#render, after the last output);
//  - everything is clipped to the output and to the damage;
//  - content copied at commit is read from compositor memory; content shown
//    in place (past the pixel budget, content.ts) is read from the client's
//    guarded mapping, only the pixels of the damage, and a rescue during
//    that read is reported (takeRescued) for the truncation policy;
//  - a surface that throws while placed or painted is skipped for the rest
//    of the frame and reported (takeFailures): its client is ended, not the
//    compositor;
//  - cost per frame: O(surfaces × damage rects) per output, damage merged
//    in linear time (simplify), no recursion (tree.ts walks the subsurface
//    trees).
import type { Output } from './output.js';
import type { Content } from '../core/content.js';
import { addDamage, intersect, isEmpty, MAX_DAMAGE_RECTS, rect, sameRect, union, type Rect } from '../core/region.js';
import type { Surface } from '../core/surface.js';
import { placeTree, type PlacedSurface } from '../core/tree.js';
import { composite, Op, samplingFilter, type Affine, type TargetImage } from '../core/pixman.js';

/** A window root: a surface whose origin is at (x, y) logical output units. */
export interface SceneRoot {
  readonly surface: Surface;
  readonly x: number;
  readonly y: number;
}

/** Where a surface was shown: its box and its index in the stacking order. */
interface Shown {
  box: Rect;
  index: number;
}

/**
 * For each placed surface, whether its stacking relative to every other
 * surface shown both times is unchanged: true for the surfaces of a longest
 * increasing run of old indices (O(n log n)), false for the others and for
 * new ones. Two surfaces that swapped cannot both be kept, so damaging the
 * places of the others redraws every overlap whose order changed — one
 * window raised over 3,000 damages that window, not the screen.
 */
function keptInOrder(placed: readonly Placed[], last: ReadonlyMap<Surface, Shown>): boolean[] {
  const kept = new Array<boolean>(placed.length).fill(false);
  const at: number[] = []; // positions in `placed` of surfaces shown before
  for (let i = 0; i < placed.length; i++) if (last.has(placed[i]!.surface)) at.push(i);
  const old = at.map((i) => last.get(placed[i]!.surface)!.index);
  // Patience sorting: tails[k] = position in `old` of the smallest tail of a run of length k + 1.
  const tails: number[] = [];
  const prev = new Array<number>(old.length).fill(-1);
  for (let j = 0; j < old.length; j++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (old[tails[mid]!]! < old[j]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[j] = tails[lo - 1]!;
    tails[lo] = j;
  }
  for (let j = tails.length > 0 ? tails[tails.length - 1]! : -1; j >= 0; j = prev[j]!) kept[at[j]!] = true;
  return kept;
}

/** One surface placed on the output: the output pixels it covers, and the logical size they show. */
interface Placed {
  surface: Surface;
  box: Rect;
  /** Surface-local size (logical units) shown in `box`. */
  width: number;
  height: number;
}

export const BACKGROUND = 0xff203040; // opaque dark blue-grey, argb

export class Renderer {
  readonly output: Output;
  readonly background: number;
  /** What the last render showed: each surface's box and place in the stacking order. */
  #last = new Map<Surface, Shown>();
  #first = true;
  /** Frames that drew something, and output pixels drawn. */
  framesDrawn = 0;
  pixelsDrawn = 0;
  readonly #damageListeners: ((rects: readonly Rect[]) => void)[] = [];
  readonly #rescued = new Set<Surface>();
  readonly #failed = new Map<Surface, unknown>();
  /** The framebuffer as pixman's destination, taken once a render (a mode change replaces it). */
  #target: TargetImage | null = null;
  /** Surfaces the last render placed on this output (their box meets it): what wl_surface.enter follows. */
  #onOutput = new Set<Surface>();

  constructor(output: Output, background = BACKGROUND) {
    this.output = output;
    this.background = background;
  }

  /** Draws what changed; returns the damaged output rectangles (empty: nothing drawn). */
  render(roots: readonly SceneRoot[]): Rect[] {
    const placed: Placed[] = [];
    // The layout's logical space to this output's: its position is its origin.
    const ox = this.output.x;
    const oy = this.output.y;
    const tree: PlacedSurface[] = [];
    for (const root of roots) {
      tree.length = 0;
      try {
        for (const t of placeTree(root.surface, root.x, root.y, tree))
          placed.push({ surface: t.surface, box: outputBox(this.output, t.surface, t.x - ox, t.y - oy), width: t.surface.width, height: t.surface.height });
      } catch (error) {
        this.#fail(root.surface, error);
      }
    }
    const screen = rect(0, 0, this.output.width, this.output.height);
    const damage: Rect[] = [];
    const add = (r: Rect): void => {
      const c = intersect(r, screen);
      if (!isEmpty(c)) damage.push(c);
    };
    if (this.#first) add(screen);
    this.#first = false;
    const next = new Map<Surface, Shown>();
    const onOutput = new Set<Surface>();
    const kept = keptInOrder(placed, this.#last);
    for (let i = 0; i < placed.length; i++) {
      const p = placed[i]!;
      const old = this.#last.get(p.surface)?.box;
      next.set(p.surface, { box: p.box, index: i });
      if (!isEmpty(intersect(p.box, screen))) onOutput.add(p.surface);
      if (!sameRect(old, p.box) || !kept[i]) {
        // New, moved, resized or restacked against another surface: its old and new places.
        if (old) add(old);
        add(p.box);
      } else if (!isEmpty(p.box)) {
        for (const d of p.surface.damage) add(intersect(p.box, onBox(p, d, true)));
      }
    }
    for (const [surface, old] of this.#last) if (!next.has(surface)) add(old.box);
    this.#last = next;
    this.#onOutput = onOutput;
    if (damage.length === 0) return [];
    const rects = simplify(damage);
    const o = this.output;
    if (this.#target?.pixels !== o.framebuffer) this.#target = { pixels: o.framebuffer, width: o.width, height: o.height };
    for (const d of rects) {
      // Start at the topmost opaque surface that covers the whole rect: nothing below it shows.
      let first = placed.length - 1;
      while (first >= 0 && !covers(placed[first]!, d)) first--;
      if (first < 0) this.#fill(d, this.background);
      for (let i = Math.max(0, first); i < placed.length; i++) {
        const p = placed[i]!;
        if (this.#failed.has(p.surface)) continue;
        try {
          this.#draw(p, d);
        } catch (error) {
          this.#fail(p.surface, error);
        }
      }
      this.pixelsDrawn += d.width * d.height;
    }
    this.framesDrawn++;
    for (const l of this.#damageListeners) l(rects);
    return rects;
  }

  /** Every surface the last render placed, on this output or not (the compositor clears their damage once every output read it). */
  get placedSurfaces(): Iterable<Surface> {
    return this.#last.keys();
  }

  /** Surfaces the last render placed on this output (their box meets it). */
  get surfacesOnOutput(): ReadonlySet<Surface> {
    return this.#onOutput;
  }

  /** Surfaces that threw while placed or painted, with the error (then forgotten): their clients' fault, to be ended. */
  takeFailures(): { surface: Surface; error: unknown }[] {
    const list = [...this.#failed].map(([surface, error]) => ({ surface, error }));
    this.#failed.clear();
    return list;
  }

  #fail(surface: Surface, error: unknown): void {
    if (!this.#failed.has(surface)) this.#failed.set(surface, error);
  }

  /** Surfaces shown in place whose buffer the guard had to rescue while painting (then forgotten). */
  takeRescued(): Surface[] {
    const list = [...this.#rescued];
    this.#rescued.clear();
    return list;
  }

  /** Runs `listener` with the damaged rectangles of every render that drew something
   * (screen capture waits for damage, whoever made the render run). */
  onDamage(listener: (rects: readonly Rect[]) => void): void {
    this.#damageListeners.push(listener);
  }

  /** Whether the last render showed `surface`: placed in the scene, mapped, some of it inside the output (occluded or not). O(1). */
  shows(surface: Surface): boolean {
    const shown = this.#last.get(surface);
    return shown !== undefined && !isEmpty(intersect(shown.box, rect(0, 0, this.output.width, this.output.height)));
  }

  /** Forgets what was drawn: the next render redraws everything. */
  invalidate(): void {
    this.#first = true;
  }

  #fill(d: Rect, color: number): void {
    const fb = this.output.framebuffer;
    const W = this.output.width;
    for (let y = d.y; y < d.y + d.height; y++) fb.fill(color, y * W + d.x, y * W + d.x + d.width);
  }

  #draw(p: Placed, d: Rect): void {
    const c = p.surface.content;
    if (!c) return;
    const area = intersect(p.box, d);
    if (isEmpty(area)) return;
    if (c.opaque) this.#drawArea(p, area, 'copy');
    else if (inOpaqueRegion(p, area)) this.#drawArea(p, area, 'force');
    else {
      // Part opaque: the region's largest rect without alpha, the strips around it blended
      // (a whole GTK window's first paint: its inside opaque, shadow and corners not).
      const core = p.surface.opaqueRegion?.largestRect();
      const inner = core ? intersect(area, onBox(p, core, false)) : null;
      if (!inner || isEmpty(inner)) this.#drawArea(p, area, 'blend');
      else {
        this.#drawArea(p, inner, 'force');
        for (const strip of around(area, inner)) this.#drawArea(p, strip, 'blend');
      }
    }
  }

  #drawArea(p: Placed, area: Rect, mode: Mode): void {
    if (isEmpty(area)) return;
    const c = p.surface.content!;
    const image = c.image();
    const op = mode === 'blend' ? Op.Over : Op.CopyOpaque;
    const fb = this.#target!;
    if (!image) {
      // Nothing left to read (a buffer shown in place, destroyed): transparent.
      if (op !== Op.Over) this.#fill(area, 0xff000000);
      return;
    }
    const before = c.kind === 'direct' ? c.buffer.rescueCount : 0;
    const m = toBuffer(p.surface, p.box, c.width, c.height);
    composite(fb, image, op, samplingFilter(m), m, area);
    // Shown in place (past the memory budget): the truncation policy applies now, after the read.
    if (c.kind === 'direct' && c.buffer.rescueCount !== before) this.#rescued.add(p.surface);
  }

}

/** What of its buffer a surface shows: the transformed buffer (TW × TH pixels, what the client
 * meant to show), the viewport's source rectangle in it (else all of it), in surface units at buffer scale `bs`. */
function shownSource(surface: Surface, bufferWidth: number, bufferHeight: number): { TW: number; TH: number; bs: number; src: { x: number; y: number; width: number; height: number } } {
  const swap = (surface.transform & 1) === 1;
  const TW = swap ? bufferHeight : bufferWidth;
  const TH = swap ? bufferWidth : bufferHeight;
  const bs = surface.scale;
  return { TW, TH, bs, src: surface.viewport.source ?? { x: 0, y: 0, width: TW / bs, height: TH / bs } };
}

/**
 * The output pixels a surface at logical (x, y) covers: its logical edges
 * rounded (Output.toOutputRect), so that neighbours meet without a gap or an
 * overlap — except content drawn for the output's scale. When the pixels it
 * shows (after transform and viewport source) number its logical size ×
 * scale, give or take the client's rounding (less than one), its box is
 * that many pixels from round(x·s): copied one for one, crisp, instead of
 * stretched or squeezed by a pixel. That is what wp_fractional_scale_v1
 * clients draw (a 150 × 75 buffer, viewport destination 100 × 50, at 1.5),
 * whose rounding of their size the edges' rounding would miss by one at
 * half-pixel positions; such a box may then overlap a neighbour by one pixel.
 * At integer scales the two rules give the same box.
 */
function outputBox(output: Output, surface: Surface, x: number, y: number): Rect {
  const w = surface.width;
  const h = surface.height;
  const box = output.toOutputRect(x, y, w, h);
  const c = surface.content;
  if (!c || output.scale120 % 120 === 0) return box;
  const { bs, src } = shownSource(surface, c.width, c.height);
  const pw = src.width * bs;
  const ph = src.height * bs;
  const s = output.scale;
  if (!Number.isInteger(pw) || !Number.isInteger(ph) || Math.abs(pw - w * s) >= 1 || Math.abs(ph - h * s) >= 1) return box;
  return rect(box.x, box.y, pw, ph);
}

/** Surface-local rect `r` in output pixels on `p`'s box (not empty), rounded outwards (damage) or inwards (what is opaque).
 * Products first, one division: exact at integer scales. */
function onBox(p: Placed, r: Rect, outwards: boolean): Rect {
  const { box } = p;
  const lo = outwards ? Math.floor : Math.ceil;
  const hi = outwards ? Math.ceil : Math.floor;
  const x0 = lo((r.x * box.width) / p.width);
  const y0 = lo((r.y * box.height) / p.height);
  const x1 = hi(((r.x + r.width) * box.width) / p.width);
  const y1 = hi(((r.y + r.height) * box.height) / p.height);
  return rect(box.x + x0, box.y + y0, x1 - x0, y1 - y0);
}

/**
 * The map from output pixels to buffer pixels of a surface shown in `box`:
 * through its viewport (source rectangle, else the whole buffer), buffer
 * scale and buffer transform (wl_output.transform: how the client rotated
 * its content, undone here). Continuous coordinates, pixel centres at +0.5.
 */
function toBuffer(surface: Surface, box: Rect, bufferWidth: number, bufferHeight: number): Affine {
  const t = surface.transform & 7;
  const { TW, TH, bs, src } = shownSource(surface, bufferWidth, bufferHeight);
  // Output point (X, Y) -> transformed buffer point (kx·X + ox, ky·Y + oy).
  const kx = (src.width * bs) / box.width;
  const ky = (src.height * bs) / box.height;
  const ox = src.x * bs - box.x * kx;
  const oy = src.y * bs - box.y * ky;
  // Transformed point (u, v) -> buffer point, as [∂x/∂u, ∂x/∂v, x0, ∂y/∂u, ∂y/∂v, y0].
  const [pu, pv, pc, qu, qv, qc] = UNTRANSFORM[t]!(TW, TH);
  return Float64Array.of(pu * kx, pv * ky, pu * ox + pv * oy + pc, qu * kx, qv * ky, qu * ox + qv * oy + qc);
}

/** wl_output.transform t: from the transformed (shown) buffer's point (u, v) to the buffer's, in a TW × TH transformed buffer. */
type Linear = readonly [number, number, number, number, number, number];
const UNTRANSFORM: readonly ((TW: number, TH: number) => Linear)[] = [
  () => [1, 0, 0, 0, 1, 0], // normal: (u, v)
  (TW) => [0, 1, 0, -1, 0, TW], // 90: (v, TW − u)
  (TW, TH) => [-1, 0, TW, 0, -1, TH], // 180: (TW − u, TH − v)
  (_TW, TH) => [0, -1, TH, 1, 0, 0], // 270: (TH − v, u)
  (TW) => [-1, 0, TW, 0, 1, 0], // flipped: (TW − u, v)
  () => [0, 1, 0, 1, 0, 0], // flipped 90: (v, u)
  (_TW, TH) => [1, 0, 0, 0, -1, TH], // flipped 180: (u, TH − v)
  (TW, TH) => [0, -1, TH, -1, 0, TW], // flipped 270: (TH − v, TW − u)
];

/** How content reaches the framebuffer: as is (opaque), alpha forced (in the opaque region), blended. */
type Mode = 'copy' | 'force' | 'blend';

/** `p` shows opaque pixels over all of `d`. */
function covers(p: Placed, d: Rect): boolean {
  const c = p.surface.content;
  return c !== null && sameRect(intersect(p.box, d), d) && (c.opaque || inOpaqueRegion(p, d));
}

/** `outer` minus `inner` (inside it): the strips above, below, left and right. */
function around(outer: Rect, inner: Rect): Rect[] {
  const bottom = inner.y + inner.height;
  return [
    rect(outer.x, outer.y, outer.width, inner.y - outer.y),
    rect(outer.x, bottom, outer.width, outer.y + outer.height - bottom),
    rect(outer.x, inner.y, inner.x - outer.x, inner.height),
    rect(inner.x + inner.width, inner.y, outer.x + outer.width - inner.x - inner.width, inner.height),
  ].filter((r) => !isEmpty(r));
}

/** `area` (output pixels, within the surface's box) lies inside the surface's opaque region. */
function inOpaqueRegion(p: Placed, area: Rect): boolean {
  const r = p.surface.opaqueRegion;
  if (!r || isEmpty(p.box)) return false;
  // The region is in surface-local units: round the area outwards into them (products first: exact at integer scales).
  const { box } = p;
  const x0 = Math.floor(((area.x - box.x) * p.width) / box.width);
  const y0 = Math.floor(((area.y - box.y) * p.height) / box.height);
  const x1 = Math.ceil(((area.x + area.width - box.x) * p.width) / box.width);
  const y1 = Math.ceil(((area.y + area.height - box.y) * p.height) / box.height);
  return r.covers(rect(x0, y0, x1 - x0, y1 - y0));
}

/** Rects past which a damage list is not merged rect by rect but becomes its bounding box at once. */
const MERGE_LIMIT = 8 * MAX_DAMAGE_RECTS;

/** Overlapping rects merged, at most MAX_DAMAGE_RECTS of them (more become their bounding box).
 * Linear in `rects`: 3,000 windows appearing in one frame are 3,000 rects. */
export function simplify(rects: readonly Rect[]): Rect[] {
  if (rects.length > MERGE_LIMIT) {
    const box = rects.reduce<Rect | null>((a, b) => union(a, b), null);
    return box && !isEmpty(box) ? [box] : [];
  }
  const list: Rect[] = [];
  for (const r of rects) addDamage(list, r);
  return list;
}
