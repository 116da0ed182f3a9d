// #region readme-example
import { bytesEqual, utf8 } from "@mlskit/codec";
import {
  BasicIdentityProvider,
  type CipherSuiteProvider,
  CompositeIdentityProvider,
  type Credential,
  type CredentialValidationInput,
  CredentialType,
  type IdentityProvider,
  ValidationError,
  directoryPolicy,
  unsupportedCredentialType,
} from "@mlskit/core";
import { X509IdentityProvider } from "@mlskit/credential-x509";
import { createCommit, createGroup, createKeyPackage, defaultCapabilities, joinFromWelcome, mergePendingCommit, validateKeyPackage } from "@mlskit/group";

/** The application's own credential type (private use range, RFC 9420 §17.1): a user name as UTF-8. */
export const TOKEN = 0xf001;

/** Validates TOKEN credentials: the user's signature key must be the one the directory holds. */
export class TokenIdentityProvider implements IdentityProvider {
  constructor(private readonly directory: Map<string, Uint8Array>) {}

  supportedCredentialTypes() {
    return [TOKEN];
  }

  async validateCredential({ credential, signaturePublicKey }: CredentialValidationInput) {
    const user = await this.identity(credential);
    const key = this.directory.get(new TextDecoder().decode(user));
    if (key === undefined || !bytesEqual(key, signaturePublicKey)) {
      // Reject by throwing a ValidationError with a credential/… code (RFC 9420 §5.3.1).
      throw new ValidationError("credential/token-rejected", "5.3.1", `no such key on file for ${new TextDecoder().decode(user)}`);
    }
    return { identity: user, credentialType: TOKEN };
  }

  validateExternalSender(input: CredentialValidationInput) {
    return this.validateCredential(input);
  }

  async identity(credential: Credential) {
    if (credential.credentialType !== TOKEN || !("body" in credential)) throw unsupportedCredentialType(credential.credentialType);
    return credential.body;
  }

  /** An Update or Commit may replace a credential only with one of the same user (§5.3.1). */
  async validSuccessor(predecessor: Credential, successor: Credential) {
    return bytesEqual(await this.identity(predecessor), await this.identity(successor));
  }
}

/** One Authentication Service for basic, X.509 and TOKEN credentials; the group calls it wherever §5.3.1 says. */
export function authenticationService(directory: Map<string, Uint8Array>, trustAnchors: Uint8Array[]) {
  return new CompositeIdentityProvider([
    new BasicIdentityProvider({ policy: directoryPolicy((id) => directory.get(new TextDecoder().decode(id))) }),
    new X509IdentityProvider({ trustAnchors }),
  ]).register(new TokenIdentityProvider(directory));
}

/** Alice and Bob, holding TOKEN credentials, form a group. */
export async function tokenGroup(cs: CipherSuiteProvider, trustAnchors: Uint8Array[]) {
  const directory = new Map<string, Uint8Array>();
  const services = { identityProvider: authenticationService(directory, trustAnchors) };
  // Every member lists the credential types used in the group (§7.2, §7.3).
  const capabilities = defaultCapabilities({ cipherSuites: [cs.suite.id], credentials: [CredentialType.basic, CredentialType.x509, TOKEN] });
  const client = async (user: string) => {
    const { publicKey, privateKey } = await cs.signatureGenerateKeyPair();
    directory.set(user, publicKey);
    const credential = { credentialType: TOKEN, body: utf8(user) };
    return { privateKey, ...(await createKeyPackage({ cs, credential, signaturePrivateKey: privateKey, capabilities })) };
  };
  const [alice, bob] = [await client("alice"), await client("bob")];

  const group = await createGroup({
    cs,
    leafNode: alice.keyPackage.leafNode,
    encryptionPrivateKey: alice.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: alice.privateKey,
    services,
  });
  // A KeyPackage is validated (its credential by TokenIdentityProvider) before it is added; members
  // receiving the Commit validate it again.
  const { keyPackage } = await validateKeyPackage(cs, bob.keyPackage, { identityProvider: services.identityProvider });
  const add = await createCommit(group, { proposals: [{ add: keyPackage }] });
  // Bob validates every leaf of the tree he joins.
  const bobState = await joinFromWelcome({
    cs,
    welcome: add.welcome!,
    keyPackage: bob.keyPackage,
    initPrivateKey: bob.privateKeys.initPrivateKey,
    encryptionPrivateKey: bob.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: bob.privateKey,
    services,
  });
  return { alice: mergePendingCommit(add.state), bob: bobState, directory, services, capabilities };
}
// #endregion readme-example

