// Real peers (Debian packages) for tests. In CI (.ci/run sets
// NOSIGBUS_REQUIRE_PEERS=1 after installing them) a missing peer fails the
// test; on a developer's machine without it the test is skipped, saying so.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

export const peersRequired = process.env.NOSIGBUS_REQUIRE_PEERS === '1';

/** Returns true if every path exists. Otherwise fails (CI) or skips (dev) the test. */
export function needPeer(t: TestContext, paths: readonly string[], packageName: string): boolean {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return true;
  const msg = `${missing.join(', ')} not found: install Debian package ${packageName}`;
  if (peersRequired) throw new Error(msg);
  t.skip(`skipped on this machine: ${msg}`);
  return false;
}

/** Returns true when running as root (mounts, device nodes). Otherwise fails (CI, which runs as root) or skips (dev). */
export function needRoot(t: TestContext, what: string): boolean {
  if (process.getuid?.() === 0) return true;
  if (peersRequired) throw new Error(`${what} needs root, which CI has`);
  t.skip(`skipped on this machine: ${what} needs root`);
  return false;
}
