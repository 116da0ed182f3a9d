import type { CryptoProvider } from "@mlskit/core";
/** `webCryptoProvider({ fallback: () => import("@mlskit/crypto-noble")…, fallbackName: "noble" })` ("webcrypto+noble"). */
export declare function createDefaultCryptoProvider(): CryptoProvider;
