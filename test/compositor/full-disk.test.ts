// A screen capture into a file whose filesystem is full (docs/contract.md point 4,
// a hostile client's other way to SIGBUS a compositor that writes into its
// buffers): the writes cannot be backed, the compositor lives, the client
// gets the truncation policy's answer, and the next capture works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { needRoot } from '../support/peers.js';

const CHILD = fileURLToPath(new URL('../fixtures/full-disk-capture.js', import.meta.url));

for (const [policy, answer] of [['error', 'error wl_buffer 2'], ['zero', 'failed']] as const)
  test(`capture into a sparse file on a full ext4, policy ${policy}: ${answer}, nothing in the file, compositor and bystander go on`, (t) => {
    if (!needRoot(t, 'mounting an ext4 image')) return;
    const dir = mkdtempSync(join(tmpdir(), 'nosigbus-ext4-'));
    const [image, mnt] = [join(dir, 'image'), join(dir, 'mnt')];
    mkdirSync(mnt);
    // A private mount namespace; mount -o loop frees its loop device at umount.
    const script = 'truncate -s 8M "$1" && mkfs.ext4 -q -m 0 "$1" && mount -o loop "$1" "$2" || exit 3; "$3" "$4" "$2" "$5"; rc=$?; umount "$2"; exit $rc';
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', image, mnt, process.execPath, CHILD, policy], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true });
    // Loop devices are a property of the machine, not a package CI could install.
    if (r.status === 3) return void t.skip(`skipped on this machine: cannot mount an ext4 image on a loop device: ${r.stderr.trim()}`);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `full-disk ${policy}: ${answer}, file ${540 * 480 * 4} bytes, landed false, rescues 1; bystander animating, next capture ready`);
  });
