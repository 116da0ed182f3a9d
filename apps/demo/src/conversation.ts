/**
 * A scripted group conversation through the `@mlskit/mls` facade and the
 * simulated Delivery Service: create a group, add members from their
 * KeyPackages, exchange messages, update, add by reference, remove a
 * member, and show that the removed member cannot read what follows.
 *
 * Secrets are never printed; the epoch authenticator (RFC 9420 §8.7, meant
 * to be compared out of band) is shown by its first bytes.
 */
import { toHex, utf8 } from "@mlskit/codec";
import { BasicIdentityProvider, Client, type ClientStore, type CryptoProvider, type Group, MlsError, directoryPolicy } from "@mlskit/mls";
import { DeliveryService } from "@mlskit/mls/testing";

type Print = (line: string) => void;

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const short = (b: Uint8Array) => toHex(b.subarray(0, 8));

/** What the script observed, for tests. */
export interface ConversationResult {
  readonly finalEpoch: bigint;
  readonly members: readonly string[];
  /** The typed error the removed member got for a later message. */
  readonly removedError: { readonly name: string; readonly code: string };
  /** A message alice sent last, not delivered yet (the demo delivers it after a restart). */
  readonly undelivered: Uint8Array;
}

/** Where each member keeps its state (default: in memory). */
export type StoreFor = (name: string) => ClientStore | undefined;

