/**
 * The byte-level fields of an X.509 certificate (RFC 5280 §4.1) that chain
 * validation needs, read straight from the DER so that the bytes signed, the
 * names compared and the key matched are exactly those the issuer produced.
 */
import { bytesEqual } from "@mlskit/codec";
import { type DerElement, DerError, Tag, children, contents, decodeBitString, decodeBoolean, decodeOid, encoding, expectTag, readSingle } from "./der.js";
import { expectDefined } from "@mlskit/core";

/** `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7). */
export interface SubjectPublicKeyInfo {
  /** The whole DER encoding, as WebCrypto imports it (`"spki"`). */
  readonly der: Uint8Array;
  /** `algorithm.algorithm`, dotted. */
  readonly algorithm: string;
  /** `algorithm.parameters` when it is an OBJECT IDENTIFIER (the named curve of an EC key). */
  readonly namedCurve: string | undefined;
  /** The `subjectPublicKey` bits. */
  readonly publicKey: Uint8Array;
}

/** One `Extension` (RFC 5280 §4.1.2.9): `value` is the contents of `extnValue`. */
export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** A certificate's DER, split into the fields validation reads. */
export interface CertificateDer {
  readonly der: Uint8Array;
  /** The exact `tbsCertificate` encoding: the signed bytes. */
  readonly tbs: Uint8Array;
  /** `signatureAlgorithm.algorithm`, dotted. */
  readonly signatureAlgorithm: string;
  readonly signatureValue: Uint8Array;
  /** Raw DER of `issuer` and `subject`, for name chaining. */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly subjectPublicKeyInfo: SubjectPublicKeyInfo;
  readonly extensions: readonly CertificateExtension[];
}

/**
 * Splits a DER certificate.
 * @throws {@link DerError} on malformed input or a repeated extension (RFC 5280 §4.2).
 */
export function parseCertificateDer(der: Uint8Array): CertificateDer {
  const cert = readSingle(der, Tag.sequence);
  const [tbsEl, sigAlgEl, sigEl, ...rest] = children(der, cert);
  if (rest.length > 0) throw new DerError("extra fields in Certificate");
  const tbsSeq = expectTag(tbsEl, Tag.sequence);
  const signatureAlgorithm = decodeOid(der, expectTag(children(der, expectTag(sigAlgEl, Tag.sequence))[0], Tag.oid));
  const sig = decodeBitString(der, expectTag(sigEl, Tag.bitString));
  if (sig.unusedBits !== 0) throw new DerError("signatureValue has unused bits");

  const fields = children(der, tbsSeq);
  let i = 0;
  if (fields[0]?.tag === 0xa0) i++; // [0] EXPLICIT Version
  const [serial, signature, issuer, validity, subject, spki] = fields.slice(i, i + 6);
  expectTag(serial, Tag.integer);
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST be identical to tbsCertificate.signature.
  if (!bytesEqual(encoding(der, expectTag(signature, Tag.sequence)), encoding(der, expectTag(sigAlgEl, Tag.sequence)))) {
    throw new DerError("signatureAlgorithm differs from tbsCertificate.signature");
  }
  expectTag(validity, Tag.sequence);
  let extensions: CertificateExtension[] = [];
  for (const f of fields.slice(i + 6)) {
    if (f.tag === 0xa3)
      extensions = parseExtensions(der, f); // [3] EXPLICIT Extensions
    else if (f.tag !== 0x81 && f.tag !== 0x82) throw new DerError(`unexpected field 0x${f.tag.toString(16)} in TBSCertificate`);
  }
  return {
    der,
    tbs: encoding(der, tbsSeq),
    signatureAlgorithm,
    signatureValue: sig.bits,
    issuer: encoding(der, expectTag(issuer, Tag.sequence)),
    subject: encoding(der, expectTag(subject, Tag.sequence)),
    subjectPublicKeyInfo: parseSpki(der, expectTag(spki, Tag.sequence)),
    extensions,
  };
}

/** Parses a standalone DER SubjectPublicKeyInfo (as WebCrypto exports `"spki"`). */
export function parseSubjectPublicKeyInfo(der: Uint8Array): SubjectPublicKeyInfo {
  return parseSpki(der, readSingle(der, Tag.sequence));
}

function parseSpki(der: Uint8Array, el: DerElement): SubjectPublicKeyInfo {
  const [algId, keyBits] = children(der, el);
  const [oid, params] = children(der, expectTag(algId, Tag.sequence));
  const key = decodeBitString(der, expectTag(keyBits, Tag.bitString));
  if (key.unusedBits !== 0) throw new DerError("subjectPublicKey has unused bits");
  return {
    der: encoding(der, el),
    algorithm: decodeOid(der, expectTag(oid, Tag.oid)),
    namedCurve: params?.tag === Tag.oid ? decodeOid(der, params) : undefined,
    publicKey: key.bits,
  };
}

function parseExtensions(der: Uint8Array, explicit: DerElement): CertificateExtension[] {
  const [seq, ...extra] = children(der, explicit);
  if (extra.length > 0) throw new DerError("extra fields after Extensions");
  const out: CertificateExtension[] = [];
  for (const ext of children(der, expectTag(seq, Tag.sequence))) {
    const parts = children(der, expectTag(ext, Tag.sequence));
    const oid = decodeOid(der, expectTag(parts[0], Tag.oid));
    const hasCritical = parts[1]?.tag === Tag.boolean;
    const critical = hasCritical ? decodeBoolean(der, expectDefined(parts[1], "parts[1]")) : false;
    const value = contents(der, expectTag(parts[hasCritical ? 2 : 1], Tag.octetString));
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
    if (out.some((e) => e.oid === oid)) throw new DerError(`extension ${oid} appears twice`);
    out.push({ oid, critical, value });
  }
  return out;
}
