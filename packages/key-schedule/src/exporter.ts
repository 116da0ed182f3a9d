/** Exporters (RFC 9420 §8.5). */
import { utf8, wipe } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { deriveSecretBytes, expandWithLabelBytes } from "./labeled-bytes.js";

/**
 * MLS-Exporter(Label, Context, Length) (RFC 9420 §8.5):
 * ```
 * ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length)
 * ```
 * `label` may be a string (UTF-8, as registered in §17.8) or raw bytes.
 * `exporterSecret` is not modified; the intermediate secret is wiped.
 */
export async function mlsExporter(cs: CipherSuiteProvider, exporterSecret: Uint8Array, label: string | Uint8Array, context: Uint8Array, length: number): Promise<Uint8Array> {
  const labelBytes = typeof label === "string" ? utf8(label) : label;
  const [derived, contextHash] = await Promise.all([deriveSecretBytes(cs, exporterSecret, labelBytes), cs.hash(context)]);
  try {
    return await expandWithLabelBytes(cs, derived, utf8("exported"), contextHash, length);
  } finally {
    wipe(derived);
  }
}
