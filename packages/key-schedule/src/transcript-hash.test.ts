import { Writer, toHex } from "@mlskit/codec";
import type { CipherSuiteProvider, CryptoProvider } from "@mlskit/core";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { afterAll, describe, expect, it } from "vitest";
import { createConfirmationTag, deriveConfirmedTranscriptHash, deriveInterimTranscriptHash, encodeInterimTranscriptHashInput, verifyConfirmationTag } from "./transcript-hash.js";

/** The suite's provider, or why this provider cannot serve it here (reported as a skip). */
async function openSuite(provider: CryptoProvider, suite: number): Promise<CipherSuiteProvider | string> {
  if ((await provider.supportedCipherSuites()).includes(suite)) return provider.cipherSuite(suite);
  return provider.cipherSuite(suite).then(
    () => `suite ${suite} not listed as supported by ${provider.name}`,
    (e: unknown) => (e instanceof Error ? e.message.split(". ")[0]! : String(e)),
  );
}

const FILE = "transcript-hashes.json";
const cases = vectors.transcriptHashes();

function varint(n: number): Uint8Array {
  const w = new Writer();
  w.varint(n);
  return w.finish();
}

for (const provider of testProviders()) {
  describe(`${FILE} × ${provider.name}`, () => {
    const report = vectorReport(FILE, provider.name);
    afterAll(() => report.print());

    cases.forEach((v, n) => {
      it(`case ${n} (suite ${v.cipher_suite})`, async (ctx) => {
        const cs = await openSuite(provider, v.cipher_suite);
        if (typeof cs === "string") {
          report.skipped(cs);
          ctx.skip(cs);
          return;
        }
        const nh = cs.hashLength;
        // AuthenticatedContent = ConfirmedTranscriptHashInput || confirmation_tag<V>, the tag being Nh bytes.
        const content = hex(v.authenticated_content);
        const prefix = varint(nh);
        const tagStart = content.length - nh;
        const confirmationTag = content.subarray(tagStart);
        expect(content.subarray(tagStart - prefix.length, tagStart)).toEqual(prefix);
        const confirmedInput = content.subarray(0, tagStart - prefix.length);
        expect(encodeInterimTranscriptHashInput(confirmationTag)).toEqual(content.subarray(tagStart - prefix.length));

        const confirmed = await deriveConfirmedTranscriptHash(cs, hex(v.interim_transcript_hash_before), confirmedInput);
        expect(toHex(confirmed)).toBe(v.confirmed_transcript_hash_after);

        const key = hex(v.confirmation_key);
        expect(toHex(await createConfirmationTag(cs, key, confirmed))).toBe(toHex(confirmationTag));
        expect(await verifyConfirmationTag(cs, key, confirmed, confirmationTag)).toBe(true);
        const forged = confirmationTag.slice();
        forged[0]! ^= 1;
        expect(await verifyConfirmationTag(cs, key, confirmed, forged)).toBe(false);

        const interim = await deriveInterimTranscriptHash(cs, confirmed, confirmationTag);
        expect(toHex(interim)).toBe(v.interim_transcript_hash_after);
        report.ran();
      });
    });
  });
}
