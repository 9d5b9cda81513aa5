// The previous SIGBUS action is called with the semantics the kernel would
// have given it (sa_mask, SA_NODEFER, SA_RESETHAND, plain handlers), and the
// guard puts itself back first when replaced (issue 6, cases 7 and 8).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nosigbus-chain-'));
const exe = join(dir, 'chain');
execFileSync('gcc', ['-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-O1', '-g', '-o', exe,
  join(root, 'test/native/chain.c'), join(root, 'native/guard/guard.c'), '-lpthread']);
after(() => rmSync(dir, { recursive: true }));

const run = (scenario: string) => spawnSync(exe, [scenario], { encoding: 'utf8', timeout: 20_000 });
const BUS_ADRERR = 2;

test('SA_RESETHAND: the previous handler runs once, then the fault kills with SIGBUS', () => {
  const r = run('resethand');
  assert.equal(r.signal, 'SIGBUS');
  assert.equal(r.stdout, `previous sig=7 code=${BUS_ADRERR} usr1=0 bus=1\n`);
});

test('sa_mask is added and SIGBUS blocked while the previous handler runs; the mask is restored after', () => {
  const r = run('mask');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `previous sig=7 code=${BUS_ADRERR} usr1=1 bus=1\nafter: calls=1 usr1=0 bus=0 guarded=0\n`);
});

test('SA_NODEFER: SIGBUS is not blocked while the previous handler runs', () => {
  const r = run('nodefer');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `previous sig=7 code=${BUS_ADRERR} usr1=1 bus=0\nafter: calls=1 usr1=0 bus=0 guarded=0\n`);
});

test('a plain (non-SA_SIGINFO) previous handler is called with the signal number', () => {
  const r = run('plain');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'guarded=0\nplain sig=7\n');
});

test('an action installed over the guard is put back behind it, and still gets the faults that are not ours', () => {
  const r = run('replaced');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `installed=0 put_back=1 again=0 guarded=0\nprevious sig=7 code=${BUS_ADRERR} usr1=0 bus=1\nafter: calls=1\n`);
});

test('what cannot be guarded: a thread that blocks SIGBUS dies by SIGBUS on a truncated page', () => {
  const r = run('blocked');
  assert.equal(r.signal, 'SIGBUS');
  assert.equal(r.stdout, 'unblocked: guarded=0\n');
});

for (const style of ['calls-back', 'reraises'] as const) {
  test(`a handler installed over the guard that ${style === 'calls-back' ? 'calls ours back as a function' : 'restores ours and re-raises'}: a foreign fault dies by SIGBUS, no loop`, () => {
    const r = run(style);
    assert.equal(r.signal, 'SIGBUS', `${r.signal} ${r.status} ${r.stdout}`);
    assert.equal(r.stdout, 'guarded=0\n');
  });
}

test('a previous handler that leaves by siglongjmp is called for every fault', () => {
  const r = run('jumps-out');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'calls=3 guarded=0\n');
});
