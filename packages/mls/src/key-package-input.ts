/** KeyPackages as the facade takes them: an MLSMessage (`mls_key_package`) or a bare `KeyPackage` encoding. */
import { UsageError, WireFormat } from "@mlskit/core";
import { type KeyPackageIn, decodeKeyPackage, decodeMlsMessage } from "@mlskit/group";

/**
 * Decodes a KeyPackage from an MLSMessage or a bare `KeyPackage` struct (not yet validated).
 * @throws UsageError `usage/not-a-key-package` for another MLSMessage; CodecError when malformed.
 */
export function decodeKeyPackageInput(bytes: Uint8Array): KeyPackageIn {
  try {
    const m = decodeMlsMessage(bytes);
    if (m.wireFormat !== WireFormat.mls_key_package) throw new UsageError("usage/not-a-key-package", "the message is not a KeyPackage");
    return m.keyPackage;
  } catch (e) {
    if (UsageError.isInstance(e)) throw e;
    return decodeKeyPackage(bytes);
  }
}
