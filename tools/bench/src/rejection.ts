/**
 * What refusing forged input costs a receiver (issue 13): PrivateMessages
 * forged by a member (who can derive every sender's ratchet keys and knows
 * sender_data_secret, so the content decrypts and only the signature fails),
 * forgeries naming a generation far ahead, and junk that fails at the sender
 * data. The genuine message's cost is printed beside them. Built on
 * `@mlskit/group` states of three members; the receiver's state is never
 * changed by a refused message, so each forgery is refused from the same state.
 */
import type { CipherSuiteProvider, CryptoProvider } from "@mlskit/core";
import {
  ContentType,
  type FramedContent,
  type GroupState,
  createApplicationMessage,
  createCommit,
  createGroup,
  createPrivateMessage,
  encodeMlsMessage,
  groupPolicy,
  joinFromWelcome,
  memberSender,
  mergePendingCommit,
  privateMessageToMls,
  processMessage,
} from "@mlskit/group";
import { SecretTree } from "@mlskit/key-schedule";
import { fmt, printTable, timeMs } from "./measure.js";
import { keyPackageClient, services } from "./protocol-steps.js";

/** Alice, Bob and Carol in one group; Bob is the receiver. */
async function trio(cs: CipherSuiteProvider) {
  const policy = groupPolicy({});
  const [a, b, c] = await Promise.all(["alice", "bob", "carol"].map((n) => keyPackageClient(cs, n)));
  let alice = await createGroup({
    cs,
    leafNode: a!.kp.keyPackage.leafNode,
    encryptionPrivateKey: a!.kp.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: a!.sig.privateKey,
    services,
    policy,
  });
  const commit = await createCommit(alice, { proposals: [{ add: b!.kp.keyPackage as never }, { add: c!.kp.keyPackage as never }] });
  alice = mergePendingCommit(commit.state);
  const join = (m: typeof a) =>
    joinFromWelcome({
      cs,
      welcome: commit.welcome!,
      keyPackage: m!.kp.keyPackage,
      initPrivateKey: m!.kp.privateKeys.initPrivateKey,
      encryptionPrivateKey: m!.kp.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: m!.sig.privateKey,
      services,
      policy,
    });
  return { alice, bob: await join(b), carol: await join(c) };
}

/** A PrivateMessage Carol forges as Alice at `generation` (correct keys, Carol's signature). */
async function forged(carol: GroupState, alice: number, generation: number): Promise<Uint8Array> {
  const secretTree = SecretTree.fromState(carol.cs, carol.secretTree.exportState());
  await secretTree.reserve(alice, "application", generation);
  const gc = carol.groupContext;
  const content = {
    groupId: gc.groupId,
    epoch: gc.epoch,
    sender: memberSender(alice),
    authenticatedData: new Uint8Array(0),
    contentType: ContentType.application,
    applicationData: new Uint8Array(1024),
  } as FramedContent;
  const pm = await createPrivateMessage(carol.framing, { content, signaturePrivateKey: carol.signaturePrivateKey }, { secretTree, senderDataSecret: carol.keys.senderDataSecret });
  return encodeMlsMessage(privateMessageToMls(pm));
}

/** Junk anyone who saw the group id can send: fails at the sender data. */
function junk(s: GroupState): Uint8Array {
  const gc = s.groupContext;
  return encodeMlsMessage(
    privateMessageToMls({
      groupId: gc.groupId,
      epoch: gc.epoch,
      contentType: ContentType.application,
      authenticatedData: new Uint8Array(0),
      encryptedSenderData: s.cs.randomBytes(40),
      ciphertext: s.cs.randomBytes(1100),
    }),
  );
}

async function refusalMs(state: GroupState, message: Uint8Array, runs: number): Promise<number> {
  return timeMs(async () => {
    try {
      await processMessage(state, message);
    } catch {
      return;
    }
    throw new Error("a forgery was accepted");
  }, runs);
}

/** Prints the cost of refusing forged PrivateMessages, per provider. */
export async function benchRejection(providers: readonly { name: string; crypto: CryptoProvider }[], quick: boolean): Promise<void> {
  const runs = quick ? 21 : 101;
  const rows: string[][] = [];
  for (const p of providers) {
    const cs = await p.crypto.cipherSuite(1);
    const { alice, bob, carol } = await trio(cs);
    const next = await forged(carol, alice.ownLeaf, 0);
    const far = await forged(carol, alice.ownLeaf, 1000);
    const rubbish = junk(bob);
    // Refusals first: Bob has read nothing of Alice's yet, so generation 0 is "next".
    const refusals = [await refusalMs(bob, next, runs), await refusalMs(bob, far, runs), await refusalMs(bob, rubbish, runs)];
    const genuine = await Promise.all(Array.from({ length: runs }, (_, i) => createApplicationMessage(alice, new Uint8Array(1024).fill(i))));
    let i = 0;
    const genuineMs = await timeMs(() => processMessage(bob, genuine[i++]!), runs);
    rows.push([p.name, fmt(genuineMs * 1000), ...refusals.map((ms) => fmt(ms * 1000))]);
  }
  printTable(
    "Refusing forged PrivateMessages (1 KiB, suite 0x0001; µs per message, median; the receiver's state unchanged each time)",
    ["provider", "genuine, read", "forged as a member, next generation", "forged, 1,000 generations ahead", "junk sender data"],
    rows,
  );
  console.log("  note: a member's forgery decrypts (every member can derive every sender's keys) and fails at the signature;");
  console.log("  one naming a far generation also pays for deriving up to maxForwardDistance keys, which are not kept.");
}
