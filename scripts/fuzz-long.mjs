#!/usr/bin/env node
// The long run of the stateful protocol fuzzer (test/support/fuzz/): at least
// NOSIGBUS_FUZZ_MINUTES minutes (default 10) and NOSIGBUS_FUZZ_REQUESTS
// requests (default 1,000,000) against a compositor in a child process, in
// segments of NOSIGBUS_FUZZ_SEGMENT requests (default 100,000), each with its
// own seed (NOSIGBUS_FUZZ_SEED + segment number). After every segment all
// clients leave and the compositor must hold nothing of them and no more fds
// than before; a crash or a hang ends the segment and a new compositor is
// started for the next one.
//
//   npm run fuzz                                   # defaults
//   NOSIGBUS_FUZZ_SEED=7 NOSIGBUS_FUZZ_MINUTES=1 npm run fuzz
//   node scripts/fuzz-long.mjs --in-process        # same process (faster, no crash isolation)
//   node scripts/fuzz-long.mjs --concurrent        # clients' turns interleaved (not reproducible)
//   NOSIGBUS_FUZZ_AVOID=all node scripts/fuzz-long.mjs   # look past the known findings
//
// Other knobs: NOSIGBUS_FUZZ_CLIENTS (6), NOSIGBUS_FUZZ_RSS_MIB (peak RSS bound
// of the compositor, default 1024), NOSIGBUS_FUZZ_DEPTH (deepest chain, 3000),
// NOSIGBUS_FUZZ_BUFFER (largest buffer side, 2048), NOSIGBUS_FUZZ_POLICY
// (the compositor's --on-truncate: error, the default, or zero). Prints requests/s, RSS
// (VmRSS, VmHWM of the compositor), fds and every failure with its seed and
// the client's last 50 requests; a summary of failures grouped by kind and
// message at the end. Exit status 1 if anything failed.
import { Compositor } from '../dist/src/compositor/index.js';
import { socketPair } from '../dist/src/wire/socket.js';
import { KNOWN_FINDINGS } from '../dist/test/support/fuzz/client.js';
import { ChildTarget } from '../dist/test/support/fuzz/child-target.js';
import { describeFailure, Fuzzer, mib } from '../dist/test/support/fuzz/harness.js';
import { seedFromEnv } from '../dist/test/support/fuzz/rng.js';
import { InProcessTarget } from '../dist/test/support/fuzz/target.js';

const env = (name, fallback) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : fallback);
const flag = (name) => process.argv.includes(`--${name}`);

const seed0 = seedFromEnv('NOSIGBUS_FUZZ_SEED', 1);
const totalRequests = env('NOSIGBUS_FUZZ_REQUESTS', 1_000_000);
const minutes = env('NOSIGBUS_FUZZ_MINUTES', 10);
const segmentRequests = env('NOSIGBUS_FUZZ_SEGMENT', 100_000);
const clients = env('NOSIGBUS_FUZZ_CLIENTS', 6);
const rssLimit = env('NOSIGBUS_FUZZ_RSS_MIB', 1024) * 1048576;
const avoidEnv = process.env.NOSIGBUS_FUZZ_AVOID ?? '';
const avoid = avoidEnv === 'all' ? Object.keys(KNOWN_FINDINGS) : avoidEnv.split(',').filter(Boolean);
for (const a of avoid) if (!(a in KNOWN_FINDINGS)) throw new Error(`NOSIGBUS_FUZZ_AVOID: unknown finding ${a} (known: ${Object.keys(KNOWN_FINDINGS).join(', ')})`);
const inProcess = flag('in-process');
const truncationPolicy = process.env.NOSIGBUS_FUZZ_POLICY === 'zero' ? 'zero' : 'error';
const concurrent = flag('concurrent');
const limits = {
  maxBufferSide: env('NOSIGBUS_FUZZ_BUFFER', 2048),
  maxChainDepth: env('NOSIGBUS_FUZZ_DEPTH', 3000),
  maxOutputSide: 2048,
  extremes: true,
  racy: concurrent,
  avoid,
};

const started = Date.now();
const deadline = started + minutes * 60_000;
const log = (line) => process.stdout.write(`${line}\n`);
log(`nosigbus protocol fuzzer, long run: seed ${seed0}, >= ${totalRequests} requests and >= ${minutes} min, ${clients} clients, ${inProcess ? 'in-process' : 'child-process'} compositor (on-truncate ${truncationPolicy})${concurrent ? ', concurrent turns' : ''}${avoid.length ? `, avoiding ${avoid.join(', ')}` : ''}`);

/** A compositor to fuzz: a child process, or one in this process. */
async function startTarget() {
  if (!inProcess) return ChildTarget.start({ width: 640, height: 480, truncationPolicy });
  let target = null;
  const compositor = new Compositor({ width: 640, height: 480, logLevel: 'error', pingIntervalMs: 0, onTruncate: truncationPolicy, cursor: true, log: (line) => target?.reportLogLine(line) });
  target = new InProcessTarget(compositor, (label) => {
    const [server, client] = socketPair();
    compositor.addClient(server, label);
    return client;
  });
  const close = target.close.bind(target);
  target.close = async () => {
    await close();
    compositor.close();
  };
  return target;
}

