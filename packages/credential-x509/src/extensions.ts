/**
 * The certificate extensions credential validation interprets (RFC 5280
 * §4.2.1): basic constraints, key usage and subject alternative names.
 */
import type { CertificateExtension } from "./certificate-der.js";
import { DerError, Tag, children, contents, decodeBitString, decodeBoolean, decodeSmallUnsigned, readSingle } from "./der.js";

/** Extension OIDs. */
const ExtensionOid = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
} as const;

/** Extensions this package understands, so they may be marked critical (RFC 5280 §4.2). */
export const PROCESSED_EXTENSIONS: ReadonlySet<string> = new Set(Object.values(ExtensionOid));

/** `BasicConstraints` (RFC 5280 §4.2.1.9). */
export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLength: number | undefined;
}

/** Reads basicConstraints; `undefined` when absent. */
export function basicConstraints(extensions: readonly CertificateExtension[]): BasicConstraints | undefined {
  const ext = extensions.find((e) => e.oid === ExtensionOid.basicConstraints);
  if (ext === undefined) return undefined;
  const seq = readSingle(ext.value, Tag.sequence);
  let ca = false;
  let pathLength: number | undefined;
  for (const el of children(ext.value, seq)) {
    if (el.tag === Tag.boolean) ca = decodeBoolean(ext.value, el);
    else if (el.tag === Tag.integer) pathLength = decodeSmallUnsigned(ext.value, el);
    else throw new DerError("unexpected field in BasicConstraints");
  }
  return { ca, pathLength };
}

/** KeyUsage bits (RFC 5280 §4.2.1.3), numbered as in the RFC. */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;

/**
 * Reads keyUsage as a predicate over {@link KeyUsageBit}s; `undefined` when
 * the extension is absent (any use allowed).
 */
export function keyUsage(extensions: readonly CertificateExtension[]): ((bit: number) => boolean) | undefined {
  const ext = extensions.find((e) => e.oid === ExtensionOid.keyUsage);
  if (ext === undefined) return undefined;
  const { bits } = decodeBitString(ext.value, readSingle(ext.value, Tag.bitString));
  return (bit) => ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0;
}

/** A subject alternative name of a type this package reads (RFC 5280 §4.2.1.6). */
export interface SubjectAltName {
  readonly type: "email" | "dns" | "uri";
  readonly value: string;
}

const SAN_TAGS: Readonly<Record<number, SubjectAltName["type"]>> = {
  0x81: "email", // [1] IMPLICIT IA5String rfc822Name
  0x82: "dns", // [2] IMPLICIT IA5String dNSName
  0x86: "uri", // [6] IMPLICIT IA5String uniformResourceIdentifier
};

/**
 * The rfc822Name, dNSName and URI entries of subjectAltName, in certificate
 * order; other name forms (otherName, directoryName, IP…) are skipped.
 */
export function subjectAltNames(extensions: readonly CertificateExtension[]): SubjectAltName[] {
  const ext = extensions.find((e) => e.oid === ExtensionOid.subjectAltName);
  if (ext === undefined) return [];
  const out: SubjectAltName[] = [];
  for (const el of children(ext.value, readSingle(ext.value, Tag.sequence))) {
    const type = SAN_TAGS[el.tag];
    if (type === undefined) continue;
    const bytes = contents(ext.value, el);
    if (bytes.some((b) => b > 0x7e || b < 0x20)) throw new DerError(`non-printable IA5String in subjectAltName ${type}`);
    out.push({ type, value: String.fromCharCode(...bytes) });
  }
  return out;
}
