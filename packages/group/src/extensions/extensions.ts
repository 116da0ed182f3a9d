/**
 * Bodies of the extensions RFC 9420 defines (§17.3), except `ratchet_tree`
 * (owned by `@mlskit/ratchet-tree`): `application_id` (§5.3.3),
 * `required_capabilities` (§11.1), `external_pub` (§12.4.3.2) and
 * `external_senders` (§12.1.8.1), plus lookup helpers for extension lists.
 */
import { type Codec, decode, encode, opaque, struct, uint16, vector } from "@mlskit/codec";
import { type Credential, type CredentialTypeId, type Extension, type ExtensionTypeId, ExtensionType, ValidationError, credentialCodec } from "@mlskit/core";
import type { HPKEPublicKey, RequiredCapabilities, SignaturePublicKey } from "@mlskit/ratchet-tree";

/** `RequiredCapabilities` (§11.1), re-exported from the ratchet tree, which checks leaves against it. */
export type { RequiredCapabilities } from "@mlskit/ratchet-tree";

/** `opaque application_id<V>;` (§5.3.3): the extension data of `application_id` is this opaque. */
export const applicationIdCodec: Codec<Uint8Array> = opaque;

/**
 * ```tls
 * struct {
 *     ExtensionType extension_types<V>;
 *     ProposalType proposal_types<V>;
 *     CredentialType credential_types<V>;
 * } RequiredCapabilities;
 * ```
 * (§11.1). The type is the ratchet tree's, which checks leaves against it.
 */
export const requiredCapabilitiesCodec: Codec<RequiredCapabilities> = struct<RequiredCapabilities>({
  extensionTypes: vector(uint16) as Codec<readonly number[]>,
  proposalTypes: vector(uint16) as Codec<readonly number[]>,
  credentialTypes: vector(uint16) as Codec<readonly CredentialTypeId[]>,
});

/** `struct { HPKEPublicKey external_pub; } ExternalPub;` (§12.4.3.2) */
export interface ExternalPub {
  readonly externalPub: HPKEPublicKey;
}

/** Codec for {@link ExternalPub}, the data of the `external_pub` GroupInfo extension. */
export const externalPubCodec: Codec<ExternalPub> = struct<ExternalPub>({ externalPub: opaque });

/** `struct { SignaturePublicKey signature_key; Credential credential; } ExternalSender;` (§12.1.8.1) */
export interface ExternalSender {
  readonly signatureKey: SignaturePublicKey;
  readonly credential: Credential;
}

/** Codec for {@link ExternalSender}. */
export const externalSenderCodec: Codec<ExternalSender> = struct<ExternalSender>({
  signatureKey: opaque,
  credential: credentialCodec,
});

/** `ExternalSender external_senders<V>;` (§12.1.8.1) */
export const externalSendersCodec: Codec<readonly ExternalSender[]> = vector(externalSenderCodec) as Codec<readonly ExternalSender[]>;

/**
 * The data of the extension of type `extensionType`, or undefined. A list
 * with two extensions of one type is invalid (§13.4).
 * @throws ValidationError `extensions/duplicate` (§13.4)
 */
export function findExtension(extensions: readonly Extension[], extensionType: ExtensionTypeId): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  for (const e of extensions) {
    if (e.extensionType !== extensionType) continue;
    // RFC 9420 §13.4: "Any field containing a list of extensions MUST NOT have more than one extension of any given type."
    if (found !== undefined) {
      throw new ValidationError("extensions/duplicate", "13.4", `more than one extension of type ${extensionType}`);
    }
    found = e.extensionData;
  }
  return found;
}

/** Decodes the extension of `extensionType` with `codec`, or returns undefined when absent. */
export function decodeExtension<T>(extensions: readonly Extension[], extensionType: ExtensionTypeId, codec: Codec<T>): T | undefined {
  const data = findExtension(extensions, extensionType);
  return data === undefined ? undefined : decode(codec, data, `extension ${extensionType}`);
}

/** Builds an Extension from a typed body. */
export function makeExtension<T>(extensionType: ExtensionTypeId, codec: Codec<T>, value: T): Extension {
  return { extensionType, extensionData: encode(codec, value) };
}

/** The `external_senders` of a GroupContext's extensions (empty when absent). */
export function externalSendersOf(extensions: readonly Extension[]): readonly ExternalSender[] {
  return decodeExtension(extensions, ExtensionType.external_senders, externalSendersCodec) ?? [];
}
