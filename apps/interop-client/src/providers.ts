/** The crypto providers the interop client can run on. */
import type { CryptoProvider } from "@mlskit/core";
import { nobleCryptoProvider, noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";

/** `webcrypto`: native crypto.subtle with noble for what it lacks (the facade's default); `noble`: pure JS. */
export type ProviderName = "webcrypto" | "noble";

export const PROVIDER_NAMES: readonly ProviderName[] = ["webcrypto", "noble"];

export function cryptoProvider(name: ProviderName): CryptoProvider {
  return name === "noble" ? nobleCryptoProvider() : webCryptoProvider({ fallback: noblePrimitives() });
}