const totals = { requests: 0, turns: 0, clients: 0, expected: 0, allowed: 0, segments: 0, compositors: 1, peakRss: 0 };
const failures = [];
let target = await startTarget();
const firstProbe = await target.probe();
log(`compositor idle: RSS ${mib(firstProbe.rssBytes)}, ${firstProbe.fds} fds`);
const segments = [];
for (let segment = 0; totals.requests < totalRequests || Date.now() < deadline; segment++) {
  const seed = (seed0 + segment) >>> 0;
  const fuzzer = new Fuzzer(target, {
    seed,
    requests: segmentRequests,
    clients,
    batch: 60,
    limits,
    concurrent,
    truncationPolicy,
    roundtripTimeoutMs: 10_000,
    rssLimitBytes: rssLimit,
    maxFailures: 20,
    progressMs: 30_000,
    progress: (line) => {
      const total = totals.requests + fuzzer.requests;
      const secs = (Date.now() - started) / 1000;
      log(`  [segment ${segment}, seed ${seed}] ${line} | total ${total} requests, ${(total / secs).toFixed(0)}/s`);
    },
  });
  const r = await fuzzer.run();
  // What is left with no client: the output back to its first mode (a client may have set any), repainted, then a GC.
  let heap = null;
  if (target.heapAfterGc && !target.death) {
    await target.drive({ kind: 'mode', width: 640, height: 480, scale: 1 }).catch(() => {});
    await target.drive({ kind: 'paint' }).catch(() => {});
    heap = await target.heapAfterGc();
  }
  totals.requests += r.requests;
  totals.turns += r.turns;
  totals.clients += r.clientsStarted;
  totals.expected += r.expectedErrors;
  totals.allowed += r.allowedErrors;
  totals.segments++;
  totals.peakRss = Math.max(totals.peakRss, r.peakRssBytes);
  segments.push({ seed, requests: r.requests, fdsBefore: r.fdsBefore, fdsAfter: r.fdsAfter, peak: r.peakRssBytes, after: r.rssAfterBytes, heap, failures: r.failures.length + r.failuresNotRecorded });
  const secs = (Date.now() - started) / 1000;
  log(
    `segment ${segment} (seed ${seed}): ${r.requests} requests, ${r.clientsStarted} clients, ${(r.durationMs / 1000).toFixed(0)} s; compositor fds ${r.fdsBefore} -> ${r.fdsAfter}, ` +
      `RSS after ${mib(r.rssAfterBytes)}, peak ${mib(r.peakRssBytes)}${heap ? `, after GC: heap ${mib(heap.heapUsed)} + buffers ${mib(heap.external)}` : ''}; failures ${r.failures.length + r.failuresNotRecorded} | total ${totals.requests} requests in ${secs.toFixed(0)} s (${(totals.requests / secs).toFixed(0)}/s)`,
  );
  for (const f of r.failures) {
    failures.push(f);
    for (const l of describeFailure(f)) log(`    ${l}`);
  }
  if (target.death || r.failures.some((f) => f.kind === 'hang' || f.kind === 'crash')) {
    log(`  the compositor ${target.death ? `died (${target.death.split('\n')[0]})` : 'hung'}: a new one for the next segment`);
    await target.close().catch(() => {});
    if (!target.death && !inProcess) process.kill(target.pid, 'SIGKILL');
    target = await startTarget();
    totals.compositors++;
  }
}
await target.close();

const secs = (Date.now() - started) / 1000;
log('');
log(`total: ${totals.requests} requests in ${secs.toFixed(0)} s (${(totals.requests / secs).toFixed(0)} requests/s), ${totals.turns} turns, ${totals.clients} clients, ${totals.segments} segments, ${totals.compositors} compositor process(es)`);
log(`protocol errors the model expected: ${totals.expected}; allowed (truncation, timing): ${totals.allowed}`);
log(`compositor peak RSS (VmHWM): ${mib(totals.peakRss)}; fds per segment (before -> after all clients left): ${segments.map((s) => `${s.fdsBefore}->${s.fdsAfter}`).join(' ')}`);
const heaps = segments.filter((s) => s.heap && s.heap.heapUsed >= 0);
if (heaps.length >= 2) {
  log(`compositor memory still referenced after GC with no client connected (JS heap + buffers), per segment: ${heaps.map((s) => `${mib(s.heap.heapUsed)} + ${mib(s.heap.external)}`).join(', ')}`);
  // A leak grows with what clients did: more than 64 MiB from the second segment (warm) to the last is one.
  const first = heaps[Math.min(1, heaps.length - 1)];
  const last = heaps[heaps.length - 1];
  const growth = last.heap.heapUsed + last.heap.external - (first.heap.heapUsed + first.heap.external);
  if (growth > 64 * 1048576) failures.push({ kind: 'memory', message: `memory referenced after GC grew by ${mib(growth)} from segment ${segments.indexOf(first)} to ${segments.indexOf(last)} with no client connected`, seed: last.seed, client: null, atRequest: totals.requests, lastRequests: [] });
}
const groups = new Map();
for (const f of failures) {
  const key = `${f.kind}: ${f.message.split('\n')[0].replace(/fuzz-\d+/g, 'fuzz-N').replace(/@\d+/g, '@N').replace(/\d{3,}/g, 'N')}`;
  const g = groups.get(key) ?? { count: 0, first: f };
  g.count++;
  groups.set(key, g);
}
log(`failures: ${failures.length}${groups.size ? ' —' : ''}`);
for (const [key, g] of groups) log(`  ${g.count} x ${key}\n      first: seed ${g.first.seed}${g.first.client ? `, ${g.first.client}` : ''}, after request ${g.first.atRequest}`);
process.exitCode = failures.length ? 1 : 0;
