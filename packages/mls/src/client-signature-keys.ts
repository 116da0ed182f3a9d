/**
 * A client's signature key pairs, one per signature scheme (RFC 9420 §5.1):
 * those given or restored, and those generated on first use of a suite with
 * another scheme, each stored (through `onNew`) before anything is signed
 * with it. Internal to the facade.
 */
import type { CipherSuiteProvider, KeyPair, SignatureSchemeId } from "@mlskit/core";

/** @internal */
export class SignatureKeys {
  readonly #pairs = new Map<SignatureSchemeId, Promise<KeyPair>>();
  readonly #settled = new Map<SignatureSchemeId, KeyPair>();
  readonly #onNew: () => Promise<void>;

  constructor(initial: Iterable<readonly [SignatureSchemeId, KeyPair]>, onNew: () => Promise<void>) {
    for (const [scheme, kp] of initial) {
      this.#pairs.set(scheme, Promise.resolve(kp));
      this.#settled.set(scheme, kp);
    }
    this.#onNew = onNew;
  }

  /** The key pairs made so far (what the client record stores). */
  get settled(): ReadonlyMap<SignatureSchemeId, KeyPair> {
    return this.#settled;
  }

  /** The key pair of `cs`'s signature scheme, generated (and stored) on first use. */
  for(cs: CipherSuiteProvider): Promise<KeyPair> {
    const scheme = cs.suite.signature;
    let kp = this.#pairs.get(scheme);
    if (kp === undefined) {
      kp = cs.signatureGenerateKeyPair().then(async (made) => {
        this.#settled.set(scheme, made);
        await this.#onNew();
        return made;
      });
      this.#pairs.set(scheme, kp);
      kp.catch(() => this.#pairs.delete(scheme));
    }
    return kp;
  }
}
