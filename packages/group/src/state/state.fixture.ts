/**
 * A group state worth storing, for the state codec's tests and golden
 * fixtures: four members over three epochs, seen by Alice in epoch 3 with
 * everything a state can hold (excluded from the build).
 *
 * - past epochs 0-2, with keys consumed in them (out of order in epoch 2,
 *   one message of it left unread: `late`);
 * - two Update proposals cached by reference, Carol's and Alice's own (so
 *   `ownUpdates` holds a key), each with its MLSMessage;
 * - a message of epoch 4 held (`earlyMessages`): Bob committed both Updates
 *   and sent in his new epoch before Alice saw his Commit;
 * - Alice's own Commit pending (it commits Carol's Update by reference).
 *
 * Bob's Commit and Alice's pending one compete for epoch 4: a test plays
 * either outcome from the same stored state.
 */
import type { CipherSuiteProvider } from "@mlskit/core";
import { createApplicationMessage } from "../framing/application-message.js";
import { createCommit, mergePendingCommit } from "../commit/commit-create.js";
import { client, deliver, join, kpOf, newGroup } from "../group.fixture.js";
import type { GroupPolicyInput } from "../policy/group-policy.js";
import type { GroupState } from "./group-state.js";
import { processMessage } from "../receive/message-process.js";
import { createProposal } from "../proposals/proposal-create.js";

const text = (s: string) => new TextEncoder().encode(s);

/** What {@link buildScenario} returns. */
export interface Scenario {
  readonly cs: CipherSuiteProvider;
  readonly policy: GroupPolicyInput;
  /** Alice's state to store: epoch 3, every part in use. */
  readonly alice: GroupState;
  /** Bob before his Commit (he has both proposals cached). */
  readonly bob: GroupState;
  /** Carol (her own proposal cached; Alice's not delivered yet: `proposals`). */
  readonly carol: GroupState;
  /** Dave (no proposal delivered yet: `proposals`). */
  readonly dave: GroupState;
  /** Carol's and Alice's Update proposals, in that order (MLSMessages). */
  readonly proposals: readonly [Uint8Array, Uint8Array];
  /** An application message of epoch 2 from Bob that Alice has not read, and its text. */
  readonly late: { readonly message: Uint8Array; readonly text: string };
  /** Messages Alice already read: replays must be refused (epoch 2 from Bob, epoch 3 from Dave). */
  readonly consumed: readonly Uint8Array[];
  /** An application message of epoch 3 from Dave that Alice has not read, and its text. */
  readonly unread: { readonly message: Uint8Array; readonly text: string };
  /** Bob's Commit (epoch 3 → 4), his state after it, and the text of his epoch-4 message Alice holds. */
  readonly bobCommit: { readonly message: Uint8Array; readonly bobAfter: GroupState; readonly heldText: string };
}

/** Builds the scenario in `cs` with handshakes framed per `wire`. */
export async function buildScenario(cs: CipherSuiteProvider, wire: "public" | "private"): Promise<Scenario> {
  const policy: GroupPolicyInput = { handshakeWireFormat: wire };
  const [aliceC, bobC, carolC, daveC] = await Promise.all(["alice", "bob", "carol", "dave"].map((n) => client(cs, n)));
  let alice = await newGroup(cs, aliceC!, policy);

  // Epoch 1: Bob and Carol join; messages both ways, read out of order.
  const c1 = await createCommit(alice, { proposals: [{ add: kpOf(bobC!) }, { add: kpOf(carolC!) }] });
  alice = mergePendingCommit(c1.state);
  let bob = await join(cs, bobC!, c1.welcome!, policy);
  let carol = await join(cs, carolC!, c1.welcome!, policy);
  const a0 = await createApplicationMessage(alice, text("e1 a0"));
  const a1 = await createApplicationMessage(alice, text("e1 a1"));
  bob = await deliver(bob, a1);
  carol = await deliver(await deliver(carol, a1), a0);
  alice = await deliver(alice, await createApplicationMessage(carol, text("e1 c0")));

  // Epoch 2: Dave joins; Alice reads Bob's messages 2 and 0 and leaves 1 unread.
  const c2 = await createCommit(alice, { proposals: [{ add: kpOf(daveC!) }] });
  alice = mergePendingCommit(c2.state);
  bob = await deliver(bob, c2.commit);
  carol = await deliver(carol, c2.commit);
  let dave = await join(cs, daveC!, c2.welcome!, policy);
  const b = [];
  for (let i = 0; i < 3; i++) b.push(await createApplicationMessage(bob, text(`e2 b${i}`)));
  alice = await deliver(await deliver(alice, b[2]!), b[0]!);

  // Epoch 3: Carol commits (a path); Dave sends twice, Alice reads the first.
  const c3 = await createCommit(carol);
  carol = mergePendingCommit(c3.state);
  for (const m of [c3.commit]) {
    alice = await deliver(alice, m);
    bob = await deliver(bob, m);
    dave = await deliver(dave, m);
  }
  const d0 = await createApplicationMessage(dave, text("e3 d0"));
  const d1 = await createApplicationMessage(dave, text("e3 d1"));
  alice = await deliver(alice, d0);

  // Update proposals from Carol and Alice; Bob sees both, Carol only hers, Dave none yet.
  const pc = await createProposal(carol, { update: {} });
  carol = pc.state;
  const pa = await createProposal(await deliver(alice, pc.message), { update: {} });
  alice = pa.state;
  bob = await deliver(await deliver(bob, pc.message), pa.message);

  // Bob commits both Updates by reference and sends in epoch 4: Alice holds that message.
  const cb = await createCommit(bob);
  const bobAfter = mergePendingCommit(cb.state);
  const held = await createApplicationMessage(bobAfter, text("e4 b0 held"));
  const r = await processMessage(alice, held);
  if (r.kind !== "buffered") throw new Error(`expected the epoch-4 message to be held, got ${r.kind}`);
  alice = r.state;

  // Alice's own Commit, pending (Carol's Update by reference; her own is left out, §12.2).
  alice = (await createCommit(alice)).state;
  return {
    cs,
    policy,
    alice,
    bob,
    carol,
    dave,
    proposals: [pc.message, pa.message],
    late: { message: b[1]!, text: "e2 b1" },
    consumed: [b[2]!, d0],
    unread: { message: d1, text: "e3 d1" },
    bobCommit: { message: cb.commit, bobAfter, heldText: "e4 b0 held" },
  };
}
