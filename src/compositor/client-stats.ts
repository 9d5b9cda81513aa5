// What the compositor saw of each client, for reports (`npm start`, `nosigbus
// run`) and tests: commits, frames answered, rescues, how it left.
//
// Invariants:
//  - a connected client's record is found in O(1); a gone client is not
//    kept (nothing here may hold it, or its buffers): its record is;
//  - records of gone clients are bounded: the latest MAX_GONE_STATS to
//    2 × MAX_GONE_STATS are kept, compacted in batches (O(1) amortized), so
//    a client connecting a million times leaves a bounded history behind.
import { readFileSync } from 'node:fs';
import type { Client } from '../server/index.js';

/** What the compositor saw of one client (for reports and tests). */
export interface ClientStats {
  label: string;
  commits: number;
  /** Frame callbacks answered (done sent). */
  frames: number;
  presented: number;
  rescues: number;
  /** zwp_idle_inhibitor_v1 objects the client holds now (0 once it left). */
  idleInhibitors: number;
  /** The client got a protocol error (and was disconnected). */
  protocolError: boolean;
  disconnected: boolean;
  unresponsive: boolean;
  /** Milliseconds since the compositor started: first commit, last frame callback answered (null: none yet). */
  firstCommitMs: number | null;
  lastFrameMs: number | null;
}

/** Stats of gone clients kept for reports (the oldest are forgotten past it). */
const MAX_GONE_STATS = 1024;

export class ClientStatsBook {
  /** Records of the connected clients. */
  readonly #live = new Map<Client, ClientStats>();
  /** Every client's record in connection order; of the gone ones only the latest MAX_GONE_STATS or so. */
  #history: ClientStats[] = [];
  #goneInHistory = 0;

  /** Starts a record for a client that connected (labelled from its credentials: "foot (pid 12)"). */
  track(client: Client): ClientStats {
    const stats: ClientStats = { label: peerLabel(client), commits: 0, frames: 0, presented: 0, rescues: 0, idleInhibitors: 0, protocolError: false, disconnected: false, unresponsive: false, firstCommitMs: null, lastFrameMs: null };
    this.#live.set(client, stats);
    this.#history.push(stats);
    client.onDestroy((c) => {
      stats.disconnected = true;
      stats.protocolError = c.errored;
      stats.idleInhibitors = 0;
      this.#live.delete(c);
      if (++this.#goneInHistory > 2 * MAX_GONE_STATS) {
        let drop = this.#goneInHistory - MAX_GONE_STATS;
        this.#history = this.#history.filter((h) => !(h.disconnected && drop-- > 0));
        this.#goneInHistory = MAX_GONE_STATS;
      }
    });
    return stats;
  }

  /** The record of a connected client. */
  of(client: Client): ClientStats | undefined {
    return this.#live.get(client);
  }

  /** Every record, connected or gone (the latest 1,024 to 2,048 gone ones), in connection order. */
  all(): readonly ClientStats[] {
    return this.#history.slice();
  }

  /** A client's name for log lines. */
  labelOf(client: Client): string {
    return this.#live.get(client)?.label ?? 'client';
  }
}

/** "weston-simple-shm (pid 123)" from the peer's credentials, else "client". */
function peerLabel(client: Client): string {
  const pid = client.credentials?.pid;
  if (!pid || pid === process.pid) return 'client';
  let comm = '';
  try {
    comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    comm = '';
  }
  return comm ? `${comm} (pid ${pid})` : `pid ${pid}`;
}
