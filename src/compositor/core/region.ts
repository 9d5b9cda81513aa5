// Rectangles and wl_region.
//
// Invariants:
//  - a Rect has integer coordinates and non-negative size; empty rects are
//    dropped from every list;
//  - a Region is the ordered list of its add/subtract operations, evaluated
//    when asked (at commit, per render for the opaque fast path, per pointer
//    hit test for input regions); it keeps the latest MAX_REGION_OPS (64)
//    of them, answering safely past that (see Region); a surface keeps a
//    copy, never the client's object;
//  - damage lists (addDamage) hold at most MAX_DAMAGE_RECTS rects;
//  - costs, whatever a client sends: a region request O(1), a region's
//    memory ≤ 64 operations (1.3 KiB), each question O(64) (largestRect
//    O(64²) once per change); addDamage O(MAX_DAMAGE_RECTS) amortized
//    (each merge removes a rect that was added once; a merge rescans the
//    list, at most 33 rects).
import { wl_region } from '../../protocol/wayland.js';
import type { Resource } from '../../server/index.js';
import { implement } from '../../server/typed.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function rect(x: number, y: number, width: number, height: number): Rect {
  return { x, y, width: Math.max(0, width), height: Math.max(0, height) };
}

export function isEmpty(r: Rect): boolean {
  return r.width <= 0 || r.height <= 0;
}

export function intersect(a: Rect, b: Rect): Rect {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  return rect(x, y, Math.min(a.x + a.width, b.x + b.width) - x, Math.min(a.y + a.height, b.y + b.height) - y);
}

/** The smallest rect holding both (an empty one adds nothing). */
export function union(a: Rect | null, b: Rect): Rect {
  if (isEmpty(b)) return a ?? b;
  if (a === null || isEmpty(a)) return b;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return rect(x, y, Math.max(a.x + a.width, b.x + b.width) - x, Math.max(a.y + a.height, b.y + b.height) - y);
}

