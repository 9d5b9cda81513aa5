// docs/contract.md point 7: real bugs still crash, with SIGBUS. Each case runs in a child.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const child = fileURLToPath(new URL('../fixtures/sigbus-child.js', import.meta.url));

function run(scenario: string): { signal: NodeJS.Signals | null; status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [child, scenario], { encoding: 'utf8', timeout: 20_000 });
  return { signal: r.signal, status: r.status, stdout: r.stdout };
}

test('a SIGBUS outside guarded ranges kills the process with SIGBUS (no mappings live)', () => {
  const r = run('unguarded');
  assert.equal(r.signal, 'SIGBUS');
  assert.doesNotMatch(r.stdout, /survived/);
});

test('a SIGBUS outside guarded ranges kills the process with SIGBUS (guarded mappings live)', () => {
  const r = run('unguarded-with-mappings');
  assert.match(r.stdout, /guarded read 0, rescues 1/);
  assert.equal(r.signal, 'SIGBUS');
});

test('a SIGBUS sent by kill() kills the process with SIGBUS', () => {
  const r = run('kill');
  assert.equal(r.signal, 'SIGBUS');
  assert.doesNotMatch(r.stdout, /survived/);
});

test('a handler installed before ours is called', () => {
  const r = run('previous-handler');
  assert.equal(r.signal, null);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /previous handler called/);
});

test('a hardware memory error (BUS_MCEERR_AR) inside a guarded range is not rescued', () => {
  const r = run('hardware-error');
  assert.match(r.stdout, /address error inside the guard: rescued 1/);
  assert.equal(r.signal, 'SIGBUS');
  assert.doesNotMatch(r.stdout, /survived/);
});

test('an address error on a page a disk file still covers (I/O error) is not papered over', () => {
  const r = run('io-error');
  assert.match(r.stdout, /after 10: rescued 0/);
  assert.equal(r.signal, 'SIGBUS');
  assert.doesNotMatch(r.stdout, /survived/);
});

test('an address error on a page a memfd still covers (tmpfs full) reads zeros and is counted', () => {
  const r = run('in-file-shmem');
  assert.equal(r.signal, null);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /shmem in-file fault: rescued 1, first 4096/);
});

test('the I/O-error rule counts consecutive faults: 900, a rescue, 900 more at the same address survive', () => {
  const r = run('io-error-reset');
  assert.equal(r.signal, null);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /1800 in-file faults with a rescue \(read 0\) between: survived, rescued 1/);
});
