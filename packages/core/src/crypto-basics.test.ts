import { afterAll, describe, expect, it } from "vitest";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { decryptWithLabel, deriveSecret, deriveTreeSecret, encryptWithLabel, expandWithLabel, refHash, signWithLabel, verifyWithLabel } from "./index.js";

// crypto-basics.json (RFC 9420 §5.1-§5.2, §8, §9): every case, every suite, each provider.
const cases = vectors.cryptoBasics();

for (const provider of testProviders()) {
  describe(`crypto-basics.json × ${provider.name}`, async () => {
    const supported = new Set(await provider.supportedCipherSuites());
    const report = vectorReport("crypto-basics.json", provider.name);
    afterAll(() => report.print());

    for (const v of cases) {
      if (!supported.has(v.cipher_suite)) {
        report.skipped(`suite ${v.cipher_suite} not supported by ${provider.name} in this runtime`);
        continue;
      }
      it(`suite ${v.cipher_suite}`, async () => {
        const cs = await provider.cipherSuite(v.cipher_suite);

        const rh = v.ref_hash;
        expect(await refHash(cs, rh.label, hex(rh.value))).toEqual(hex(rh.out));

        const ewl = v.expand_with_label;
        expect(await expandWithLabel(cs, hex(ewl.secret), ewl.label, hex(ewl.context), ewl.length)).toEqual(hex(ewl.out));

        const ds = v.derive_secret;
        expect(await deriveSecret(cs, hex(ds.secret), ds.label)).toEqual(hex(ds.out));

        const dts = v.derive_tree_secret;
        expect(await deriveTreeSecret(cs, hex(dts.secret), dts.label, dts.generation, dts.length)).toEqual(hex(dts.out));

        // SignWithLabel: the vector's signature verifies; ours verifies; a wrong label does not.
        const swl = v.sign_with_label;
        const [priv, pub, content] = [hex(swl.priv), hex(swl.pub), hex(swl.content)];
        expect(await verifyWithLabel(cs, pub, swl.label, content, hex(swl.signature))).toBe(true);
        const ours = await signWithLabel(cs, priv, swl.label, content);
        expect(await verifyWithLabel(cs, pub, swl.label, content, ours)).toBe(true);
        expect(await verifyWithLabel(cs, pub, swl.label + "x", content, ours)).toBe(false);
        expect(await cs.signaturePublicKey(priv)).toEqual(pub);

        // EncryptWithLabel: the vector's ciphertext decrypts; ours round-trips.
        const e = v.encrypt_with_label;
        const [epriv, epub, ctx] = [hex(e.priv), hex(e.pub), hex(e.context)];
        const vectorCt = { kemOutput: hex(e.kem_output), ciphertext: hex(e.ciphertext) };
        expect(await decryptWithLabel(cs, epriv, e.label, ctx, vectorCt)).toEqual(hex(e.plaintext));
        expect(await decryptWithLabel(cs, epriv, e.label, ctx, vectorCt, epub)).toEqual(hex(e.plaintext));
        const ct = await encryptWithLabel(cs, epub, e.label, ctx, hex(e.plaintext));
        expect(await decryptWithLabel(cs, epriv, e.label, ctx, ct)).toEqual(hex(e.plaintext));
        await expect(decryptWithLabel(cs, epriv, e.label + "x", ctx, ct)).rejects.toMatchObject({ code: "crypto/hpke-open" });

        report.ran();
      });
    }
  });
}
