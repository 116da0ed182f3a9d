/**
 * Replays: already acknowledged messages fed to a member again (application
 * messages it read, the last Commit it merged, the Welcome that added it).
 * Each must be refused as bad network input (a ValidationError or a
 * CodecError, never a UsageError, CryptoError or InternalError); an accepted
 * one, or one refused otherwise, is a violation.
 */
import { CodecError, ValidationError } from "@mlskit/mls";
import type { Membership } from "./delivery-service.js";
import { errorCode, groupIdBytes } from "./member.js";
import { type World, clientOf } from "./world.js";

/** What a replay check saw. */
export interface ReplayTally {
  rejected: number;
  /** Rejections by error code. */
  readonly codes: Record<string, number>;
}

/** An empty {@link ReplayTally}. */
export function emptyTally(): ReplayTally {
  return { rejected: 0, codes: {} };
}

/** Feeds up to `messages` read application messages, the last merged Commit and the member's Welcome to it again. */
export async function replayTo(w: World, m: Membership, messages: number, tally: ReplayTally): Promise<void> {
  if (!m.welcomeAcked || m.untilSeq !== null || m.broken) return;
  const g = await clientOf(w, m.name).getGroup(groupIdBytes(m.gid));
  if (g === undefined || !g.active) return;
  const old = w.ds.readMessages(m, messages);
  const commit = w.ds.lastAckedCommit(m);
  if (commit !== undefined) old.push(commit);
  let rejected = 0;
  for (const e of old) {
    w.journal.phase("library");
    try {
      const r = await g.processIncoming(e.bytes);
      w.violation("replay", `${m.name} in ${m.gid}: the replayed ${e.kind} seq ${e.seq} (epoch ${e.epoch}) was accepted as ${r.kind}`);
    } catch (err) {
      if (ValidationError.isInstance(err) || CodecError.isInstance(err)) {
        rejected++;
        tally.codes[err.code] = (tally.codes[err.code] ?? 0) + 1;
      } else {
        w.violation("replay", `${m.name} in ${m.gid}: the replayed ${e.kind} seq ${e.seq} was refused as other than bad input: ${errorCode(err)}`);
      }
    }
  }
  if (m.welcome !== null) {
    // The Welcome that added it: its KeyPackage was consumed with the join, so it must not open again.
    w.journal.phase("library");
    try {
      await clientOf(w, m.name).joinFromWelcome(m.welcome);
      w.violation("replay", `${m.name} in ${m.gid}: the replayed Welcome to epoch ${m.joinEpoch} was accepted`);
    } catch (err) {
      if (ValidationError.isInstance(err) || CodecError.isInstance(err)) {
        rejected++;
        tally.codes[err.code] = (tally.codes[err.code] ?? 0) + 1;
      } else {
        w.violation("replay", `${m.name} in ${m.gid}: the replayed Welcome was refused as other than bad input: ${errorCode(err)}`);
      }
    }
  }
  tally.rejected += rejected;
  w.ds.count("replaysRejected", rejected);
}
