/** The suite-1 providers the group tests use. */
import type { CipherSuiteProvider } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";

export function noblecs(suite = 1): Promise<CipherSuiteProvider> {
  return nobleCryptoProvider().cipherSuite(suite);
}

export function webcs(suite = 1): Promise<CipherSuiteProvider> {
  return webCryptoProvider().cipherSuite(suite);
}
