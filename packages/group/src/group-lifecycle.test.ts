/** The group state machine end to end: create, add, join by Welcome, messages, update, remove, pending commits. */
import { describe, expect, it } from "vitest";
import { bytesEqual, toHex } from "@mlskit/codec";
import { noblecs } from "./group-test-suite.fixture.js";
import { createApplicationMessage } from "./framing/application-message.js";
import { clearPendingCommit, createCommit, mergePendingCommit } from "./commit/commit-create.js";
import { mergeStagedCommit } from "./commit/commit-process.js";
import { client, join, kpOf, newGroup } from "./group.fixture.js";
import type { GroupState } from "./state/group-state.js";
import { exportSecret } from "./state/group-state.js";
import { processMessage } from "./receive/message-process.js";
import { createProposal } from "./proposals/proposal-create.js";
import type { LeafIndex } from "@mlskit/ratchet-tree";

async function deliver(state: GroupState, msg: Uint8Array): Promise<GroupState> {
  const r = await processMessage(state, msg);
  if (r.kind === "commit") return mergeStagedCommit(r.staged);
  return r.state;
}

for (const wire of ["public", "private"] as const) {
  describe(`group lifecycle (${wire} handshakes)`, () => {
    it("creates, adds, joins, exchanges messages, updates and removes", async () => {
      const cs = await noblecs();
      const [alice, bob, carol] = await Promise.all([client(cs, "alice"), client(cs, "bob"), client(cs, "carol")]);
      let a = await newGroup(cs, alice, { handshakeWireFormat: wire });
      expect(a.groupContext.epoch).toBe(0n);

      // Alice adds Bob (by value), Bob joins from the Welcome.
      const c1 = await createCommit(a, { proposals: [{ add: kpOf(bob) }] });
      expect(c1.welcome).toBeDefined();
      a = c1.state;
      // Our own commit coming back merges the pending one.
      const back = await processMessage(a, c1.commit);
      expect(back.kind).toBe("own-commit");
      a = back.state;
      expect(a.groupContext.epoch).toBe(1n);
      let b = await join(cs, bob, c1.welcome!, { handshakeWireFormat: wire });
      expect(toHex(b.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));
      expect(toHex(await exportSecret(a, "x", new Uint8Array(0), 16))).toBe(toHex(await exportSecret(b, "x", new Uint8Array(0), 16)));

      // Application messages both ways.
      const m1 = await createApplicationMessage(a, new TextEncoder().encode("hi bob"), { authenticatedData: new Uint8Array([1]) });
      const r1 = await processMessage(b, m1);
      expect(r1.kind === "application" && new TextDecoder().decode(r1.data)).toBe("hi bob");

      // Bob proposes adding Carol; Alice commits it by reference (tree out of band).
      const p = await createProposal(b, { add: kpOf(carol) });
      b = p.state;
      const rp = await processMessage(a, p.message);
      expect(rp.kind).toBe("proposal");
      a = rp.state;
      const c2 = await createCommit(a, { ratchetTreeInWelcome: false });
      const staged = await processMessage(b, c2.commit);
      expect(staged.kind).toBe("commit");
      if (staged.kind !== "commit") return;
      expect(staged.staged.added.map((x) => x.leafIndex)).toEqual([2]);
      b = mergeStagedCommit(staged.staged);
      a = mergePendingCommit(c2.state);
      let c = await join(cs, carol, c2.welcome!, { handshakeWireFormat: wire }, a.tree.encode());
      expect(bytesEqual(c.keys.epochAuthenticator, a.keys.epochAuthenticator)).toBe(true);
      expect(bytesEqual(b.keys.epochAuthenticator, a.keys.epochAuthenticator)).toBe(true);

      // Carol updates (proposal), Bob commits it.
      const up = await createProposal(c, { update: {} });
      c = up.state;
      a = await deliver(a, up.message);
      b = await deliver(b, up.message);
      const c3 = await createCommit(b);
      a = await deliver(a, c3.commit);
      c = await deliver(c, c3.commit);
      b = mergePendingCommit(c3.state);
      expect(toHex(c.keys.epochAuthenticator)).toBe(toHex(b.keys.epochAuthenticator));
      expect(toHex(a.keys.epochAuthenticator)).toBe(toHex(b.keys.epochAuthenticator));

      // Empty commit (path) by Carol; a late application message of the previous epoch still decrypts.
      const late = await createApplicationMessage(a, new TextEncoder().encode("late"));
      const c4 = await createCommit(c);
      a = await deliver(a, c4.commit);
      b = await deliver(b, c4.commit);
      c = mergePendingCommit(c4.state);
      const rl = await processMessage(b, late);
      expect(rl.kind === "application" && new TextDecoder().decode(rl.data)).toBe("late");

      // Alice removes Bob: Bob sees he was removed.
      const c5 = await createCommit(a, { proposals: [{ remove: 1 as LeafIndex }] });
      const rb = await processMessage(b, c5.commit);
      expect(rb.kind === "commit" && rb.staged.removedSelf).toBe(true);
      c = await deliver(c, c5.commit);
      a = mergePendingCommit(c5.state);
      expect(toHex(c.keys.epochAuthenticator)).toBe(toHex(a.keys.epochAuthenticator));
      expect(a.tree.memberCount()).toBe(2);

      // A cleared pending commit leaves the state as it was.
      const c6 = await createCommit(a);
      const cleared = clearPendingCommit(c6.state);
      expect(cleared.groupContext.epoch).toBe(a.groupContext.epoch);
      expect(cleared.pendingCommit).toBeUndefined();
    });
  });
}
