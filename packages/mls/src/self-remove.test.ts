/**
 * SelfRemove in the facade (draft-ietf-mls-extensions, proposal type
 * 0x000A), behind an explicit opt-in: clients created with
 * `draftExtensions: { selfRemove: true }` advertise it, a group created with
 * `selfRemove: true` requires it, and `group.leave()` then sends a SelfRemove
 * instead of a Remove of oneself.
 */
import { describe, expect, it } from "vitest";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { SELF_REMOVE_PROPOSAL_TYPE, requiresSelfRemove } from "@mlskit/group";
import { Client, type Group } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider();

async function deliver(message: Uint8Array, ...groups: Group[]): Promise<void> {
  for (const g of groups) {
    const r = await g.processIncoming(message);
    if (r.kind === "commit") await r.staged.merge();
  }
}

const usage = (code: string) => expect.objectContaining({ name: "UsageError", code });

async function trio(selfRemove: boolean) {
  const draftExtensions = { selfRemove: true };
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((identity) => Client.create({ identity, identityProvider, crypto, draftExtensions })));
  const a = await alice!.createGroup({ selfRemove });
  const c1 = await a.addMembers([(await bob!.createKeyPackage()).keyPackage, (await carol!.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit();
  const b = await bob!.joinFromWelcome(c1.welcome!);
  const c = await carol!.joinFromWelcome(c1.welcome!);
  return { a, b, c, bob: bob! };
}

describe("SelfRemove (draft-ietf-mls-extensions) in the facade", () => {
  it("createGroup({ selfRemove: true }) requires the type; leave() sends a SelfRemove that another member commits", async () => {
    const { a, b, c } = await trio(true);
    expect(requiresSelfRemove(a.extensions)).toBe(true);
    const left = await b.leave();
    expect(left.proposal).toEqual({ proposalType: "custom", customProposalType: SELF_REMOVE_PROPOSAL_TYPE, body: new Uint8Array(0) });
    expect(b.status).toBe("leaving");
    await expect(b.commit()).rejects.toEqual(usage("usage/leaving"));
    await expect(b.leave()).rejects.toEqual(usage("usage/leaving"));
    await deliver(left.message, a, c);
    expect(a.leaving).toBe(false);
    const commit = await c.commit();
    await c.confirmPendingCommit();
    const r = await b.processIncoming(commit.commit);
    expect(r.kind).toBe("commit");
    if (r.kind !== "commit") return;
    expect(r.staged.removedSelf).toBe(true);
    await r.staged.merge();
    expect(b.status).toBe("removed");
    await deliver(commit.commit, a);
    expect(a.memberCount).toBe(2);
    expect(c.memberCount).toBe(2);
  });

  it("without the group opt-in, leave() is a Remove of oneself, even when every member supports SelfRemove", async () => {
    const { b } = await trio(false);
    const left = await b.leave();
    expect(left.proposal).toMatchObject({ removed: b.ownLeafIndex });
  });

  it("a client that did not opt in cannot create such a group, nor be added to one", async () => {
    const plain = await Client.create({ identity: "plain", identityProvider, crypto });
    await expect(plain.createGroup({ selfRemove: true })).rejects.toEqual(usage("usage/unsupported-extension"));
    const { a } = await trio(true);
    await expect(a.addMembers([(await plain.createKeyPackage()).keyPackage])).rejects.toThrow();
    expect(a.memberCount).toBe(3);
  });
});
