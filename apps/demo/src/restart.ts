/**
 * The second half of `npm run demo`: a new process whose members come back
 * from their SQLite files (credential, signature keys, groups, ratchet
 * positions) and carry the conversation on: they read the message that was
 * still on its way when the first process stopped, exchange new ones, and
 * commit, all agreeing on the epoch authenticator.
 */
import { toHex, utf8 } from "@mlskit/codec";
import { BasicIdentityProvider, Client, type ClientStore, type Group, directoryPolicy } from "@mlskit/mls";

type Print = (line: string) => void;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** What the restarted members observed, for tests. */
export interface RestartResult {
  readonly epoch: bigint;
  readonly read: readonly string[];
  readonly agree: boolean;
}

/** Restores `names` from their stores and carries on in group `demo-group`; `undelivered` is read first. */
export async function carryOn(print: Print, names: readonly string[], storeFor: (name: string) => ClientStore, undelivered: Uint8Array): Promise<RestartResult> {
  const directory = new Map<string, Uint8Array>();
  const identityProvider = new BasicIdentityProvider({ policy: directoryPolicy((id) => directory.get(text(id))) });
  const groups = new Map<string, Group>();
  for (const name of names) {
    const client = await Client.create({ identity: name, identityProvider, storage: storeFor(name) });
    directory.set(name, client.signaturePublicKey);
    const g = await client.getGroup(utf8("demo-group"));
    if (g === undefined) continue;
    if (!g.active) {
      print(`   ${name} is back: "demo-group" remembers it was removed in epoch ${g.removedInEpoch}`);
      continue;
    }
    groups.set(name, g);
    print(`   ${name} is back: ${(await client.groupIds()).length} group(s), "demo-group" in epoch ${g.epoch}, signature key ${toHex(client.signaturePublicKey.subarray(0, 6))}…`);
  }
  const read: string[] = [];
  const deliver = async (from: string, bytes: Uint8Array): Promise<void> => {
    for (const [name, g] of groups) {
      if (name === from) continue;
      const r = await g.processIncoming(bytes);
      if (r.kind === "application") {
        read.push(`${name}:${text(r.data)}`);
        print(`   ${name} reads "${text(r.data)}" from ${text(r.senderIdentity!)} (epoch ${r.epoch})`);
      } else if (r.kind === "commit") await r.staged.merge();
    }
  };
  print(`9. the message alice sent before the stop arrives`);
  await deliver("alice", undelivered);
  const carol = groups.get("carol")!;
  print(`10. carol replies after the restart`);
  await deliver("carol", await carol.encrypt("welcome back, everyone"));
  const dave = groups.get("dave")!;
  const up = await dave.update();
  await dave.confirmPendingCommit();
  print(`11. dave commits an update of his keys (${up.commit.length} B)`);
  await deliver("dave", up.commit);
  await deliver("alice", await groups.get("alice")!.encrypt("still in sync"));
  const auths = new Set([...groups.values()].map((g) => toHex(g.epochAuthenticator)));
  const epoch = dave.epoch;
  print(`   epoch ${epoch}, members [${[...groups.keys()].join(", ")}]: ${auths.size === 1 ? "all members agree on the epoch authenticator" : "MEMBERS DISAGREE"}`);
  return { epoch, read, agree: auths.size === 1 };
}
