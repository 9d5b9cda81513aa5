// Giving the heap back when a big client left (CompositorOptions.releaseMemory).
// V8 keeps the pages a client's objects grew its heap to until its memory
// reducer decides to shrink, which in an idle process takes several full
// collections it would not run by itself: so run them, a second apart, until
// the heap is back near what is in use.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Rounds at most (the reducer shrank the heap after 4 or 5 here), a second apart. */
const MAX_ROUNDS = 6;
/** Heap kept beyond twice what is in use that is worth another round. */
const SLACK = 16 * 1024 * 1024;

/** A function that gives the heap back over the next seconds, or undefined if the runtime refuses `gc`. */
export function heapRelease(): (() => void) | undefined {
  let gc: unknown;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
  } catch {
    return undefined;
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc;
  let timer: NodeJS.Timeout | null = null;
  let rounds = 0;
  const round = (): void => {
    timer = null;
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
