// Private temporary directories (mode 0700, as $XDG_RUNTIME_DIR must be), for tests and benchmarks.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new private directory under the system's temporary directory. */
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
