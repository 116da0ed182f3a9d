import { describe, expect, it } from "vitest";
import { utf8 } from "@mlskit/codec";
import { type Credential, CredentialType, ValidationError } from "@mlskit/core";
import { X509IdentityProvider } from "./index.js";
import { type KeyAlg, issue, makeChain } from "./pki.fixture.js";
import { expectRejection, inputFor } from "./test-helpers.fixture.js";

const ALICE_URI = "mls://example.com/alice";
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const x509 = (certificates: Uint8Array[]): Credential => ({ credentialType: CredentialType.x509, certificates });

describe.each<KeyAlg>(["Ed25519", "P-256", "P-384", "P-521", "Ed448"])("valid %s chain", (alg) => {
  it("is accepted with the leaf's URI SAN as identity", async () => {
    const chain = await makeChain(alg);
    const provider = new X509IdentityProvider({ trustAnchors: [chain.root.der] });
    const input = inputFor(chain);
    const before = chain.certificates.map((c) => c.slice());

    const v = await provider.validateCredential(input);
    expect(text(v.identity)).toBe(ALICE_URI);
    expect(v.credentialType).toBe(CredentialType.x509);
    expect(v.certificates.map((c) => c.subject)).toEqual([chain.leaf.cert.subject, chain.intermediate.cert.subject]);
    expect(v.trustAnchor.subject).toBe(chain.root.cert.subject);
    expect(v.validUntil.getTime()).toBe(Math.min(chain.leaf.cert.notAfter.getTime(), chain.intermediate.cert.notAfter.getTime(), chain.root.cert.notAfter.getTime()));
    expect(v.subjectAltNames).toEqual([
      { type: "email", value: "alice@example.com" },
      { type: "uri", value: ALICE_URI },
    ]);
    expect(await provider.identity(input.credential)).toEqual(v.identity);
    // Inputs are not mutated.
    expect(chain.certificates).toEqual(before);

    const ext = await provider.validateExternalSender({ ...input, context: { event: "external-sender" } });
    expect(ext.identity).toEqual(v.identity);
  });
});

