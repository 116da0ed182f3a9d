import { utf8 } from "@mlskit/codec";
import { deriveSecret, expandWithLabel } from "@mlskit/core";
import { testProviders } from "@mlskit/test-vectors/providers";
import { describe, expect, it } from "vitest";
import { mlsExporter } from "./exporter.js";
import { deriveSecretBytes, expandWithLabelBytes } from "./labeled-bytes.js";

describe("MLS-Exporter (RFC 9420 §8.5)", async () => {
  const cs = await testProviders()[0]!.cipherSuite(1);
  const secret = cs.randomBytes(cs.hashLength);

  it("byte labels agree with core's string labels", async () => {
    const ctx = new Uint8Array([1, 2, 3]);
    expect(await expandWithLabelBytes(cs, secret, utf8("tree"), ctx, 16)).toEqual(await expandWithLabel(cs, secret, "tree", ctx, 16));
    expect(await deriveSecretBytes(cs, secret, utf8("exporter"))).toEqual(await deriveSecret(cs, secret, "exporter"));
  });

  it("matches the RFC formula and accepts string or byte labels", async () => {
    const context = utf8("context");
    const expected = await expandWithLabel(cs, await deriveSecret(cs, secret, "example label"), "exported", await cs.hash(context), 42);
    const before = secret.slice();
    expect(await mlsExporter(cs, secret, "example label", context, 42)).toEqual(expected);
    expect(await mlsExporter(cs, secret, utf8("example label"), context, 42)).toEqual(expected);
    expect(secret).toEqual(before);
  });
});
