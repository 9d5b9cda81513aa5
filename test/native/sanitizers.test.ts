// The guard (native/guard/guard.c) alone, built with ThreadSanitizer and with
// AddressSanitizer + UBSan: concurrent writers during truncation, and slot
// churn (register, fault, release/retire) on four threads. No suppressions:
// the TSan build annotates the rescue's mmap as fresh memory (guard.c,
// NOSIGBUS_TSAN), and a deliberately racy variant shows TSan still reports
// a real race in the guard, every time.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const sources = [join(root, 'test/native/guard-stress.c'), join(root, 'native/guard/guard.c')];
const dir = mkdtempSync(join(tmpdir(), 'nosigbus-san-'));
after(() => rmSync(dir, { recursive: true }));

function build(name: string, flags: readonly string[]): string {
  const exe = join(dir, name);
  execFileSync('gcc', ['-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-O1', '-g', ...flags, '-o', exe, ...sources, '-lpthread']);
  return exe;
}

const TSAN = ['-fsanitize=thread', '-DNOSIGBUS_TSAN'];
const TSAN_OPTIONS = 'halt_on_error=1 history_size=4';

for (const [name, flags, env] of [
  ['thread', TSAN, { TSAN_OPTIONS }],
  ['address,undefined', ['-fsanitize=address,undefined', '-fno-sanitize-recover=all'], { ASAN_OPTIONS: 'detect_leaks=1' }],
] as const) {
  test(`guard under -fsanitize=${name}: no report, no lost write, no slot leak`, () => {
    const r = spawnSync(build(name.replace(',', '-'), flags), { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /lost 0 churn ok active 0\nok\n$/);
    assert.doesNotMatch(r.stderr, /Sanitizer/);
  });
}

test('ThreadSanitizer reports a claim taken without compare-and-swap (the racy variant), every run', () => {
  const exe = build('racy', [...TSAN, '-DNOSIGBUS_TEST_RACY_CLAIM']);
  for (let run = 0; run < 3; run++) {
    const r = spawnSync(exe, { encoding: 'utf8', env: { ...process.env, TSAN_OPTIONS }, timeout: 120_000 });
    assert.equal(r.status, 66, `run ${run}: exit ${r.status}\n${r.stderr.slice(0, 2000)}`);
    assert.match(r.stderr, /WARNING: ThreadSanitizer: data race[\s\S]*rescue_tail/);
  }
});
