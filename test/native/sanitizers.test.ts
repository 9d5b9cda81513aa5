// The guard (native/guard.c) alone, built with ThreadSanitizer and with
// AddressSanitizer + UBSan: concurrent writers during truncation, and slot
// churn (register, fault, release/retire) on four threads.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const sources = [join(root, 'test/native/guard-stress.c'), join(root, 'native/guard.c')];

for (const [name, flags, env] of [
  ['thread', ['-fsanitize=thread'], { TSAN_OPTIONS: `halt_on_error=1 suppressions=${join(root, 'test/native/tsan.supp')}` }],
  ['address,undefined', ['-fsanitize=address,undefined', '-fno-sanitize-recover=all'], { ASAN_OPTIONS: 'detect_leaks=1' }],
] as const) {
  test(`guard under -fsanitize=${name}: no report, no lost write, no slot leak`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'nosigbus-san-'));
    const exe = join(dir, 'guard-stress');
    execFileSync('gcc', ['-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-O1', '-g', ...flags, '-o', exe, ...sources, '-lpthread']);
    const r = spawnSync(exe, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
    rmSync(dir, { recursive: true });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /lost 0 churn ok active 0\nok\n$/);
    assert.doesNotMatch(r.stderr, /Sanitizer/);
  });
}
