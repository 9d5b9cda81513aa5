// Bundles the `nosigbus` command into one CommonJS script,
// dist/nosigbus-cli.cjs, which dist/src/cli/nosigbus.cjs (the `nosigbus`
// bin, `npm start`) runs, and makes V8's code cache of a start for it,
// dist/nosigbus-cli.cjs.cache. `npm run build` and `prepare` run this after
// tsc (and after the addon is built: the cache comes from a real start).
//
// Why: Node 20 spends most of a start resolving, reading, compiling and
// linking ~70 ES modules one by one (its ES loader even gets hot enough for
// TurboFan, whose code and zones then stay resident), and an ES entry point
// alone costs ~2 MiB more than a CommonJS one. One script avoids all that
// (bench/compositor.bench.ts has the figures).
//
// Input: the ES modules tsc emitted under dist/, from dist/src/cli/main.js
// through every static and dynamic relative import. Each becomes a function
// in one table, transformed to CommonJS by the TypeScript compiler (already
// a devDependency; nothing here downloads platform binaries), with:
//  - relative imports resolved at build time to the table's keys; a module
//    is evaluated on first use, once, as CommonJS does, so a dynamic
//    import() still evaluates its module only when called;
//  - `import.meta.url`: the file URL of the module's own file under dist/,
//    computed where read (the file exists beside the bundle: the addon,
//    package.json and helper scripts are found exactly as before);
//  - `node:` imports, static or dynamic, through require (no ES loader);
//    any other package (fast-png) only by dynamic import(), made by the
//    launcher, so an ES-only package loads as before (a static import of a
//    package is a build error);
//  - comments dropped, and characters past ASCII written as \u escapes,
//    so that V8 keeps the source (which lazy compilation needs) one byte
//    per character.
// Module semantics kept: strict, one scope per module, evaluated once;
// imported bindings are read through the exporting module's object at each
// use (live, as TypeScript's CommonJS output does); `import * as` and
// import() give a namespace object as ES does (exports only, in name order:
// src/protocol/index.ts lists interfaces in that order).
// Not kept: stack traces name dist/nosigbus-cli.cjs and its lines.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const ENTRY = 'src/cli/main.js';
export const OUT = join(DIST, 'nosigbus-cli.cjs');
const LAUNCHER = join(DIST, 'src/cli/nosigbus.cjs');
const CACHE = `${OUT}.cache`;
const SOCKET = 'nosigbus-code-cache';

const isRelative = (s) => s.startsWith('./') || s.startsWith('../');

function isPropertyName(node) {
  const p = node.parent;
  return !!p && (ts.isPropertyAccessExpression(p) || ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p)) && p.name === node;
}

/** Rewrites import specifiers to table keys, import.meta.url and import(); collects what the module imports. */
function rewriter(id, deps) {
  const resolve = (to) => {
    const key = posix.normalize(posix.join(posix.dirname(id), to));
    deps.add(key);
    return key;
  };
  return (context) => {
    const f = context.factory;
    const visit = (node) => {
      // An ES module's own `require` (createRequire) must not shadow the one its imports become.
      if (ts.isIdentifier(node) && node.text === 'require' && !isPropertyName(node)) return f.createIdentifier('__moduleRequire');
      if (ts.isPropertyAccessExpression(node) && ts.isMetaProperty(node.expression) && node.expression.keywordToken === ts.SyntaxKind.ImportKeyword && node.name.text === 'url') {
        return f.createCallExpression(f.createIdentifier('__url'), undefined, [f.createStringLiteral(id)]);
      }
      if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) throw new Error(`${id}: import.meta other than import.meta.url`);
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [arg] = node.arguments;
        if (!arg || !ts.isStringLiteral(arg)) throw new Error(`${id}: import() of a computed specifier`);
        const to = arg.text;
        if (isRelative(to)) return f.createCallExpression(f.createIdentifier('__bundleImport'), undefined, [f.createStringLiteral(resolve(to))]);
        if (to.startsWith('node:')) return f.createCallExpression(f.createIdentifier('__builtinImport'), undefined, [f.createStringLiteral(to)]);
        return f.createCallExpression(f.createIdentifier('__externalImport'), undefined, [f.createStringLiteral(to)]);
      }
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        const to = node.moduleSpecifier.text;
        if (!isRelative(to) && !to.startsWith('node:')) throw new Error(`${id}: static import of package '${to}' (import it dynamically, or bundle it)`);
        const clause = ts.isImportDeclaration(node) ? node.importClause : undefined;
        if (isRelative(to) && clause && !clause.name && clause.namedBindings && ts.isNamespaceImport(clause.namedBindings)) {
          // `import * as ns`: a namespace object as ES has it (exports only, sorted by name), not the exports object.
          const call = f.createCallExpression(f.createIdentifier('__namespace'), undefined, [f.createStringLiteral(resolve(to))]);
          return f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(clause.namedBindings.name, undefined, undefined, call)], ts.NodeFlags.Const));
        }
        if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamespaceExport(node.exportClause)) throw new Error(`${id}: export * as (not supported by the bundler)`);
        if (isRelative(to)) {
          const spec = f.createStringLiteral(resolve(to));
          if (ts.isImportDeclaration(node)) return f.updateImportDeclaration(node, node.modifiers, node.importClause, spec, node.attributes);
          return f.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, spec, node.attributes);
        }
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (sf) => ts.visitNode(sf, visit);
  };
}

