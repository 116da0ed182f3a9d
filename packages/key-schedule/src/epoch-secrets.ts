/** The secrets of one epoch (RFC 9420 §8, Table 4 "Epoch-Derived Secrets"). */
import { wipe } from "@mlskit/codec";
import { Redacted } from "./redact.js";

/** Plain values of {@link EpochSecrets}, each `KDF.Nh` bytes. */
export interface EpochSecretValues {
  /** DeriveSecret(member secret, "welcome"): encrypts the GroupInfo of a Welcome (§12.4.3.1). */
  readonly welcomeSecret: Uint8Array;
  /** "sender data": keys for SenderData encryption (§6.3.2). */
  readonly senderDataSecret: Uint8Array;
  /** "encryption": the root of the secret tree (§9). */
  readonly encryptionSecret: Uint8Array;
  /** "exporter": MLS-Exporter (§8.5). */
  readonly exporterSecret: Uint8Array;
  /** "external": seeds the external key pair (§8). */
  readonly externalSecret: Uint8Array;
  /** "confirm": the confirmation tag MAC key (§6.1). */
  readonly confirmationKey: Uint8Array;
  /** "membership": the membership tag MAC key of PublicMessage (§6.2). */
  readonly membershipKey: Uint8Array;
  /** "resumption": this epoch's resumption PSK (§8.6). */
  readonly resumptionPsk: Uint8Array;
  /** "authentication": the epoch authenticator (§8.7). */
  readonly epochAuthenticator: Uint8Array;
  /** DeriveSecret(epoch_secret, "init"): init_secret of the next epoch. */
  readonly initSecret: Uint8Array;
}

const NAMES = [
  "welcomeSecret",
  "senderDataSecret",
  "encryptionSecret",
  "exporterSecret",
  "externalSecret",
  "confirmationKey",
  "membershipKey",
  "resumptionPsk",
  "epochAuthenticator",
  "initSecret",
] as const satisfies readonly (keyof EpochSecretValues)[];

/**
 * The epoch's secrets. Values live in a private field: `JSON.stringify`,
 * `util.inspect`, spreading and `Object.entries` reveal nothing.
 */
export class EpochSecrets extends Redacted implements EpochSecretValues {
  readonly #v: EpochSecretValues;

  /** Wraps the given buffers (not copied). */
  constructor(values: EpochSecretValues) {
    super("EpochSecrets");
    this.#v = { ...values };
  }

  get welcomeSecret(): Uint8Array {
    return this.#v.welcomeSecret;
  }
  get senderDataSecret(): Uint8Array {
    return this.#v.senderDataSecret;
  }
  get encryptionSecret(): Uint8Array {
    return this.#v.encryptionSecret;
  }
  get exporterSecret(): Uint8Array {
    return this.#v.exporterSecret;
  }
  get externalSecret(): Uint8Array {
    return this.#v.externalSecret;
  }
  get confirmationKey(): Uint8Array {
    return this.#v.confirmationKey;
  }
  get membershipKey(): Uint8Array {
    return this.#v.membershipKey;
  }
  get resumptionPsk(): Uint8Array {
    return this.#v.resumptionPsk;
  }
  get epochAuthenticator(): Uint8Array {
    return this.#v.epochAuthenticator;
  }
  get initSecret(): Uint8Array {
    return this.#v.initSecret;
  }

  /** The values as a plain object (for persistence); handle with care. */
  values(): EpochSecretValues {
    return { ...this.#v };
  }

  /** Overwrites every secret with zeros. */
  wipe(): void {
    for (const n of NAMES) wipe(this.#v[n]);
  }
}
