/**
 * The epoch key schedule (RFC 9420 §8):
 * ```
 *                     init_secret_[n-1]
 *                           V
 *     commit_secret --> KDF.Extract
 *                           V
 *                   ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
 *                           V
 *                      joiner_secret
 *                           V
 * psk_secret (or 0) --> KDF.Extract
 *                           +--> DeriveSecret(., "welcome") = welcome_secret
 *                           V
 *                   ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh)
 *                           V
 *                      epoch_secret
 *                           +--> DeriveSecret(., <label>) = <secret>
 *                           V
 *                     DeriveSecret(., "init") = init_secret_[n]
 * ```
 * Extract takes its salt from the top and its IKM from the left.
 *
 * Ownership of inputs: `commit_secret` and `joiner_secret` are consumed (zeroed
 * on success, RFC 9420 §9.2). The previous `init_secret` and `psk_secret` are
 * only read: a staged Commit may still be discarded, so the caller deletes
 * the old epoch's secrets when it merges the new one.
 */
import { wipe } from "@mlskit/codec";
import { type CipherSuiteProvider, UsageError, deriveSecret, expandWithLabel, expandWithLabelSync, hasSyncKdf, expectDefined } from "@mlskit/core";
import { EpochSecrets } from "./epoch-secrets.js";

function assertSecretLength(cs: CipherSuiteProvider, secret: Uint8Array, name: string): void {
  if (secret.length !== cs.hashLength) {
    throw new UsageError("key-schedule/invalid-secret-length", `${name} must be KDF.Nh = ${cs.hashLength} bytes, got ${secret.length}`);
  }
}

/** The intermediate after the PSK extract: KDF.Extract(joiner_secret, psk_secret or 0). */
function extractMemberSecret(cs: CipherSuiteProvider, joinerSecret: Uint8Array, pskSecret: Uint8Array | undefined): Promise<Uint8Array> {
  assertSecretLength(cs, joinerSecret, "joiner_secret");
  if (pskSecret !== undefined) assertSecretLength(cs, pskSecret, "psk_secret");
  // RFC 9420 §8.4: with no PSKs, psk_secret is the all-zero vector of length KDF.Nh.
  return cs.kdfExtract(joinerSecret, pskSecret ?? new Uint8Array(cs.hashLength));
}

/**
 * joiner_secret = ExpandWithLabel(KDF.Extract(init_secret_[n-1], commit_secret), "joiner", GroupContext_[n], KDF.Nh).
 * `groupContext` is the encoded GroupContext of the new epoch. Consumes
 * `commitSecret`; `initSecret` is not modified.
 */
export async function deriveJoinerSecret(cs: CipherSuiteProvider, initSecret: Uint8Array, commitSecret: Uint8Array, groupContext: Uint8Array): Promise<Uint8Array> {
  assertSecretLength(cs, initSecret, "init_secret");
  assertSecretLength(cs, commitSecret, "commit_secret");
  const extracted = await cs.kdfExtract(initSecret, commitSecret);
  try {
    const joinerSecret = await expandWithLabel(cs, extracted, "joiner", groupContext, cs.hashLength);
    wipe(commitSecret);
    return joinerSecret;
  } finally {
    wipe(extracted);
  }
}

/**
 * welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome").
 * A Welcome joiner needs it before it knows the GroupContext (to decrypt the
 * GroupInfo, RFC 9420 §12.4.3.1). Inputs are not modified.
 */
export async function deriveWelcomeSecret(cs: CipherSuiteProvider, joinerSecret: Uint8Array, pskSecret?: Uint8Array): Promise<Uint8Array> {
  const member = await extractMemberSecret(cs, joinerSecret, pskSecret);
  try {
    return await deriveSecret(cs, member, "welcome");
  } finally {
    wipe(member);
  }
}

/** Inputs of {@link deriveEpochSecrets}: entry into an epoch from its joiner_secret. */
export interface JoinerKeyScheduleInput {
  /** joiner_secret; consumed (zeroed on success). Pass a copy to keep it, e.g. for a Welcome. */
  readonly joinerSecret: Uint8Array;
  /** psk_secret (RFC 9420 §8.4); omitted means no PSKs, the all-zero vector. Not modified. */
  readonly pskSecret?: Uint8Array | undefined;
  /** The encoded GroupContext of the new epoch. */
  readonly groupContext: Uint8Array;
}

