/**
 * Stored group state (issue 12): the size of `encodeGroupState` against the
 * ratchet tree's wire size, and the time to encode it and to decode it
 * (`decodeGroupState`, and `decodePastEpoch` for the past-epoch records),
 * at N = 2, 1,024 and 10,000, on the facade's default provider.
 *
 * The state measured is the fixture's receiver R in a steady state
 * (protocol-steps.ts `steadyPair`: it processed one self-Update of C, so it
 * holds one past epoch), after reading three of five application messages
 * out of order (its secret tree then keeps skipped keys, as a live one
 * does). Beside it, C's state with its own Commit pending (a self-Update),
 * which the facade writes before the Commit leaves. Decoding runs on a
 * provider instance of its own, as after a restart.
 */
import { createApplicationMessage, createCommit, decodeGroupState, decodePastEpoch, encodeGroupState, encodePastEpoch, processMessage } from "@mlskit/group";
import { loadOrBuildFixture } from "./protocol-fixture.js";
import { type ProviderSpec, median, policy, services, steadyPair, suiteOf } from "./protocol-steps.js";

/** The figures at one N (bytes, ms). */
export interface StateEncodingFigures {
  readonly n: number;
  readonly treeBytes: number;
  readonly stateBytes: number;
  readonly pastEpochRecords: number;
  /** Bytes of each past-epoch record (they hold that epoch's tree). */
  readonly pastEpochBytes: number;
  readonly encodeMs: number;
  readonly decodeMs: number;
  /** Decoding every past-epoch record of the state. */
  readonly pastDecodeMs: number;
  /** Encoding the state's past-epoch records. */
  readonly pastEncodeMs: number;
  readonly pendingBytes: number;
  readonly pendingEncodeMs: number;
  readonly pendingDecodeMs: number;
}

/** Median ms of `runs` runs after `warmup` untimed ones. */
async function ms(runs: number, op: () => unknown, warmup = 2): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t = performance.now();
    await op();
    if (i >= warmup) times.push(performance.now() - t);
  }
  return median(times);
}

export async function benchStateEncoding(spec: ProviderSpec, sizes: readonly number[], log: (line: string) => void): Promise<StateEncodingFigures[]> {
  const out: StateEncodingFigures[] = [];
  const builder = await suiteOf(spec);
  for (const n of sizes) {
    const loaded = await loadOrBuildFixture(builder, n);
    log(`state N=${n}: fixture ${loaded.built ? "built and cached" : "loaded from cache"} in ${Math.round(loaded.ms)} ms`);
    const pair = await steadyPair(spec, loaded.fixture);
    const R = pair.R;
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await createApplicationMessage(pair.C, new Uint8Array(100)));
    for (const i of [4, 1, 0]) {
      const r = await processMessage(R, sent[i]!);
      if (r.kind !== "application") throw new Error("application message not read");
    }
    const runs = n >= 10_000 ? 7 : 21;
    const cs = await suiteOf(spec);
    const env = { cs, policy, services };

    const blob = encodeGroupState(R);
    const records = R.pastEpochs.map(encodePastEpoch);
    const encodeMs = await ms(runs, () => encodeGroupState(R));
    const decodeMs = await ms(runs, () => decodeGroupState(blob, env, []));
    const pastEncodeMs = await ms(runs, () => R.pastEpochs.map(encodePastEpoch));
    const pastDecodeMs = await ms(runs, () => Promise.all(records.map((r) => decodePastEpoch(r, cs, policy))));
    // The round trip gives the same bytes (a decoded state that lost something would not).
    const restored = await decodeGroupState(blob, env, await Promise.all(records.map((r) => decodePastEpoch(r, cs, policy))));
    if (encodeGroupState(restored).length !== blob.length) throw new Error("the decoded state encodes to other bytes");

    const pending = (await createCommit(pair.C, { forcePath: true })).state;
    const pendingBlob = encodeGroupState(pending);
    const pendingEncodeMs = await ms(runs, () => encodeGroupState(pending));
    const pendingDecodeMs = await ms(runs, () => decodeGroupState(pendingBlob, env, []));

    out.push({
      n,
      treeBytes: R.tree.encode().length,
      stateBytes: blob.length,
      pastEpochRecords: records.length,
      pastEpochBytes: records[0]?.length ?? 0,
      encodeMs,
      decodeMs,
      pastEncodeMs,
      pastDecodeMs,
      pendingBytes: pendingBlob.length,
      pendingEncodeMs,
      pendingDecodeMs,
    });
  }
  return out;
}
