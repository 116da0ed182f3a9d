/**
 * Groups whose members hold X.509 credentials (test-only, excluded from the
 * build): a PKI generated at run time, members whose certificates are good or
 * broken in one chosen way, a strict Authentication Service for the honest
 * members, and a lax one for the peer that lets a bad credential through.
 */
import "reflect-metadata/lite"; // before @peculiar/x509, which needs it
import { expect } from "vitest";
import { toHex, utf8 } from "@mlskit/codec";
import {
  BasicIdentityProvider,
  type CipherSuiteProvider,
  CompositeIdentityProvider,
  type Credential,
  type CredentialTypeId,
  CredentialType,
  type IdentityProvider,
  type ValidatedIdentity,
  ValidationError,
  acceptAll,
} from "@mlskit/core";
import {
  type CreatedKeyPackage,
  type GroupServices,
  type GroupState,
  type ValidatedKeyPackage,
  createGroup,
  createKeyPackage,
  defaultCapabilities,
  joinFromWelcome,
} from "@mlskit/group";
import { X509CredentialError, type X509ErrorCode, X509IdentityProvider, type X509IdentityProviderOptions } from "./index.js";
import { type Issued, type KeyAlg, issue } from "./pki.fixture.js";
import { flipByte } from "./test-helpers.fixture.js";

const DAY = 86_400_000;

/** A credential type of the test application's own (a JSON token), next to basic and X.509. */
export const TOKEN_TYPE = 0xf001;
/** Every member supports basic, X.509 and the token type, so the three can share a group (§7.3). */
export const CREDENTIAL_TYPES: readonly CredentialTypeId[] = [CredentialType.basic, CredentialType.x509, TOKEN_TYPE];

/** The ways a chain is broken in these tests, and the rejection each must cause. */
export const FAILURES = {
  expired: "credential/x509-expired",
  "not-yet-valid": "credential/x509-not-yet-valid",
  "wrong-root": "credential/x509-untrusted-root",
  "wrong-key": "credential/x509-key-mismatch",
  "bad-signature": "credential/x509-bad-signature",
  revoked: "credential/x509-revoked",
} as const satisfies Record<string, X509ErrorCode>;
export type Failure = keyof typeof FAILURES;
export type CredentialKind = "good" | Failure;

/** A PKI: a trusted root and intermediate, a rogue root and intermediate, and a revocation list. */
export interface GroupPki {
  readonly alg: KeyAlg;
  readonly root: Issued;
  readonly intermediate: Issued;
  readonly rogueIntermediate: Issued;
  /** Serial numbers (hex) the CA revoked. */
  readonly revoked: Set<string>;
}

export async function makeGroupPki(alg: KeyAlg): Promise<GroupPki> {
  const root = await issue({ alg, subject: "CN=Group Root CA, O=mlskit", ca: true });
  const intermediate = await issue({ alg, subject: "CN=Group Issuing CA, O=mlskit", ca: true, pathLength: 0, issuer: root });
  const rogueRoot = await issue({ alg, subject: "CN=Rogue Root CA, O=elsewhere", ca: true });
  const rogueIntermediate = await issue({ alg, subject: "CN=Rogue Issuing CA, O=elsewhere", ca: true, pathLength: 0, issuer: rogueRoot });
  return { alg, root, intermediate, rogueIntermediate, revoked: new Set() };
}

const WEBCRYPTO_ALG: Record<KeyAlg, Algorithm | EcKeyImportParams> = {
  Ed25519: { name: "Ed25519" },
  Ed448: { name: "Ed448" },
  "P-256": { name: "ECDSA", namedCurve: "P-256" },
  "P-384": { name: "ECDSA", namedCurve: "P-384" },
  "P-521": { name: "ECDSA", namedCurve: "P-521" },
};

/** An MLS signature public key (raw Ed25519 key, uncompressed EC point) as a WebCrypto key pair a certificate can name. */
async function asCertificateKeys(alg: KeyAlg, signaturePublicKey: Uint8Array): Promise<CryptoKeyPair> {
  const publicKey = await crypto.subtle.importKey("raw", new Uint8Array(signaturePublicKey), WEBCRYPTO_ALG[alg], true, ["verify"]);
  // A leaf certificate never signs: its private key is not needed.
  return { publicKey, privateKey: undefined as unknown as CryptoKey };
}

