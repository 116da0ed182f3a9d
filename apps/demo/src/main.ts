/**
 * `npm run demo`: the foundation walkthrough on suite 0x0001 with both
 * providers, then suite 0x0003 (ChaCha20-Poly1305) with WebCrypto composed
 * with noble for what `crypto.subtle` lacks.
 */
import { CipherSuite } from "@mlskit/core";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { walkthrough } from "./walkthrough.js";

const print = (line: string) => console.log(line);
console.log("mlskit foundation walkthrough: labeled operations, HPKE and the RFC 9420 key schedule");

await walkthrough(webCryptoProvider(), CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, print);
await walkthrough(nobleCryptoProvider(), CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, print);

const webcryptoOnly = webCryptoProvider();
const chacha = CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519;
try {
  await webcryptoOnly.cipherSuite(chacha);
} catch (e) {
  console.log(`\nWebCrypto alone, suite 0x0003: ${(e as Error).message}`);
}
await walkthrough(webCryptoProvider({ fallback: noblePrimitives() }), chacha, print);
