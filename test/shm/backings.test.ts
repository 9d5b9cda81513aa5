// Backings that are accepted but could never be rescued are refused at map()
// (docs/contract.md point 5); a full tmpfs reads zeros inside EOF (point 5, issue 6 case 10).
// First: the test build of the addon, before anything from src/ loads one.
import { native } from '../support/native-testing.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { activeMappings, map, pageSize } from '../../src/shm/index.js';
import { needPeer, needRoot } from '../support/peers.js';
import { privateDir } from '../support/common.js';

function refused(fd: number, pattern: RegExp): void {
  assert.throws(() => map(fd, { length: pageSize }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ERR_NOSIGBUS_NOT_MAPPABLE', e.message);
    assert.match(e.message, pattern);
    return true;
  });
  assert.equal(activeMappings(), 0);
}

test('a hugetlb memfd (2 MiB pages, replaced in 4 KiB units by nobody) is refused', () => {
  const fd = native.testing.hugetlbMemfd(2 << 20);
  refused(fd, new RegExp(`fd ${fd} is a hugetlbfs file`));
  closeSync(fd);
});

test('a block device (mapping past its end would SIGBUS) is refused', (t) => {
  let path = '/dev/loop0';
  let dir: string | undefined;
  if (!existsSync(path)) {
    if (!needRoot(t, 'creating a block device node')) return;
    dir = privateDir('nosigbus-blk-');
    path = join(dir, 'loop');
    assert.equal(spawnSync('mknod', [path, 'b', '7', '0']).status, 0, 'mknod');
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if (!needRoot(t, `opening ${path}`)) return;
    throw e;
  }
  refused(fd, new RegExp(`fd ${fd} is a block device`));
  closeSync(fd);
  if (dir) rmSync(dir, { recursive: true });
});

test('a character device (/dev/zero: no end of file to ask for) is refused', () => {
  const fd = openSync('/dev/zero', 'r');
  refused(fd, new RegExp(`fd ${fd} is a character device`));
  closeSync(fd);
});

test('a sparse file bigger than the free space of its tmpfs: faults inside EOF read zeros, counted', (t) => {
  if (!needRoot(t, 'mounting a small tmpfs')) return;
  const dir = privateDir('nosigbus-tmpfs-');
  const child = fileURLToPath(new URL('../fixtures/hostile-child.js', import.meta.url));
  // A private mount namespace: the 1 MiB tmpfs is gone with the child.
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=1M nosigbus "$1" && exec "$2" "$3" full-tmpfs "$1"', 'sh', dir, process.execPath, child], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  rmSync(dir, { recursive: true });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`full-tmpfs: filled true, read 0 inside EOF, rescues 1, first ${40 * pageSize}`));
});

test('a FUSE file (its daemon serves every fault) is refused by default, guarded with allowFuse', (t) => {
  if (!needPeer(t, ['/usr/bin/bindfs'], 'bindfs') || !needRoot(t, 'mounting a FUSE filesystem')) return;
  const dir = privateDir('nosigbus-fuse-');
  const [src, dst] = [join(dir, 'src'), join(dir, 'dst')];
  mkdirSync(src);
  mkdirSync(dst);
  writeFileSync(join(src, 'file'), Buffer.alloc(4 * pageSize, 9));
  const child = fileURLToPath(new URL('../fixtures/hostile-child.js', import.meta.url));
  const script = 'bindfs "$1" "$2" || exit 3; "$3" "$4" fuse "$2:$1"; rc=$?; umount "$2"; exit $rc';
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', src, dst, process.execPath, child], { encoding: 'utf8', timeout: 30_000 });
  rmSync(dir, { recursive: true });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /fuse: default ERR_NOSIGBUS_NOT_MAPPABLE; allowFuse read 9, after truncation 0, rescues 1/);
});

test('writes to holes of a disk file on a full filesystem land in private zeros, written pages reach the file', async (t) => {
  if (!needRoot(t, 'mounting an ext4 image')) return;
  const dir = privateDir('nosigbus-ext4-');
  const [image, mnt] = [join(dir, 'image'), join(dir, 'mnt')];
  mkdirSync(mnt);
  const child = fileURLToPath(new URL('../fixtures/hostile-child.js', import.meta.url));
  // A private mount namespace; mount -o loop frees its loop device at umount.
  const script = 'truncate -s 8M "$1" && mkfs.ext4 -q -m 0 "$1" && mount -o loop "$1" "$2" || exit 3; "$3" "$4" full-disk "$2:$5"; rc=$?; umount "$2"; exit $rc';
  for (const mode of ['tail', 'page']) {
    await t.test(mode, (tt) => {
      const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', image, mnt, process.execPath, child, mode], { encoding: 'utf8', timeout: 60_000 });
      // Loop devices are a property of the machine, not a package CI could install.
      if (r.status === 3) return void tt.skip(`skipped on this machine: cannot mount an ext4 image on a loop device: ${r.stderr.trim()}`);
      assert.equal(r.signal, null, r.stderr);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`full-disk ${mode}: rescued true, degraded true, mapping kept 7; file page 0 7, page 1 5, page 8 0`));
    });
  }
  rmSync(dir, { recursive: true });
});
