// Walking a surface tree (a surface and its subsurfaces), iteratively.
//
// Invariants:
//  - no recursion: a client builds the tree (a chain of 50,000 subsurfaces
//    is legal), so the walk keeps its own stack, on the heap;
//  - the order is the drawing order: a surface's stack (its subsurfaces
//    and itself, bottom to top), depth first; what is destroyed or unmapped
//    is skipped with everything above it in the tree (a subsurface of an
//    unmapped surface is not shown, as the protocol says);
//  - cost: one step per surface of the tree, nothing more;
//  - a SurfaceStack (a surface's subsurfaces and itself, bottom to top) is
//    a linked list over a map: push, remove and a move next to a sibling
//    cost O(1) whatever the number of siblings (place_above on a parent with
//    10,000 subsurfaces is one step, not 10,000).
import { Subsurface } from './subsurface.js';
import type { Surface } from './surface.js';

/** A mapped surface of a tree and its origin, in logical output units. */
export interface PlacedSurface {
  surface: Surface;
  x: number;
  y: number;
}

/** Nesting depth of subsurfaces a client may build; every walk up a tree
 * stops after this many steps, so none costs more. */
export const MAX_SUBSURFACE_DEPTH = 10_000;

interface StackNode {
  readonly surface: Surface;
  below: StackNode | null;
  above: StackNode | null;
}

/** Surfaces bottom to top, each at most once; O(1) per change. */
export class SurfaceStack implements Iterable<Surface> {
  readonly #nodes = new Map<Surface, StackNode>();
  #bottom: StackNode | null = null;
  #top: StackNode | null = null;

  constructor(first?: Surface) {
    if (first) this.push(first);
  }

  get size(): number {
    return this.#nodes.size;
  }

  has(s: Surface): boolean {
    return this.#nodes.has(s);
  }

  /** The surface just below `s` (null: `s` is the bottom one, or not here). */
  below(s: Surface): Surface | null {
    return this.#nodes.get(s)?.below?.surface ?? null;
  }

  /** The surface just above `s` (null: `s` is the top one, or not here). */
  above(s: Surface): Surface | null {
    return this.#nodes.get(s)?.above?.surface ?? null;
  }

  /** Puts `s` on top (moving it if it is here). */
  push(s: Surface): void {
    this.insertAbove(s, this.#top?.surface ?? null);
  }

  /** Puts `s` just above `anchor` (null: at the bottom), moving it if it is here. */
  insertAbove(s: Surface, anchor: Surface | null): void {
    if (s === anchor) return;
    this.remove(s);
    const a = anchor === null ? null : this.#nodes.get(anchor);
    if (a === undefined) throw new RangeError('anchor is not in this stack');
    const next = a === null ? this.#bottom : a.above;
    const n: StackNode = { surface: s, below: a, above: next };
    if (a) a.above = n;
    else this.#bottom = n;
    if (next) next.below = n;
    else this.#top = n;
    this.#nodes.set(s, n);
  }

  /** Puts `s` just below `anchor`, moving it if it is here. */
  insertBelow(s: Surface, anchor: Surface): void {
    if (s === anchor) return;
    this.remove(s);
    this.insertAbove(s, this.#nodes.get(anchor)?.below?.surface ?? null);
  }

  remove(s: Surface): void {
    const n = this.#nodes.get(s);
    if (!n) return;
    if (n.below) n.below.above = n.above;
    else this.#bottom = n.above;
    if (n.above) n.above.below = n.below;
    else this.#top = n.below;
    this.#nodes.delete(s);
  }

  *[Symbol.iterator](): Iterator<Surface> {
    for (let n = this.#bottom; n; n = n.above) yield n.surface;
  }

  /** The bottom node, for walks that keep their place without an iterator. */
  get bottomNode(): Readonly<StackNode> | null {
    return this.#bottom;
  }
}

/** One level of the walk: a surface's stack and where along it we are. */
interface Frame {
  surface: Surface;
  next: Readonly<StackNode> | null;
  x: number;
  y: number;
}

/** Appends the mapped surfaces of the tree rooted at `root` (origin x, y) to `out`, bottom to top. */
export function placeTree(root: Surface, x: number, y: number, out: PlacedSurface[]): PlacedSurface[] {
  if (root.destroyed) return out;
  const frames: Frame[] = [{ surface: root, next: root.stack.bottomNode, x, y }];
  while (frames.length > 0) {
    const f = frames[frames.length - 1]!;
    if (f.next === null) {
      frames.pop();
      continue;
    }
    const s = f.next.surface;
    f.next = f.next.above;
    if (s.destroyed) continue;
    if (s === f.surface) {
      if (s.mapped) out.push({ surface: s, x: f.x, y: f.y });
    } else if (s.role instanceof Subsurface && s.mapped) {
      frames.push({ surface: s, next: s.stack.bottomNode, x: f.x + s.role.x, y: f.y + s.role.y });
    }
  }
  return out;
}

/** The root of the tree `surface` is in (itself when it is no subsurface). */
export function rootOf(surface: Surface): Surface {
  let s = surface;
  while (s.parent) s = s.parent;
  return s;
}
