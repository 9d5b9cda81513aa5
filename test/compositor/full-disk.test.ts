// A screen capture into a file whose filesystem is full (docs/contract.md point 4,
// a hostile client's other way to SIGBUS a compositor that writes into its
// buffers): the writes cannot be backed, the compositor lives, the client
// gets the truncation policy's answer, and the next capture works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { needRoot, peersRequired } from '../support/peers.js';
import { privateDir } from '../support/common.js';

const CHILD = fileURLToPath(new URL('../fixtures/full-disk-capture.js', import.meta.url));

// A full filesystem in a private mount namespace: ext4 on a loop device (a disk's
// write-back path), or where the machine has no loop devices a size-limited tmpfs
// (the page cache's own limit): either way the holes can never be backed. Only a
// machine that can mount neither skips (and CI, which can, fails instead).
const MOUNT_SMALL_FILESYSTEM =
  'if truncate -s 8M "$1" && mkfs.ext4 -q -m 0 "$1" && mount -o loop "$1" "$2"; then fs=ext4; ' +
  'elif mount -t tmpfs -o size=8M nosigbus "$2"; then fs=tmpfs; else exit 3; fi; ' +
  'echo "filesystem $fs"; "$3" "$4" "$2" "$5"; rc=$?; umount "$2"; exit $rc';

for (const [policy, answer] of [['error', 'error wl_buffer 2'], ['zero', 'failed']] as const)
  test(`capture into a sparse file on a full filesystem, policy ${policy}: ${answer}, nothing in the file, compositor and bystander go on`, (t) => {
    if (!needRoot(t, 'mounting a small filesystem')) return;
    const dir = privateDir('nosigbus-full-');
    const [image, mnt] = [join(dir, 'image'), join(dir, 'mnt')];
    mkdirSync(mnt);
    const r = spawnSync('unshare', ['-m', 'sh', '-c', MOUNT_SMALL_FILESYSTEM, 'sh', image, mnt, process.execPath, CHILD, policy], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true });
    if (r.status === 3) {
      const why = `cannot mount a small filesystem (ext4 on a loop device, or tmpfs): ${r.stderr.trim()}`;
      if (peersRequired) assert.fail(why);
      return void t.skip(`skipped on this machine: ${why}`);
    }
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 0, r.stderr);
    const [mounted = '', outcome = ''] = r.stdout.trim().split('\n');
    t.diagnostic(mounted);
    assert.match(mounted, /^filesystem (ext4|tmpfs)$/);
    assert.equal(outcome, `full-disk ${policy}: ${answer}, file ${540 * 480 * 4} bytes, landed false, rescues 1; bystander animating, next capture ready`);
  });
