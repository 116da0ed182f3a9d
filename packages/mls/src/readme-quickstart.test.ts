// #region readme-quickstart
import { BasicIdentityProvider, Client, directoryPolicy } from "@mlskit/mls";

/** Three users, a group, a message and a removal. Messages go straight to the members here; an app sends them through its Delivery Service. */
export async function quickstart(): Promise<string[]> {
  const log: string[] = [];
  // The Authentication Service: here a directory of users' signature keys (RFC 9750 §5).
  const directory = new Map<string, Uint8Array>();
  const identityProvider = new BasicIdentityProvider({ policy: directoryPolicy((id) => directory.get(new TextDecoder().decode(id))) });
  const client = async (identity: string) => {
    const c = await Client.create({ identity, identityProvider }); // WebCrypto with noble where it lacks an algorithm
    directory.set(identity, c.signaturePublicKey);
    return c;
  };
  const [alice, bob, carol] = [await client("alice"), await client("bob"), await client("carol")];

  // Alice creates the group and adds Bob and Carol from their KeyPackages.
  const a = await alice.createGroup();
  const add = await a.addMembers([(await bob.createKeyPackage()).keyPackage, (await carol.createKeyPackage()).keyPackage]);
  await a.processIncoming(add.commit); // our own Commit, handed back by the Delivery Service: merged
  const b = await bob.joinFromWelcome(add.welcome!);
  const c = await carol.joinFromWelcome(add.welcome!);

  // Application messages are PrivateMessages; any member reads them.
  const hello = await a.encrypt("hello, group");
  for (const g of [b, c]) {
    const m = await g.processIncoming(hello);
    if (m.kind === "application") log.push(`${new TextDecoder().decode(m.senderIdentity!)} → ${new TextDecoder().decode(m.data)}`);
  }

  // Bob removes Carol; the others stage the Commit, may inspect it, then merge it.
  const rm = await b.removeMembers(["carol"]);
  await b.confirmPendingCommit(); // or process it when the Delivery Service hands it back
  for (const g of [a, c]) {
    const m = await g.processIncoming(rm.commit);
    if (m.kind === "commit") {
      log.push(`epoch ${m.staged.epoch}: removed ${m.staged.removed.length} member(s), we are removed: ${m.staged.removedSelf}`);
      await m.staged.merge();
    }
  }
  const members = await a.members();
  log.push(`members: ${members.map((x) => new TextDecoder().decode(x.identity)).join(", ")}; Alice and Bob agree: ${a.epochAuthenticator.join() === b.epochAuthenticator.join()}`);
  return log;
}
// #endregion readme-quickstart

/*
 * The README's quick start is the code above, verbatim (the first test fails
 * if the two drift apart); the second runs it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("README: quick start", () => {
  it("the README shows this file's example verbatim", () => {
    const source = readFileSync(fileURLToPath(import.meta.url), "utf8");
    const region = /\/\/ #region readme-quickstart\n([\s\S]*?)\/\/ #endregion readme-quickstart/.exec(source)?.[1];
    const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");
    const block = /<!-- example: packages\/mls\/src\/readme-quickstart\.test\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(region, "region in the test").toBeDefined();
    expect(block, "example block in README.md").toBeDefined();
    expect(block!.trim()).toBe(region!.trim());
  });

  it("runs", async () => {
    expect(await quickstart()).toEqual([
      "alice → hello, group",
      "alice → hello, group",
      "epoch 2: removed 1 member(s), we are removed: false",
      "epoch 2: removed 1 member(s), we are removed: true",
      "members: alice, bob; Alice and Bob agree: true",
    ]);
  });
});
