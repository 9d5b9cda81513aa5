// Rectangles and wl_region.
//
// Invariants:
//  - a Rect has integer coordinates and non-negative size; empty rects are
//    dropped from every list;
//  - a Region is the ordered list of its add/subtract operations, evaluated
//    when asked (regions are small and asked rarely: at commit, for the
//    opaque fast path, and per pointer hit test for input regions); a
//    surface keeps a copy, never the client's object.
import { wl_region } from '../protocol/wayland.js';
import type { Resource } from '../server/index.js';
import { implement } from './typed.js';

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
 * is merged with it into their bounding box, too many become one. */
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
  const lim = 1 << 24;
  const c = (v: number): number => Math.max(-lim, Math.min(lim, v));
  return rect(c(x), c(y), c(width), c(height));
}

/** Operations kept per region; past this a region answers "does not cover" (only the opaque fast path asks). */
const MAX_REGION_OPS = 4096;

export class Region {
  readonly #ops: { add: boolean; rect: Rect }[] = [];
  #overflowed = false;

  apply(add: boolean, r: Rect): void {
    if (isEmpty(r)) return;
    if (this.#ops.length >= MAX_REGION_OPS) this.#overflowed = true;
    else this.#ops.push({ add, rect: r });
  }

  copy(): Region {
    const c = new Region();
    c.#ops.push(...this.#ops);
    c.#overflowed = this.#overflowed;
    return c;
  }

  /** The largest added rect that no later subtract cuts (all of it is in the region), or null. */
  largestRect(): Rect | null {
    if (this.#overflowed) return null;
    let best: Rect | null = null;
    for (let i = 0; i < this.#ops.length; i++) {
      const op = this.#ops[i]!;
      if (!op.add || (best && best.width * best.height >= op.rect.width * op.rect.height)) continue;
      let cut = false;
      for (let j = i + 1; j < this.#ops.length && !cut; j++) cut = !this.#ops[j]!.add && !isEmpty(intersect(this.#ops[j]!.rect, op.rect));
      if (!cut) best = op.rect;
    }
    return best;
  }

  /** The point (x, y) is in the region: the last operation whose rect holds it decides.
   * An overflowed region answers true (input regions: too complex to keep, assume everywhere). */
  contains(x: number, y: number): boolean {
    if (this.#overflowed) return true;
    for (let i = this.#ops.length - 1; i >= 0; i--) {
      const r = this.#ops[i]!.rect;
      if (x >= r.x && y >= r.y && x < r.x + r.width && y < r.y + r.height) return this.#ops[i]!.add;
    }
    return false;
  }

  /** Every point of `r` is in the region (an add covers it and no later subtract cuts it). */
  covers(r: Rect): boolean {
    if (this.#overflowed) return false;
    for (let i = this.#ops.length - 1; i >= 0; i--) {
      const op = this.#ops[i]!;
      if (!op.add && !isEmpty(intersect(op.rect, r))) return false;
      if (op.add && sameRect(intersect(op.rect, r), r)) return true;
    }
    return false;
  }
}

export function serveRegion(resource: Resource): void {
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
