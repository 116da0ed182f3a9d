/**
 * End to end: clients register with a real Authentication Service through
 * `@mlskit/ds-client`'s functions, form a group with the issued X.509
 * credentials and validate each other through `authorityIdentityProvider`.
 */
import { X509CredentialError, X509IdentityProvider } from "@mlskit/credential-x509";
import { utf8 } from "@mlskit/codec";
import { CipherSuite, Client, CredentialType } from "@mlskit/mls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "./x509-runtime.js";
import { authorityIdentityProvider, fetchTrustAnchors, registerWithAuthority } from "../../../packages/ds-client/src/authentication/index.js";
import { ADMIN_TOKEN, type RunningService, startService } from "./service.fixture.js";

let as: RunningService;
let otherAs: RunningService;

beforeAll(async () => {
  as = await startService();
  otherAs = await startService({ caName: "Some Other CA" });
});
afterAll(async () => {
  await as?.close();
  await otherAs?.close();
});

const text = new TextDecoder();

describe("registration through @mlskit/ds-client against the real service", () => {
  it("two registered clients form a group and validate each other; a foreign CA's client is rejected", async () => {
    const anchors = await fetchTrustAnchors(as.url);
    expect(anchors).toHaveLength(1);

    const alice = await registerWithAuthority({ asUrl: as.url, clientId: "alice.laptop", registrationToken: ADMIN_TOKEN });
    const bob = await registerWithAuthority({ asUrl: as.url, clientId: "bob@phone", registrationToken: ADMIN_TOKEN });
    expect(alice.credential.credentialType).toBe(CredentialType.x509);
    expect(alice.certificateChain).toHaveLength(2);

    // The leaf certifies the client's key and names its id; the chain ends with the issuing CA.
    const leaf = new X509Certificate(new Uint8Array(alice.certificateChain[0]!));
    expect(leaf.subjectName.getField("CN")).toEqual(["alice.laptop"]);
    expect(new X509Certificate(new Uint8Array(alice.certificateChain[1]!)).issuer).toBe(new X509Certificate(new Uint8Array(anchors[0]!)).subject);

    const aliceClient = await Client.create({ credential: alice.credential, signatureKeyPair: alice.signatureKeyPair, identityProvider: authorityIdentityProvider(anchors) });
    const bobClient = await Client.create({ credential: bob.credential, signatureKeyPair: bob.signatureKeyPair, identityProvider: authorityIdentityProvider(anchors) });

    const group = await aliceClient.createGroup();
    const { welcome } = await group.addMembers([(await bobClient.createKeyPackage()).keyPackage]);
    await group.confirmPendingCommit();
    const bobsGroup = await bobClient.joinFromWelcome(welcome!);

    const identities = (await bobsGroup.members()).map((m) => text.decode(m.identity)).sort();
    expect(identities).toEqual(["alice.laptop", "bob@phone"]);
    const received = await bobsGroup.processIncoming(await group.encrypt("hello bob"));
    expect(received.kind).toBe("application");
    expect(text.decode((received as { data: Uint8Array }).data)).toBe("hello bob");

    // Carol's certificate comes from another CA: alice's provider refuses her.
    const carol = await registerWithAuthority({ asUrl: otherAs.url, clientId: "carol", registrationToken: ADMIN_TOKEN });
    const carolClient = await Client.create({
      credential: carol.credential,
      signatureKeyPair: carol.signatureKeyPair,
      identityProvider: authorityIdentityProvider(await fetchTrustAnchors(otherAs.url)),
    });
    const provider = authorityIdentityProvider(anchors);
    const refusal = await provider
      .validateCredential({
        credential: carol.credential,
        signaturePublicKey: carol.signatureKeyPair.publicKey,
        cipherSuite: CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
        context: { event: "key-package" },
      })
      .catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(X509CredentialError);
    expect((refusal as X509CredentialError).code).toBe("credential/x509-untrusted-root");
    await expect(group.addMembers([(await carolClient.createKeyPackage()).keyPackage])).rejects.toThrow();
  });

  it("issues ECDSA P-256 credentials for suite 0x0002, and renews with the same key", async () => {
    const anchors = await fetchTrustAnchors(as.url);
    const cipherSuite = CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
    const dave = await registerWithAuthority({ asUrl: as.url, clientId: "dave", registrationToken: ADMIN_TOKEN, cipherSuite });
    const again = await registerWithAuthority({ asUrl: as.url, clientId: "dave", registrationToken: ADMIN_TOKEN, cipherSuite, signatureKeyPair: dave.signatureKeyPair });
    expect(again.certificateChain[0]).not.toEqual(dave.certificateChain[0]);
    const validated = await new X509IdentityProvider({ trustAnchors: anchors }).validateCredential({
      credential: again.credential,
      signaturePublicKey: dave.signatureKeyPair.publicKey,
      cipherSuite,
      context: { event: "key-package" },
    });
    expect(validated.identity).toEqual(utf8("dave"));
    expect(as.store.listIssued().filter((i) => i.clientId === "dave")).toHaveLength(2);
  });

  it.each([
    ["Ed25519", CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519],
    ["ECDSA P-256", CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256],
    ["Ed448", CipherSuite.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448],
    ["ECDSA P-384", CipherSuite.MLS_256_DHKEMP384_AES256GCM_SHA384_P384],
    ["ECDSA P-521", CipherSuite.MLS_256_DHKEMP521_AES256GCM_SHA512_P521],
  ])("certifies %s keys (suite %i) as the identity provider expects", async (_name, cipherSuite) => {
    const clientId = `scheme-${cipherSuite}`;
    const r = await registerWithAuthority({ asUrl: as.url, clientId, registrationToken: ADMIN_TOKEN, cipherSuite });
    const validated = await authorityIdentityProvider(await fetchTrustAnchors(as.url)).validateCredential({
      credential: r.credential,
      signaturePublicKey: r.signatureKeyPair.publicKey,
      cipherSuite,
      context: { event: "key-package" },
    });
    expect(text.decode(validated.identity)).toBe(clientId);
    expect(validated.validUntil.getTime()).toBeGreaterThan(Date.now() + 89 * 86_400_000);
  });

  it("the longest client id (128 characters) is the identity the provider reads", async () => {
    const clientId = `${"a".repeat(100)}@example.com.${"b".repeat(15)}`;
    expect(clientId).toHaveLength(128);
    const eve = await registerWithAuthority({ asUrl: as.url, clientId, registrationToken: ADMIN_TOKEN });
    const validated = await authorityIdentityProvider(await fetchTrustAnchors(as.url)).validateCredential({
      credential: eve.credential,
      signaturePublicKey: eve.signatureKeyPair.publicKey,
      cipherSuite: CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
      context: { event: "key-package" },
    });
    expect(text.decode(validated.identity)).toBe(clientId);
  });
});