/*
 * The README's "Credentials: plugging a credential type" example is the code
 * above, verbatim: the first test fails if the two drift apart. The other
 * tests run it end to end, then put TOKEN, basic and X.509 members in one group.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { type GroupState, clearPendingCommit, createProposal, joinByExternalCommit, members, mergeStagedCommit, processMessage } from "@mlskit/group";
import { type GroupPki, basicClient, clientWith, expectCredentialRejection, leafSubject, makeGroupPki, snapshot, x509Client } from "./group-pki.fixture.js";

const README = fileURLToPath(new URL("../../../README.md", import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);

async function apply(state: GroupState, message: Uint8Array): Promise<GroupState> {
  const r = await processMessage(state, message);
  if (r.kind !== "commit") throw new Error(`expected a commit, got ${r.kind}`);
  return mergeStagedCommit(r.staged);
}

describe("README: plugging a credential type", () => {
  it("the README shows this file's example verbatim", () => {
    const source = readFileSync(THIS_FILE, "utf8");
    const region = /\/\/ #region readme-example\n([\s\S]*?)\/\/ #endregion readme-example/.exec(source)?.[1];
    const readme = readFileSync(README, "utf8");
    const block = /<!-- example: packages\/credential-x509\/src\/readme-example\.test\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(region, "region in the test").toBeDefined();
    expect(block, "example block in README.md").toBeDefined();
    expect(block!.trim()).toBe(region!.trim());
  });

  let cs: CipherSuiteProvider;
  let pki: GroupPki;
  beforeAll(async () => {
    cs = await nobleCryptoProvider().cipherSuite(1);
    pki = await makeGroupPki("Ed25519");
  });

  it("runs: a custom credential type end to end (KeyPackage, Welcome tree, Update, Commit path, external commit)", async () => {
    let { alice, bob, directory, services, capabilities } = await tokenGroup(cs, [pki.root.der]);
    expect(toHex(bob.keys.epochAuthenticator)).toBe(toHex(alice.keys.epochAuthenticator));
    expect(members(bob).map((m) => new TextDecoder().decode((m.leafNode.credential as { body: Uint8Array }).body))).toEqual(["alice", "bob"]);

    // Update proposal by Bob (same user), committed by Alice.
    const up = await createProposal(bob, { update: {} });
    alice = (await processMessage(alice, up.message)).state;
    const cu = await createCommit(alice);
    bob = await apply(up.state, cu.commit);
    alice = mergePendingCommit(cu.state);

    // External commit by Carol, a TOKEN user; Alice and Bob validate her leaf.
    const gi = await createCommit(alice, { forcePath: true, groupInfo: { externalPub: true } });
    alice = mergePendingCommit(gi.state);
    bob = await apply(bob, gi.commit);
    const carolKeys = await cs.signatureGenerateKeyPair();
    directory.set("carol", carolKeys.publicKey);
    const ext = await joinByExternalCommit({
      cs,
      groupInfo: gi.groupInfo!,
      credential: { credentialType: TOKEN, body: utf8("carol") },
      signaturePrivateKey: carolKeys.privateKey,
      signaturePublicKey: carolKeys.publicKey,
      capabilities,
      services,
    });
    [alice, bob] = [await apply(alice, ext.commit), await apply(bob, ext.commit)];
    expect(toHex(alice.keys.epochAuthenticator)).toBe(toHex(ext.state.keys.epochAuthenticator));

    // A TOKEN whose key is not on file: rejected at the KeyPackage and in a Commit adding it.
    const mallory = await clientWith(cs, "mallory", "good", () => ({ credentialType: TOKEN, body: utf8("mallory") }));
    const e = await validateKeyPackage(cs, mallory.keyPackage, { identityProvider: services.identityProvider }).catch((x: unknown) => x);
    expect(ValidationError.isInstance(e) && e.code).toBe("credential/token-rejected");
    directory.set("mallory", mallory.signaturePublicKey);
    const before = await snapshot(bob);
    const bad = await createCommit(alice, { proposals: [{ add: mallory.keyPackage }] });
    directory.delete("mallory"); // revoked before Bob processes the Commit
    const e2 = await processMessage(bob, bad.commit).catch((x: unknown) => x);
    expect(ValidationError.isInstance(e2) && e2.code).toBe("credential/token-rejected");
    expect(await snapshot(bob)).toEqual(before);
    const next = await createCommit(clearPendingCommit(bad.state), { forcePath: true });
    await apply(bob, next.commit);
  });

  it("a mixed group: TOKEN, basic and X.509 members; cross-type successors and bad credentials of each type rejected", async () => {
    let { alice, bob, directory, services } = await tokenGroup(cs, [pki.root.der]);
    // A basic member (directory) and an X.509 member join by Welcome.
    const [dave, erin] = await Promise.all([basicClient(cs, "dave"), x509Client(cs, pki, "Erin")]);
    directory.set("dave", dave.signaturePublicKey);
    const add = await createCommit(alice, { proposals: [{ add: dave.keyPackage }, { add: erin.keyPackage }] });
    alice = mergePendingCommit(add.state);
    bob = await apply(bob, add.commit);
    const join = (c: typeof dave) =>
      joinFromWelcome({
        cs,
        welcome: add.welcome!,
        keyPackage: c.keyPackage,
        initPrivateKey: c.kp.privateKeys.initPrivateKey,
        encryptionPrivateKey: c.kp.privateKeys.encryptionPrivateKey,
        signaturePrivateKey: c.signaturePrivateKey,
        services,
      });
    let [d, e] = [await join(dave), await join(erin)];
    expect(members(e).map((m) => m.leafNode.credential.credentialType)).toEqual([TOKEN, TOKEN, CredentialType.basic, CredentialType.x509]);

    // The X.509 member commits with a path: everyone (TOKEN, basic) validates her chain.
    const ce = await createCommit(e, { forcePath: true });
    e = mergePendingCommit(ce.state);
    [alice, bob, d] = [await apply(alice, ce.commit), await apply(bob, ce.commit), await apply(d, ce.commit)];
    for (const s of [alice, bob, d]) expect(toHex(s.keys.epochAuthenticator)).toBe(toHex(e.keys.epochAuthenticator));

    // Dave replaces his basic credential with a TOKEN of the same name: another type, rejected by default.
    const cross = await createCommit(d, { forcePath: true, leafNode: { credential: { credentialType: TOKEN, body: utf8("dave") } } });
    const x = await processMessage(alice, cross.commit).catch((err: unknown) => err);
    expect(ValidationError.isInstance(x) && x.code, String(x)).toBe("credential/invalid-successor");

    // Bad credentials of each type, at the KeyPackage: basic not in the directory, an expired X.509 chain.
    const stranger = await basicClient(cs, "stranger");
    const s = await validateKeyPackage(cs, stranger.keyPackage, { identityProvider: services.identityProvider }).catch((err: unknown) => err);
    expect(ValidationError.isInstance(s) && s.code).toBe("credential/unknown-identity");
    const expired = await x509Client(cs, pki, "Frank", "expired");
    await expectCredentialRejection(
      validateKeyPackage(cs, expired.keyPackage, { identityProvider: services.identityProvider }),
      "credential/x509-expired",
      leafSubject("Frank", "expired"),
    );
  });
});
