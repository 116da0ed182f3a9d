/** KeyPackage material as stored: a round trip, the suite in its header, and what it refuses. */
import { StorageError, UsageError } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { client } from "../group.fixture.js";
import { noblecs } from "../group-test-suite.fixture.js";
import { peekStateHeader } from "./blob-header.js";
import { decodeKeyPackageMaterial, encodeKeyPackageMaterial } from "./key-package-material.js";

describe("KeyPackage material", async () => {
  const cs = await noblecs(3);
  const { kp } = await client(cs, "keeper");
  const material = {
    keyPackage: kp.encoded,
    initPrivateKey: kp.privateKeys.initPrivateKey.slice(),
    encryptionPrivateKey: kp.privateKeys.encryptionPrivateKey.slice(),
  };

  it("round-trips, with the KeyPackage's suite in the header and lastResort always set on decoding", () => {
    for (const lastResort of [undefined, false, true]) {
      const bytes = encodeKeyPackageMaterial(lastResort === undefined ? material : { ...material, lastResort });
      expect(peekStateHeader(bytes)).toEqual({ kind: "key-package-material", formatVersion: 1, cipherSuite: 3 });
      expect(decodeKeyPackageMaterial(bytes)).toEqual({ ...material, lastResort: lastResort === true });
    }
  });

  it("decodes to copies: wiping the blob leaves the keys", () => {
    const bytes = encodeKeyPackageMaterial(material);
    const decoded = decodeKeyPackageMaterial(bytes);
    bytes.fill(0);
    expect(decoded.initPrivateKey).toEqual(material.initPrivateKey);
  });

  it("refuses what is not a KeyPackage, empty keys and a bad last_resort flag", () => {
    expect(() => encodeKeyPackageMaterial({ ...material, keyPackage: new Uint8Array(3) })).toThrow(UsageError);
    const corrupt = (bytes: Uint8Array) => expect(() => decodeKeyPackageMaterial(bytes)).toThrow(StorageError);
    corrupt(encodeKeyPackageMaterial({ ...material, keyPackage: material.keyPackage.subarray(0, 40) }));
    corrupt(encodeKeyPackageMaterial({ ...material, initPrivateKey: new Uint8Array(0) }));
    const bytes = encodeKeyPackageMaterial(material);
    const flag = bytes.slice();
    flag[flag.length - 1] = 2;
    corrupt(flag);
  });
});