export function sameRect(a: Rect | null | undefined, b: Rect | null | undefined): boolean {
  if (!a || !b) return a === b;
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/** Rects a damage list keeps; past this it becomes its bounding box. GTK3
 * damages a dozen small widgets per frame: their bounding box is often ten
 * times their area. */
export const MAX_DAMAGE_RECTS = 32;

/** Adds `r` to a damage list (in place, returned): a rect overlapping another
 * is merged with it into their bounding box, too many become one. The list
 * stays at most MAX_DAMAGE_RECTS long, so a call costs O(MAX_DAMAGE_RECTS²)
 * at worst and O(MAX_DAMAGE_RECTS) amortized: every merge removes a rect
 * that an earlier call added. */
export function addDamage(list: Rect[], r: Rect): Rect[] {
  if (isEmpty(r)) return list;
  let merged = r;
  for (let i = list.length - 1; i >= 0; i--) {
    if (isEmpty(intersect(list[i]!, merged))) continue;
    merged = union(list[i]!, merged);
    list.splice(i, 1);
    i = list.length; // the bigger rect may overlap ones already passed
  }
  list.push(merged);
  if (list.length > MAX_DAMAGE_RECTS) {
    const box = list.reduce<Rect | null>((a, b) => union(a, b), null)!;
    list.length = 0;
    list.push(box);
  }
  return list;
}

/** Client coordinates can be anything: clamp to what the arithmetic stays exact with. */
export function clientRect(x: number, y: number, width: number, height: number): Rect {
  return rect(clampCoordinate(x), clampCoordinate(y), clampCoordinate(width), clampCoordinate(height));
}

const COORDINATE_LIMIT = 1 << 24;

/** A module-level function, not a closure made per rect (damage requests come in floods). */
function clampCoordinate(v: number): number {
  return Math.max(-COORDINATE_LIMIT, Math.min(COORDINATE_LIMIT, v));
}

/** Operations a region keeps: the latest ones. A region made of more (rare:
 * real clients send a handful of rects) forgets its oldest; what it answers
 * stays safe (see Region). Bounds the memory of a region and of every
 * surface's copy of one (1.3 KiB), and the cost of each question. */
export const MAX_REGION_OPS = 64;
/** Int32 slots per operation: add (1) or subtract (0), x, y, width, height. */
const SLOTS = 5;

/**
 * A wl_region: the ordered list of its add/subtract operations, evaluated
 * when asked, newest first (the last operation touching a point decides).
 * It keeps the latest MAX_REGION_OPS operations and the bounding box of
 * every rect ever added. With nothing forgotten every answer is exact;
 * after forgetting, `covers` and `largestRect` answer only from what they
 * can prove with the kept operations (the opaque region: a missed answer
 * only blends what could have been copied), and `contains` answers from the
 * kept operations, else from the bounding box of the adds (input regions:
 * a point possibly in the region counts as in it, as an approximation that
 * never hides a surface's input).
 *
 * Costs: apply O(1); copy O(kept ops); contains and covers O(kept ops) ≤ 64;
 * largestRect O(kept ops × subtracts among them) ≤ 64 × 64 once, then
 * cached until the next apply (a surface's copy never changes, so the
 * renderer asks it every frame at O(1)).
 */
export class Region {
  /** Ring of the kept operations (SLOTS int32 each), oldest at #first. */
  #ops: Int32Array = new Int32Array(0);
  #first = 0;
  #count = 0;
  /** Older operations were dropped to keep MAX_REGION_OPS. */
  #forgotten = false;
  /** Bounding box of every rect added, forgotten ones included. */
  #addBounds: Rect | null = null;
  /** largestRect() since the last apply (undefined: not computed). */
  #largest: Rect | null | undefined = undefined;

  apply(add: boolean, r: Rect): void {
    if (isEmpty(r)) return;
    this.#largest = undefined;
    if (add) this.#addBounds = union(this.#addBounds, r);
    const capacity = this.#ops.length / SLOTS;
    let slot: number;
    if (this.#count < capacity) {
      slot = (this.#first + this.#count++) % capacity;
    } else if (capacity < MAX_REGION_OPS) {
      this.#grow(Math.min(MAX_REGION_OPS, Math.max(4, capacity * 2)));
      slot = this.#count++;
    } else {
      // Full: the oldest operation makes room.
      slot = this.#first;
      this.#first = (this.#first + 1) % capacity;
      this.#forgotten = true;
    }
    const o = slot * SLOTS;
    this.#ops[o] = add ? 1 : 0;
    this.#ops[o + 1] = r.x;
    this.#ops[o + 2] = r.y;
    this.#ops[o + 3] = r.width;
    this.#ops[o + 4] = r.height;
  }

  /** An unchanging copy (what a surface keeps), sized to the kept operations. */
  copy(): Region {
    const c = new Region();
    c.#ops = new Int32Array(this.#count * SLOTS);
    for (let i = 0; i < this.#count; i++) c.#ops.set(this.#ops.subarray(this.#offset(i), this.#offset(i) + SLOTS), i * SLOTS);
    c.#count = this.#count;
    c.#forgotten = this.#forgotten;
    c.#addBounds = this.#addBounds;
    c.#largest = this.#largest;
    return c;
  }

  /** Operations kept (at most MAX_REGION_OPS). */
  get operations(): number {
    return this.#count;
  }

  /** The largest added rect that no later subtract cuts (all of it is in the region), or null. */
  largestRect(): Rect | null {
    if (this.#largest !== undefined) return this.#largest;
    let best: Rect | null = null;
    let bestArea = 0;
    const laterSubtracts: Rect[] = [];
    for (let i = this.#count - 1; i >= 0; i--) {
      const r = this.#rectAt(i);
      if (!this.#isAdd(i)) {
        laterSubtracts.push(r);
        continue;
      }
      const area = r.width * r.height;
      if (area <= bestArea) continue;
      if (!laterSubtracts.some((s) => !isEmpty(intersect(s, r)))) {
        best = r;
        bestArea = area;
      }
    }
    this.#largest = best;
    return best;
  }

  /** The point (x, y) is in the region: the last operation whose rect holds it decides.
   * Decided by none of the kept operations, a region that forgot some answers
   * whether the point is within the bounding box of its adds. */
  contains(x: number, y: number): boolean {
    for (let i = this.#count - 1; i >= 0; i--) {
      const o = this.#offset(i);
      const ops = this.#ops;
      if (x >= ops[o + 1]! && y >= ops[o + 2]! && x < ops[o + 1]! + ops[o + 3]! && y < ops[o + 2]! + ops[o + 4]!) return ops[o] === 1;
    }
    const b = this.#addBounds;
    return this.#forgotten && b !== null && x >= b.x && y >= b.y && x < b.x + b.width && y < b.y + b.height;
  }

  /** Every point of `r` is in the region (an add covers it and no later subtract cuts it). False when the kept operations cannot tell. */
  covers(r: Rect): boolean {
    for (let i = this.#count - 1; i >= 0; i--) {
      const op = this.#rectAt(i);
      const add = this.#isAdd(i);
      if (!add && !isEmpty(intersect(op, r))) return false;
      if (add && sameRect(intersect(op, r), r)) return true;
    }
    return false;
  }

  /** The rects of the kept add operations, oldest first: at most MAX_REGION_OPS (what a
   * confined pointer looks for the nearest point in). O(kept ops). */
  addedRects(): Rect[] {
    const out: Rect[] = [];
    for (let i = 0; i < this.#count; i++) if (this.#isAdd(i)) out.push(this.#rectAt(i));
    return out;
  }

  /** Int32 offset of the i-th kept operation (0: the oldest). */
  #offset(i: number): number {
    return ((this.#first + i) % (this.#ops.length / SLOTS)) * SLOTS;
  }

  #isAdd(i: number): boolean {
    return this.#ops[this.#offset(i)] === 1;
  }

  #rectAt(i: number): Rect {
    const o = this.#offset(i);
    return rect(this.#ops[o + 1]!, this.#ops[o + 2]!, this.#ops[o + 3]!, this.#ops[o + 4]!);
  }

  /** Reallocates the ring for `capacity` operations, oldest first. */
  #grow(capacity: number): void {
    const next = new Int32Array(capacity * SLOTS);
    for (let i = 0; i < this.#count; i++) next.set(this.#ops.subarray(this.#offset(i), this.#offset(i) + SLOTS), i * SLOTS);
    this.#ops = next;
    this.#first = 0;
  }
}

export function serveRegion(resource: Resource<typeof wl_region>): void {
  const region = new Region();
  implement(
    resource,
    wl_region,
    {
      add: (_r, x, y, w, h) => region.apply(true, clientRect(x, y, w, h)),
      subtract: (_r, x, y, w, h) => region.apply(false, clientRect(x, y, w, h)),
    },
    region,
  );
}
