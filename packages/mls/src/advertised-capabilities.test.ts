/** Credential types advertised beyond the identity provider's (e.g. for groups that require x509 in required_capabilities). */
import { describe, expect, it } from "vitest";
import { BasicIdentityProvider, CredentialType, WireFormat, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { decodeMlsMessage } from "@mlskit/group";
import { Client } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });

describe("advertisedCredentialTypes", () => {
  it("lists the extra credential types in KeyPackage capabilities; without it only the provider's", async () => {
    const crypto = nobleCryptoProvider();
    const plain = await Client.create({ identity: "a", identityProvider, crypto });
    const wide = await Client.create({ identity: "b", identityProvider, crypto, advertisedCredentialTypes: [CredentialType.x509] });
    const credentialsOf = async (c: Client) => {
      const m = decodeMlsMessage((await c.createKeyPackage()).keyPackage);
      if (m.wireFormat !== WireFormat.mls_key_package) throw new Error("expected a KeyPackage");
      // GREASE values (RFC 9420 §13.5) aside.
      return [...m.keyPackage.leafNode.capabilities.credentials].filter((t) => (t & 0x0f0f) !== 0x0a0a).sort();
    };
    expect(await credentialsOf(plain)).toEqual([CredentialType.basic]);
    expect(await credentialsOf(wide)).toEqual([CredentialType.basic, CredentialType.x509]);
  });
});
