/** SHA-2 digests and HMAC on `crypto.subtle`, as the `HashPrimitive` of `@mlskit/hpke`. */
import type { HashPrimitive } from "@mlskit/hpke";
import type { Hmac } from "./hmac.js";
import { bs, type WebCryptoContext } from "./util.js";

/** The hash primitive for `hmac.hash`: `crypto.subtle.digest` plus the HMAC of `hmac`. */
export function webCryptoHash(ctx: WebCryptoContext, hmac: Hmac): HashPrimitive {
  const name = hmac.hash;
  return {
    name,
    outputLength: hmac.outputLength,
    async digest(data) {
      return new Uint8Array(await ctx.subtle.digest(name, bs(data)));
    },
    hmac: (key, data) => hmac.mac(key, data),
  };
}