describe("X509IdentityProvider chain shapes", () => {
  it("accepts issuers of other algorithms than the leaf (RSA and P-384 CAs)", async () => {
    const rsa = await makeChain("RSA", { leafAlg: "P-256" });
    const rsaProvider = new X509IdentityProvider({ trustAnchors: [rsa.root.der] });
    expect(text((await rsaProvider.validateCredential(inputFor(rsa))).identity)).toBe(ALICE_URI);

    const mixed = await makeChain("P-384", { leafAlg: "Ed25519" });
    const mixedProvider = new X509IdentityProvider({ trustAnchors: [mixed.root.der] });
    expect(text((await mixedProvider.validateCredential(inputFor(mixed))).identity)).toBe(ALICE_URI);
  });

  it("accepts a chain that includes the trust anchor itself", async () => {
    const chain = await makeChain("Ed25519");
    const provider = new X509IdentityProvider({ trustAnchors: [chain.root.der] });
    const v = await provider.validateCredential(inputFor({ ...chain, certificates: [...chain.certificates, chain.root.der] }));
    expect(v.certificates).toHaveLength(3);
    expect(v.trustAnchor.subject).toBe(chain.root.cert.subject);
  });

  it("completes a chain that omits an intermediate from configured intermediates (RFC 9420 §5.3)", async () => {
    const chain = await makeChain("P-256");
    const leafOnly = { ...chain, certificates: [chain.leaf.der] };
    await expectRejection(new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor(leafOnly)), "credential/x509-untrusted-root", 0);
    const provider = new X509IdentityProvider({ trustAnchors: [chain.root.der], intermediates: [chain.intermediate.der] });
    const v = await provider.validateCredential(inputFor(leafOnly));
    expect(v.certificates.map((c) => c.subject)).toEqual([chain.leaf.cert.subject, chain.intermediate.cert.subject]);
  });

  it("accepts a leaf pinned as a trust anchor, and PEM trust anchors", async () => {
    const chain = await makeChain("Ed25519");
    const pinned = new X509IdentityProvider({ trustAnchors: [chain.leaf.der] });
    await pinned.validateCredential(inputFor({ ...chain, certificates: [chain.leaf.der] }));
    const pem = new X509IdentityProvider({ trustAnchors: [chain.root.cert.toString("pem")] });
    await pem.validateCredential(inputFor(chain));
  });

  it("accepts a leaf without keyUsage (any use allowed)", async () => {
    const chain = await makeChain("Ed25519", { leaf: { keyUsage: null } });
    await new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor(chain));
  });

  it("checks validity at the context's time, given as a Date or epoch seconds", async () => {
    const now = Date.now();
    const chain = await makeChain("Ed25519", {
      leaf: { notBefore: new Date(now - 10 * 86_400_000), notAfter: new Date(now - 5 * 86_400_000) },
      intermediate: { notBefore: new Date(now - 20 * 86_400_000) },
      root: await issue({ alg: "Ed25519", subject: "CN=Old Root", ca: true, notBefore: new Date(now - 30 * 86_400_000) }),
    });
    const provider = new X509IdentityProvider({ trustAnchors: [chain.root.der] });
    await expectRejection(provider.validateCredential(inputFor(chain)), "credential/x509-expired", 0);
    const then = new Date(now - 7 * 86_400_000);
    await provider.validateCredential(inputFor(chain, { context: { event: "update", time: then } }));
    await provider.validateCredential(inputFor(chain, { context: { event: "update", time: Math.floor(then.getTime() / 1000) } }));
  });

  it("tolerates expiry only at the events the application lists (RFC 9420 §5.3.2)", async () => {
    const chain = await makeChain("Ed25519", { leaf: { notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) } });
    const provider = new X509IdentityProvider({ trustAnchors: [chain.root.der], tolerateExpiredIn: ["welcome-tree"] });
    await provider.validateCredential(inputFor(chain, { context: { event: "welcome-tree" } }));
    await expectRejection(provider.validateCredential(inputFor(chain, { context: { event: "update" } })), "credential/x509-expired", 0);
  });

  it("accepts a critical extension only when the application says it enforces it", async () => {
    const { Extension } = await import("@peculiar/x509");
    // A critical extension of a private OID, with an empty SEQUENCE as value.
    const privateExt = new Extension("1.3.6.1.4.1.99999.1", true, new Uint8Array([0x30, 0x00]));
    const chain = await makeChain("Ed25519", { leaf: { extraExtensions: [privateExt] } });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor(chain)), "credential/x509-unhandled-critical-extension", 0);
    await new X509IdentityProvider({ trustAnchors: [chain.root.der], acceptedCriticalExtensions: ["1.3.6.1.4.1.99999.1"] }).validateCredential(inputFor(chain));
  });
});

describe("identity rules", () => {
  it("reads the configured subjectAltName type, the CN, or a custom function", async () => {
    const chain = await makeChain("Ed25519");
    const anchors = [chain.root.der];
    const cred = x509(chain.certificates);
    expect(text(await new X509IdentityProvider({ trustAnchors: anchors, identity: "email" }).identity(cred))).toBe("alice@example.com");
    expect(text(await new X509IdentityProvider({ trustAnchors: anchors, identity: "common-name" }).identity(cred))).toBe("Alice");
    const custom = new X509IdentityProvider({ trustAnchors: anchors, identity: (leaf, sans) => `${leaf.serialNumber}:${sans.length}` });
    expect(text(await custom.identity(cred))).toBe(`${chain.leaf.cert.serialNumber}:2`);
    await expectRejection(new X509IdentityProvider({ trustAnchors: anchors, identity: "dns" }).identity(cred), "credential/x509-no-identity", 0);
    await expectRejection(new X509IdentityProvider({ trustAnchors: anchors, identity: "dns" }).validateCredential(inputFor(chain)), "credential/x509-no-identity", 0);
  });

  it("falls back to the subject CN when the leaf has no URI SAN", async () => {
    const chain = await makeChain("P-256", { leaf: { subject: "CN=bob@example.com", sans: [{ type: "dns", value: "bob.example.com" }] } });
    const v = await new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor(chain));
    expect(text(v.identity)).toBe("bob@example.com");
  });
});

