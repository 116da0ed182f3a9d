/**
 * End-to-end, continued: the runner's deep_random idea (a long sequence of
 * Commits by random members, with Adds, Removes and Updates by value and by
 * reference, external joins and application messages), and every cipher
 * suite the library supports, for both providers.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "@mlskit/test-vectors/random";
import { Script, useCluster } from "./runner.fixture.js";
import type { ProviderName } from "./providers.js";

const utf8 = (s: string) => Buffer.from(s, "utf8");
const SEED = Number(process.env.INTEROP_SEED ?? 20240917);

describe.each<ProviderName>(["webcrypto", "noble"])("random and per-suite interop over gRPC (%s)", (provider) => {
  const cluster = useCluster(3, provider);

  it(`deep_random: 50 commits by random members (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const random = seededRandom(SEED + (provider === "noble" ? 1 : 0));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const s = new Script(cluster.endpoints, 1, provider === "noble");
    await s.createGroupWith("m0", ["m1", "m2", "m3"]);
    let next = 4;
    const kinds: string[] = [];
    for (let i = 0; i < 50; i++) {
      const members = [...s.members];
      const committer = pick(members);
      const others = members.filter((m) => m !== committer);
      const roll = random();
      if (roll < 0.2 && members.length < 9) {
        kinds.push("add-by-value");
        const name = `m${next++}`;
        await s.fullCommit(committer, { byValue: [{ type: "add", keyPackage: await s.createKeyPackage(name) }], joiners: [name], externalTree: random() < 0.5 });
      } else if (roll < 0.35 && members.length < 9) {
        kinds.push("add-by-reference");
        const name = `m${next++}`;
        const p = await s.propose(pick(members), "AddProposal", { key_package: await s.createKeyPackage(name) });
        await s.fullCommit(committer, { byReference: [p], joiners: [name] });
      } else if (roll < 0.5 && members.length > 3) {
        kinds.push("remove-by-value");
        await s.fullCommit(committer, { byValue: [{ type: "remove", removed: pick(others) }] });
      } else if (roll < 0.6 && members.length > 3) {
        kinds.push("remove-by-reference");
        const removed = pick(others);
        const proposer = pick(members.filter((m) => m !== removed));
        const p = await s.propose(proposer, "RemoveProposal", { removed_id: utf8(removed) });
        await s.fullCommit(committer, { byReference: [p], removed: [removed] });
      } else if (roll < 0.75 && others.length > 0) {
        kinds.push("updates-by-reference");
        const updaters = [...new Set([pick(others), pick(others)])];
        const refs = [];
        for (const u of updaters) refs.push(await s.propose(u, "UpdateProposal", {}));
        await s.fullCommit(committer, { byReference: refs });
      } else if (roll < 0.85 && members.length < 9) {
        kinds.push("external-join");
        await s.externalJoin(committer, `m${next++}`, { externalTree: random() < 0.5 });
      } else {
        kinds.push("empty");
        await s.fullCommit(committer, { forcePath: random() < 0.5 });
      }
      if (random() < 0.2) await s.application(pick([...s.members]), `message ${i}`, `aad ${i}`);
    }
    expect(kinds.length).toBe(50);
    expect(new Set(kinds).size).toBeGreaterThanOrEqual(5);
  });

  it.each([1, 2, 3, 4, 5, 6, 7])("cipher suite %i: welcome join, commits, external join, messages, exporter", async (suite) => {
    const s = new Script(cluster.endpoints, suite, suite % 2 === 0);
    await s.createGroupWith("alice", ["bob"], true);
    const u = await s.propose("bob", "UpdateProposal", {});
    await s.fullCommit("alice", { byReference: [u] });
    await s.externalJoin("bob", "charlie", { externalTree: suite % 2 === 1 });
    await s.application("charlie", `suite ${suite}`, "aad");
    const e = await s.call("alice", "Export", { state_id: s.stateOf("alice"), label: "x", context: utf8(""), key_length: 16 });
    expect(e.exported_secret.length).toBe(16);
  });
});
