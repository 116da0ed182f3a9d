/** Reading a campaign's results file into the counts the closing note quotes. */
import { readFileSync } from "node:fs";
import type { FinalReport } from "./final-report.js";
import type { KillLine } from "./journal.js";
import type { KeyReport } from "./seal-log.js";
import type { VerifyResult } from "./verify.js";
import type { Violation, ViolationCategory } from "./world.js";

/** The campaign's counts. */
export interface CampaignSummary {
  /** Restarts whose check completed (one per worker process that got that far, the final one included). */
  readonly restartsChecked: number;
  /** Kills as the next process found them (each recorded once): in the middle of an operation, in a restart's own start and check, or between operations. */
  readonly killsSeen: number;
  readonly killsMidOperation: number;
  readonly killsInStartupCheck: number;
  readonly killsByOperation: Record<string, number>;
  readonly killsByPhase: Record<string, number>;
  readonly statesChecked: number;
  readonly statesAtOldEpoch: number;
  readonly statesAtNewEpoch: number;
  readonly commitsAccepted: number;
  readonly commitsRejected: number;
  readonly commitsMerged: number;
  readonly adds: number;
  readonly removes: number;
  readonly updates: number;
  readonly welcomesJoined: number;
  /** Joins and merges the library had stored when the kill came, acknowledged by the next process. */
  readonly welcomesJoinedBeforeKill: number;
  readonly commitsMergedBeforeKill: number;
  readonly messagesSent: number;
  readonly messagesRead: number;
  readonly messagesReadAfterRestart: number;
  /** Messages the library had stored as consumed when the kill came, before the app acknowledged them. */
  readonly messagesLostBetweenWriteAndAck: number;
  readonly pendingCommitsDiscarded: number;
  readonly replaysRejected: number;
  readonly replayCodes: Record<string, number>;
  readonly authenticatorChecks: number;
  readonly keys: KeyReport | undefined;
  readonly violations: Record<ViolationCategory, number>;
  /** The first violations, for a failing run's message. */
  readonly firstViolations: string[];
  readonly final: FinalReport | undefined;
}

type Line = KillLine | VerifyResult | Violation | FinalReport;

const add = (r: Record<string, number>, k: string, n = 1): void => {
  r[k] = (r[k] ?? 0) + n;
};

/** Sums the results file of a work directory. */
export function summarize(resultsPath: string): CampaignSummary {
  const lines: Line[] = [];
  for (const text of readFileSync(resultsPath, "utf8").split("\n")) {
    if (text.length === 0) continue;
    // A line torn by a kill is not valid JSON: the worker writes each in one append, so only the last can be torn.
    try {
      lines.push(JSON.parse(text) as Line);
    } catch {
      continue;
    }
  }
  const verifies = lines.filter((l): l is VerifyResult => l.type === "verify");
  const violationLines = lines.filter((l): l is Violation => l.type === "violation");
  const final = lines.find((l): l is FinalReport => l.type === "final");
  const violations: Record<ViolationCategory, number> = { epoch: 0, authenticator: 0, inbox: 0, replay: 0, keys: 0, runtime: 0 };
  for (const v of violationLines) violations[v.category]++;
  const killsByOperation: Record<string, number> = {};
  const killsByPhase: Record<string, number> = {};
  const replayCodes: Record<string, number> = {};
  let killsMidOperation = 0;
  let killsInStartupCheck = 0;
  const kills = lines.filter((l): l is KillLine => l.type === "kill");
  for (const k of kills) {
    add(killsByOperation, k.operation);
    if (k.midOperation) {
      killsMidOperation++;
      add(killsByPhase, `${k.operation}/${k.phase ?? "start"}`);
      if (k.operation === "verify" || k.operation === "startup") killsInStartupCheck++;
    }
  }
  for (const v of verifies) for (const [code, n] of Object.entries(v.replays.codes)) add(replayCodes, code, n);
  const sum = (f: (v: VerifyResult) => number): number => verifies.reduce((a, v) => a + f(v), 0);
  const s = final?.stats ?? {};
  const stat = (k: string): number => s[k] ?? 0;
  return {
    restartsChecked: verifies.length,
    killsSeen: kills.length,
    killsMidOperation,
    killsInStartupCheck,
    killsByOperation,
    killsByPhase,
    statesChecked: sum((v) => v.statesChecked),
    statesAtOldEpoch: sum((v) => v.atOldEpoch),
    statesAtNewEpoch: sum((v) => v.atNewEpoch),
    commitsAccepted: stat("commitsAccepted"),
    commitsRejected: stat("commitsRejected"),
    commitsMerged: stat("commitsMerged") + stat("ownCommitsMerged") + stat("commitsMergedBeforeCrash") + stat("removalsProcessed"),
    adds: stat("adds"),
    removes: stat("removes"),
    updates: stat("updates"),
    welcomesJoined: stat("welcomesJoined") + stat("welcomesJoinedBeforeCrash"),
    welcomesJoinedBeforeKill: stat("welcomesJoinedBeforeCrash"),
    commitsMergedBeforeKill: stat("commitsMergedBeforeCrash"),
    messagesSent: stat("appSent"),
    messagesRead: stat("appRead"),
    messagesReadAfterRestart: stat("appReadAfterRestart"),
    messagesLostBetweenWriteAndAck: stat("appLost"),
    pendingCommitsDiscarded: stat("pendingCommitsDiscarded"),
    replaysRejected: stat("replaysRejected"),
    replayCodes,
    authenticatorChecks: stat("authenticatorChecks"),
    keys: final?.keys,
    violations,
    firstViolations: violationLines.slice(0, 10).map((v) => `run ${v.run} ${v.category}: ${v.detail}`),
    final,
  };
}

/** One line of counts for the closing note. */
export function formatSummary(s: CampaignSummary, wallMs: number, kills: number): string {
  const k = s.keys;
  const v = Object.entries(s.violations)
    .map(([c, n]) => `${c} ${n}`)
    .join(", ");
  return (
    `crash test: ${kills} SIGKILLs (${s.killsMidOperation} mid-operation, ${s.killsInStartupCheck} in the restart check), ${s.restartsChecked} restarts checked, ` +
    `${s.statesChecked} group states (${s.statesAtOldEpoch} at the acknowledged epoch, ${s.statesAtNewEpoch} at the next, none between); ` +
    `commits ${s.commitsAccepted} accepted / ${s.commitsRejected} refused (${s.adds} adds, ${s.removes} removes, ${s.updates} updates), ${s.commitsMerged} merges (${s.commitsMergedBeforeKill} stored before a kill, acknowledged after), ${s.welcomesJoined} Welcomes joined (${s.welcomesJoinedBeforeKill} before a kill); ${s.pendingCommitsDiscarded} unsent pending Commits discarded; ` +
    `messages ${s.messagesSent} sent, ${s.messagesRead} read (${s.messagesReadAfterRestart} after a restart), ${s.messagesLostBetweenWriteAndAck} lost between the library's write and the ack; ` +
    `${s.replaysRejected} replays refused; ${s.authenticatorChecks} authenticator checks; ` +
    `AEAD: ${k?.seals ?? 0} seals, ${k?.pairsReusedForOtherContent ?? "?"} (key, nonce) reused for other content, ${k?.keysReusedReleased ?? "?"} keys reused in released ciphertexts, ` +
    `${k?.keysReusedUnreleased ?? "?"} keys resealed after a kill before release, ${k?.identicalReseals ?? "?"} identical reseals; ` +
    `violations: ${v}; ${(wallMs / 1000).toFixed(1)} s`
  );
}
