/**
 * Public keys are validated where they enter (issue 13; RFC 9180 §7.1.1,
 * §7.1.4; RFC 9420 §5.1.1): every HPKE public key a receiver accepts — a
 * KeyPackage's init_key and leaf encryption_key in an Add, an Update's leaf,
 * a Commit's UpdatePath leaf and node keys — and every signature key, with
 * each class of bad key (low-order and all-zero X25519 points, P-256 points
 * off the curve or compressed, truncated keys; compressed or off-curve ECDSA
 * keys, Ed25519 encodings that are no point or of small order). The attacker
 * is a member with real keys, so everything else about its messages is
 * valid. Each refusal is a typed ValidationError (code and section); the
 * receiver's stored state is unchanged byte for byte (ratchet positions,
 * retained keys, held messages, pending Commit); and the attacker's next
 * genuine messages and Commit are processed. Honest committers refuse the
 * same inputs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { toHex, utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, CredentialType, ExtensionType, ProposalType, makeProposalRef } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { LeafNodeSource } from "@mlskit/ratchet-tree";
import { createCommit } from "./commit/commit-create.js";
import { ContentType } from "./framing/content-type.js";
import { externalSendersCodec, makeExtension } from "./extensions/extensions.js";
import { type ValidatedKeyPackage, decodeKeyPackage, validateKeyPackage } from "./key-packages/key-package-validation.js";
import { encodeKeyPackage } from "./key-packages/key-package.js";
import { processMessage } from "./receive/message-process.js";
import { frameHandshake } from "./proposals/proposal-create.js";
import {
  type Scenario,
  badHpkeKeys,
  badSignatureKeys,
  byRef,
  byValue,
  copyOf,
  encodeGroupState,
  expectGenuineProcessed,
  expectRefusedThenGenuine,
  forgeCommit,
  pathCommit,
  resignKeyPackage,
  resignLeaf,
  scenario,
} from "./public-key.fixture.js";
import { client, services } from "./group.fixture.js";
import { validationErrorOf } from "./rejection.fixture.js";

/** The providers and suites: X25519/Ed25519 and P-256 on noble, and P-256 on crypto.subtle. */
const CASES: readonly { readonly label: string; readonly cs: () => Promise<CipherSuiteProvider> }[] = [
  { label: "noble, suite 1 (X25519, Ed25519)", cs: () => nobleCryptoProvider().cipherSuite(1) },
  { label: "noble, suite 2 (P-256, ECDSA P-256)", cs: () => nobleCryptoProvider().cipherSuite(2) },
  // crypto.subtle alone: its point check is an import (the facade's hybrid takes noble's synchronous one).
  { label: "webcrypto, suite 2 (P-256, ECDSA P-256)", cs: () => webCryptoProvider().cipherSuite(2) },
];

