// wp_presentation v1: feedback on when a commit was shown.
//
// Invariants:
//  - the clock is CLOCK_MONOTONIC (what process.hrtime reads on Linux);
//  - a feedback is answered once: presented (after sync_output for each of
//    the client's wl_output objects of the output its surface was shown
//    on) at the refresh that showed its commit, or discarded if its
//    surface goes away first; both are destructors;
//  - timestamps are the refresh tick's, refresh is the frame clock's
//    period in ns (the fastest output's), the sequence counts refreshes;
//    flags say vsync (our refresh timer is the outputs' vertical sync);
//  - a client has at most MAX_FEEDBACKS (256) feedbacks not yet answered
//    (no_memory past it): a client asks one per commit, and every feedback
//    costs a refresh one sync_output per wl_output the client bound for
//    that output (at most MAX_BINDS_PER_GLOBAL, 64), so a refresh answers
//    at most 256 × 65 events per client.
import { wp_presentation, wp_presentation_feedback } from '../../protocol/presentation-time.js';
import type { Display, Resource } from '../../server/index.js';
import { ClientQuota } from '../../server/client-quota.js';
import type { Output } from '../output/output.js';
import { surfaceOf } from './surface.js';
import { implement } from '../../server/typed.js';

const CLOCK_MONOTONIC = 1;
const KIND = wp_presentation_feedback.enums.kind.entries;
/** Feedbacks one client may have waiting for an answer; more is no_memory. */
export const MAX_FEEDBACKS = 256;

/** Waiting feedbacks per client. */
export const feedbackQuota = new ClientQuota('presentation feedbacks waiting', MAX_FEEDBACKS);

export function createPresentationGlobal(display: Display): void {
  display.createGlobal(wp_presentation, 1, (resource) => {
    implement(resource, wp_presentation, {
      feedback: (_r, surfaceResource, feedback) => {
        implement(feedback, wp_presentation_feedback, {});
        if (!feedbackQuota.acquire(feedback)) return;
        const surface = surfaceOf(surfaceResource);
        if (surface) surface.pending.feedbacks.push(feedback);
        else discard(feedback);
      },
    });
    resource.send('clock_id', CLOCK_MONOTONIC);
  });
}

/** presented for each feedback, shown on `output`, at `timeNs` (monotonic), refresh number
 * `sequence`, the next one `refreshNs` later (default: the output's period). */
export function presented(feedbacks: readonly Resource<typeof wp_presentation_feedback>[], output: Output, timeNs: bigint, sequence: number, refreshNs = output.refreshNs): void {
  const [secHi, secLo, nsec] = timespec(timeNs);
  const seqHi = Math.floor(sequence / 2 ** 32);
  const seqLo = sequence >>> 0;
  // A refresh period past uint32 ns (under 0.233 Hz, a legal custom mode) is sent as 0: "unknown".
  const refresh = refreshNs <= 0xffffffff ? refreshNs : 0;
  for (const f of feedbacks) {
    if (f.destroyed) continue;
    for (const o of output.outputsOf(f.client)) f.send('sync_output', o);
    f.send('presented', secHi, secLo, nsec, refresh, seqHi, seqLo, KIND.vsync);
    f.destroy();
  }
}

/** Monotonic nanoseconds as the protocols' (tv_sec_hi, tv_sec_lo, tv_nsec). */
export function timespec(timeNs: bigint): [number, number, number] {
  const sec = timeNs / 1_000_000_000n;
  return [Number(sec >> 32n), Number(sec & 0xffffffffn), Number(timeNs % 1_000_000_000n)];
}

export function discard(feedback: Resource<typeof wp_presentation_feedback>): void {
  feedback.send('discarded');
  feedback.destroy();
}
