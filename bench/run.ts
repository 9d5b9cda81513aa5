// `npm run bench`: runs every bench/*.bench.js in turn; each prints its figures.
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