for (const { label, cs: csOf } of CASES) {
  describe(`public keys of received messages: ${label}`, () => {
    let s: Scenario;
    let cs: CipherSuiteProvider;
    beforeAll(async () => {
      cs = await csOf();
      s = await scenario(cs);
    });

    const daveKp = () => s.clients.dave.kp.keyPackage;
    const daveSk = () => s.clients.dave.signaturePrivateKey;
    const addOf = (keyPackage: Awaited<ReturnType<typeof resignKeyPackage>>) => byValue({ proposalType: ProposalType.add, keyPackage });

    it("the scenario's genuine messages are processed as they are", async () => {
      await expectGenuineProcessed(s, await copyOf(s.alice));
    });

    describe("§12.1.1 / §10.1: an Add in a received Commit", () => {
      it("refuses a KeyPackage whose init_key is invalid (key-package/invalid-init-key)", async () => {
        for (const bad of await badHpkeKeys(cs)) {
          const kp = await resignKeyPackage(cs, daveSk(), daveKp(), {}, { initKey: bad.key });
          const message = await forgeCommit(s.bob, { proposals: [addOf(kp)], path: undefined });
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "key-package/invalid-init-key", "10");
        }
      });
      it("refuses a KeyPackage whose leaf encryption_key is invalid (leaf-node/invalid-encryption-key)", async () => {
        for (const bad of await badHpkeKeys(cs)) {
          const kp = await resignKeyPackage(cs, daveSk(), daveKp(), { encryptionKey: bad.key });
          const message = await forgeCommit(s.bob, { proposals: [addOf(kp)], path: undefined });
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "leaf-node/invalid-encryption-key", "5.1.1");
        }
      });
      it("names an invalid leaf signature_key as the cause, not the signature (leaf-node/invalid-signature-key)", async () => {
        for (const bad of badSignatureKeys(cs, daveKp().leafNode.signatureKey)) {
          // Both signatures made with Dave's real private key; the key in the leaf is the bad encoding.
          const kp = await resignKeyPackage(cs, daveSk(), daveKp(), { signatureKey: bad.key });
          const message = await forgeCommit(s.bob, { proposals: [addOf(kp)], path: undefined });
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "leaf-node/invalid-signature-key", "5.1.1");
        }
      });
      it("an honest committer refuses to add such a KeyPackage, its state unchanged", async () => {
        const carol = await copyOf(s.carol);
        const before = toHex(encodeGroupState(carol));
        for (const bad of await badHpkeKeys(cs)) {
          for (const [kp, code] of [
            [await resignKeyPackage(cs, daveSk(), daveKp(), {}, { initKey: bad.key }), "key-package/invalid-init-key"],
            [await resignKeyPackage(cs, daveSk(), daveKp(), { encryptionKey: bad.key }), "leaf-node/invalid-encryption-key"],
          ] as const) {
            const e = await validationErrorOf(createCommit(carol, { proposals: [{ add: kp as ValidatedKeyPackage }] }));
            expect(e.code, `${bad.what}: ${e.message}`).toBe(code);
            expect(toHex(encodeGroupState(carol))).toBe(before);
          }
        }
        // And the genuine KeyPackage is added.
        expect((await createCommit(carol, { proposals: [{ add: daveKp() as ValidatedKeyPackage }] })).welcome).toBeDefined();
      });
    });

    describe("§12.1.2: an Update committed by reference", () => {
      it("refuses an Update whose leaf encryption_key is invalid; an honest committer leaves it out", async () => {
        for (const bad of await badHpkeKeys(cs)) {
          const [alice, carol] = await Promise.all([copyOf(s.alice), copyOf(s.carol)]);
          // Bob's Update, signed by Bob: only the key is wrong.
          const leafNode = await resignLeaf(s.bob, s.bob.signaturePrivateKey, s.bob.tree.leafNode(s.bob.ownLeaf)!, {
            leafNodeSource: LeafNodeSource.update,
            encryptionKey: bad.key,
            lifetime: undefined,
          });
          const proposal = { proposalType: ProposalType.update, leafNode } as const;
          const framed = await frameHandshake(s.bob, { contentType: ContentType.proposal, proposal });
          const ref = await makeProposalRef(cs, framed.authenticatedContent);
          const a = (await processMessage(alice, framed.message)).state;
          const c = (await processMessage(carol, framed.message)).state;
          // Carol, honest, leaves the invalid Update out of her Commit (§12.2).
          const honest = await createCommit(c, { forcePath: true });
          expect(honest.omitted.map((o) => [toHex(o.ref), o.error.code])).toEqual([[toHex(ref), "leaf-node/invalid-encryption-key"]]);
          // A Commit that includes it anyway is refused.
          const message = await forgeCommit(c, { proposals: [byRef(ref)], path: undefined });
          await expectRefusedThenGenuine(s, a, message, "leaf-node/invalid-encryption-key", "5.1.1");
        }
      });
    });

    describe("§12.4.2: a Commit's UpdatePath", () => {
      it("refuses a path leaf whose encryption_key is invalid (leaf-node/invalid-encryption-key)", async () => {
        for (const bad of await badHpkeKeys(cs)) {
          const message = await pathCommit(s.bob, async (p) => ({
            ...p,
            leafNode: await resignLeaf(s.bob, s.bob.signaturePrivateKey, p.leafNode, { encryptionKey: bad.key }),
          }));
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "leaf-node/invalid-encryption-key", "5.1.1");
        }
      });
      it("refuses a path whose node key is invalid (update-path/invalid-node-key)", async () => {
        for (const bad of await badHpkeKeys(cs)) {
          for (const i of [0, 1]) {
            const message = await pathCommit(s.bob, async (p) => ({ ...p, nodes: p.nodes.map((n, k) => (k === i ? { ...n, encryptionKey: bad.key } : n)) }));
            await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "update-path/invalid-node-key", "12.4.2");
          }
        }
      });
      it("names an invalid path leaf signature_key as the cause (leaf-node/invalid-signature-key)", async () => {
        for (const bad of badSignatureKeys(cs, s.bob.tree.signatureKey(s.bob.ownLeaf)!)) {
          const message = await pathCommit(s.bob, async (p) => ({
            ...p,
            leafNode: await resignLeaf(s.bob, s.bob.signaturePrivateKey, p.leafNode, { signatureKey: bad.key }),
          }));
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "leaf-node/invalid-signature-key", "5.1.1");
        }
      });
    });

    describe("§12.1.7 / §12.1.8.1: GroupContextExtensions", () => {
      it("refuses an external sender whose signature key is invalid; an honest committer too", async () => {
        for (const bad of badSignatureKeys(cs, s.bob.tree.signatureKey(s.bob.ownLeaf)!)) {
          const extensions = [
            makeExtension(ExtensionType.external_senders, externalSendersCodec, [
              { signatureKey: bad.key, credential: { credentialType: CredentialType.basic, identity: utf8("ds") } },
            ]),
          ];
          const message = await forgeCommit(s.bob, { proposals: [byValue({ proposalType: ProposalType.group_context_extensions, extensions })], path: undefined });
          await expectRefusedThenGenuine(s, await copyOf(s.alice), message, "extensions/invalid-external-sender-key", "12.1.8.1");
          const carol = await copyOf(s.carol);
          const e = await validationErrorOf(createCommit(carol, { proposals: [{ proposalType: ProposalType.group_context_extensions, extensions }] }));
          expect([e.code, e.rfcSection]).toEqual(["extensions/invalid-external-sender-key", "12.1.8.1"]);
        }
      });
    });
  });
}

