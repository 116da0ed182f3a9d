/**
 * X.509 credentials in a real group (RFC 9420 §5.3.1): certificate chains
 * (root → intermediate → leaf) generated at run time, members created,
 * joined and updated through `@mlskit/group`, and every place a credential
 * enters the group checked with the X.509 Authentication Service:
 * KeyPackage (Add), Update proposal, Commit UpdatePath leaf, the joiner's
 * Welcome tree, external commit (the joiner's leaf, and the tree the joiner
 * validates) and `external_senders`. A rejected credential rejects the
 * message, the error names the failing certificate, and the receiver's state
 * is unchanged: the next valid message processes.
 */
import "reflect-metadata/lite"; // before @peculiar/x509, which needs it
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ExtensionType, ValidationError } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import {
  type GroupServices,
  type GroupState,
  clearPendingCommit,
  createCommit,
  createProposal,
  defaultCapabilities,
  externalSendersCodec,
  joinByExternalCommit,
  makeExtension,
  mergePendingCommit,
  mergeStagedCommit,
  members,
  processMessage,
  validateKeyPackage,
} from "@mlskit/group";
import {
  CREDENTIAL_TYPES,
  type Client,
  FAILURES,
  type Failure,
  type GroupPki,
  expectCredentialRejection,
  expectOmitted,
  failingSubject,
  groupOf,
  identityOf,
  joinAs,
  laxServices,
  makeGroupPki,
  snapshot,
  strictServices,
  x509Client,
  x509Credential,
  x509Provider,
} from "./group-pki.fixture.js";
import { type KeyAlg, SUITE } from "./pki.fixture.js";

/** Processes a Commit and merges it; fails the test if it is anything else. */
async function apply(state: GroupState, message: Uint8Array): Promise<GroupState> {
  const r = await processMessage(state, message);
  if (r.kind !== "commit") throw new Error(`expected a commit, got ${r.kind}`);
  return mergeStagedCommit(r.staged);
}

/** Processes a Proposal; returns the state caching it. */
async function receive(state: GroupState, message: Uint8Array): Promise<GroupState> {
  const r = await processMessage(state, message);
  expect(r.kind).toBe("proposal");
  return r.state;
}

const capabilities = (cs: CipherSuiteProvider) => defaultCapabilities({ cipherSuites: [cs.suite.id], credentials: CREDENTIAL_TYPES });

interface Members {
  /** Alice runs a lax AS: she lets bad credentials through, as a buggy or malicious member would. */
  a: GroupState;
  /** Bob and Carol validate X.509 strictly. */
  b: GroupState;
  c: GroupState;
  alice: Client;
  bob: Client;
  carol: Client;
}

/** Alice creates the group and adds Bob and Carol, who join by Welcome (validating the tree's X.509 members). */
async function threeMembers(cs: CipherSuiteProvider, pki: GroupPki, carolServices: GroupServices = strictServices(pki)): Promise<Members> {
  const [alice, bob, carol] = await Promise.all([x509Client(cs, pki, "Alice"), x509Client(cs, pki, "Bob"), x509Client(cs, pki, "Carol")]);
  const a0 = await groupOf(cs, alice, laxServices);
  const add = await createCommit(a0, { proposals: [{ add: bob.keyPackage }, { add: carol.keyPackage }] });
  const [b, c] = await Promise.all([joinAs(cs, bob, add.welcome!, strictServices(pki)), joinAs(cs, carol, add.welcome!, carolServices)]);
  return { a: mergePendingCommit(add.state), b, c, alice, bob, carol };
}

/** The state a rejection must leave untouched, and the proof that it still works: the next valid Commit applies. */
async function expectUnchangedAndLive(state: GroupState, before: Awaited<ReturnType<typeof snapshot>>, nextCommit: Uint8Array): Promise<GroupState> {
  expect(await snapshot(state)).toEqual(before);
  const next = await apply(state, nextCommit);
  expect(next.groupContext.epoch).toBe(before.epoch + 1n);
  return next;
}

