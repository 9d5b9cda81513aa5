// A forest under link and cut that answers "which tree root is above this
// node?" in O(log n) amortized, however deep the trees: a link-cut tree
// (Sleator and Tarjan), iterative. The xdg_toplevel parent loop check uses
// it: a client can build a parent chain thousands deep and then ask for
// set_parent again and again; a walk up the chain would cost its depth each
// time.
//
// Invariants:
//  - each node has at most one parent (`parent`, kept by link and cut); link
//    joins a root under a node of another tree (the caller checks that the
//    node is not below it: rootOf(parent) !== child);
//  - the splay trees over preferred paths (left, right, up) are an internal
//    representation: `up` is a splay parent or, at a splay root, the
//    path-parent; nothing outside this file reads them;
//  - link, cut and rootOf are O(log n) amortized; every loop is iterative.

export class ForestNode {
  left: ForestNode | null = null;
  right: ForestNode | null = null;
  /** Splay-tree parent, or (at a splay root) the path-parent. */
  up: ForestNode | null = null;
  /** The parent in the forest (null: a root). */
  parent: ForestNode | null = null;
  /** Children in the forest. */
  children = 0;
}

function isSplayRoot(x: ForestNode): boolean {
  const p = x.up;
  return p === null || (p.left !== x && p.right !== x);
}

function rotate(x: ForestNode): void {
  const p = x.up!;
  const g = p.up;
  const pWasRoot = isSplayRoot(p);
  if (p.left === x) {
    p.left = x.right;
    if (x.right) x.right.up = p;
    x.right = p;
  } else {
    p.right = x.left;
    if (x.left) x.left.up = p;
    x.left = p;
  }
  p.up = x;
  x.up = g; // a path-parent pointer when p was a splay root
  if (!pWasRoot && g) {
    if (g.left === p) g.left = x;
    else g.right = x;
  }
}

function splay(x: ForestNode): void {
  while (!isSplayRoot(x)) {
    const p = x.up!;
    if (!isSplayRoot(p)) {
      const g = p.up!;
      rotate((g.left === p) === (p.left === x) ? p : x); // zig-zig: rotate the parent first
    }
    rotate(x);
  }
}

/** Makes the path from x's tree root to x preferred; x ends as the root of its splay tree, with nothing to its right. */
function access(x: ForestNode): void {
  let last: ForestNode | null = null;
  for (let y: ForestNode | null = x; y; y = y.up) {
    splay(y);
    y.right = last;
    last = y;
  }
  splay(x);
}

/** The root of the tree `x` is in. */
export function rootOf(x: ForestNode): ForestNode {
  access(x);
  let r = x;
  while (r.left) r = r.left;
  splay(r);
  return r;
}

/** Puts root `child` under `parent` (the caller made sure `parent` is not below `child`). */
export function link(child: ForestNode, parent: ForestNode): void {
  if (child.parent) cut(child);
  access(child);
  child.up = parent;
  child.parent = parent;
  parent.children++;
}

/** Takes `x` (and what is below it) away from its parent. */
export function cut(x: ForestNode): void {
  const parent = x.parent;
  if (!parent) return;
  access(x);
  // x's left subtree is the path above it, its parent at the nearest end.
  if (x.left) {
    x.left.up = null;
    x.left = null;
  }
  x.parent = null;
  parent.children--;
}
