/** The external key pair and external initialisation (RFC 9420 §8, §8.3). */
import { utf8 } from "@mlskit/codec";
import type { CipherSuiteProvider, KeyPair } from "@mlskit/core";
import { Redacted } from "./redact.js";

/** The HPKE exporter context of external init (RFC 9420 §8.3). */
const EXTERNAL_INIT_LABEL = utf8("MLS 1.0 external init secret");
const EMPTY = new Uint8Array(0);

/**
 * `external_priv, external_pub = KEM.DeriveKeyPair(external_secret)` (RFC 9420 §8).
 * `external_pub` goes into GroupInfo's `external_pub` extension.
 */
export function deriveExternalKeyPair(cs: CipherSuiteProvider, externalSecret: Uint8Array): Promise<KeyPair> {
  return cs.hpkeDeriveKeyPair(externalSecret);
}

/** The joiner's side of external init: the ExternalInit proposal's `kem_output` and the new init_secret. */
export class ExternalInit extends Redacted {
  /** Public: goes into the ExternalInit proposal. */
  readonly kemOutput: Uint8Array;
  readonly #initSecret: Uint8Array;

  constructor(kemOutput: Uint8Array, initSecret: Uint8Array) {
    super("ExternalInit");
    this.kemOutput = kemOutput;
    this.#initSecret = initSecret;
  }

  /** The init_secret to run the key schedule from (RFC 9420 §8.3). */
  get initSecret(): Uint8Array {
    return this.#initSecret;
  }
}

/**
 * Joiner side (RFC 9420 §8.3):
 * ```
 * kem_output, context = SetupBaseS(external_pub, "")
 * init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
 * ```
 */
export async function createExternalInit(cs: CipherSuiteProvider, externalPub: Uint8Array): Promise<ExternalInit> {
  const { kemOutput, exportedSecret } = await cs.hpkeExportSender(externalPub, EMPTY, EXTERNAL_INIT_LABEL, cs.hashLength);
  return new ExternalInit(kemOutput, exportedSecret);
}

/**
 * Member side (RFC 9420 §8.3): the init_secret from an ExternalInit
 * proposal's `kem_output` and the epoch's `external_priv`.
 * ```
 * context = SetupBaseR(kem_output, external_priv, "")
 * init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
 * ```
 */
export function processExternalInit(cs: CipherSuiteProvider, kemOutput: Uint8Array, externalPriv: Uint8Array, externalPub?: Uint8Array): Promise<Uint8Array> {
  return cs.hpkeExportReceiver(kemOutput, externalPriv, EMPTY, EXTERNAL_INIT_LABEL, cs.hashLength, externalPub);
}
