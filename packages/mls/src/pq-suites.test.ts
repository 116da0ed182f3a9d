/**
 * The post-quantum suites through the facade (issue 19): every suite of
 * DEFAULT_CIPHER_SUITE_MAP's PQ set (draft-ietf-mls-pq-ciphersuites-06 at
 * provisional 0xF101-0xF10B) and of TS_MLS_CIPHER_SUITE_MAP (ts-mls 2.0's
 * 0xF007-0xF012), on noble and on webcrypto with the noble fallback: create,
 * KeyPackage, Add + Welcome join, self-Update, Remove, messages both ways,
 * exporter agreement, and a restart from `memoryStore` (the encoded state
 * carries the larger keys).
 */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, CIPHER_SUITES, DEFAULT_CIPHER_SUITE_MAP, TS_MLS_CIPHER_SUITE_MAP, acceptAll, type CipherSuiteMap, type CryptoProvider } from "@mlskit/core";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { Client, type Group, memoryStore } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const hex = (id: number) => `0x${id.toString(16).padStart(4, "0")}`;

async function read(g: Group, m: Uint8Array): Promise<string> {
  const r = await g.processIncoming(m);
  if (r.kind !== "application") throw new Error(`expected an application message, got ${r.kind}`);
  return text(r.data);
}

async function apply(g: Group, commit: Uint8Array): Promise<void> {
  const r = await g.processIncoming(commit);
  if (r.kind !== "commit") throw new Error(`expected a commit, got ${r.kind}`);
  await r.staged.merge();
}

const pq = (map: CipherSuiteMap) => [...map.values()].filter((s) => !CIPHER_SUITES.has(s.id));

const maps = [
  ["draft-06", DEFAULT_CIPHER_SUITE_MAP],
  ["ts-mls", TS_MLS_CIPHER_SUITE_MAP],
] as const;

const providers: readonly (readonly [string, (m: CipherSuiteMap) => CryptoProvider])[] = [
  ["noble", (cipherSuites) => nobleCryptoProvider({ cipherSuites })],
  ["webcrypto+noble", (cipherSuites) => webCryptoProvider({ fallback: noblePrimitives(), cipherSuites })],
];

for (const [mapName, map] of maps) {
  for (const [providerName, make] of providers) {
    describe(`PQ suites through the facade (${mapName} map, ${providerName})`, () => {
      const crypto = make(map);
      for (const suite of pq(map)) {
        it(`${hex(suite.id)} ${suite.name}: create, Add/Welcome, Update, Remove, messages, exporter, restore`, async () => {
          const stores = { alice: memoryStore(), bob: memoryStore(), carol: memoryStore() };
          const mk = (identity: "alice" | "bob" | "carol") => Client.create({ identity, identityProvider, crypto, cipherSuite: suite.id, storage: stores[identity] });
          const [alice, bob, carol] = await Promise.all([mk("alice"), mk("bob"), mk("carol")]);
          const a = await alice.createGroup();
          expect(a.cipherSuite).toBe(suite.id);
          const kpB = await bob.createKeyPackage();
          const kpC = await carol.createKeyPackage();
          const add = await a.addMembers([kpB.keyPackage, kpC.keyPackage]);
          await a.confirmPendingCommit();
          const b = await bob.joinFromWelcome(add.welcome!);
          const c = await carol.joinFromWelcome(add.welcome!);
          expect(toHex(b.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));
          expect(toHex(c.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));

          // Messages both ways.
          expect(await read(b, await a.encrypt("a→b"))).toBe("a→b");
          expect(await read(a, await b.encrypt("b→a"))).toBe("b→a");

          // Self-Update by the joiner (a full path, HPKE to every other subtree).
          const u = await b.update();
          await b.confirmPendingCommit();
          await apply(a, u.commit);
          await apply(c, u.commit);
          expect(toHex(a.epochAuthenticator)).toBe(toHex(b.epochAuthenticator));
          expect(toHex(c.epochAuthenticator)).toBe(toHex(b.epochAuthenticator));

          // Remove carol.
          const rm = await a.removeMembers(["carol"]);
          await a.confirmPendingCommit();
          await apply(b, rm.commit);
          const sc = await c.processIncoming(rm.commit);
          expect(sc.kind === "commit" && sc.staged.removedSelf).toBe(true);
          expect((await a.members()).map((m) => text(m.identity))).toEqual(["alice", "bob"]);

          // Exporter agreement.
          const ctx = new Uint8Array([1, 2, 3]);
          const ea = await a.export("pq-test", ctx, 32);
          expect(toHex(await b.export("pq-test", ctx, 32))).toBe(toHex(ea));

          // Restart both from their stores; carry on both ways and commit.
          const restart = async (id: "alice" | "bob", g: Group) => {
            const client = await Client.create({ identity: id, identityProvider, crypto, cipherSuite: suite.id, storage: stores[id] });
            return (await client.getGroup(g.groupId))!;
          };
          const a2 = await restart("alice", a);
          const b2 = await restart("bob", b);
          expect(a2.epoch).toBe(a.epoch);
          expect(toHex(a2.epochAuthenticator)).toBe(toHex(b2.epochAuthenticator));
          expect(toHex(await a2.export("pq-test", ctx, 32))).toBe(toHex(ea));
          expect(await read(b2, await a2.encrypt("after restart"))).toBe("after restart");
          expect(await read(a2, await b2.encrypt("reply"))).toBe("reply");
          const u2 = await a2.update();
          await a2.confirmPendingCommit();
          await apply(b2, u2.commit);
          expect(toHex(b2.epochAuthenticator)).toBe(toHex(a2.epochAuthenticator));
          expect(toHex(await b2.export("pq-test", ctx, 32))).toBe(toHex(await a2.export("pq-test", ctx, 32)));
        });
      }
    });
  }
}