/** The subject CN of a member's leaf certificate. */
export function leafSubject(name: string, kind: CredentialKind = "good"): string {
  return kind === "good" ? `CN=${name}, O=mlskit` : `CN=${name} (${kind}), O=mlskit`;
}

/** The subject of the certificate a chain of `kind` is rejected for: the leaf, or the rogue issuer. */
export function failingSubject(pki: GroupPki, name: string, kind: Failure): string {
  return kind === "wrong-root" ? pki.rogueIntermediate.cert.subject : leafSubject(name, kind);
}

/** The MLS identity a member's certificate presents (its URI SAN). */
export function identityOf(name: string): string {
  return `mls://example.com/${name}`;
}

/**
 * An X.509 credential for `signaturePublicKey`, broken as `kind` says. The
 * leaf is named {@link leafSubject}; its URI SAN is {@link identityOf}
 * (`identity` overrides the name used there, to change identities).
 */
export async function x509Credential(pki: GroupPki, name: string, signaturePublicKey: Uint8Array, kind: CredentialKind = "good", identity: string = name): Promise<Credential> {
  const now = Date.now();
  const validity =
    kind === "expired"
      ? { notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }
      : kind === "not-yet-valid"
        ? { notBefore: new Date(now + DAY), notAfter: new Date(now + 30 * DAY) }
        : {};
  // wrong-key: the certificate names another key than the one the LeafNode signs with.
  const keys = await asCertificateKeys(pki.alg, signaturePublicKey);
  const issuer = kind === "wrong-root" ? pki.rogueIntermediate : pki.intermediate;
  const leaf = await issue({
    alg: pki.alg,
    subject: leafSubject(name, kind),
    issuer,
    sans: [{ type: "url", value: identityOf(identity) }],
    ...(kind === "wrong-key" ? {} : { keys }),
    ...validity,
  });
  if (kind === "revoked") pki.revoked.add(leaf.cert.serialNumber);
  // bad-signature: the last byte of the leaf's signature value flipped.
  const leafDer = kind === "bad-signature" ? flipByte(leaf.der, -1) : leaf.der;
  return { credentialType: CredentialType.x509, certificates: [leafDer, issuer.der] };
}

/** A client: its KeyPackage (with private keys), signature key pair and credential. */
export interface Client {
  readonly name: string;
  readonly kind: CredentialKind;
  readonly credential: Credential;
  readonly kp: CreatedKeyPackage;
  readonly keyPackage: ValidatedKeyPackage;
  readonly signaturePrivateKey: Uint8Array;
  readonly signaturePublicKey: Uint8Array;
}

/** A client whose credential is made by `credential` for its fresh signature key. */
export async function clientWith(
  cs: CipherSuiteProvider,
  name: string,
  kind: CredentialKind,
  credential: (signaturePublicKey: Uint8Array) => Promise<Credential> | Credential,
): Promise<Client> {
  const sig = await cs.signatureGenerateKeyPair();
  const cred = await credential(sig.publicKey);
  const kp = await createKeyPackage({
    cs,
    credential: cred,
    signaturePrivateKey: sig.privateKey,
    signaturePublicKey: sig.publicKey,
    capabilities: defaultCapabilities({ cipherSuites: [cs.suite.id], credentials: CREDENTIAL_TYPES }),
    grease: false,
  });
  return {
    name,
    kind,
    credential: cred,
    kp,
    keyPackage: kp.keyPackage as ValidatedKeyPackage,
    signaturePrivateKey: sig.privateKey,
    signaturePublicKey: sig.publicKey,
  };
}

/** A client holding an X.509 credential of `kind`. */
export function x509Client(cs: CipherSuiteProvider, pki: GroupPki, name: string, kind: CredentialKind = "good"): Promise<Client> {
  return clientWith(cs, name, kind, (key) => x509Credential(pki, name, key, kind));
}

/** A client holding a basic credential. */
export function basicClient(cs: CipherSuiteProvider, name: string): Promise<Client> {
  return clientWith(cs, name, "good", () => ({ credentialType: CredentialType.basic, identity: utf8(name) }));
}

/** The X.509 provider honest members use: the PKI's root, its revocation list, now. */
export function x509Provider(pki: GroupPki, options: Partial<X509IdentityProviderOptions> = {}): X509IdentityProvider {
  return new X509IdentityProvider({
    trustAnchors: [pki.root.der],
    revocation: (cert) => (pki.revoked.has(cert.serialNumber) ? "revoked" : "good"),
    ...options,
  });
}

