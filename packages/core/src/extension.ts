/** `Extension` (RFC 9420 §13): a typed, opaque extension used in many structs. */
import { type Codec, opaque, struct, uint16, vector } from "@mlskit/codec";
import type { ExtensionTypeId } from "./ids.js";

export interface Extension {
  readonly extensionType: ExtensionTypeId;
  readonly extensionData: Uint8Array;
}

export const extensionCodec: Codec<Extension> = struct<Extension>({
  extensionType: uint16,
  extensionData: opaque,
});

/** `Extension extensions<V>`. */
export const extensionsCodec: Codec<Extension[]> = vector(extensionCodec);