describe("successor (RFC 9420 §5.3.1)", () => {
  it("requires the same identity by default, and applies the application's rule when given", async () => {
    const chain = await makeChain("Ed25519");
    const renewed = await issue({ alg: "Ed25519", subject: "CN=Alice (renewed)", issuer: chain.intermediate, sans: [{ type: "url", value: ALICE_URI }] });
    const bob = await issue({ alg: "Ed25519", subject: "CN=Bob", issuer: chain.intermediate, sans: [{ type: "url", value: "mls://example.com/bob" }] });
    const provider = new X509IdentityProvider({ trustAnchors: [chain.root.der] });
    const alice = x509(chain.certificates);
    expect(await provider.validSuccessor(alice, x509([renewed.der, chain.intermediate.der]))).toBe(true);
    expect(await provider.validSuccessor(alice, x509([bob.der, chain.intermediate.der]))).toBe(false);
    // Not an X.509 credential, or no readable leaf: not a successor.
    expect(await provider.validSuccessor(alice, { credentialType: CredentialType.basic, identity: utf8(ALICE_URI) })).toBe(false);
    expect(await provider.validSuccessor(alice, x509([new Uint8Array([1, 2, 3])]))).toBe(false);

    const sameDomain = new X509IdentityProvider({
      trustAnchors: [chain.root.der],
      successor: (a, b) => text(a).split("/")[2] === text(b).split("/")[2],
    });
    expect(await sameDomain.validSuccessor(alice, x509([bob.der, chain.intermediate.der]))).toBe(true);
  });
});

describe("X509IdentityProvider configuration and input errors", () => {
  it("rejects other credential types, empty chains, malformed DER and unknown cipher suites", async () => {
    const chain = await makeChain("Ed25519");
    const provider = new X509IdentityProvider({ trustAnchors: [chain.root.der] });
    expect(provider.supportedCredentialTypes()).toEqual([CredentialType.x509]);

    const basic = provider.validateCredential(inputFor(chain, { credential: { credentialType: CredentialType.basic, identity: utf8("x") } }));
    await expect(basic).rejects.toSatisfy((e: unknown) => ValidationError.isInstance(e) && e.code === "credential/unsupported-type");
    await expectRejection(provider.validateCredential(inputFor({ ...chain, certificates: [] })), "credential/x509-empty-chain");
    await expectRejection(provider.validateCredential(inputFor({ ...chain, certificates: [new Uint8Array([0x30, 0x03, 1, 2])] })), "credential/x509-malformed", 0);
    await expectRejection(provider.validateCredential(inputFor({ ...chain, certificates: [chain.leaf.der, chain.leaf.der.subarray(0, 40)] })), "credential/x509-malformed", 1);
    await expectRejection(provider.validateCredential(inputFor(chain, { cipherSuite: 0xf0f0 })), "credential/x509-unsupported-cipher-suite");
  });

  it("refuses a configuration without valid trust anchors", () => {
    expect(() => new X509IdentityProvider({ trustAnchors: [] })).toThrow(/trust anchor/);
    expect(() => new X509IdentityProvider({ trustAnchors: [new Uint8Array([1, 2, 3])] })).toThrow(/trustAnchors\[0\]/);
  });

  it("uses the injected WebCrypto", async () => {
    const chain = await makeChain("P-256");
    let calls = 0;
    const counting: Crypto = {
      getRandomValues: (a) => crypto.getRandomValues(a),
      randomUUID: () => crypto.randomUUID(),
      subtle: new Proxy(crypto.subtle, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target) as unknown;
          if (typeof v !== "function") return v;
          return (...args: unknown[]) => {
            calls++;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }),
    };
    await new X509IdentityProvider({ trustAnchors: [chain.root.der], crypto: counting }).validateCredential(inputFor(chain));
    expect(calls).toBeGreaterThanOrEqual(2); // one import + verify per link at least
  });
});