describe("§10.1: validateKeyPackage names each bad key", () => {
  for (const { label, cs: csOf } of CASES) {
    it(label, async () => {
      const cs = await csOf();
      const dave = await client(cs, "dave");
      const kp = dave.kp.keyPackage;
      const sk = dave.signaturePrivateKey;
      const validate = (k: typeof kp) => validateKeyPackage(cs, decodeKeyPackage(encodeKeyPackage(k)), { identityProvider: services.identityProvider });
      for (const bad of await badHpkeKeys(cs)) {
        let e = await validationErrorOf(validate(await resignKeyPackage(cs, sk, kp, {}, { initKey: bad.key })));
        expect([e.code, e.rfcSection], bad.what).toEqual(["key-package/invalid-init-key", "10"]);
        e = await validationErrorOf(validate(await resignKeyPackage(cs, sk, kp, { encryptionKey: bad.key })));
        expect([e.code, e.rfcSection], bad.what).toEqual(["leaf-node/invalid-encryption-key", "5.1.1"]);
        expect(e.message).toContain("RFC 9180 §7.1.1");
        if (bad.what.startsWith("compressed")) expect(e.message).toContain("compressed point");
      }
      for (const bad of badSignatureKeys(cs, kp.leafNode.signatureKey)) {
        const e = await validationErrorOf(validate(await resignKeyPackage(cs, sk, kp, { signatureKey: bad.key })));
        expect([e.code, e.rfcSection], bad.what).toEqual(["leaf-node/invalid-signature-key", "5.1.1"]);
        // A compressed ECDSA point is refused because §5.1.1 wants the uncompressed encoding, and says so.
        if (bad.what.startsWith("compressed")) expect(e.message).toMatch(/compressed point: RFC 9420 §5\.1\.1 requires the uncompressed encoding/);
      }
      // The genuine KeyPackage validates.
      await validate(kp);
    });
  }
});
