// libnosigbus (include/nosigbus.h) from C: the contract points that apply
// outside Node, each scenario of test/native/lib.c in its own process. The
// library is built by `npm run build:c` (part of `npm run build`).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const lib = join(root, 'build-c');
const dir = mkdtempSync(join(tmpdir(), 'nosigbus-lib-'));
after(() => rmSync(dir, { recursive: true }));
const cflags = ['-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-O1', '-g', '-pthread'];
const shared = join(dir, 'lib-shared');
execFileSync('gcc', [...cflags, `-I${join(root, 'include')}`, '-o', shared, join(root, 'test/native/lib.c'),
  `-L${lib}`, '-lnosigbus', `-Wl,-rpath,${lib}`]);

const run = (exe: string, ...args: string[]) => spawnSync(exe, args, { encoding: 'utf8', timeout: 20_000 });
const ok = (exe: string, ...args: string[]) => {
  const r = run(exe, ...args);
  assert.equal(r.status, 0, `${args.join(' ')}: status ${r.status} signal ${r.signal}\n${r.stdout}${r.stderr}`);
  return r.stdout;
};

test('truncation: the partial page reads data then zeros, pages past EOF read zeros, one rescue, first offset', () => {
  assert.equal(ok(shared, 'zeros'),
    'p[99]=100(100) p[100]=0 p[4095]=0 tail=0\nafter: rescues=1 first=4096\n' +
    'p[2*PG+5] again=0\nagain: rescues=1 first=4096\nunmapped: no stats errno=22\n');
});

test('any offset: the result points at the unaligned file offset; first offset is relative to it', () => {
  assert.equal(ok(shared, 'unaligned'), 'first=4(4) last=234(234)\np[999]=250(250) p[1000]=0 p[4999]=0\nafter: rescues=1 first=4999\n');
});

test('writable: writes before EOF reach the file, writes past EOF stay in the mapping, none lost, file not resized', () => {
  assert.equal(ok(shared, 'writable'), 'file[10]=0x55 size=4096 kept=0x66,0x77,0x88\nafter: rescues=1 first=8192\n');
});

test('nested and interleaved access to two truncated mappings', () => {
  assert.equal(ok(shared, 'nested'), 'a ok, b ok, interleaved ok\na: rescues=1 first=32767\nb: rescues=1 first=20480\n');
});

test('a fault outside every guarded mapping kills by SIGBUS (a real bug still crashes)', () => {
  const r = run(shared, 'foreign');
  assert.equal(r.signal, 'SIGBUS');
  assert.equal(r.stdout, 'guarded=0\n');
});

test('a SIGBUS sent by kill kills by SIGBUS when the program has no handler', () => {
  const r = run(shared, 'kill');
  assert.equal(r.signal, 'SIGBUS');
  assert.equal(r.stdout, 'sending\n');
});

for (const when of ['before', 'after']) {
  test(`the program's own SIGBUS handler (installed ${when} the first mapping) is chained: not called for rescues, called for the rest`, () => {
    assert.equal(ok(shared, 'chained', when), 'guarded=0,0 calls=0\ncalls=1\ncalls=2\n');
  });
}

test('mremap growth after a rescue: the kernel refuses the split range, nosigbus_mremap maps afresh and guards it', () => {
  assert.equal(ok(shared, 'mremap'),
    'rescued=0\nkernel mremap: Bad address\nq[PG+3]=93(93) q[5*PG]=159(159)\ngrown: rescues=0 first=-1\n' +
    'tail=0\ntruncated: rescues=1 first=8192\nshrunk=in place r[0]=10\nshrunk: rescues=0 first=-1\n');
});

test('unmapping the middle of a guarded mapping keeps both ends guarded', () => {
  assert.equal(ok(shared, 'partial'),
    'head=0 tail=0\nhead: rescues=1 first=0\nmiddle: no stats errno=22\ntail: rescues=1 first=0\n');
});

test('fork while another thread maps and unmaps: every child maps, rescues and unmaps (no lock or table left mid-update)', () => {
  assert.equal(ok(shared, 'fork'), 'forks=300 ok=300 hung=0 other=0\n');
});

test('fds that cannot be guarded and bad arguments are errors, never crashes', () => {
  assert.equal(ok(shared, 'errors'),
    'pipe: refused\nzero length: refused\nanonymous: refused\nnegative offset: refused\nbad fd: refused\n' +
    'dev/zero: refused\npipe errno=ENODEV\nzero errno=EINVAL\nstats of nothing: -1 EINVAL\n');
});

test('installed (make install), the static library and the pkg-config file link a program that survives truncation', () => {
  const dest = join(dir, 'dest');
  execFileSync('make', ['-s', '-C', root, 'install', `DESTDIR=${dest}`, 'PREFIX=/usr']);
  const env = { ...process.env, PKG_CONFIG_PATH: join(dest, 'usr/lib/pkgconfig'), PKG_CONFIG_SYSROOT_DIR: dest };
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', '--static', 'nosigbus'], { env, encoding: 'utf8' }).trim().split(/\s+/);
  const exe = join(dir, 'lib-static');
  execFileSync('gcc', [...cflags, '-static-libgcc', '-o', exe, join(root, 'test/native/lib.c'),
    ...flags.map((f) => (f === '-lnosigbus' ? '-l:libnosigbus.a' : f))]);
  const needed = execFileSync('readelf', ['-d', exe], { encoding: 'utf8' });
  assert.doesNotMatch(needed, /libnosigbus/);
  assert.match(ok(exe, 'zeros'), /^p\[99\]=100\(100\) p\[100\]=0 p\[4095\]=0 tail=0\nafter: rescues=1 first=4096\n/);
});
