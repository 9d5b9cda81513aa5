#!/usr/bin/env node
// The `nosigbus` command as installed (package.json bin, `npm start`): the
// same command as main.ts, started the fast way. It is CommonJS, so a start
// needs no ES module loader, and runs dist/nosigbus-cli.cjs, all of the
// command's modules in one script (scripts/bundle-cli.mjs, made by `npm run
// build` after tsc), compiled with V8's code cache of a start
// (dist/nosigbus-cli.cjs.cache, made by the same step) so that the functions
// a start runs are not parsed and compiled again.
//
// Invariants:
//  - what runs is never stale: when the bundle is missing or older than the
//    tsc output beside this file (tsc ran again since, e.g. a single-file
//    test run), main.js is imported as an ES module instead;
//  - the code cache is used only for the bundle it was made from (its
//    header holds the bundle's size and mtime: V8 itself checks only the
//    source's length); V8 rejects it for another V8 or other flags, and a
//    missing or rejected cache only means a slower start;
//  - NOSIGBUS_WRITE_CODE_CACHE=FILE (the build's use only): compile without
//    a cache and write one to FILE when the process exits.
import { readFileSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';

const BUNDLE = join(__dirname, '..', '..', 'nosigbus-cli.cjs');
const CACHE = `${BUNDLE}.cache`;

/** The bundle's stat if it is at least as new as the tsc output, else null. */
function freshBundle(): Stats | null {
  try {
    const bundle = statSync(BUNDLE);
    return bundle.mtimeMs >= statSync(join(__dirname, 'main.js')).mtimeMs ? bundle : null;
  } catch {
    return null;
  }
}

/** What a code cache file starts with: the bundle it belongs to. */
function cacheHeader(bundle: Stats): string {
  return `nosigbus-cli.cjs ${bundle.size} ${bundle.mtimeMs}\n`;
}

function readCache(bundle: Stats): Buffer | undefined {
  try {
    const file = readFileSync(CACHE);
    const header = Buffer.from(cacheHeader(bundle));
    return file.subarray(0, header.length).equals(header) ? file.subarray(header.length) : undefined;
  } catch {
    return undefined;
  }
}

/** import() of a package (fast-png), resolved from here as main.js would. */
const importPackage = (specifier: string): Promise<unknown> => import(specifier);

type Bundle = (importPackage: (specifier: string) => Promise<unknown>) => unknown;

function runBundle(bundle: Stats): void {
  const writeCache = process.env.NOSIGBUS_WRITE_CODE_CACHE;
  const cachedData = writeCache ? undefined : readCache(bundle);
  // The bundle is ASCII (scripts/bundle-cli.mjs escapes the rest): latin1 reads it one byte per character.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE, 'latin1')}\n})`;
  const script = new Script(source, { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, BUNDLE, join(BUNDLE, '..'));
  if (writeCache) process.on('exit', () => writeFileSync(writeCache, Buffer.concat([Buffer.from(cacheHeader(bundle)), script.createCachedData()])));
  (module.exports as Bundle)(importPackage);
}

const bundle = freshBundle();
if (bundle) runBundle(bundle);
else void import('./main.js');
