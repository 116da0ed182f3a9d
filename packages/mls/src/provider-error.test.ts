/**
 * The application's IdentityProvider failing with an exception of its own is
 * a ProviderError `provider/identity-failed` carrying it as `cause`, not a
 * ValidationError (the input is not at fault) nor an InternalError; its
 * ValidationError rejections pass through unchanged.
 */
import { describe, expect, it } from "vitest";
import { BasicIdentityProvider, type IdentityProvider, ValidationError, acceptAll, guardIdentityProvider } from "@mlskit/core";
import { Client, MlsError, ProviderError } from "@mlskit/mls";

const basic = new BasicIdentityProvider({ policy: acceptAll });

/** `basic`, except that validateCredential throws `failure` once `armed` is set. */
function flaky(failure: () => unknown): { provider: IdentityProvider; arm: () => void } {
  let armed = false;
  const provider: IdentityProvider = {
    supportedCredentialTypes: () => basic.supportedCredentialTypes(),
    validateCredential: async (input) => {
      if (armed) throw failure();
      return basic.validateCredential(input);
    },
    validateExternalSender: (input) => basic.validateExternalSender(input),
    identity: (credential) => basic.identity(credential),
    validSuccessor: (a, b) => basic.validSuccessor(a, b),
  };
  return { provider, arm: () => (armed = true) };
}

describe("ProviderError", () => {
  it("guardIdentityProvider wraps a foreign exception, sync or async, and passes mlskit errors through", async () => {
    const boom = new TypeError("directory unreachable");
    const throwing: IdentityProvider = {
      supportedCredentialTypes: () => [],
      validateCredential: () => Promise.reject(boom),
      validateExternalSender: () => {
        throw boom;
      },
      identity: () => Promise.reject(new ValidationError("credential/unknown-identity", "5.3.1", "no such user")),
      validSuccessor: () => Promise.resolve(true),
    };
    const guarded = guardIdentityProvider(throwing);
    const input = { credential: { credentialType: 1, identity: new Uint8Array() }, signaturePublicKey: new Uint8Array(), cipherSuite: 1, context: { event: "join" } } as never;
    for (const p of [guarded.validateCredential(input), guarded.validateExternalSender(input)]) {
      const err = await p.catch((e: unknown) => e);
      expect(ProviderError.isInstance(err) && MlsError.isInstance(err)).toBe(true);
      expect(err).toMatchObject({ code: "provider/identity-failed", cause: boom });
    }
    const rejection = await guarded.identity(input).catch((e: unknown) => e);
    expect(ValidationError.isInstance(rejection) && rejection.code).toBe("credential/unknown-identity");
    expect(await guarded.validSuccessor(input, input)).toBe(true);
  });

  it("a Client whose IdentityProvider throws while validating a new member's KeyPackage fails with provider/identity-failed", async () => {
    const boom = new Error("identity service returned 503");
    const { provider, arm } = flaky(() => boom);
    const alice = await Client.create({ identity: "alice", identityProvider: provider });
    const bob = await Client.create({ identity: "bob", identityProvider: basic });
    const group = await alice.createGroup();
    const { keyPackage } = await bob.createKeyPackage();
    arm();
    const err = await group.addMembers([keyPackage]).catch((e: unknown) => e);
    expect(ProviderError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ code: "provider/identity-failed", cause: boom });
    expect(ValidationError.isInstance(err)).toBe(false);
  });
});
