/** What a fuzz campaign counted, and the failures it found with what is needed to reproduce them. */
import { toHex } from "@mlskit/codec";

/** A failure: which mutant, derived how from which genuine message, and what went wrong. */
export interface FuzzFailure {
  readonly kind: "untyped-exception" | "state-changed-after-rejection" | "changed-meaning" | "replay-accepted" | "genuine-refused" | "held-mutant";
  readonly index: number;
  readonly category: string;
  readonly source: string;
  readonly detail: string;
  readonly problem: string;
  readonly hex: string;
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function top(map: Map<string, number>, n: number): string {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

export class FuzzTally {
  mutants = 0;
  rejected = 0;
  /** Mutants byte-identical to a genuine message (not fed). */
  identical = 0;
  /** Mutants of the next epoch held unread (checked when its Commit is merged). */
  held = 0;
  heldReplayed = 0;
  heldRejectedOnReplay = 0;
  heldAcceptedSameMeaning = 0;
  /** Exact copies of a PublicMessage proposal already cached: accepted, the state encoding unchanged. */
  idempotentReplays = 0;
  genuineProcessed = 0;
  epochs = 0;
  /** Epochs closed by the victim's own Commit (mutants then met a state with a pending Commit). */
  ownCommits = 0;
  readonly byCategory = new Map<string, number>();
  readonly acceptedSameMeaning = new Map<string, number>();
  /** One accepted mutant per category, to show what was accepted. */
  readonly acceptedExamples = new Map<string, string>();
  readonly errors = new Map<string, number>();
  /** UsageError, CryptoError, InternalError, StorageError for network input: counted, with an example each. */
  readonly nonValidation = new Map<string, { count: number; example: string }>();
  readonly failures: FuzzFailure[] = [];

  category(name: string): void {
    this.mutants++;
    bump(this.byCategory, name);
  }

  error(e: { name: string; code: string }, example: string): void {
    const key = `${e.name} ${e.code}`;
    bump(this.errors, key);
    if (e.name !== "ValidationError" && e.name !== "CodecError") {
      const seen = this.nonValidation.get(key);
      if (seen === undefined) this.nonValidation.set(key, { count: 1, example });
      else seen.count++;
    }
  }

  sameMeaning(category: string, example: string): void {
    bump(this.acceptedSameMeaning, category);
    if (!this.acceptedExamples.has(category)) this.acceptedExamples.set(category, example);
  }

  fail(f: Omit<FuzzFailure, "hex"> & { bytes: Uint8Array }): void {
    const { bytes, ...rest } = f;
    this.failures.push({ ...rest, hex: toHex(bytes) });
  }

  count(kind: FuzzFailure["kind"]): number {
    return this.failures.filter((f) => f.kind === kind).length;
  }

  /** The summary printed after a run. */
  summary(label: string, seed: number, seconds: number, errorsShown = 15): string {
    const accepted = [...this.acceptedSameMeaning.values()].reduce((a, b) => a + b, 0);
    const lines = [
      `[fuzz ${label}] seed ${seed}: ${this.mutants} mutants in ${this.epochs} epochs (${this.ownCommits} closed by the victim's own Commit), ${seconds.toFixed(1)} s; ${this.genuineProcessed} genuine messages processed between them`,
      `  rejected ${this.rejected}; accepted with the same meaning ${accepted} (${top(this.acceptedSameMeaning, 20) || "none"}); idempotent replays ${this.idempotentReplays}; held for the next epoch ${this.held} (replayed after the Commit: ${this.heldReplayed}, rejected ${this.heldRejectedOnReplay}, same meaning ${this.heldAcceptedSameMeaning}); identical to a genuine message, skipped ${this.identical}`,
      `  untyped exceptions ${this.count("untyped-exception")}, state changes after a rejection ${this.count("state-changed-after-rejection")}, accepted with a changed meaning ${this.count("changed-meaning")}, replays accepted ${this.count("replay-accepted")}, genuine messages refused ${this.count("genuine-refused")}, held mutants misread ${this.count("held-mutant")}`,
      `  by category: ${top(this.byCategory, 40)}`,
      `  errors (top ${Math.min(errorsShown, this.errors.size)} of ${this.errors.size}): ${top(this.errors, errorsShown)}`,
      `  accepted, e.g.: ${[...this.acceptedExamples.entries()].map(([k, v]) => `${k}: ${v}`).join("; ") || "none"}`,
      `  network input refused with other than ValidationError/CodecError: ${[...this.nonValidation.entries()].map(([k, v]) => `${k}=${v.count} (e.g. ${v.example})`).join("; ") || "none"}`,
    ];
    for (const f of this.failures.slice(0, 10)) {
      lines.push(
        `  FAILURE ${f.kind} #${f.index} [${f.category}] from ${f.source}: ${f.detail}: ${f.problem}\n    mutant ${f.hex.length > 2000 ? f.hex.slice(0, 2000) + "…" : f.hex}`,
      );
    }
    return lines.join("\n");
  }
}
