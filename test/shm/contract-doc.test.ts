// The contract lives in the repository (docs/contract.md): every comment or
// test that cites one of its numbered points names a point the page has, and
// the README links to nothing outside the repository.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Files git tracks under `dirs` whose text cites docs/contract.md. */
function citing(dirs: string[]): string[] {
  const out = execFileSync('git', ['grep', '-l', 'docs/contract.md', '--', ...dirs], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

test('every point cited from docs/contract.md is one of its twelve', () => {
  const doc = readFileSync(join(ROOT, 'docs/contract.md'), 'utf8');
  const points = new Set([...doc.matchAll(/^### Point (\d+): /gm)].map((m) => Number(m[1])));
  assert.deepEqual([...points].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const files = citing(['src', 'native', 'include', 'test', 'bench', 'README.md']);
  assert.ok(files.length >= 10, `citations found in ${files.length} files`);
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    // "point 9", "points 5, 8, 10, 11", "points 1-12" after a citation of the page.
    for (const m of text.matchAll(/contract\.md,?\s+points?\s+(\d+(?:\s*(?:,|and|[-–])\s*\d+)*)/g)) {
      for (const range of m[1]!.split(/,|\band\b/)) {
        const [a, b] = range.split(/[-–]/).map((x) => Number(x.trim()));
        for (let n = a!; n <= (b ?? a)!; n++) assert.ok(points.has(n), `${file} cites point ${n}`);
      }
    }
  }
});

test('the README links only inside the repository (or to the web)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const outside = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!).filter((href) => href.startsWith('../') || href.startsWith('/'));
  assert.deepEqual(outside, []);
});
