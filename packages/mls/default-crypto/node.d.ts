import type { CryptoProvider } from "@mlskit/core";
/** `nodeCryptoProvider({ fallback: noblePrimitives() })` ("node+noble"). */
export declare function createDefaultCryptoProvider(): CryptoProvider;
