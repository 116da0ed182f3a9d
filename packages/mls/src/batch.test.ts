/** `Group.encryptMany` and `Group.processIncomingMany`: bursts and backlogs in one turn of the group's queue. */
import { beforeEach, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, CodecError, ValidationError, acceptAll } from "@mlskit/core";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { Client, type Group, type IncomingMessage } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = webCryptoProvider({ fallback: noblePrimitives() });
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const kindOf = (r: PromiseSettledResult<IncomingMessage>) => (r.status === "fulfilled" ? r.value.kind : "rejected");

let a: Group;
let b: Group;
let c: Group;

beforeEach(async () => {
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((identity) => Client.create({ identity, identityProvider, crypto })));
  a = await alice!.createGroup();
  const add = await a.addMembers([(await bob!.createKeyPackage()).keyPackage, (await carol!.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit();
  b = await bob!.joinFromWelcome(add.welcome!);
  c = await carol!.joinFromWelcome(add.welcome!);
});

describe("Group.encryptMany / processIncomingMany", () => {
  it("a burst of 300 messages, each with its own generation, read back in order", async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `message ${i}`);
    const ad = new Uint8Array([1]);
    const sent = await a.encryptMany(texts, { authenticatedData: ad });
    expect(ad).toEqual(new Uint8Array([1]));
    expect(new Set(sent.map(toHex)).size).toBe(300);
    const read = await b.processIncomingMany(sent);
    expect(read.map((r) => (r.status === "fulfilled" && r.value.kind === "application" ? text(r.value.data) : "?"))).toEqual(texts);
    // Reading one at a time gives the same, in any order.
    const reversed = [...sent].reverse();
    for (const [i, m] of reversed.entries()) {
      const r = await c.processIncoming(m);
      expect(r.kind === "application" && text(r.data)).toBe(texts[299 - i]);
    }
  });

  it("handshakes go one at a time, in order; each failure is its own result; the state matches one-by-one processing", async () => {
    const before = await a.encryptMany(["one", "two", "three"]);
    const u = await a.update();
    await a.confirmPendingCommit();
    const after = await a.encryptMany(["four", "five"]);
    const garbage = new Uint8Array([0, 1, 2, 3]);
    const batch = [...before, u.commit, ...after, garbage, before[0]!];
    const copies = batch.map((m) => m.slice());
    const results = await b.processIncomingMany(batch);
    expect(batch).toEqual(copies); // inputs are not mutated
    // The Commit is staged, not merged: the next epoch's messages are held until it is.
    expect(results.map(kindOf)).toEqual(["application", "application", "application", "commit", "buffered", "buffered", "rejected", "rejected"]);
    expect(CodecError.isInstance((results[6] as PromiseRejectedResult).reason)).toBe(true);
    const replay = results[7] as PromiseRejectedResult;
    expect(ValidationError.isInstance(replay.reason) && replay.reason.code).toBe("secret-tree/generation-consumed");
    const third = results[3]!;
    const staged = third.status === "fulfilled" && third.value.kind === "commit" ? third.value.staged : undefined;
    const merged = await staged!.merge();
    expect(merged.replayed.map((r) => (r.kind === "application" ? text(r.data) : r.kind))).toEqual(["four", "five"]);
    expect(toHex(b.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));

    // Carol, one message at a time, ends in the same place.
    for (const m of [...before, u.commit]) {
      const r = await c.processIncoming(m);
      if (r.kind === "commit") await r.staged.merge();
    }
    for (const m of after) expect((await c.processIncoming(m)).kind).toBe("application");
    expect(toHex(c.epochAuthenticator)).toBe(toHex(b.epochAuthenticator));
  });

  it("encryptMany refuses, like encrypt, while received proposals are uncommitted", async () => {
    const p = await b.proposeUpdate();
    expect((await a.processIncoming(p.message)).kind).toBe("proposal");
    const err = await a.encryptMany(["x", "y"]).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("usage/pending-proposals");
  });
});
