// Walking a surface tree (a surface and its subsurfaces), iteratively.
//
// Invariants:
//  - no recursion: a client builds the tree (a chain of 50,000 subsurfaces
//    is legal), so the walk keeps its own stack, on the heap;
//  - the order is the drawing order: a surface's stack (its subsurfaces
//    and itself, bottom to top), depth first; what is destroyed or unmapped
//    is skipped with everything above it in the tree (a subsurface of an
//    unmapped surface is not shown, as the protocol says);
//  - cost: one step per surface of the tree, nothing more.
import { Subsurface } from './subsurface.js';
import type { Surface } from './surface.js';

/** A mapped surface of a tree and its origin, in logical output units. */
export interface PlacedSurface {
  surface: Surface;
  x: number;
  y: number;
}

/** One level of the walk: a surface's stack and how far along it we are. */
interface Frame {
  surface: Surface;
  stack: readonly Surface[];
  next: number;
  x: number;
  y: number;
}

/** Appends the mapped surfaces of the tree rooted at `root` (origin x, y) to `out`, bottom to top. */
export function placeTree(root: Surface, x: number, y: number, out: PlacedSurface[]): PlacedSurface[] {
  if (root.destroyed) return out;
  const frames: Frame[] = [{ surface: root, stack: root.stack, next: 0, x, y }];
  while (frames.length > 0) {
    const f = frames[frames.length - 1]!;
    if (f.next >= f.stack.length) {
      frames.pop();
      continue;
    }
    const s = f.stack[f.next++]!;
    if (s.destroyed) continue;
    if (s === f.surface) {
      if (s.mapped) out.push({ surface: s, x: f.x, y: f.y });
    } else if (s.role instanceof Subsurface && s.mapped) {
      frames.push({ surface: s, stack: s.stack, next: 0, x: f.x + s.role.x, y: f.y + s.role.y });
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
