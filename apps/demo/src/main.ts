/**
 * `npm run demo`: a scripted group conversation through the `@mlskit/mls`
 * facade (create, add, messages, update, add by reference, remove, and the
 * removed member failing to read). With `--foundation`, the foundation
 * walkthrough follows: labeled operations, HPKE and the key schedule on
 * suite 0x0001 with both providers, then suite 0x0003 (ChaCha20-Poly1305)
 * with WebCrypto composed with noble for what `crypto.subtle` lacks.
 */
import { CipherSuite } from "@mlskit/core";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { conversation } from "./conversation.js";
import { walkthrough } from "./walkthrough.js";

const print = (line: string) => console.log(line);
console.log("mlskit demo: an MLS (RFC 9420) group conversation");
await conversation(print);

if (process.argv.includes("--foundation")) {
  console.log("\nPart 2, the foundation walkthrough: labeled operations, HPKE and the RFC 9420 key schedule");
  await walkthrough(webCryptoProvider(), CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, print);
  await walkthrough(nobleCryptoProvider(), CipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, print);
  const chacha = CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519;
  try {
    await webCryptoProvider().cipherSuite(chacha);
  } catch (e) {
    console.log(`\nWebCrypto alone, suite 0x0003: ${(e as Error).message}`);
  }
  await walkthrough(webCryptoProvider({ fallback: noblePrimitives() }), chacha, print);
} else {
  console.log("\n(run `node apps/demo/dist/main.js --foundation` for the crypto foundation walkthrough)");
}
