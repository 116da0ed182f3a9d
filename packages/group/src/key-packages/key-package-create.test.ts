import { describe, expect, it } from "vitest";
import { bytesEqual, decode, encode, utf8 } from "@mlskit/codec";
import { BasicIdentityProvider, UsageError, acceptAll, makeKeyPackageRef, verifyWithLabel } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { LeafNodeSource, encodeLeafNodeTbs, verifyLeafNodeSignature } from "@mlskit/ratchet-tree";
import { applicationIdCodec } from "../extensions/extensions.js";
import { isGrease } from "../extensions/grease.js";
import { DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS, KEY_PACKAGE_BACKDATE_SECONDS, LAST_RESORT_EXTENSION_TYPE, createKeyPackage } from "./key-package-create.js";
import { encodeKeyPackageTbs, keyPackageCodec, verifyKeyPackageSignature } from "./key-package.js";
import { validateKeyPackage } from "./key-package-validation.js";

const cs = await nobleCryptoProvider().cipherSuite(1);
const credential = { credentialType: 1, identity: utf8("alice") } as const;
const NOW = 1_700_000_000n;

async function expectUsage(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(UsageError.isInstance(e), String(e)).toBe(true);
  expect((e as UsageError).code).toBe(code);
}

describe("createKeyPackage (§10)", () => {
  it("signs the leaf (LeafNodeTBS, no group context) and the KeyPackage (KeyPackageTBS)", async () => {
    const sig = await cs.signatureGenerateKeyPair();
    const { keyPackage, encoded, reference, privateKeys } = await createKeyPackage({
      cs,
      credential,
      signaturePrivateKey: sig.privateKey,
      signaturePublicKey: sig.publicKey,
      now: NOW,
    });
    expect(keyPackage.version).toBe(1);
    expect(keyPackage.cipherSuite).toBe(1);
    expect(keyPackage.leafNode.leafNodeSource).toBe(LeafNodeSource.key_package);
    expect(keyPackage.leafNode.signatureKey).toEqual(sig.publicKey);
    expect(await verifyLeafNodeSignature(cs, keyPackage.leafNode)).toBe(true);
    expect(await verifyWithLabel(cs, sig.publicKey, "LeafNodeTBS", encodeLeafNodeTbs(keyPackage.leafNode), keyPackage.leafNode.signature)).toBe(true);
    expect(await verifyWithLabel(cs, sig.publicKey, "KeyPackageTBS", encodeKeyPackageTbs(keyPackage), keyPackage.signature)).toBe(true);
    expect(encoded).toEqual(encode(keyPackageCodec, keyPackage));
    expect(reference).toEqual(await makeKeyPackageRef(cs, encoded));
    expect(privateKeys.signaturePrivateKey).toBeUndefined();
    expect(keyPackage.leafNode.lifetime).toEqual({
      notBefore: NOW - BigInt(KEY_PACKAGE_BACKDATE_SECONDS),
      notAfter: NOW + BigInt(DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS),
    });
  });

  it("init_key and encryption_key are distinct, and the private keys open what is sealed to them", async () => {
    const { keyPackage, privateKeys } = await createKeyPackage({ cs, credential, now: NOW });
    expect(bytesEqual(keyPackage.initKey, keyPackage.leafNode.encryptionKey)).toBe(false);
    const info = utf8("info");
    const aad = new Uint8Array(0);
    const msg = utf8("hello");
    const ct1 = await cs.hpkeSeal(keyPackage.initKey, info, aad, msg);
    expect(await cs.hpkeOpen(ct1, privateKeys.initPrivateKey, info, aad)).toEqual(msg);
    const ct2 = await cs.hpkeSeal(keyPackage.leafNode.encryptionKey, info, aad, msg);
    expect(await cs.hpkeOpen(ct2, privateKeys.encryptionPrivateKey, info, aad)).toEqual(msg);
  });

  it("generates a signature key pair when none is given and returns its private key", async () => {
    const { keyPackage, privateKeys } = await createKeyPackage({ cs, credential, now: NOW });
    const sk = privateKeys.signaturePrivateKey!;
    expect(await cs.signaturePublicKey(sk)).toEqual(keyPackage.leafNode.signatureKey);
    expect(await verifyKeyPackageSignature(cs, keyPackage)).toBe(true);
  });

  it("private keys are redacted in JSON and strings, and can be wiped", async () => {
    const { privateKeys } = await createKeyPackage({ cs, credential, now: NOW });
    expect(JSON.stringify({ privateKeys })).toBe('{"privateKeys":{"redacted":"KeyPackagePrivateKeys"}}');
    expect(String(privateKeys)).toBe("KeyPackagePrivateKeys [redacted]");
    expect(Object.keys(privateKeys)).toEqual([]);
    privateKeys.wipe();
    expect(privateKeys.initPrivateKey.every((b) => b === 0)).toBe(true);
    expect(privateKeys.encryptionPrivateKey.every((b) => b === 0)).toBe(true);
    expect(privateKeys.signaturePrivateKey!.every((b) => b === 0)).toBe(true);
  });

  it("GREASE (default on) fills every §13.5 field, and lists the GREASE extension types (§10, §13.5)", async () => {
    for (let i = 0; i < 5; i++) {
      const { keyPackage } = await createKeyPackage({ cs, credential, now: NOW });
      const c = keyPackage.leafNode.capabilities;
      expect(c.versions).toEqual([1]);
      for (const list of [c.cipherSuites, c.extensions, c.proposals, c.credentials]) expect(list.some(isGrease)).toBe(true);
      expect(c.cipherSuites.filter((v) => !isGrease(v))).toEqual([1]);
      expect(c.credentials.filter((v) => !isGrease(v))).toEqual([1]);
      const leafGrease = keyPackage.leafNode.extensions.filter((e) => isGrease(e.extensionType));
      const kpGrease = keyPackage.extensions.filter((e) => isGrease(e.extensionType));
      expect(leafGrease).toHaveLength(1);
      expect(kpGrease).toHaveLength(1);
      expect(c.extensions).toContain(leafGrease[0]!.extensionType);
      expect(c.extensions).toContain(kpGrease[0]!.extensionType);
      expect(leafGrease[0]!.extensionType).not.toBe(kpGrease[0]!.extensionType);
    }
  });

  it("grease: false adds none; per-field settings are honoured", async () => {
    const { keyPackage } = await createKeyPackage({ cs, credential, now: NOW, grease: false });
    expect(keyPackage.leafNode.capabilities).toEqual({ versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] });
    expect(keyPackage.leafNode.extensions).toEqual([]);
    expect(keyPackage.extensions).toEqual([]);
    const partial = await createKeyPackage({ cs, credential, now: NOW, grease: { capabilities: false, keyPackageExtensions: false } });
    const c = partial.keyPackage.leafNode.capabilities;
    expect(c.cipherSuites).toEqual([1]);
    expect(partial.keyPackage.extensions).toEqual([]);
    expect(partial.keyPackage.leafNode.extensions).toHaveLength(1);
    expect(c.extensions).toEqual([partial.keyPackage.leafNode.extensions[0]!.extensionType]);
  });

  it("adds last_resort (0x000A) and application_id on request, listing only the non-default type", async () => {
    const appId = utf8("device-42");
    const { keyPackage } = await createKeyPackage({ cs, credential, now: NOW, grease: false, lastResort: true, applicationId: appId });
    expect(keyPackage.extensions).toEqual([{ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array(0) }]);
    expect(keyPackage.leafNode.extensions).toHaveLength(1);
    expect(keyPackage.leafNode.extensions[0]!.extensionType).toBe(1);
    expect(decode(applicationIdCodec, keyPackage.leafNode.extensions[0]!.extensionData)).toEqual(appId);
    expect(keyPackage.leafNode.capabilities.extensions).toEqual([LAST_RESORT_EXTENSION_TYPE]);
    const idp = new BasicIdentityProvider({ policy: acceptAll });
    await expect(validateKeyPackage(cs, keyPackage, { identityProvider: idp, lifetime: { now: NOW } })).resolves.toBeDefined();
  });

  it("honours an explicit lifetime, application extensions and capabilities", async () => {
    const lifetime = { notBefore: 10n, notAfter: 20n };
    const ext = { extensionType: 0xff00, extensionData: utf8("x") };
    const capabilities = { versions: [1], cipherSuites: [1, 3], extensions: [0xff00, 0xff01], proposals: [0xff02], credentials: [1, 2] };
    const { keyPackage } = await createKeyPackage({ cs, credential, lifetime, extensions: [ext], leafNodeExtensions: [ext], capabilities, grease: false });
    expect(keyPackage.leafNode.lifetime).toEqual(lifetime);
    expect(keyPackage.extensions).toEqual([ext]);
    expect(keyPackage.leafNode.extensions).toEqual([ext]);
    expect(keyPackage.leafNode.capabilities).toEqual(capabilities);
  });

  it("rejects inconsistent options with UsageError", async () => {
    const sig = await cs.signatureGenerateKeyPair();
    const other = await cs.signatureGenerateKeyPair();
    const base = { cs, credential, now: NOW };
    await expectUsage(createKeyPackage({ ...base, cipherSuite: 2 }), "key-package/cipher-suite-mismatch");
    await expectUsage(createKeyPackage({ ...base, signaturePrivateKey: sig.privateKey, signaturePublicKey: other.publicKey }), "key-package/signature-key");
    await expectUsage(createKeyPackage({ ...base, signaturePublicKey: sig.publicKey }), "key-package/signature-key");
    const caps = { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] };
    await expectUsage(createKeyPackage({ ...base, capabilities: { ...caps, versions: [] } }), "key-package/capabilities-incomplete");
    await expectUsage(createKeyPackage({ ...base, capabilities: { ...caps, cipherSuites: [2] } }), "key-package/capabilities-incomplete");
    await expectUsage(createKeyPackage({ ...base, capabilities: { ...caps, credentials: [2] } }), "key-package/capabilities-incomplete");
    await expectUsage(createKeyPackage({ ...base, capabilities: caps, lastResort: true }), "key-package/capabilities-incomplete");
    const e = { extensionType: 0xff00, extensionData: new Uint8Array(0) };
    await expectUsage(createKeyPackage({ ...base, extensions: [e, e] }), "key-package/duplicate-extension");
    await expectUsage(createKeyPackage({ ...base, lifetime: { notBefore: 2n, notAfter: 1n } }), "key-package/lifetime");
  });
});
