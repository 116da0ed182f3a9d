import "reflect-metadata/lite"; // before @peculiar/x509, which needs it
import { describe, expect, it } from "vitest";
import { KeyUsageFlags } from "@peculiar/x509";
import { CipherSuite, ValidationError } from "@mlskit/core";
import { type RevocationQuery, X509CredentialError, X509IdentityProvider } from "./index.js";
import { generateKeys, issue, makeChain, mlsPublicKey } from "./pki.fixture.js";
import { expectRejection, flipByte, indexOfAscii, inputFor } from "./test-helpers.fixture.js";

const DAY = 86_400_000;

describe.each(["Ed25519", "P-256"] as const)("%s chains are rejected", (alg) => {
  it("expired leaf or intermediate → credential/x509-expired, naming the certificate", async () => {
    const past = { notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) };
    const leafExpired = await makeChain(alg, { leaf: past });
    const e = await expectRejection(new X509IdentityProvider({ trustAnchors: [leafExpired.root.der] }).validateCredential(inputFor(leafExpired)), "credential/x509-expired", 0);
    expect(e.subject).toBe(leafExpired.leaf.cert.subject);
    expect(e.message).toMatch(/certificate 0 \(CN=Alice, O=mlskit\): expired at/);
    expect(ValidationError.isInstance(e)).toBe(true);

    const interExpired = await makeChain(alg, { intermediate: past });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [interExpired.root.der] }).validateCredential(inputFor(interExpired)), "credential/x509-expired", 1);

    const root = await issue({ alg, subject: "CN=Expired Root", ca: true, ...past });
    const rootExpired = await makeChain(alg, { root, intermediate: { notBefore: past.notBefore } });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [root.der] }).validateCredential(inputFor(rootExpired)), "credential/x509-expired", "anchor");
  });

  it("not yet valid → credential/x509-not-yet-valid", async () => {
    const chain = await makeChain(alg, { leaf: { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 10 * DAY) } });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor(chain)), "credential/x509-not-yet-valid", 0);
  });

  it("chain to another root → credential/x509-untrusted-root", async () => {
    const chain = await makeChain(alg);
    const otherRoot = await issue({ alg, subject: "CN=Other Root", ca: true });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [otherRoot.der] }).validateCredential(inputFor(chain)), "credential/x509-untrusted-root", 1);
    // A self-signed root presented in the chain does not make itself trusted.
    await expectRejection(
      new X509IdentityProvider({ trustAnchors: [otherRoot.der] }).validateCredential(inputFor({ ...chain, certificates: [...chain.certificates, chain.root.der] })),
      "credential/x509-untrusted-root",
      2,
    );
  });

  it("a root impersonating the trusted root's name → credential/x509-bad-signature", async () => {
    const trusted = await issue({ alg, subject: "CN=Test Root CA, O=mlskit", ca: true });
    const impostorChain = await makeChain(alg); // its own root has the same name, another key
    await expectRejection(new X509IdentityProvider({ trustAnchors: [trusted.der] }).validateCredential(inputFor(impostorChain)), "credential/x509-bad-signature", 1);
  });

  it("leaf key ≠ MLS signature key → credential/x509-key-mismatch", async () => {
    const chain = await makeChain(alg);
    const other = await mlsPublicKey(await generateKeys(alg));
    await expectRejection(
      new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor(chain, { signaturePublicKey: other })),
      "credential/x509-key-mismatch",
      0,
    );
  });

  it("leaf key of another scheme than the cipher suite's → credential/x509-key-algorithm", async () => {
    const chain = await makeChain(alg);
    const suite = alg === "Ed25519" ? CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256 : CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    await expectRejection(
      new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor(chain, { cipherSuite: suite })),
      "credential/x509-key-algorithm",
      0,
    );
  });

  it("tampered certificate bytes → credential/x509-bad-signature", async () => {
    const chain = await makeChain(alg);
    const provider = new X509IdentityProvider({ trustAnchors: [chain.root.der] });
    // The last byte of the signature value.
    const badSig = flipByte(chain.leaf.der, -1);
    await expectRejection(provider.validateCredential(inputFor({ ...chain, certificates: [badSig, chain.intermediate.der] })), "credential/x509-bad-signature", 0);
    // A byte of the signed TBS: the subject's CN "Alice" becomes "Alicd".
    const badTbs = flipByte(chain.leaf.der, indexOfAscii(chain.leaf.der, "Alice") + 4);
    await expectRejection(provider.validateCredential(inputFor({ ...chain, certificates: [badTbs, chain.intermediate.der] })), "credential/x509-bad-signature", 0);
    // The intermediate's signature, checked against the trust anchor.
    const badInter = flipByte(chain.intermediate.der, -1);
    await expectRejection(provider.validateCredential(inputFor({ ...chain, certificates: [chain.leaf.der, badInter] })), "credential/x509-bad-signature", 1);
  });

  it("revoked (by the application's CRL) → credential/x509-revoked", async () => {
    const { X509CrlGenerator } = await import("@peculiar/x509");
    const chain = await makeChain(alg);
    const crl = await X509CrlGenerator.create({
      issuer: chain.intermediate.cert.subjectName,
      signingAlgorithm: alg === "Ed25519" ? { name: "Ed25519" } : ({ name: "ECDSA", hash: "SHA-256" } as Algorithm),
      signingKey: chain.intermediate.keys.privateKey,
      entries: [{ serialNumber: chain.leaf.cert.serialNumber, revocationDate: new Date() }],
      // (@peculiar/x509 2.2 does not read back the entries of a CRL without nextUpdate.)
      nextUpdate: new Date(Date.now() + DAY),
    });
    const queries: { subject: string; index: number; query: RevocationQuery }[] = [];
    const provider = new X509IdentityProvider({
      trustAnchors: [chain.root.der],
      revocation: (cert, index, query) => {
        queries.push({ subject: cert.subject, index, query });
        return crl.findRevoked(cert) ? "revoked" : "good";
      },
    });
    await expectRejection(provider.validateCredential(inputFor(chain)), "credential/x509-revoked", 0);
    // Asked about the leaf and the intermediate (not the anchor), each with its issuer.
    expect(queries.map((q) => [q.index, q.subject, q.query.issuer.subject])).toEqual([
      [0, chain.leaf.cert.subject, chain.intermediate.cert.subject],
      [1, chain.intermediate.cert.subject, chain.root.cert.subject],
    ]);
  });

  it("revocation status unknown: accepted (fail open) unless configured to fail closed", async () => {
    const chain = await makeChain(alg);
    await new X509IdentityProvider({ trustAnchors: [chain.root.der], revocation: () => "unknown" }).validateCredential(inputFor(chain));
    await expectRejection(
      new X509IdentityProvider({ trustAnchors: [chain.root.der], revocation: async () => "unknown" as const, failOnUnknownRevocation: true }).validateCredential(inputFor(chain)),
      "credential/x509-revocation-unknown",
      0,
    );
  });

  it("leaf keyUsage without digitalSignature → credential/x509-key-usage", async () => {
    const chain = await makeChain(alg, { leaf: { keyUsage: KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement } });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor(chain)), "credential/x509-key-usage", 0);
  });

  it("issuer constraints: not a CA, keyUsage without keyCertSign, pathLenConstraint exceeded", async () => {
    const notCa = await makeChain(alg, { intermediate: { ca: false, keyUsage: null } });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [notCa.root.der] }).validateCredential(inputFor(notCa)), "credential/x509-not-ca", 1);

    const noCertSign = await makeChain(alg, { intermediate: { keyUsage: KeyUsageFlags.digitalSignature } });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [noCertSign.root.der] }).validateCredential(inputFor(noCertSign)), "credential/x509-key-usage", 1);

    const strictRoot = await issue({ alg, subject: "CN=Strict Root", ca: true, pathLength: 0 });
    const tooLong = await makeChain(alg, { root: strictRoot });
    await expectRejection(new X509IdentityProvider({ trustAnchors: [strictRoot.der] }).validateCredential(inputFor(tooLong)), "credential/x509-path-length", "anchor");
  });

  it("certificates out of order → credential/x509-issuer-mismatch", async () => {
    const chain = await makeChain(alg);
    await expectRejection(
      new X509IdentityProvider({ trustAnchors: [chain.root.der] }).validateCredential(inputFor({ ...chain, certificates: [chain.leaf.der, chain.root.der] })),
      "credential/x509-issuer-mismatch",
      0,
    );
  });
});

describe("rejections are typed", () => {
  it("X509CredentialError is a ValidationError, recognised by marker", () => {
    const e = new X509CredentialError("credential/x509-revoked", "5.3.2", "revoked", { chainIndex: 1, subject: "CN=x" });
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(X509CredentialError.isInstance(e)).toBe(true);
    expect(X509CredentialError.isInstance(new ValidationError("credential/x", "5.3.1", "no"))).toBe(false);
    expect(e.message).toBe("certificate 1 (CN=x): revoked (RFC 9420 §5.3.2)");
  });
});
