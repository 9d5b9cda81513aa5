// `npm run bench`: runs every bench/*.bench.js in turn; each prints its figures.
// In one process, on the test build of the addon (the production sources
// plus the unguarded baselines some benchmarks measure against: rawMap,
// fakeRanges, lookupNs), selected before any benchmark loads src/.
import '../test/support/test-build.js';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
for (const file of readdirSync(here).filter((f) => f.endsWith('.bench.js')).sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  console.log(`\n## ${file.replace('.bench.js', '')}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run(): Promise<void> | void };
  await mod.run();
}