for (const alg of ["Ed25519", "P-256"] as const satisfies readonly KeyAlg[]) {
  describe(`${alg}: X.509 members in a group (noble provider)`, () => {
    let pki: GroupPki;
    let cs: CipherSuiteProvider;
    beforeAll(async () => {
      pki = await makeGroupPki(alg);
      cs = await nobleCryptoProvider().cipherSuite(SUITE[alg]);
    });

    it("valid chains are accepted at every entry point, everyone validating strictly", async () => {
      const strict = strictServices(pki);
      const [alice, bob, carol, erin] = await Promise.all(["Alice", "Bob", "Carol", "Erin"].map((n) => x509Client(cs, pki, n)));
      // KeyPackage (§10.1 → §5.3.1): the AS returns the identity from the URI SAN.
      const { identity } = await validateKeyPackage(cs, bob!.keyPackage, { identityProvider: strict.identityProvider });
      expect(new TextDecoder().decode(identity.identity)).toBe(identityOf("Bob"));
      expect(identity.validUntil).toBeInstanceOf(Date);

      // Add + Welcome tree.
      let a = await groupOf(cs, alice!, strict);
      const add = await createCommit(a, { proposals: [{ add: bob!.keyPackage }, { add: carol!.keyPackage }] });
      a = mergePendingCommit(add.state);
      let b = await joinAs(cs, bob!, add.welcome!, strict);
      let c = await joinAs(cs, carol!, add.welcome!, strict);

      // Update proposal with a renewed certificate (same identity), committed by Alice.
      const renewed = await x509Credential(pki, "Carol", carol!.signaturePublicKey);
      const up = await createProposal(c, { update: { leafNode: { credential: renewed } } });
      c = up.state;
      a = await receive(a, up.message);
      b = await receive(b, up.message);
      const cu = await createCommit(a, { groupInfo: { externalPub: true } });
      a = mergePendingCommit(cu.state);
      [b, c] = await Promise.all([apply(b, cu.commit), apply(c, cu.commit)]);

      // Commit UpdatePath leaf with a renewed certificate.
      const renewedBob = await x509Credential(pki, "Bob", bob!.signaturePublicKey);
      const cp = await createCommit(b, { forcePath: true, leafNode: { credential: renewedBob }, groupInfo: { externalPub: true } });
      b = mergePendingCommit(cp.state);
      [a, c] = await Promise.all([apply(a, cp.commit), apply(c, cp.commit)]);

      // External commit: Erin validates the tree, the members validate Erin's leaf.
      const ext = await joinByExternalCommit({
        cs,
        groupInfo: cp.groupInfo!,
        credential: erin!.credential,
        signaturePrivateKey: erin!.signaturePrivateKey,
        signaturePublicKey: erin!.signaturePublicKey,
        capabilities: capabilities(cs),
        services: strict,
      });
      [a, b, c] = await Promise.all([apply(a, ext.commit), apply(b, ext.commit), apply(c, ext.commit)]);
      for (const s of [a, b, c, ext.state]) expect(toHex(s.keys.epochAuthenticator)).toBe(toHex(ext.state.keys.epochAuthenticator));
      expect(members(a).length).toBe(4);
    });

    describe.each(Object.keys(FAILURES) as Failure[])("a %s chain", (kind) => {
      const code = FAILURES[kind];

      it(`is rejected in a KeyPackage: validateKeyPackage, an Add by value and by reference → ${code}`, async () => {
        const mallory = await x509Client(cs, pki, "Mallory", kind);
        const subject = failingSubject(pki, "Mallory", kind);
        const strict = strictServices(pki);
        await expectCredentialRejection(validateKeyPackage(cs, mallory.keyPackage, { identityProvider: strict.identityProvider }), code, subject);

        const { a, b } = await threeMembers(cs, pki);
        // Alice (lax) commits the Add; Bob rejects the Commit.
        const before = await snapshot(b);
        const bad = await createCommit(a, { proposals: [{ add: mallory.keyPackage }] });
        const err = await expectCredentialRejection(processMessage(b, bad.commit), code, subject);
        expect(err.rfcSection).toMatch(/^5\.3/);

        // By reference: Bob caches Alice's Add proposal (proposals are validated when committed, §12.2) and
        // leaves it out of his commit, reporting why.
        const p = await createProposal(a, { add: mallory.keyPackage });
        const b1 = await receive(b, p.message);
        await expectOmitted(createCommit(b1), code, subject);
        expect(b1.pendingCommit).toBeUndefined();

        // Bob's state is as before; Alice's next valid Commit applies.
        const dave = await x509Client(cs, pki, "Dave");
        const good = await createCommit(clearPendingCommit(bad.state), { proposals: [{ add: dave.keyPackage }] });
        const b2 = await expectUnchangedAndLive(b, before, good.commit);
        expect(members(b2).length).toBe(4);
      });

      it(`is rejected in an Update proposal's LeafNode → ${code}`, async () => {
        let { a, b, c, carol } = await threeMembers(cs, pki);
        const subject = failingSubject(pki, "Carol", kind);
        // Carol proposes an Update whose certificate (same identity) is broken.
        const credential = await x509Credential(pki, "Carol", carol.signaturePublicKey, kind);
        const up = await createProposal(c, { update: { leafNode: { credential } } });
        a = await receive(a, up.message);
        b = await receive(b, up.message);
        // A strict committer leaves it out of its commit (§12.2), reporting why.
        await expectOmitted(createCommit(b), code, subject);
        // Alice (lax) commits it; Bob rejects the Commit.
        const before = await snapshot(b);
        const bad = await createCommit(a);
        await expectCredentialRejection(processMessage(b, bad.commit), code, subject);
        // Bob unchanged; Alice's Commit without the Update applies.
        const good = await createCommit(clearPendingCommit(bad.state), { includePending: false });
        await expectUnchangedAndLive(b, before, good.commit);
      });

      it(`is rejected in a Commit's UpdatePath leaf → ${code}`, async () => {
        const { b, c, carol } = await threeMembers(cs, pki);
        const subject = failingSubject(pki, "Carol", kind);
        const credential = await x509Credential(pki, "Carol", carol.signaturePublicKey, kind);
        const before = await snapshot(b);
        const bad = await createCommit(c, { forcePath: true, leafNode: { credential } });
        await expectCredentialRejection(processMessage(b, bad.commit), code, subject);
        // Carol retries with her valid certificate: Bob applies it.
        const good = await createCommit(clearPendingCommit(bad.state), { forcePath: true });
        await expectUnchangedAndLive(b, before, good.commit);
      });

      it(`is rejected in the tree a joiner validates from a Welcome (tree/credential-invalid ← ${code})`, async () => {
        const { a } = await threeMembers(cs, pki);
        const [mallory, dave] = await Promise.all([x509Client(cs, pki, "Mallory", kind), x509Client(cs, pki, "Dave")]);
        const subject = failingSubject(pki, "Mallory", kind);
        // Alice (lax) adds Mallory and Dave; Dave (strict) validates every leaf of the tree and refuses to join.
        const bad = await createCommit(a, { proposals: [{ add: mallory.keyPackage }, { add: dave.keyPackage }] });
        const err = await expectCredentialRejection(joinAs(cs, dave, bad.welcome!, strictServices(pki)), code, subject, "tree/credential-invalid");
        expect(err.message).toContain("leaf 3");
        expect(err.rfcSection).toBe("5.3.1");
        // Without Mallory, Dave joins with the same KeyPackage.
        const good = await createCommit(clearPendingCommit(bad.state), { proposals: [{ add: dave.keyPackage }] });
        const d = await joinAs(cs, dave, good.welcome!, strictServices(pki));
        expect(toHex(d.keys.epochAuthenticator)).toBe(toHex(mergePendingCommit(good.state).keys.epochAuthenticator));
      });

      it(`is rejected in an external commit: the joiner's leaf (${code}) and the tree the joiner validates`, async () => {
        let { a, b } = await threeMembers(cs, pki);
        const gi = await createCommit(a, { groupInfo: { externalPub: true } });
        a = mergePendingCommit(gi.state);
        b = await apply(b, gi.commit);
        const [mallory, erin] = await Promise.all([x509Client(cs, pki, "Mallory", kind), x509Client(cs, pki, "Erin")]);
        const subject = failingSubject(pki, "Mallory", kind);
        const join = (c: Client, groupInfo: Uint8Array, services: GroupServices) =>
          joinByExternalCommit({
            cs,
            groupInfo,
            credential: c.credential,
            signaturePrivateKey: c.signaturePrivateKey,
            signaturePublicKey: c.signaturePublicKey,
            capabilities: capabilities(cs),
            services,
          });

        // Mallory joins externally (her own AS is lax); Bob rejects her Commit.
        const before = await snapshot(b);
        const bad = await join(mallory, gi.groupInfo!, laxServices);
        await expectCredentialRejection(processMessage(b, bad.commit), code, subject);
        // Erin's valid external Commit of the same epoch applies.
        const good = await join(erin, gi.groupInfo!, strictServices(pki));
        await expectUnchangedAndLive(b, before, good.commit);

        // The joiner's side: a GroupInfo whose tree holds Mallory is refused by a strict joiner.
        const withMallory = await createCommit(a, { proposals: [{ add: mallory.keyPackage }], groupInfo: { externalPub: true } });
        const frank = await x509Client(cs, pki, "Frank");
        await expectCredentialRejection(join(frank, withMallory.groupInfo!, strictServices(pki)), code, subject, "tree/credential-invalid");
      });

      it(`is rejected in an external_senders extension (GroupContextExtensions) → ${code}`, async () => {
        const { a, b } = await threeMembers(cs, pki);
        const sig = await cs.signatureGenerateKeyPair();
        const credential = await x509Credential(pki, "Delivery Service", sig.publicKey, kind);
        const ext = makeExtension(ExtensionType.external_senders, externalSendersCodec, [{ signatureKey: sig.publicKey, credential }]);
        const before = await snapshot(b);
        const bad = await createCommit(a, { proposals: [{ groupContextExtensions: [ext] }] });
        await expectCredentialRejection(processMessage(b, bad.commit), code, failingSubject(pki, "Delivery Service", kind));
        // The same extension with a valid certificate applies.
        const goodCredential = await x509Credential(pki, "Delivery Service", sig.publicKey);
        const goodExt = makeExtension(ExtensionType.external_senders, externalSendersCodec, [{ signatureKey: sig.publicKey, credential: goodCredential }]);
        const good = await createCommit(clearPendingCommit(bad.state), { proposals: [{ groupContextExtensions: [goodExt] }] });
        const b2 = await expectUnchangedAndLive(b, before, good.commit);
        expect(b2.groupContext.extensions.map((e) => e.extensionType)).toEqual([ExtensionType.external_senders]);
      });
    });

    it("an Update or Commit that changes the identity is rejected (credential/invalid-successor) unless the application allows it", async () => {
      // Carol's application allows identity changes (§5.3.1: the successor rule is the AS's); Bob keeps the
      // default: the successor must present the same identity.
      const allowRename = strictServices(pki, { successor: () => true });
      const { a, b, c, alice, carol } = await threeMembers(cs, pki, allowRename);
      const x509 = x509Provider(pki);
      const identityAt = async (s: GroupState, leaf: number) => new TextDecoder().decode(await x509.identity(s.tree.leafNode(leaf as never)!.credential));

      // Update proposal: Carol becomes Caroline, Alice commits it.
      const renamed = await x509Credential(pki, "Carol", carol.signaturePublicKey, "good", "Caroline");
      const up = await createProposal(c, { update: { leafNode: { credential: renamed } } });
      const commit = await createCommit(await receive(a, up.message), {});
      const b1 = await receive(b, up.message);
      const before = await snapshot(b1);
      const e = await processMessage(b1, commit.commit).catch((x: unknown) => x);
      expect(ValidationError.isInstance(e) && e.code, String(e)).toBe("credential/invalid-successor");
      expect((e as ValidationError).rfcSection).toBe("5.3.1");
      expect(await snapshot(b1)).toEqual(before);
      const c1 = await apply(up.state, commit.commit);
      expect(await identityAt(c1, c1.ownLeaf)).toBe(identityOf("Caroline"));

      // Commit UpdatePath: Alice becomes Alicia.
      const alicia = await x509Credential(pki, "Alice", alice.signaturePublicKey, "good", "Alicia");
      const cp = await createCommit(a, { forcePath: true, leafNode: { credential: alicia } });
      const e2 = await processMessage(b, cp.commit).catch((x: unknown) => x);
      expect(ValidationError.isInstance(e2) && e2.code, String(e2)).toBe("credential/invalid-successor");
      const c2 = await apply(c, cp.commit);
      expect(await identityAt(c2, 0)).toBe(identityOf("Alicia"));
      // Bob, unchanged, still applies Alice's next Commit that keeps her identity.
      const keep = await createCommit(a, { forcePath: true });
      await apply(b, keep.commit);
    });
  });
}

describe("WebCrypto provider: an X.509 group with a rejected Commit path", () => {
  it("P-256 (suite 2): joins, then rejects an expired certificate in an UpdatePath leaf", async () => {
    const pki = await makeGroupPki("P-256");
    const cs = await webCryptoProvider().cipherSuite(SUITE["P-256"]);
    const { b, c, carol } = await threeMembers(cs, pki);
    const credential = await x509Credential(pki, "Carol", carol.signaturePublicKey, "expired");
    const before = await snapshot(b);
    const bad = await createCommit(c, { forcePath: true, leafNode: { credential } });
    await expectCredentialRejection(processMessage(b, bad.commit), "credential/x509-expired", failingSubject(pki, "Carol", "expired"));
    const good = await createCommit(clearPendingCommit(bad.state), { forcePath: true });
    await expectUnchangedAndLive(b, before, good.commit);
  });
});
