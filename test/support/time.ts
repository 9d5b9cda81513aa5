// Waiting, for tests and benchmarks alike.

/** Resolves after `ms` milliseconds (the event loop runs meanwhile). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Blocking sleep for tests that must keep the event loop busy (hot loops, native threads). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
