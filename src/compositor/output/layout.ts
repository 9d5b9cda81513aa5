// The output layout: every output in one logical coordinate space, as the
// command line (or output management) placed them.
//
// Invariants:
//  - the outputs are fixed at start, in order (HEADLESS-1, HEADLESS-2, …):
//    no client can add one; output management changes their modes, scales
//    and positions (never the first one's position: it anchors the layout);
//  - no two outputs overlap (checkLayout() refuses such a layout before it is
//    applied), there are at most MAX_OUTPUTS, and the layout's bounding box
//    at the highest scale is at most MAX_LAYOUT_SIZE pixels a side (what a
//    whole-layout screenshot allocates);
//  - a point of the layout is a point of an output's logical box, closed on
//    every side ([x, x + w − 1], as a single output clamped the pointer);
//    clamp() takes any point to the nearest such point (the pointer moves
//    over the union of the outputs, not over their bounding box);
//  - outputFor(box) is the output a window is on: the one it overlaps most
//    (the first of equals), else the one nearest to it.
//
// Cost: every query is O(outputs), at most MAX_OUTPUTS (16).
import { logicalLength, type Output } from './output.js';
import { intersect, isEmpty, rect, type Rect } from '../core/region.js';

/** Outputs a layout may have (the command line refuses more). */
export const MAX_OUTPUTS = 16;
/** The layout's bounding box at the highest output scale, pixels a side: a whole-layout screenshot is that big. */
export const MAX_LAYOUT_SIZE = 65536;

/** What an output occupies in a layout being checked. */
export interface LayoutBox {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  /** Logical size. */
  readonly width: number;
  readonly height: number;
  readonly scale: number;
}

/** Why `boxes` cannot be a layout (overlap, too many, too big), or null if they can. O(outputs²), at most 16². */
export function checkLayout(boxes: readonly LayoutBox[]): string | null {
  if (boxes.length === 0) return 'no outputs';
  if (boxes.length > MAX_OUTPUTS) return `${boxes.length} outputs: at most ${MAX_OUTPUTS}`;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (!isEmpty(intersect(rect(a.x, a.y, a.width, a.height), rect(b.x, b.y, b.width, b.height))))
        return `${a.name} (${a.width}x${a.height}+${a.x},${a.y}) and ${b.name} (${b.width}x${b.height}+${b.x},${b.y}) overlap`;
    }
  }
  const { width, height } = pixelExtent(boxes);
  if (width > MAX_LAYOUT_SIZE || height > MAX_LAYOUT_SIZE) return `the layout spans ${width}x${height} pixels at its highest scale: at most ${MAX_LAYOUT_SIZE} a side`;
  return null;
}

/** The bounding box of `boxes` (logical) and its size at their highest scale (pixels). */
export function pixelExtent(boxes: readonly LayoutBox[]): { bounds: Rect; scale: number; width: number; height: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let scale = 1;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
    scale = Math.max(scale, b.scale);
  }
  const bounds = rect(x0, y0, x1 - x0, y1 - y0);
  return { bounds, scale, width: Math.ceil(bounds.width * scale), height: Math.ceil(bounds.height * scale) };
}

/** An output as the command line or CompositorOptions.outputs give it. */
export interface OutputSpec {
  /** Pixels. */
  width: number;
  height: number;
  /** Default 1. */
  scale?: number;
  /** Logical position; default: right of the previous output, at its y (the first: 0, 0). */
  x?: number;
  y?: number;
}

/** The name of the n-th output (0-based): HEADLESS-1, HEADLESS-2, … */
export const outputName = (n: number): string => `HEADLESS-${n + 1}`;

