/**
 * The facade's rough edges a new user hit (issue 17): leaving in one call,
 * a group created from an existing KeyPackage, the member count without a
 * round trip, and error messages that name methods that exist. (The
 * exported types are checked by exported-types.test.ts.)
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesEqual } from "@mlskit/codec";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client, Group as GroupClass, type Group, UsageError } from "@mlskit/mls";
import { decodeKeyPackageInput } from "./key-package-input.js";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function deliver(message: Uint8Array, ...groups: Group[]): Promise<void> {
  for (const g of groups) {
    const r = await g.processIncoming(message);
    if (r.kind === "commit") await r.staged.merge();
  }
}

async function trio() {
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((identity) => Client.create({ identity, identityProvider, crypto })));
  const a = await alice!.createGroup();
  const c1 = await a.addMembers([(await bob!.createKeyPackage()).keyPackage, (await carol!.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit();
  const b = await bob!.joinFromWelcome(c1.welcome!);
  const c = await carol!.joinFromWelcome(c1.welcome!);
  return { alice: alice!, bob: bob!, carol: carol!, a, b, c };
}

const usage = (code: string) => expect.objectContaining({ name: "UsageError", code });

describe("group.leave()", () => {
  it("proposes our own Remove; the next member who commits removes us", async () => {
    const { a, b, c } = await trio();
    expect(b.status).toBe("active");
    const left = await b.leave();
    expect(left.proposal).toMatchObject({ removed: b.ownLeafIndex });
    expect(b.status).toBe("leaving");
    expect(b.leaving).toBe(true);
    expect(b.active).toBe(true);
    // A leaving member neither commits (§12.2) nor sends application data (§12.4), nor leaves twice.
    await expect(b.commit()).rejects.toEqual(usage("usage/leaving"));
    await expect(b.update()).rejects.toEqual(usage("usage/leaving"));
    await expect(b.encrypt("still here?")).rejects.toBeInstanceOf(UsageError);
    await expect(b.leave()).rejects.toEqual(usage("usage/leaving"));

    await deliver(left.message, a, c);
    // The others see a member leaving, not themselves.
    expect(a.leaving).toBe(false);
    expect(a.status).toBe("active");
    const commit = await a.commit();
    await a.confirmPendingCommit();
    const r = await b.processIncoming(commit.commit);
    expect(r.kind).toBe("commit");
    if (r.kind !== "commit") return;
    expect(r.staged.removedSelf).toBe(true);
    expect((await r.staged.merge()).removed).toBe(true);
    expect(b.status).toBe("removed");
    expect(b.active).toBe(false);
    expect(b.removedInEpoch).toBe(a.epoch);
    await deliver(commit.commit, c);
    expect(a.memberCount).toBe(2);
    expect(c.memberCount).toBe(2);
    expect(text(((await c.processIncoming(await a.encrypt("bye bob"))) as { data: Uint8Array }).data)).toBe("bye bob");
  });

  it("is active again when a Commit without our Remove came first; leave() then works again", async () => {
    const { a, b, c } = await trio();
    const left = await b.leave();
    // Alice commits before seeing Bob's proposal.
    const update = await a.update();
    await a.confirmPendingCommit();
    await deliver(update.commit, b, c);
    expect(b.status).toBe("active");
    await expect(a.processIncoming(left.message)).rejects.toThrow();
    const again = await b.leave();
    await deliver(again.message, a, c);
    const commit = await c.commit();
    await c.confirmPendingCommit();
    await deliver(commit.commit, a, b);
    expect(b.status).toBe("removed");
    expect(a.memberCount).toBe(2);
  });

  it("refuses when this member is alone, or while a Commit of ours is pending", async () => {
    const alice = await Client.create({ identity: "alice", identityProvider, crypto });
    const alone = await alice.createGroup();
    await expect(alone.leave()).rejects.toEqual(usage("usage/last-member"));
    const { b } = await trio();
    await b.update();
    await expect(b.leave()).rejects.toEqual(usage("usage/commit-pending"));
  });
});

describe("client.createGroup({ keyPackage })", () => {
  it("starts the group with the leaf of a KeyPackage this client published, and consumes it", async () => {
    const [alice, bob] = await Promise.all(["alice", "bob"].map((identity) => Client.create({ identity, identityProvider, crypto })));
    const published = await alice!.createKeyPackage();
    const kp = decodeKeyPackageInput(published.keyPackage);
    const a = await alice!.createGroup({ keyPackage: published });
    const leaf = a.state.tree.leafNode(a.ownLeafIndex)!;
    expect(bytesEqual(leaf.encryptionKey, kp.leafNode.encryptionKey)).toBe(true);
    expect(bytesEqual(leaf.signatureKey, kp.leafNode.signatureKey)).toBe(true);
    expect(a.epoch).toBe(0n);
    // Consumed: gone from the store, so no Welcome (nor a second group) can use it.
    expect(await alice!.storage.getKeyPackage(published.reference)).toBeUndefined();
    await expect(alice!.createGroup({ keyPackage: published.keyPackage })).rejects.toEqual(usage("usage/unknown-key-package"));
    // The group works: Bob joins and reads Alice.
    const added = await a.addMembers([(await bob!.createKeyPackage()).keyPackage]);
    await a.confirmPendingCommit();
    const b = await bob!.joinFromWelcome(added.welcome!);
    const r = await b.processIncoming(await a.encrypt("from a published leaf"));
    expect(r.kind === "application" && text(r.data)).toBe("from a published leaf");
  });

  it("keeps a last-resort KeyPackage, and refuses another client's KeyPackage or another suite", async () => {
    const [alice, bob] = await Promise.all(["alice", "bob"].map((identity) => Client.create({ identity, identityProvider, crypto })));
    const lastResort = await alice!.createKeyPackage({ lastResort: true });
    await alice!.createGroup({ keyPackage: lastResort.keyPackage });
    expect(await alice!.storage.getKeyPackage(lastResort.reference)).toBeDefined();
    const bobs = await bob!.createKeyPackage();
    await expect(alice!.createGroup({ keyPackage: bobs })).rejects.toEqual(usage("usage/unknown-key-package"));
    const mine = await alice!.createKeyPackage();
    await expect(alice!.createGroup({ keyPackage: mine, cipherSuite: 2 })).rejects.toEqual(usage("usage/cipher-suite-mismatch"));
    expect(await alice!.storage.getKeyPackage(mine.reference)).toBeDefined();
  });
});

describe("group.memberCount", () => {
  it("counts the members synchronously, as members() does", async () => {
    const { a, b } = await trio();
    expect(a.memberCount).toBe(3);
    expect(b.memberCount).toBe((await b.members()).length);
    const removed = await a.removeMembers(["carol"]);
    expect(a.memberCount).toBe(3); // pending until confirmed
    await a.confirmPendingCommit();
    expect(a.memberCount).toBe(2);
    await deliver(removed.commit, b);
    expect(b.memberCount).toBe(2);
  });
});

describe("error messages name methods that exist", () => {
  it("a second commit while one is pending names confirmPendingCommit and discardPendingCommit", async () => {
    const { a } = await trio();
    await a.update();
    const e = await a.commit().catch((x: unknown) => x);
    expect(e).toEqual(usage("usage/commit-pending"));
    expect((e as Error).message).toMatch(/confirmPendingCommit\(\).*discardPendingCommit\(\)/);
  });

  it("every `name()` in the facade's error messages is a method of Client or Group", async () => {
    const names = new Set<string>();
    for (const proto of [Client.prototype, GroupClass.prototype]) for (const n of Object.getOwnPropertyNames(proto)) names.add(n);
    const found: string[] = [];
    const dir = new URL("./", import.meta.url);
    const unknown: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts") && !n.endsWith(".test.ts") && !n.endsWith(".fixture.ts"))) {
      const src = readFileSync(new URL(f, dir), "utf8");
      // String literals passed to an error constructor.
      for (const m of src.matchAll(/Error\(\s*"[^"]+",\s*(?:"[^"]*",\s*)?[`"]([^`"]*)[`"]/g)) {
        for (const call of m[1]!.matchAll(/(?:^|[\s.(])([a-z][A-Za-z]+)\(/g)) {
          found.push(call[1]!);
          if (!names.has(call[1]!)) unknown.push(`${f}: ${call[1]}()`);
        }
      }
    }
    expect(found).toEqual(expect.arrayContaining(["confirmPendingCommit", "discardPendingCommit", "deleteGroup"]));
    expect(unknown).toEqual([]);
  });
});
