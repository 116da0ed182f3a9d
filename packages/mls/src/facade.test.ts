import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client, ValidationError } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("facade basics", () => {
  it("creates, adds, messages, updates and removes", async () => {
    const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((identity) => Client.create({ identity, identityProvider, crypto })));
    const a = await alice!.createGroup();
    const kpB = await bob!.createKeyPackage();
    const kpC = await carol!.createKeyPackage();
    const c1 = await a.addMembers([kpB.keyPackage, kpC.keyPackage]);
    expect(a.hasPendingCommit).toBe(true);
    const own = await a.processIncoming(c1.commit);
    expect(own.kind).toBe("own-commit");
    const b = await bob!.joinFromWelcome(c1.welcome!);
    const c = await carol!.joinFromWelcome(c1.welcome!);
    expect(toHex(b.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));
    const m = await a.encrypt("hello", { authenticatedData: new Uint8Array([7]) });
    const r = await b.processIncoming(m);
    expect(r.kind === "application" && text(r.data)).toBe("hello");
    expect(r.kind === "application" && text(r.senderIdentity!)).toBe("alice");
    const u = await b.update();
    await b.confirmPendingCommit();
    for (const g of [a, c]) {
      const s = await g.processIncoming(u.commit);
      if (s.kind !== "commit") throw new Error("expected commit");
      await s.staged.merge();
    }
    expect(toHex(c.epochAuthenticator)).toBe(toHex(b.epochAuthenticator));
    const rm = await a.removeMembers(["carol"]);
    await a.confirmPendingCommit();
    const sb = await b.processIncoming(rm.commit);
    if (sb.kind === "commit") await sb.staged.merge();
    const sc = await c.processIncoming(rm.commit);
    if (sc.kind !== "commit") throw new Error("expected commit");
    expect(sc.staged.removedSelf).toBe(true);
    expect((await sc.staged.merge()).removed).toBe(true);
    const later = await a.encrypt("secret");
    const err = await c.processIncoming(later).catch((e: unknown) => e);
    expect(ValidationError.isInstance(err) && err.code).toBe("message/after-removal");
    expect((await a.members()).map((x) => text(x.identity))).toEqual(["alice", "bob"]);
  });
});