/** Honest members' services: X.509 validated strictly, basic credentials accepted (test only). */
export function strictServices(pki: GroupPki, options: Partial<X509IdentityProviderOptions> = {}): GroupServices {
  return { identityProvider: new CompositeIdentityProvider([x509Provider(pki, options), new BasicIdentityProvider({ policy: acceptAll })]) };
}

/**
 * An Authentication Service that accepts any credential: what a misconfigured
 * or malicious peer runs, so that a bad credential reaches the honest members.
 */
export const laxIdentityProvider: IdentityProvider = {
  supportedCredentialTypes: () => CREDENTIAL_TYPES,
  validateCredential: async ({ credential }): Promise<ValidatedIdentity> => ({ identity: utf8(toHex(credentialBytes(credential))), credentialType: credential.credentialType }),
  validateExternalSender: async ({ credential }): Promise<ValidatedIdentity> => ({ identity: utf8(toHex(credentialBytes(credential))), credentialType: credential.credentialType }),
  identity: async (credential) => credentialBytes(credential),
  validSuccessor: async () => true,
};
export const laxServices: GroupServices = { identityProvider: laxIdentityProvider };

function credentialBytes(c: Credential): Uint8Array {
  if ("identity" in c) return c.identity;
  if ("certificates" in c) return c.certificates[0] ?? new Uint8Array(0);
  return c.body;
}

/** A one-member group created by `c`. */
export function groupOf(cs: CipherSuiteProvider, c: Client, services: GroupServices, groupId = `group-${c.name}`): Promise<GroupState> {
  return createGroup({
    cs,
    groupId: utf8(groupId),
    leafNode: c.keyPackage.leafNode,
    encryptionPrivateKey: c.kp.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: c.signaturePrivateKey,
    services,
  });
}

/** `c` joins from a Welcome. */
export function joinAs(cs: CipherSuiteProvider, c: Client, welcome: Uint8Array, services: GroupServices): Promise<GroupState> {
  return joinFromWelcome({
    cs,
    welcome,
    keyPackage: c.keyPackage,
    initPrivateKey: c.kp.privateKeys.initPrivateKey,
    encryptionPrivateKey: c.kp.privateKeys.encryptionPrivateKey,
    signaturePrivateKey: c.signaturePrivateKey,
    services,
  });
}

/** What must not change when a message is rejected. */
export async function snapshot(state: GroupState): Promise<{ epoch: bigint; treeHash: string; proposals: number; members: number }> {
  return {
    epoch: state.groupContext.epoch,
    treeHash: toHex(await state.tree.treeHash()),
    proposals: state.proposals.size,
    members: state.tree.memberCount(),
  };
}

/**
 * Awaits a rejection caused by an X.509 credential: the error (or, for a
 * tree the joiner validates, its `cause`) is an {@link X509CredentialError}
 * with `code`, and its message names the failing certificate by subject.
 * Returns the outer error.
 */
/**
 * A committer given an invalid by-reference proposal omits it (RFC 9420 §12.2)
 * and reports the credential error it found.
 */
export async function expectOmitted(commit: Promise<{ readonly omitted: readonly { readonly error: ValidationError }[] }>, code: X509ErrorCode, subject: string): Promise<void> {
  const out = await commit;
  expect(out.omitted).toHaveLength(1);
  await expectCredentialRejection(Promise.reject(out.omitted[0]!.error), code, subject);
}

export async function expectCredentialRejection(promise: Promise<unknown>, code: X509ErrorCode, subject: string, outerCode?: string): Promise<ValidationError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeDefined();
  expect(ValidationError.isInstance(error), String(error)).toBe(true);
  const outer = error as ValidationError;
  let inner: unknown = outer;
  if (outerCode !== undefined) {
    expect(outer.code, outer.message).toBe(outerCode);
    inner = outer.cause;
  }
  expect(X509CredentialError.isInstance(inner), `${String(outer)} / cause ${String(inner)}`).toBe(true);
  const e = inner as X509CredentialError;
  expect(e.code, e.message).toBe(code);
  expect(e.subject, e.message).toBe(subject);
  expect(e.message).toContain(subject);
  return outer;
}