/** `specs` with their positions filled in and their names, as LayoutBoxes (not checked: see checkLayout). */
export function placeOutputs(specs: readonly OutputSpec[]): (LayoutBox & { pixelWidth: number; pixelHeight: number })[] {
  const boxes: (LayoutBox & { pixelWidth: number; pixelHeight: number })[] = [];
  for (const [i, spec] of specs.entries()) {
    const scale = spec.scale ?? 1;
    const prev = boxes[i - 1];
    const x = spec.x ?? (prev ? prev.x + prev.width : 0);
    const y = spec.y ?? (prev ? prev.y : 0);
    boxes.push({ name: outputName(i), x, y, width: logicalLength(spec.width, scale), height: logicalLength(spec.height, scale), scale, pixelWidth: spec.width, pixelHeight: spec.height });
  }
  return boxes;
}

/** An output as a LayoutBox (its current place and logical size). */
export function layoutBoxOf(o: Output): LayoutBox {
  return { name: o.name, x: o.x, y: o.y, width: o.logicalWidth, height: o.logicalHeight, scale: o.scale };
}

export class OutputLayout {
  readonly outputs: readonly Output[];

  constructor(outputs: readonly Output[]) {
    const why = checkLayout(outputs.map(layoutBoxOf));
    if (why) throw new RangeError(`bad output layout: ${why}`);
    this.outputs = outputs;
  }

  /** Where new toplevels open, the layout's anchor. */
  get first(): Output {
    return this.outputs[0]!;
  }

  /** The frame clock's period, ns: the fastest output's refresh (every output is painted at least as often as it refreshes). */
  get refreshNs(): number {
    let period = Infinity;
    for (const o of this.outputs) period = Math.min(period, o.refreshNs);
    return period;
  }

  byName(name: string): Output | null {
    return this.outputs.find((o) => o.name === name) ?? null;
  }

  /** The bounding box of all outputs (logical), the highest scale, and the box's size in pixels at that scale. */
  get extent(): { bounds: Rect; scale: number; width: number; height: number } {
    return pixelExtent(this.outputs.map(layoutBoxOf));
  }

  /** The output whose closed logical box holds (x, y), or null (a gap, or outside). */
  outputAt(x: number, y: number): Output | null {
    for (const o of this.outputs) if (inClosedBox(o.logicalBox, x, y)) return o;
    return null;
  }

  /** The nearest point of some output to (x, y) (itself if it is on one). */
  clamp(x: number, y: number): { x: number; y: number } {
    return this.#nearest(x, y, (o) => o.logicalBox).point;
  }

  /** The output nearest to (x, y) (the first of equals) and its nearest point. */
  #nearest(x: number, y: number, boxOf: (o: Output) => Rect): { output: Output; point: { x: number; y: number } } {
    let best = { output: this.first, point: { x, y } };
    let bestDistance = Infinity;
    for (const o of this.outputs) {
      const b = boxOf(o);
      const cx = Math.min(Math.max(b.x, x), b.x + Math.max(0, b.width - 1));
      const cy = Math.min(Math.max(b.y, y), b.y + Math.max(0, b.height - 1));
      const d = (cx - x) ** 2 + (cy - y) ** 2;
      if (d === 0) return { output: o, point: { x, y } };
      if (d < bestDistance) [best, bestDistance] = [{ output: o, point: { x: cx, y: cy } }, d];
    }
    return best;
  }

  /** The output `box` (logical) is on: most overlap (the first of equals), else the nearest to its
   * centre. `boxOf` gives each output's box (default: where it is now). */
  outputFor(box: Rect, boxOf: (o: Output) => Rect = (o) => o.logicalBox): Output {
    let best: Output | null = null;
    let bestArea = 0;
    for (const o of this.outputs) {
      const c = intersect(box, boxOf(o));
      const area = isEmpty(c) ? 0 : c.width * c.height;
      if (area > bestArea) [best, bestArea] = [o, area];
    }
    return best ?? this.#nearest(box.x + box.width / 2, box.y + box.height / 2, boxOf).output;
  }
}

function inClosedBox(b: Rect, x: number, y: number): boolean {
  return x >= b.x && y >= b.y && x <= b.x + b.width - 1 && y <= b.y + b.height - 1;
}
