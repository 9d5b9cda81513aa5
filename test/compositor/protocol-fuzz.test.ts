// The stateful protocol fuzzer, bounded slice (test/support/fuzz/): several
// clients at once drive random but well-formed request sequences on every
// global the compositor advertises, against one in-process compositor, with
// scripted input, repaints and refresh ticks between their turns.
//
// What it covers (see client.ts for the model of each): surfaces, buffers of
// every size, format, offset and stride (and invalid ones, expecting their
// protocol error), pools that grow, pools declared past their file, files
// truncated under the compositor, damage, regions, scales, transforms,
// viewports; frame callbacks and presentation feedback; toplevels, popups
// with positioners (and chains of them), subsurfaces (sync and desync,
// stacking, reparenting by destroy and recreate, chains hundreds deep),
// cursors, drag icons, layer surfaces, decorations; the seat (pointer,
// keyboard, touch, virtual keyboards and pointers, the compositor's own
// scripted input); selections and drags over the three selection protocols
// with pipes; screencopy into shm buffers; output management (modes tested
// and applied); xdg-activation; xdg-output; single-pixel buffers shown like
// shm ones; xdg-foreign exports, imports and set_parent_of (loops across
// clients avoided by rank); relative pointers; pointer constraints (locks and
// confinements, already_constrained, the per-client bound); ext data control
// beside wlr's; idle inhibitors; cursor shapes; ext image capture (sources,
// sessions, frames into buffers of the right and wrong sizes, cursor
// sessions, the XML's errors, the session bound).
//
// Invariants checked (a failure of any is reported with its seed and the
// client's last requests): no protocol error but the model's; no internal
// error and nothing logged at level 'error'; no disconnect without an error;
// every round trip answered; after every client left, no client state in the
// compositor and its fd count back to where it was. No timing is asserted:
// seeds are fixed, a client's requests depend on its seed only.
//
// NOSIGBUS_FUZZ_SEED=n runs that one seed, NOSIGBUS_FUZZ_REQUESTS=n sets the
// requests per seed (default 16,000); NOSIGBUS_FUZZ_AVOID=tag,... (or `all`)
// steps around known findings (KNOWN_FINDINGS in client.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interfaces } from '../../src/protocol/index.js';
import { KNOWN_FINDINGS, type FuzzLimits, type KnownFinding } from '../support/fuzz/client.js';
import { describeReport, Fuzzer, requestUniverse, type FuzzReport } from '../support/fuzz/harness.js';
import { seedFromEnv } from '../support/fuzz/rng.js';
import { InProcessTarget } from '../support/fuzz/target.js';
import { startCompositor } from '../support/compositor.js';

const SEEDS: readonly number[] = process.env.NOSIGBUS_FUZZ_SEED ? [seedFromEnv('NOSIGBUS_FUZZ_SEED', 0)] : [1, 2, 3, 4, 5];
const REQUESTS = Number(process.env.NOSIGBUS_FUZZ_REQUESTS ?? 16_000);

function avoided(): KnownFinding[] {
  const v = process.env.NOSIGBUS_FUZZ_AVOID ?? '';
  const all = Object.keys(KNOWN_FINDINGS).filter((k): k is KnownFinding => k in KNOWN_FINDINGS);
  if (v === 'all') return all;
  return v.split(',').filter((x): x is KnownFinding => all.some((k) => k === x));
}

const LIMITS: FuzzLimits = {
  maxBufferSide: 512,
  maxChainDepth: 1200,
  maxOutputSide: 1024,
  extremes: true,
  racy: false,
  avoid: avoided(),
};

const reports: FuzzReport[] = [];
let universe: string[] = [];

for (const seed of SEEDS) {
  // The last seed runs the other truncation policy: truncated buffers are shown as zeros, no invalid_fd;
  // seed 4 shows every buffer in place (--memory-budget 0) instead of copying it at commit (the default).
  const policy = seed === 5 ? 'zero' : 'error';
  const copied = seed !== 4;
  test(`protocol fuzzer, seed ${seed}: ${REQUESTS} requests from 4 clients at once (on-truncate ${policy}, ${copied ? 'copied at commit' : 'shown in place'})`, { timeout: 240_000 }, async (t) => {
    let target: InProcessTarget | null = null;
    const tc = startCompositor({ onTruncate: policy, cursor: true, log: (line) => target?.reportLogLine(line), ...(copied ? {} : { pixelBudget: { perClient: 0 } }) });
    target = new InProcessTarget(tc.compositor, (label) => tc.stream(label));
    universe = requestUniverse(
      [...tc.compositor.display.globals.values()].map((g) => g.iface.name),
      interfaces,
    );
    const fuzzer = new Fuzzer(target, { seed, requests: REQUESTS, clients: 4, batch: 40, limits: LIMITS, truncationPolicy: policy, roundtripTimeoutMs: 20_000 });
    const report = await fuzzer.run();
    await target.close();
    tc.close();
    reports.push(report);
    t.diagnostic(describeReport(report));
    assert.ok(report.requests >= REQUESTS, 'the whole slice ran');
    assert.ok(report.expectedErrors > 0, 'invalid requests were made and got their errors');
    assert.deepEqual(
      report.failures.map((f) => `[${f.kind}] ${f.message.split('\n')[0]}`),
      [],
      `seed ${seed} failed; replay with NOSIGBUS_FUZZ_SEED=${seed}:\n${describeReport(report)}`,
    );
  });
}

const coverageSkip = SEEDS.length < 5 ? 'a single seed does not cover everything' : LIMITS.avoid.length > 0 ? 'stepping around findings leaves some requests out' : false;
test('protocol fuzzer: every request of every interface reachable from the advertised globals was driven', { skip: coverageSkip }, () => {
  const driven = new Set<string>();
  for (const r of reports) for (const k of r.coverage.keys()) driven.add(k);
  const missing = universe.filter((k) => !driven.has(k));
  assert.ok(universe.length > 150, `the request universe (${universe.length}) was computed`);
  assert.deepEqual(missing, [], 'requests the fuzzer never sent');
});
