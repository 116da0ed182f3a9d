/**
 * Labeled operations of RFC 9420 §5 and §8: every use of the KDF, signature
 * and HPKE is domain-separated by a label prefixed with "MLS 1.0 ".
 */
import { Writer, opaqueSize, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider, HpkeCiphertext, HpkeEncapsulation } from "./crypto-provider.js";
import { ValidationError } from "./errors.js";
import { rememberVerified, remembersLabel, verifiedBefore } from "./verified-signatures.js";

const PREFIX = "MLS 1.0 ";

/** Encoded labels by name: the RFC's labels are a small fixed set, used for every derivation. */
const LABELS = new Map<string, Uint8Array>();
const MAX_CACHED_LABELS = 256;

function labelBytes(label: string): Uint8Array {
  let bytes = LABELS.get(label);
  if (bytes === undefined) {
    bytes = utf8(PREFIX + label);
    // Application labels (exporters) are unbounded in number; keep only the first ones.
    if (LABELS.size < MAX_CACHED_LABELS) LABELS.set(label, bytes);
  }
  return bytes;
}

/** Encodes `struct { uint16 length; opaque label<V>; opaque context<V>; } KDFLabel` (§8). */
function encodeKdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  const bytes = labelBytes(label);
  const w = new Writer(2 + opaqueSize(bytes.length) + opaqueSize(context.length)); // exact: no copy in finish
  w.uint16(length);
  w.opaque(bytes);
  w.opaque(context);
  return w.finish();
}

/** Two opaque<V> fields: the shape of SignContent, EncryptContext and RefHashInput. */
function encodeTwoOpaque(a: Uint8Array, b: Uint8Array): Uint8Array {
  const w = new Writer(opaqueSize(a.length) + opaqueSize(b.length)); // exact: no copy in finish
  w.opaque(a);
  w.opaque(b);
  return w.finish();
}

/** ExpandWithLabel(Secret, Label, Context, Length) (RFC 9420 §8). */
export function expandWithLabel(cs: CipherSuiteProvider, secret: Uint8Array, label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
  return cs.kdfExpand(secret, encodeKdfLabel(label, context, length), length);
}

/** DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh) (RFC 9420 §8). */
export function deriveSecret(cs: CipherSuiteProvider, secret: Uint8Array, label: string): Promise<Uint8Array> {
  return expandWithLabel(cs, secret, label, new Uint8Array(0), cs.hashLength);
}

/** The `uint32 generation` context of DeriveTreeSecret. */
function generationContext(generation: number): Uint8Array {
  const ctx = new Uint8Array(4);
  ctx[0] = generation >>> 24;
  ctx[1] = generation >>> 16;
  ctx[2] = generation >>> 8;
  ctx[3] = generation;
  return ctx;
}

/** DeriveTreeSecret(Secret, Label, Generation, Length) (RFC 9420 §9.1). */
export function deriveTreeSecret(cs: CipherSuiteProvider, secret: Uint8Array, label: string, generation: number, length: number): Promise<Uint8Array> {
  return expandWithLabel(cs, secret, label, generationContext(generation), length);
}

/** A provider whose KDF expands synchronously ({@link CipherSuiteProvider.kdfExpandSync}). */
export type SyncKdfProvider = CipherSuiteProvider & Required<Pick<CipherSuiteProvider, "kdfExpandSync">>;

/** Whether `cs` offers {@link CipherSuiteProvider.kdfExpandSync}. */
export function hasSyncKdf(cs: CipherSuiteProvider): cs is SyncKdfProvider {
  return cs.kdfExpandSync !== undefined;
}

/** {@link expandWithLabel} without an await, on a provider with a synchronous KDF. */
export function expandWithLabelSync(cs: SyncKdfProvider, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  return cs.kdfExpandSync(secret, encodeKdfLabel(label, context, length), length);
}

/** {@link deriveSecret} without an await, on a provider with a synchronous KDF. */
export function deriveSecretSync(cs: SyncKdfProvider, secret: Uint8Array, label: string): Uint8Array {
  return expandWithLabelSync(cs, secret, label, new Uint8Array(0), cs.hashLength);
}

/** {@link deriveTreeSecret} without an await, on a provider with a synchronous KDF. */
export function deriveTreeSecretSync(cs: SyncKdfProvider, secret: Uint8Array, label: string, generation: number, length: number): Uint8Array {
  return expandWithLabelSync(cs, secret, label, generationContext(generation), length);
}

/** The bytes signed by SignWithLabel: `SignContent` (RFC 9420 §5.1.2). */
export function encodeSignContent(label: string, content: Uint8Array): Uint8Array {
  return encodeTwoOpaque(labelBytes(label), content);
}

/** SignWithLabel(SignatureKey, Label, Content) (RFC 9420 §5.1.2). */
export function signWithLabel(cs: CipherSuiteProvider, privateKey: Uint8Array, label: string, content: Uint8Array): Promise<Uint8Array> {
  return cs.sign(privateKey, encodeSignContent(label, content));
}

