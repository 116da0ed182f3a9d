/**
 * welcome.json (README-test-vectors.md "Welcome"), every case × provider:
 * decrypt the Welcome for the KeyPackage, verify the GroupInfo signature
 * with `signer_pub`, and the confirmation tag from a key schedule run from
 * the joiner_secret with no PSKs.
 */
import { afterAll, describe, expect, it } from "vitest";
import { WireFormat } from "@mlskit/core";
import { deriveEpochSecrets, encodeGroupContext, verifyConfirmationTag } from "@mlskit/key-schedule";
import { groupVectors, hex, vectorReport } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { openSuite } from "../framing/framing.fixture.js";
import { verifyGroupInfoSignature } from "./group-info.js";
import { decodeMlsMessage } from "../framing/mls-message.js";
import { decryptWelcome } from "./welcome-join.js";

const FILE = "welcome.json";

for (const provider of testProviders()) {
  describe(`${FILE} × ${provider.name}`, () => {
    const report = vectorReport(FILE, provider.name);
    afterAll(() => report.print());
    groupVectors.welcome().forEach((v, n) => {
      it(`case ${n} (suite ${v.cipher_suite})`, async (t) => {
        const cs = await openSuite(provider, v.cipher_suite);
        if (typeof cs === "string") {
          report.skipped(cs);
          t.skip(cs);
          return;
        }
        const kp = decodeMlsMessage(hex(v.key_package));
        const w = decodeMlsMessage(hex(v.welcome));
        if (kp.wireFormat !== WireFormat.mls_key_package || w.wireFormat !== WireFormat.mls_welcome) throw new Error("bad vector");
        const { groupInfo, groupSecrets } = await decryptWelcome(cs, w.welcome, kp.keyPackage, hex(v.init_priv), undefined);
        expect(await verifyGroupInfoSignature(cs, hex(v.signer_pub), groupInfo)).toBe(true);
        const secrets = await deriveEpochSecrets(cs, {
          joinerSecret: groupSecrets.joinerSecret.slice(),
          groupContext: encodeGroupContext(groupInfo.groupContext),
        });
        expect(await verifyConfirmationTag(cs, secrets.confirmationKey, groupInfo.groupContext.confirmedTranscriptHash, groupInfo.confirmationTag)).toBe(true);
        report.ran();
      });
    });
  });
}
