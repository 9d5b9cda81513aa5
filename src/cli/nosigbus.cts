#!/usr/bin/env node
// The `nosigbus` command as installed (package.json bin, `npm start`): the
// same command as main.ts, started the fast way. It is CommonJS, so a start
// needs no ES module loader, and runs dist/nosigbus-cli.cjs, all of the
// command's modules in one script (scripts/bundle-cli.mjs, made by `npm run
// build` after tsc). When that bundle is missing or older than the tsc
// output beside this file (tsc ran again since: a single-file test run),
// it imports main.js as an ES module instead, so what runs is never stale.
import { statSync } from 'node:fs';
import { join } from 'node:path';

const BUNDLE = join(__dirname, '..', '..', 'nosigbus-cli.cjs');

function bundleIsFresh(): boolean {
  try {
    return statSync(BUNDLE).mtimeMs >= statSync(join(__dirname, 'main.js')).mtimeMs;
  } catch {
    return false;
  }
}

/** import() of a package (fast-png), resolved from here as main.js would. */
const importPackage = (specifier: string): Promise<unknown> => import(specifier);

if (bundleIsFresh()) (require(BUNDLE) as (importPackage: (specifier: string) => Promise<unknown>) => unknown)(importPackage);
else void import('./main.js');
