// Timers, waits and private directories: what every test and benchmark needs.

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Resolves after `ms` milliseconds (the event loop runs meanwhile). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Blocking sleep for tests that must keep the event loop busy (hot loops, native threads). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Resolves once `predicate` holds (checked every `stepMs`; it may be async), rejects after `timeoutMs` naming `what`. */
export function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000, stepMs = 5): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const check = (): void => {
      void Promise.resolve()
        .then(predicate)
        .then((held) => {
          if (held) resolve();
          else if (Date.now() - start > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
          else setTimeout(check, stepMs);
        }, reject);
    };
    check();
  });
}

/** Polls `done` every `stepMs` until it holds (true) or `timeoutMs` passed (false): for waits whose timeout is an outcome, not a failure. */
export async function until(done: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
}

/** A new private directory (mode 0700, as $XDG_RUNTIME_DIR must be) under the system's temporary directory. */
export function privateDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  return dir;
}

/** privateDir()s that removeAll() removes (from a test's `after` hook). */
export function privateDirs(prefix: string): { make(): string; removeAll(): void } {
  const made: string[] = [];
  return {
    make: () => {
      const dir = privateDir(prefix);
      made.push(dir);
      return dir;
    },
    removeAll: () => {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
