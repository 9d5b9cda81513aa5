// The guard against hostile clients and careless callers (issue 6). Each case
// runs in a child with a time bound: dying or hanging fails the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const child = fileURLToPath(new URL('../fixtures/hostile-child.js', import.meta.url));

// Thousands of mappings hold thousands of fds: raise the soft limit to the hard one.
const nofile = Number(spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim()) || 1024;
const OTHER_MAPPINGS = Math.min(19_500, nofile - 500);

function run(scenario: string, arg = '', timeout = 60_000, nodeFlags: string[] = []): string {
  const r = spawnSync('sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$@"', 'sh', process.execPath, ...nodeFlags, child, scenario, arg], {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, OTHER_MAPPINGS: String(OTHER_MAPPINGS) },
  });
  assert.equal(r.signal, null, `${scenario} ${arg}: killed by ${r.signal}\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.status, 0, `${scenario} ${arg}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

for (const mode of ['tail', 'page']) {
  test(`close() while native threads fault on the truncated mapping (${mode}): they wait for the zeros`, () => {
    assert.match(run('close-race', mode), new RegExp(`close-race ${mode}: 40 rounds survived`));
  });
  test(`remap() while native threads fault on the truncated mapping (${mode})`, () => {
    assert.match(run('remap-race', mode), new RegExp(`remap-race ${mode}: 40 rounds survived`));
  });
}

test('randomFill still writing after close(), 1,100 cycles later: no crash, no byte in another file', () => {
  assert.match(run('randomfill-close'), /randomFill after close: other file zero true, victim size 33554432, quarantined true/);
});

test('fs.read blocked on a FIFO across close() and 1,024 cycles: its bytes land in zeros, never in another file', () => {
  assert.match(run('fifo-read-close'), /fifo read of 65536 bytes after close: other files untouched true, victim untouched true/);
});

for (const kind of ['memfd', 'disk']) {
  test(`a peer flips the size every 2 ms while we read, ${OTHER_MAPPINGS} other mappings live (${kind}): survives`, () => {
    assert.match(run('storm', kind), new RegExp(`storm ${kind}: survived \\d+ remaps with ${OTHER_MAPPINGS} other mappings, rescues true, peer 0`));
  });
}

test('16,500 rescued tail mappings, then a page rescue; then map() says ERR_NOSIGBUS_NO_MAPPINGS, never a death', () => {
  const out = run('vma-budget');
  assert.match(out, /vma-budget: 16500 rescued, page rescue read 0, big page mapping degraded yes sum 0, then map\(\): ERR_NOSIGBUS_NO_MAPPINGS \(available (-\d+|0|1)\), after close map\(\) works true/);
});

test('as if vm.max_map_count were 3,000: 2,000 rescued tail mappings are refused cleanly before the limit', () => {
  const out = run('vma-cap', '3000');
  const m = /vma-cap 3000: (\d+) rescued mappings, then ERR_NOSIGBUS_NO_MAPPINGS/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m[1]) > 500 && Number(m[1]) < 1500, out);
});

test('page mode: EOF moving below the fallback does not hang', () => {
  assert.match(run('page-fallback'), /page-fallback: degraded after page \d+, then page 10 read 0/);
});

test('page mode, writable: the fallback keeps every write made to pages rescued earlier', () => {
  assert.match(run('page-fallback-writes'), /page-fallback-writes: degraded true, lost 0 of 35000, last 7/);
});

test("process.on('SIGBUS') after map(): the guard is put back first; the listener still hears kill()", () => {
  assert.match(run('sigbus-listener'), /sigbus-listener: guarded read 0, listener heard 1, after removal read 0, rescues 2/);
});

test('a request that never completes does not spend the budget: at most 4,096 closed regions wait', () => {
  assert.match(run('pinned-request'), /pinned-request: 6000 closes, at most 4096 waiting, map\(\) still works true, read 4/);
});

test('ArrayBuffer.prototype.transfer() of bytes, then close(): the moved buffer reads zeros, the region waits for it', () => {
  // Node 20 has transfer() behind a flag; later versions ship it.
  const flags = 'transfer' in ArrayBuffer.prototype ? [] : ['--harmony-rab-gsab-transfer'];
  assert.match(run('transfer', '', 60_000, flags), /transfer: after close the moved buffer reads 0, 1 waiting; after GC 0; file byte 5 = 0/);
});
