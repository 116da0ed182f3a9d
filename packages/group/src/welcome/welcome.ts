/**
 * `PathSecret`, `GroupSecrets`, `EncryptedGroupSecrets` and `Welcome`
 * (RFC 9420 §12.4.3.1). Codecs and types only; joining is the state machine's.
 */
import { type Codec, opaque, optional, struct, uint16, vector } from "@mlskit/codec";
import type { CipherSuiteId } from "@mlskit/core";
import { type PreSharedKeyID, preSharedKeyIdCodec } from "@mlskit/key-schedule";
import { type HPKECiphertext, hpkeCiphertextCodec } from "@mlskit/ratchet-tree";

/** `struct { opaque path_secret<V>; } PathSecret;` */
export interface PathSecret {
  readonly pathSecret: Uint8Array;
}

/** Codec for {@link PathSecret}. */
export const pathSecretCodec: Codec<PathSecret> = struct<PathSecret>({ pathSecret: opaque });

/**
 * ```tls
 * struct {
 *   opaque joiner_secret<V>;
 *   optional<PathSecret> path_secret;
 *   PreSharedKeyID psks<V>;
 * } GroupSecrets;
 * ```
 * Secret-bearing: the state machine wipes it once used.
 */
export interface GroupSecrets {
  readonly joinerSecret: Uint8Array;
  readonly pathSecret: PathSecret | undefined;
  readonly psks: readonly PreSharedKeyID[];
}

/** Codec for {@link GroupSecrets}. */
export const groupSecretsCodec: Codec<GroupSecrets> = struct<GroupSecrets>({
  joinerSecret: opaque,
  pathSecret: optional(pathSecretCodec),
  psks: vector(preSharedKeyIdCodec) as Codec<readonly PreSharedKeyID[]>,
});

/** `KeyPackageRef` (§5.2): MakeKeyPackageRef of the encoded KeyPackage. */
export type KeyPackageRef = Uint8Array;

/**
 * ```tls
 * struct {
 *   KeyPackageRef new_member;
 *   HPKECiphertext encrypted_group_secrets;
 * } EncryptedGroupSecrets;
 * ```
 */
export interface EncryptedGroupSecrets {
  readonly newMember: KeyPackageRef;
  readonly encryptedGroupSecrets: HPKECiphertext;
}

/** Codec for {@link EncryptedGroupSecrets}. */
export const encryptedGroupSecretsCodec: Codec<EncryptedGroupSecrets> = struct<EncryptedGroupSecrets>({
  newMember: opaque,
  encryptedGroupSecrets: hpkeCiphertextCodec,
});

/**
 * ```tls
 * struct {
 *   CipherSuite cipher_suite;
 *   EncryptedGroupSecrets secrets<V>;
 *   opaque encrypted_group_info<V>;
 * } Welcome;
 * ```
 */
export interface Welcome {
  readonly cipherSuite: CipherSuiteId;
  readonly secrets: readonly EncryptedGroupSecrets[];
  readonly encryptedGroupInfo: Uint8Array;
}

/** Codec for {@link Welcome}. */
export const welcomeCodec: Codec<Welcome> = struct<Welcome>({
  cipherSuite: uint16,
  secrets: vector(encryptedGroupSecretsCodec) as Codec<readonly EncryptedGroupSecrets[]>,
  encryptedGroupInfo: opaque,
});
