// An ordered set with O(1) changes at both ends and anywhere in between:
// the window stack, the popup grabs, the layers.
//
// Invariants:
//  - each value is in the set at most once; push() of a value already in
//    it moves it to the top, unshift() to the bottom (raise and lower are
//    a delete and an add);
//  - push, unshift, delete, has, top, bottom and size cost O(1), whatever
//    the size (a doubly linked list indexed by a Map); iteration costs one
//    step per value, bottom to top or top to bottom;
//  - deleting the value an iteration is on, or any other, is safe: the
//    iteration goes on with what follows it when it was deleted.

interface Node<T> {
  readonly value: T;
  below: Node<T> | null;
  above: Node<T> | null;
  /** Still in the set (an iteration holding a deleted node stops at it). */
  linked: boolean;
}

export class StackSet<T> implements Iterable<T> {
  readonly #nodes = new Map<T, Node<T>>();
  #bottom: Node<T> | null = null;
  #top: Node<T> | null = null;

  get size(): number {
    return this.#nodes.size;
  }

  has(value: T): boolean {
    return this.#nodes.has(value);
  }

  /** The topmost value (undefined: empty). */
  get top(): T | undefined {
    return this.#top?.value;
  }

  /** The bottommost value (undefined: empty). */
  get bottom(): T | undefined {
    return this.#bottom?.value;
  }

  /** Puts `value` on top (moving it there if it is in the set already). */
  push(value: T): void {
    if (this.#top?.value === value) return;
    this.delete(value);
    const node: Node<T> = { value, below: this.#top, above: null, linked: true };
    if (this.#top) this.#top.above = node;
    else this.#bottom = node;
    this.#top = node;
    this.#nodes.set(value, node);
  }

  /** Puts `value` at the bottom (moving it there if it is in the set already). */
  unshift(value: T): void {
    if (this.#bottom?.value === value) return;
    this.delete(value);
    const node: Node<T> = { value, below: null, above: this.#bottom, linked: true };
    if (this.#bottom) this.#bottom.below = node;
    else this.#top = node;
    this.#bottom = node;
    this.#nodes.set(value, node);
  }

  /** Removes `value`; false if it was not in the set. */
  delete(value: T): boolean {
    const node = this.#nodes.get(value);
    if (!node) return false;
    this.#nodes.delete(value);
    node.linked = false;
    if (node.below) node.below.above = node.above;
    else this.#bottom = node.above;
    if (node.above) node.above.below = node.below;
    else this.#top = node.below;
    // node.below / node.above are kept: an iteration standing on it carries on from there.
    return true;
  }

  clear(): void {
    for (let n = this.#bottom; n; n = n.above) n.linked = false;
    this.#nodes.clear();
    this.#bottom = this.#top = null;
  }

  /** Bottom to top. */
  *[Symbol.iterator](): Generator<T> {
    for (let n = this.#bottom; n; n = nextLinked(n, 'above')) if (n.linked) yield n.value;
  }

  /** Top to bottom. */
  *topDown(): Generator<T> {
    for (let n = this.#top; n; n = nextLinked(n, 'below')) if (n.linked) yield n.value;
  }
}

/**
 * The next node still in the set, going `way` from `node`. A node deleted
 * during an iteration kept its links as they were when it was deleted; the
 * ones it leads to may have been deleted since, so follow until a linked one.
 */
function nextLinked<T>(node: Node<T>, way: 'above' | 'below'): Node<T> | null {
  let n = node[way];
  while (n && !n.linked) n = n[way];
  return n;
}