/** Inputs of {@link deriveEpochSecretsFromCommit}. */
export interface CommitKeyScheduleInput {
  /** init_secret of the previous epoch (or of external init, §8.3). Not modified. */
  readonly initSecret: Uint8Array;
  /** commit_secret; consumed (zeroed on success). */
  readonly commitSecret: Uint8Array;
  /** psk_secret (RFC 9420 §8.4); omitted means no PSKs. Not modified. */
  readonly pskSecret?: Uint8Array | undefined;
  /** The encoded GroupContext of the new epoch. */
  readonly groupContext: Uint8Array;
}

/** The labels of Table 4 (RFC 9420 §8) and the next epoch's "init". */
const EPOCH_LABELS = {
  senderDataSecret: "sender data",
  encryptionSecret: "encryption",
  exporterSecret: "exporter",
  externalSecret: "external",
  confirmationKey: "confirm",
  membershipKey: "membership",
  resumptionPsk: "resumption",
  epochAuthenticator: "authentication",
  initSecret: "init",
} as const;

/**
 * Every secret of the epoch from joiner_secret: the path of a Welcome joiner,
 * and the second half of {@link deriveEpochSecretsFromCommit}. The member and
 * epoch_secret intermediates are wiped; `joinerSecret` is consumed.
 */
export async function deriveEpochSecrets(cs: CipherSuiteProvider, input: JoinerKeyScheduleInput): Promise<EpochSecrets> {
  const member = await extractMemberSecret(cs, input.joinerSecret, input.pskSecret);
  let epochSecret: Uint8Array | undefined;
  try {
    const entries = Object.entries(EPOCH_LABELS) as [keyof typeof EPOCH_LABELS, string][];
    if (hasSyncKdf(cs)) {
      // The eleven expansions without a promise each, where the provider's KDF is synchronous (node:crypto, noble).
      const empty = new Uint8Array(0);
      const welcomeSecret = expandWithLabelSync(cs, member, "welcome", empty, cs.hashLength);
      const epoch = expandWithLabelSync(cs, member, "epoch", input.groupContext, cs.hashLength);
      epochSecret = epoch;
      const values = {} as Record<keyof typeof EPOCH_LABELS, Uint8Array>;
      for (const [name, label] of entries) values[name] = expandWithLabelSync(cs, epoch, label, empty, cs.hashLength);
      wipe(input.joinerSecret);
      return new EpochSecrets({ welcomeSecret, ...values });
    }
    const [welcomeSecret, epoch] = await Promise.all([deriveSecret(cs, member, "welcome"), expandWithLabel(cs, member, "epoch", input.groupContext, cs.hashLength)]);
    epochSecret = epoch;
    const derived = await Promise.all(entries.map(([, label]) => deriveSecret(cs, epoch, label)));
    const values = Object.fromEntries(entries.map(([name], i) => [name, expectDefined(derived[i], "derived[i]")])) as Record<keyof typeof EPOCH_LABELS, Uint8Array>;
    wipe(input.joinerSecret);
    return new EpochSecrets({ welcomeSecret, ...values });
  } finally {
    wipe(member, epochSecret);
  }
}

/**
 * Every secret of the new epoch from a Commit (RFC 9420 §8): joiner_secret
 * is derived, used and wiped. A committer that must also send a Welcome
 * calls {@link deriveJoinerSecret} and {@link deriveEpochSecrets} itself to
 * keep joiner_secret for the GroupSecrets.
 */
export async function deriveEpochSecretsFromCommit(cs: CipherSuiteProvider, input: CommitKeyScheduleInput): Promise<EpochSecrets> {
  if (input.pskSecret !== undefined) assertSecretLength(cs, input.pskSecret, "psk_secret");
  const joinerSecret = await deriveJoinerSecret(cs, input.initSecret, input.commitSecret, input.groupContext);
  try {
    return await deriveEpochSecrets(cs, { joinerSecret, pskSecret: input.pskSecret, groupContext: input.groupContext });
  } finally {
    wipe(joinerSecret);
  }
}
