/**
 * Chooses each mutant: a category (weighted), a source (mostly the genuine
 * message about to be delivered, else any live message of recent epochs,
 * including the next epoch's and the victim's own), and derives the bytes.
 */
import { WireFormat } from "@mlskit/core";
import { bitFlip, boundaryByte, contentType, extension, lengthPrefix, spliceAt, truncation, version, wireFormat, withEpoch } from "./byte-mutations.fixture.js";
import { fieldSwap, withGroupId } from "./field-swaps.fixture.js";
import type { Genuine } from "./genuine-message.fixture.js";
import type { GroupWorld } from "./group-world.fixture.js";
import { type InsiderContext, insiderPrivateMutant, insiderPublicMutant } from "./insider-forgery.fixture.js";
import type { Prng } from "./prng.fixture.js";
import type { FedMutant } from "./victim.fixture.js";

const CATEGORIES = [
  ["bit-flip", 14],
  ["boundary-byte", 8],
  ["length-prefix", 5],
  ["truncation", 6],
  ["extension", 5],
  ["field-swap", 10],
  ["splice", 4],
  ["replay", 7],
  ["other-epoch", 7],
  ["other-group", 3],
  ["wire-format", 3],
  ["non-group-message", 1],
  ["content-type", 3],
  ["version", 2],
  ["own-echo", 2],
  ["insider", 20],
] as const;

type Category = (typeof CATEGORIES)[number][0];

const GROUP_KINDS = new Set(["application", "proposal", "commit"]);

export class MutantFactory {
  constructor(
    readonly rng: Prng,
    readonly world: GroupWorld,
  ) {}

  /** Live group messages of the last epochs (read or not, the next epoch's included). */
  #pool(victimEpoch: bigint): Genuine[] {
    const out: Genuine[] = [];
    for (let i = this.world.archive.length - 1; i >= 0; i--) {
      const g = this.world.archive[i]!;
      if (g.epoch < victimEpoch - 5n) break;
      if (GROUP_KINDS.has(g.kind)) out.push(g);
    }
    return out;
  }

  #insiderContext(source: Genuine, victimEpoch: bigint, leaves: readonly number[], farGeneration: number): InsiderContext | undefined {
    const keys = this.world.insiderKeys.get(source.epoch);
    if (keys === undefined) return undefined;
    const otherEpochs = [...this.world.insiderKeys.values()].filter((k) => k.epoch !== source.epoch && k.epoch >= victimEpoch - 4n);
    return { keys, otherEpochs, leaves, farGeneration };
  }

  /** One mutant derived from `current` (or another live message), as seen by a victim in `victimEpoch`. */
  async make(current: Genuine, victimEpoch: bigint, leaves: readonly number[], farGeneration: number): Promise<FedMutant> {
    const rng = this.rng;
    const pool = this.#pool(victimEpoch);
    const source = rng.chance(0.7) || pool.length === 0 ? current : rng.pick(pool);
    const category: Category = rng.weighted(CATEGORIES);
    const made = await this.#derive(category, source, pool, victimEpoch, leaves, farGeneration);
    if (made !== undefined) return made;
    const flip = bitFlip(rng, source.bytes);
    return { category: "bit-flip", bytes: flip.bytes, detail: flip.detail, source };
  }

  async #derive(category: Category, source: Genuine, pool: Genuine[], victimEpoch: bigint, leaves: readonly number[], farGeneration: number): Promise<FedMutant | undefined> {
    const rng = this.rng;
    const b = source.bytes;
    const simple = (m: { bytes: Uint8Array; detail: string } | undefined): FedMutant | undefined => (m === undefined ? undefined : { category, ...m, source });
    switch (category) {
      case "bit-flip":
        return simple(bitFlip(rng, b));
      case "boundary-byte":
        return simple(boundaryByte(rng, b));
      case "length-prefix":
        return simple(lengthPrefix(rng, b));
      case "truncation":
        return simple(truncation(rng, b));
      case "extension":
        return simple(extension(rng, b));
      case "version":
        return simple(version(rng, b));
      case "wire-format":
        return simple(wireFormat(rng, b));
      case "content-type":
        return simple(contentType(rng, b));
      case "other-group":
        return simple(withGroupId(rng, b));
      case "field-swap": {
        const others = pool.filter((g) => g !== source);
        if (others.length === 0) return undefined;
        const other = rng.pick(others);
        const m = fieldSwap(rng, b, other.bytes);
        return m === undefined ? undefined : { category, bytes: m.bytes, detail: `${m.detail} (${other.label})`, source };
      }
      case "splice": {
        const other = rng.pick(pool);
        const field = rng.pick(["wire_format", "group_id", "epoch", "content_type", "authenticated_data"]);
        const bytes = spliceAt(b, other.bytes, field);
        return bytes === undefined ? undefined : { category, bytes, detail: `header up to ${field}, then the rest of ${other.label}`, source };
      }
      case "replay": {
        const read = pool.filter((g) => g.read && !g.own);
        const older = this.world.archive.filter((g) => g.read && GROUP_KINDS.has(g.kind) && g.epoch < victimEpoch - 5n);
        const all = rng.chance(0.8) || older.length === 0 ? read : older;
        if (all.length === 0) return undefined;
        const g = rng.pick(all);
        return { category, bytes: g.bytes, detail: `exact copy of ${g.label} (read)`, source: g };
      }
      case "own-echo": {
        const own = this.world.archive.filter((g) => g.own && g.epoch >= victimEpoch - 5n);
        if (own.length === 0) return undefined;
        const g = rng.pick(own);
        return { category, bytes: g.bytes, detail: `the victim's own ${g.label} fed back`, source: g };
      }
      case "non-group-message": {
        const others = this.world.archive.filter((g) => !GROUP_KINDS.has(g.kind));
        if (others.length === 0) return undefined;
        const g = rng.pick(others);
        const m = rng.chance(0.5) ? { bytes: g.bytes, detail: `a genuine ${g.kind} as is` } : { ...bitFlip(rng, g.bytes), detail: `a ${g.kind} with bit flips` };
        return { category, ...m, source: g };
      }
      case "other-epoch": {
        const e = rng.pick([
          victimEpoch - 1n,
          victimEpoch - 2n,
          victimEpoch - 3n,
          victimEpoch - 4n,
          victimEpoch + 1n,
          victimEpoch + 1n,
          victimEpoch + 2n,
          victimEpoch + 1000n,
          2n ** 64n - 1n,
          0n,
          source.epoch + 1n,
          source.epoch - 1n,
        ]);
        if (e < 0n || e === source.epoch) return undefined;
        const bytes = withEpoch(b, e);
        return bytes === undefined ? undefined : { category, bytes, detail: `epoch ${source.epoch} -> ${e} (victim in ${victimEpoch})`, source };
      }
      case "insider": {
        const ctx = this.#insiderContext(source, victimEpoch, leaves, farGeneration);
        if (ctx === undefined) return undefined;
        const wf = (b[2]! << 8) | b[3]!;
        const m = wf === WireFormat.mls_private_message ? await insiderPrivateMutant(rng, ctx, b) : await insiderPublicMutant(rng, ctx, b);
        return m === undefined ? undefined : { category: m.category, bytes: m.bytes, detail: m.detail, source };
      }
    }
  }
}