/** Characters past ASCII as \u escapes (the output has no comments; they appear in strings, templates and regexps only). */
const ascii = (code) => code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function transform(id) {
  const source = readFileSync(join(DIST, id), 'utf8').replace(/^#!.*\n/, '');
  const deps = new Set();
  const out = ts.transpileModule(source, {
    fileName: id,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false, sourceMap: false, removeComments: true, newLine: ts.NewLineKind.LineFeed },
    transformers: { before: [rewriter(id, deps)] },
  });
  for (const d of out.diagnostics ?? []) if (d.category === ts.DiagnosticCategory.Error) throw new Error(`${id}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  const code = ascii(out.outputText.replace(/^\/\/# sourceMappingURL=.*$/m, '').trimEnd());
  return { code, deps };
}

export function bundle() {
  const modules = new Map();
  const queue = [ENTRY];
  while (queue.length) {
    const id = queue.shift();
    if (modules.has(id)) continue;
    const m = transform(id);
    modules.set(id, m);
    queue.push(...m.deps);
  }
  const table = [...modules].map(([id, { code }]) => `${JSON.stringify(id)}(exports, require, module) {\n${code}\n}`).join(',\n');
  const text = `// Generated by scripts/bundle-cli.mjs from ${modules.size} ES modules under dist/ (npm run build): do not edit.
// dist/src/cli/nosigbus.cjs runs it: require(this)(importPackage) runs the command.
'use strict';
/** import() of a package, given by the launcher (resolved from dist/src/cli/). */
let __externalImport;
const __table = {
${table}
};
const __modules = new Map();
const __namespaces = new Map();
const __url = (id) => require('node:url').pathToFileURL(require('node:path').join(__dirname, id)).href;
/** A module's namespace as ES gives it: its exports, sorted by name, read live. */
function __namespace(id) {
  const exports = __load(id);
  let ns = __namespaces.get(id);
  if (!ns) {
    ns = Object.create(null);
    for (const name of Object.keys(exports).sort()) Object.defineProperty(ns, name, { enumerable: true, get: () => exports[name] });
    Object.defineProperty(ns, Symbol.toStringTag, { value: 'Module' });
    __namespaces.set(id, Object.freeze(ns));
  }
  return ns;
}
const __bundleImport = (id) => new Promise((resolve) => resolve(__namespace(id)));
const __builtinImport = (id) => new Promise((resolve) => resolve(require(id)));
function __load(id) {
  const known = __modules.get(id);
  if (known) return known.exports;
  const module = { exports: {} };
  __modules.set(id, module);
  const load = (to) => (to.startsWith('node:') ? require(to) : __load(to));
  __table[id].call(undefined, module.exports, load, module);
  return module.exports;
}
/** Evaluates \`entry\` (default: the command, which then runs) once, and gives its namespace. */
module.exports = function (importPackage, entry = ${JSON.stringify(ENTRY)}) {
  __externalImport ??= importPackage;
  return __namespace(entry);
};
/** The modules in the bundle (a test compares each with its ES module). */
module.exports.modules = ${JSON.stringify([...modules.keys()])};
`;
  writeFileSync(`${OUT}.tmp`, text);
  renameSync(`${OUT}.tmp`, OUT);
  return { modules: modules.size, bytes: text.length };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * V8's code cache of a start (what the launcher compiles the bundle with):
 * `nosigbus serve` on a private runtime directory, run by the launcher with
 * NOSIGBUS_WRITE_CODE_CACHE, stopped once its socket exists (no client
 * connects: the cache holds what a start compiles, and the shutdown).
 * Returns the cache's size, or throws.
 */
export async function codeCache() {
  const dir = mkdtempSync(join(tmpdir(), 'nosigbus-code-cache-'));
  chmodSync(dir, 0o700);
  const tmp = `${CACHE}.tmp`;
  rmSync(tmp, { force: true });
  try {
    const env = { ...process.env, XDG_RUNTIME_DIR: dir, NOSIGBUS_WRITE_CODE_CACHE: tmp };
    delete env.WAYLAND_DEBUG;
    const child = spawn(process.execPath, [LAUNCHER, 'serve', '--socket', SOCKET], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    let done = null;
    exited.then((e) => (done = e));
    for (let waited = 0; !existsSync(join(dir, SOCKET)) && !done; waited += 10) {
      if (waited > 30_000) child.kill('SIGKILL');
      await sleep(10);
    }
    await sleep(50);
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    if (!existsSync(tmp)) throw new Error(`nosigbus serve ended (${signal ?? `status ${code}`}) without writing a code cache`);
    renameSync(tmp, CACHE);
    return readFileSync(CACHE).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(CACHE, { force: true });
  const { modules, bytes } = bundle();
  console.log(`${relative(ROOT, OUT)}: ${modules} modules, ${(bytes / 1024).toFixed(0)} KiB`);
  try {
    console.log(`${relative(ROOT, CACHE)}: ${((await codeCache()) / 1024).toFixed(0)} KiB`);
  } catch (e) {
    // Only a slower start: say so, and build on.
    console.warn(`warning: no code cache for ${relative(ROOT, OUT)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