/** VerifyWithLabel(VerificationKey, Label, Content, SignatureValue) (RFC 9420 §5.1.2). */
export function verifyWithLabel(cs: CipherSuiteProvider, publicKey: Uint8Array, label: string, content: Uint8Array, signature: Uint8Array): Promise<boolean> {
  // Messages and Commits (every other label) are verified once each: no memo, no extra promise on their path.
  if (!remembersLabel(label)) return cs.verify(publicKey, encodeSignContent(label, content), signature);
  // A KeyPackage's signatures are checked on validation and again in the Commit that adds it (verified-signatures.ts).
  if (verifiedBefore(cs, publicKey, label, content, signature)) return Promise.resolve(true);
  return cs.verify(publicKey, encodeSignContent(label, content), signature).then((ok) => {
    if (ok) rememberVerified(cs, publicKey, label, content, signature);
    return ok;
  });
}

/** EncryptWithLabel(PublicKey, Label, Context, Plaintext) (RFC 9420 §5.1.3). */
export function encryptWithLabel(cs: CipherSuiteProvider, publicKey: Uint8Array, label: string, context: Uint8Array, plaintext: Uint8Array): Promise<HpkeCiphertext> {
  return cs.hpkeSeal(publicKey, encodeTwoOpaque(labelBytes(label), context), new Uint8Array(0), plaintext);
}

/**
 * EncryptWithLabel (RFC 9420 §5.1.3) of one plaintext each to many keys
 * under one label and context: through `hpkeSealBatch` where the provider
 * has it (spread over threads), else each as {@link encryptWithLabel}.
 */
export function encryptWithLabelMany(
  cs: CipherSuiteProvider,
  label: string,
  context: Uint8Array,
  items: readonly { readonly publicKey: Uint8Array; readonly plaintext: Uint8Array }[],
): Promise<HpkeCiphertext[]> {
  const info = encodeTwoOpaque(labelBytes(label), context);
  const aad = new Uint8Array(0);
  if (cs.hpkeSealBatch !== undefined) return cs.hpkeSealBatch(items.map((x) => ({ publicKey: x.publicKey, info, aad, plaintext: x.plaintext })));
  return Promise.all(items.map((x) => cs.hpkeSeal(x.publicKey, info, aad, x.plaintext)));
}

/**
 * EncryptWithLabel (RFC 9420 §5.1.3) on an Encap made ahead
 * ({@link CipherSuiteProvider.hpkeEncap}): the same bytes as
 * {@link encryptWithLabel} to the encapsulation's public key.
 */
export function encryptWithLabelAfterEncap(encapsulation: HpkeEncapsulation, label: string, context: Uint8Array, plaintext: Uint8Array): Promise<HpkeCiphertext> {
  return encapsulation.seal(encodeTwoOpaque(labelBytes(label), context), new Uint8Array(0), plaintext);
}

/** DecryptWithLabel(PrivateKey, Label, Context, KEMOutput, Ciphertext) (RFC 9420 §5.1.3). */
export function decryptWithLabel(
  cs: CipherSuiteProvider,
  privateKey: Uint8Array,
  label: string,
  context: Uint8Array,
  ciphertext: HpkeCiphertext,
  publicKey?: Uint8Array,
): Promise<Uint8Array> {
  return cs.hpkeOpen(ciphertext, privateKey, encodeTwoOpaque(labelBytes(label), context), new Uint8Array(0), publicKey);
}

/** RefHash(label, value) (RFC 9420 §5.2). `label` is used as given, without the "MLS 1.0 " prefix. */
export function refHash(cs: CipherSuiteProvider, label: string, value: Uint8Array): Promise<Uint8Array> {
  return cs.hash(encodeTwoOpaque(utf8(label), value));
}

/** KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", encoded KeyPackage) (RFC 9420 §5.2). */
export function makeKeyPackageRef(cs: CipherSuiteProvider, encodedKeyPackage: Uint8Array): Promise<Uint8Array> {
  return refHash(cs, "MLS 1.0 KeyPackage Reference", encodedKeyPackage);
}

/** ProposalRef = RefHash("MLS 1.0 Proposal Reference", encoded AuthenticatedContent) (RFC 9420 §5.2). */
export function makeProposalRef(cs: CipherSuiteProvider, encodedAuthenticatedContent: Uint8Array): Promise<Uint8Array> {
  return refHash(cs, "MLS 1.0 Proposal Reference", encodedAuthenticatedContent);
}

/**
 * Verifies a labeled signature and throws a {@link ValidationError} when it
 * does not hold, for the many receiver checks that require a valid signature.
 */
export async function assertValidSignature(
  cs: CipherSuiteProvider,
  publicKey: Uint8Array,
  label: string,
  content: Uint8Array,
  signature: Uint8Array,
  what: { code: string; rfcSection: string; description: string },
): Promise<void> {
  if (!(await verifyWithLabel(cs, publicKey, label, content, signature))) {
    throw new ValidationError(what.code, what.rfcSection, `invalid signature on ${what.description}`);
  }
}
