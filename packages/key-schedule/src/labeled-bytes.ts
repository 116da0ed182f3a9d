/**
 * ExpandWithLabel / DeriveSecret over a label given as bytes. RFC 9420 §8.5
 * lets an application pick any exporter label, and the official vectors use
 * arbitrary bytes, which a string label (as in `@mlskit/core`) cannot carry.
 */
import { Writer, utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";

const PREFIX = utf8("MLS 1.0 ");

/** ExpandWithLabel(Secret, Label, Context, Length) with `label` as bytes (RFC 9420 §8, KDFLabel). */
export function expandWithLabelBytes(cs: CipherSuiteProvider, secret: Uint8Array, label: Uint8Array, context: Uint8Array, length: number): Promise<Uint8Array> {
  const w = new Writer(16 + PREFIX.length + label.length + context.length);
  w.uint16(length);
  w.varint(PREFIX.length + label.length);
  w.bytes(PREFIX);
  w.bytes(label);
  w.opaque(context);
  return cs.kdfExpand(secret, w.finish(), length);
}

/** DeriveSecret(Secret, Label) with `label` as bytes (RFC 9420 §8). */
export function deriveSecretBytes(cs: CipherSuiteProvider, secret: Uint8Array, label: Uint8Array): Promise<Uint8Array> {
  return expandWithLabelBytes(cs, secret, label, new Uint8Array(0), cs.hashLength);
}
