// Giving the heap back when a big client left (CompositorOptions.releaseMemory).
// V8 keeps the pages a client's objects grew its heap to until its memory
// reducer decides to shrink, which in an idle process takes several full
// collections it would not run by itself: so run them, a second apart, until
// the heap is back near what is in use.
//
// `gc` is got on the first release, not at start: node:v8, node:vm and the
// context `gc` is read from cost a start a few ms and ~1.5 MiB, and most
// runs never release.
import { createRequire } from 'node:module';

/** Rounds at most (the reducer shrank the heap after 4 or 5 here), a second apart. */
const MAX_ROUNDS = 6;
/** Heap kept beyond twice what is in use that is worth another round. */
const SLACK = 16 * 1024 * 1024;

/** `gc`, or undefined if the runtime refuses it. */
function exposeGc(): (() => void) | undefined {
  const require = createRequire(import.meta.url);
  try {
    (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
    const gc: unknown = (require('node:vm') as typeof import('node:vm')).runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** A function that gives the heap back over the next seconds (nothing if the runtime refuses `gc`). */
export function heapRelease(): () => void {
  let collect: (() => void) | undefined | null = null;
  let timer: NodeJS.Timeout | null = null;
  let rounds = 0;
  const round = (): void => {
    timer = null;
    if (collect === null) collect = exposeGc();
    if (!collect) return;
    collect();
    const { heapTotal, heapUsed } = process.memoryUsage();
    if (++rounds < MAX_ROUNDS && heapTotal > 2 * heapUsed + SLACK) {
      timer = setTimeout(round, 1000);
      timer.unref();
    }
  };
  return () => {
    rounds = 0;
    if (!timer) round();
  };
}