/** Runs the conversation with `crypto` (default: the facade's default provider), printing each step. */
export async function conversation(print: Print, crypto?: CryptoProvider, storeFor: StoreFor = () => undefined): Promise<ConversationResult> {
  // The Authentication Service: a directory of who may use which signature key (§5.3.1).
  const directory = new Map<string, Uint8Array>();
  const identityProvider = new BasicIdentityProvider({ policy: directoryPolicy((id) => directory.get(text(id))) });
  const names = ["alice", "bob", "carol", "dave"] as const;
  const clients = new Map<string, Client>();
  for (const name of names) {
    const storage = storeFor(name);
    const c = await Client.create({ identity: name, identityProvider, ...(crypto !== undefined ? { crypto } : {}), ...(storage !== undefined ? { storage } : {}) });
    directory.set(name, c.signaturePublicKey);
    clients.set(name, c);
  }
  const client = (n: string) => clients.get(n)!;
  const provider = client("alice").crypto.name;
  print(`\n== A group conversation through @mlskit/mls (suite 0x${client("alice").cipherSuite.toString(16).padStart(4, "0")}, "${provider}" provider)`);

  const ds = new DeliveryService();
  const groups = new Map<string, Group>();
  /** Delivers everything queued at the DS; returns what each member saw. */
  const deliver = async (): Promise<string[]> => {
    const seen: string[] = [];
    for (const [name, g] of [...groups]) {
      for (const env of ds.receive(name)) {
        const r = await g.processIncoming(env.bytes);
        if (r.kind === "application") seen.push(`${name} reads "${text(r.data)}" from ${text(r.senderIdentity!)} (epoch ${r.epoch})`);
        else if (r.kind === "commit") {
          const merged = await r.staged.merge();
          if (merged.removed) seen.push(`${name} learns it was removed (epoch ${r.staged.epoch})`);
        } else if (r.kind === "proposal") seen.push(`${name} caches ${r.proposal.proposalType === 1 ? "an Add" : `a type-${String(r.proposal.proposalType)}`} proposal`);
      }
    }
    return seen;
  };
  const state = async (label: string) => {
    const g = groups.get("alice")!;
    const members = (await g.members()).map((m) => `${m.leafIndex}:${text(m.identity)}`);
    const auths = new Set([...groups.values()].filter((x) => x.active).map((x) => toHex(x.epochAuthenticator)));
    print(
      `   ${label}: epoch ${g.epoch}, members [${members.join(", ")}], epoch authenticator ${short(g.epochAuthenticator)}… (${auths.size === 1 ? "all members agree" : "MEMBERS DISAGREE"})`,
    );
  };

  // 1. KeyPackages.
  const kps = new Map<string, Uint8Array>();
  for (const n of ["bob", "carol", "dave"]) kps.set(n, (await client(n).createKeyPackage()).keyPackage);
  print(`1. bob, carol and dave publish KeyPackages (${[...kps.values()].map((k) => `${k.length} B`).join(", ")})`);

  // 2. Alice creates the group and adds Bob and Carol.
  const a = await client("alice").createGroup({ groupId: utf8("demo-group") });
  groups.set("alice", a);
  ds.createGroup(a.groupId, ["alice"]);
  print(`2. alice creates group "demo-group" in epoch ${a.epoch}`);
  const add = await a.addMembers([kps.get("bob")!, kps.get("carol")!]);
  const accepted = ds.submitHandshake("alice", add.commit, { welcome: add.welcome!, newMembers: ["bob", "carol"] });
  print(`   alice commits Add(bob, carol): Commit ${add.commit.length} B, Welcome ${add.welcome!.length} B; the DS ${accepted.accepted ? "accepts it" : "rejects it"}`);
  await deliver(); // alice's own Commit comes back: confirmed
  for (const n of ["bob", "carol"]) {
    const [w] = ds.receive(n);
    groups.set(n, await client(n).joinFromWelcome(w!.bytes));
  }
  await state("bob and carol join from the Welcome");

  // 3. Messages.
  const m1 = await a.encrypt("hello bob and carol!");
  ds.submitApplication("alice", m1);
  const m2 = await groups.get("bob")!.encrypt("hi alice", { authenticatedData: utf8("reply-to:1") });
  ds.submitApplication("bob", m2);
  print(`3. alice sends a ${m1.length} B PrivateMessage, bob a ${m2.length} B one (with authenticated data)`);
  for (const line of await deliver()) print(`   ${line}`);

  // 4. Carol updates her keys.
  const up = await groups.get("carol")!.update();
  ds.submitHandshake("carol", up.commit);
  print(`4. carol commits an update of her leaf and path keys (${up.commit.length} B)`);
  await deliver();
  await state("after the update");

  // 5. Bob proposes adding Dave; Alice commits the proposal by reference.
  const prop = await groups.get("bob")!.proposeAdd(kps.get("dave")!);
  ds.submitHandshake("bob", prop.message);
  print(`5. bob proposes adding dave (${prop.message.length} B Proposal)`);
  for (const line of await deliver()) print(`   ${line}`);
  const c3 = await a.commit();
  ds.submitHandshake("alice", c3.commit, { welcome: c3.welcome!, newMembers: ["dave"] });
  print(`   alice commits it by reference (${c3.commit.length} B), Welcome ${c3.welcome!.length} B`);
  await deliver();
  groups.set("dave", await client("dave").joinFromWelcome(ds.receive("dave")[0]!.bytes));
  await state("dave joins");

  // 6. Alice removes Bob.
  const rm = await a.removeMembers(["bob"]);
  ds.submitHandshake("alice", rm.commit);
  print(`6. alice commits Remove(bob) (${rm.commit.length} B)`);
  for (const line of await deliver()) print(`   ${line}`);
  const bob = groups.get("bob")!;
  groups.delete("bob");
  ds.unsubscribe(a.groupId, "bob");
  await state("after the removal");

  // 7. A later message: the members read it, Bob cannot.
  const m3 = await groups.get("carol")!.encrypt("bob can't read this");
  ds.submitApplication("carol", m3);
  print(`7. carol sends "bob can't read this" (${m3.length} B, epoch ${groups.get("carol")!.epoch})`);
  for (const line of await deliver()) print(`   ${line}`);
  let removedError = { name: "none", code: "none" };
  try {
    await bob.processIncoming(m3);
    print("   bob read it?! (this must not happen)");
  } catch (e) {
    if (!MlsError.isInstance(e)) throw e;
    removedError = { name: e.name, code: e.code };
    print(`   bob (removed in epoch ${bob.removedInEpoch}) tries to read it: ${e.name} ${e.code}: ${e.message}`);
  }
  const members = (await a.members()).map((m) => text(m.identity));
  const undelivered = await a.encrypt("see you after the restart");
  print(`8. alice sends "see you after the restart" (${undelivered.length} B); it is still on its way when the members stop`);
  return { finalEpoch: a.epoch, members, removedError, undelivered };
}
