/** The verify-only run's closing line: the DS's counters and the check of the whole key log. */
import { analyzeSealLog, releasedCiphertexts, type KeyReport } from "./seal-log.js";
import type { World } from "./world.js";

/** The results line of the final, verify-only run. */
export interface FinalReport {
  readonly type: "final";
  readonly run: number;
  /** The DS's counters (see `Stat` in delivery-service.ts), kept with the events they count. */
  readonly stats: Record<string, number>;
  readonly groups: { gid: string; epoch: number; members: string[] }[];
  readonly keys: KeyReport;
}

/** Builds the final line; key-log faults are reported as violations of `keys`. */
export function finalReport(w: World, sealLogPath: string): FinalReport {
  const keys = analyzeSealLog(sealLogPath, releasedCiphertexts(w.ds.releasedMessages()));
  if (keys.pairsReusedForOtherContent > 0) w.violation("keys", `${keys.pairsReusedForOtherContent} (key, nonce) pair(s) sealed different contents`);
  if (keys.keysReusedReleased > 0) w.violation("keys", `${keys.keysReusedReleased} key(s) sealed two ciphertexts that both left a client`);
  return {
    type: "final",
    run: w.run,
    stats: w.ds.stats(),
    groups: w.ds.groups().map((g) => ({ gid: g.gid, epoch: g.epoch, members: w.ds.members(g.gid).map((m) => m.name) })),
    keys,
  };
}
