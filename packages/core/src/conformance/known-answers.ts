/**
 * Expected sizes and known answers of the conformance checks: hash, HMAC,
 * HKDF, AEAD and signature test vectors per algorithm.
 */
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { HpkeAeadId, HpkeKdfId, HpkeKemId, SignatureScheme } from "../ids.js";
import { fail } from "./helpers.js";
import { MLDSA_KAT } from "./known-answers-mldsa.js";

const HASH_LENGTH = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 } as const;

/**
 * Npk, Nsk, Nenc of each KEM: the DHKEMs (RFC 9180 §7.1, Nenc = Npk) and the
 * post-quantum KEMs of draft-ietf-hpke-pq-05 (Tables 2-3; `pq`).
 */
const KEM_SIZES: Record<number, { pk: number; sk: number; enc: number; nist: boolean; pq: boolean }> = {
  [HpkeKemId.DHKEM_P256_HKDF_SHA256]: { pk: 65, sk: 32, enc: 65, nist: true, pq: false },
  [HpkeKemId.DHKEM_P384_HKDF_SHA384]: { pk: 97, sk: 48, enc: 97, nist: true, pq: false },
  [HpkeKemId.DHKEM_P521_HKDF_SHA512]: { pk: 133, sk: 66, enc: 133, nist: true, pq: false },
  [HpkeKemId.DHKEM_X25519_HKDF_SHA256]: { pk: 32, sk: 32, enc: 32, nist: false, pq: false },
  [HpkeKemId.DHKEM_X448_HKDF_SHA512]: { pk: 56, sk: 56, enc: 56, nist: false, pq: false },
  [HpkeKemId.ML_KEM_512]: { pk: 800, sk: 64, enc: 768, nist: false, pq: true },
  [HpkeKemId.ML_KEM_768]: { pk: 1184, sk: 64, enc: 1088, nist: false, pq: true },
  [HpkeKemId.ML_KEM_1024]: { pk: 1568, sk: 64, enc: 1568, nist: false, pq: true },
  [HpkeKemId.MLKEM768_P256]: { pk: 1249, sk: 32, enc: 1153, nist: false, pq: true },
  [HpkeKemId.MLKEM1024_P384]: { pk: 1665, sk: 32, enc: 1665, nist: false, pq: true },
  [HpkeKemId.MLKEM768_X25519]: { pk: 1216, sk: 32, enc: 1120, nist: false, pq: true },
};

const KDF_HASH: Record<number, "SHA-256" | "SHA-384" | "SHA-512"> = {
  [HpkeKdfId.HKDF_SHA256]: "SHA-256",
  [HpkeKdfId.HKDF_SHA384]: "SHA-384",
  [HpkeKdfId.HKDF_SHA512]: "SHA-512",
};

/** Nk, Nn, Nt (RFC 9180 §7.3). */
const AEAD_SIZES: Record<number, { nk: number; nn: number; nt: number; kat: string }> = {
  // KAT: key = 00 01 .. (Nk-1), nonce = 64 65 .. 6f, aad "mlskit aad", pt "mlskit plaintext".
  [HpkeAeadId.AES_128_GCM]: { nk: 16, nn: 12, nt: 16, kat: "770e3dceb276988af75f3e7ef2af53986073908d7b76beba0f3f750e694beb8e" },
  [HpkeAeadId.AES_256_GCM]: { nk: 32, nn: 12, nt: 16, kat: "2577ad0d109d76ee52033686ae0012896309c1a0eeb4e14c86ca6dc8759d8a00" },
  [HpkeAeadId.CHACHA20_POLY1305]: { nk: 32, nn: 12, nt: 16, kat: "597dc8a1f1d1562297bf7c1186eca0e76bc3ec587292abb1d26a634b6ea5a8a9" },
};

/** Hash("abc") (FIPS 180-4 examples), HMAC RFC 4231 test case 2, HKDF with salt/ikm/info "mlskit salt"/"mlskit ikm"/"mlskit info". */
const HASH_KAT: Record<"SHA-256" | "SHA-384" | "SHA-512", { abc: string; hmac: string; prk: string; okm100: string }> = {
  "SHA-256": {
    abc: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    hmac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    prk: "2df84435ee4c1b9e9d003ca6f92f18a0b1674ef26b03879ff0143632d6bde043",
    okm100:
      "743ecc24b20458d5d9221c333341f5029873e6958d09bbe2f1e308d3d0825914f33170c872145f5f4241b94507ed015220601c4493729c298df6abe590dce7f9cf93fda8eb09b844e6009ac8a12aecbd412aaf36c36a826bddf03825eb8bef078f90eb6d",
  },
  "SHA-384": {
    abc: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    hmac: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
    prk: "24524ea07e47fd08b9319046a7cb6aa0b21174f86aa0985a6d2a025eb18e0dc042fbe33cc9a045ba1306114d185b61c5",
    okm100:
      "a55e3a7a5622cdff6fc1131ba56ea3eff732aaedffa66131ad8352f80ae11fa617f3f4ba1a6abdd2292b4f510869b88da60d30e7779e4969213fd6b89058adb7c41a3947fff8f84bfc105da20ed648f1e87b029994721bf58c4a0abb0dfdd1288a646f08",
  },
  "SHA-512": {
    abc: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    hmac: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    prk: "d77a56ac40678f9422692500ac51c66028c120986745c2093408975501c0b5ae57b632c625dc5be2f69d53c41b0c19659522e5d293334c173499a77b5d5efbc8",
    okm100:
      "9a7ce9da279388315d846145900334b803a3d587b3c6d755646b0ae713b690e4dfd35a6d028e4bb4365f7f55b37d35ceb4d72ebb8d84658f2b47b022494dd754367d40d3a094b72f525763b9ae85ce6d683ba5178bdfe36d9e781edf0afbb684b8a33635",
  },
};

/**
 * Signature sizes and a known answer per scheme (made with OpenSSL): the
 * message is "mlskit signature KAT". Ed25519/Ed448 signatures are
 * deterministic (RFC 8032); ECDSA ones are DER, given with low and high S.
 */
const SIGNATURE_KAT: Record<number, { pk: number; sk: number; priv: string; pub: string; sig: string; sigHighS?: string }> = {
  [SignatureScheme.ed25519]: {
    pk: 32,
    sk: 32,
    priv: "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
    pub: "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664",
    sig: "49fb640f26e1749d359c6b32a944df017b6180ceec1e08f47f8d87aa4a115a77655d8d1e01a2a5a19db1a42be025ea961506ea5a7b0f84e5a17b897779187706",
  },
  [SignatureScheme.ed448]: {
    pk: 57,
    sk: 57,
    priv: "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536373839",
    pub: "da918ba3e57fdca0326f46c7ec843ba8fcb0d57fa15f2588a57bae9df558210351e7e15581b24459c0a7cde1e835582d717c0699ea72e8c900",
    sig: "c321a9fec9734c12e6095578bd05547596dda75abed71c4daaab5b03d85b1b3b8088c4d5f68f2636ee7855b109d2e43d31dba494886138bd80296f53a6c26cf67427c7381e1985541e3b54a218d6060ac73a6f69ab8d5e290864ebb37e8d4fe7d41974b265517d1daf6e04b6b2b4993f3e00",
  },
  [SignatureScheme.ecdsa_secp256r1_sha256]: {
    pk: 65,
    sk: 32,
    priv: "0708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223242526",
    pub: "04a28e38dcab1689b9c2f413141939416fea9dcc8e6ad76a8a13422bb4c11e6e32695b1a0d140033e7e0eaa5634fb5e6d36beedcbc67ad3eeb5a8b7f477a59bfda",
    sig: "304402205e66aacb42b3d35f4311f7c4f67090d3f140d151807c2fc231dc0c629c4796b302206a58da938e1446305137dda7a00eb2b73a44eac4cf25189e7838b4cf823c61ce",
    sigHighS: "304502205e66aacb42b3d35f4311f7c4f67090d3f140d151807c2fc231dc0c629c4796b302210095a7256b71ebb9d0aec822585ff14d4882a20fe8d7f285e67b8115f37a26c383",
  },
  [SignatureScheme.ecdsa_secp384r1_sha384]: {
    pk: 97,
    sk: 48,
    priv: "0708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536",
    pub: "04da85c5111cfeb6ddc5650033019f0581bcc3a2c0f3da14422f39eec1dd8ba7c8a9869afdde06193847435ef235efa75e781f524d68872a9e68a76bbf38e4b779ad0deb08130e6ce95a917277586f283915f1053789b2741b04e621f0292c9e85",
    sig: "306402300a9b40eb8a53d311eaae5654f491009d524c44a4f2e973df13d438a4a507fc6a1574daa424a286d8e104f5190c9e3cd9023002a26125f92fb90527c10236c45d25c2755dc0dceeb8764ad791a8662d60227e964be00c94fb35bc64d02a519719ecb3",
    sigHighS:
      "306502300a9b40eb8a53d311eaae5654f491009d524c44a4f2e973df13d438a4a507fc6a1574daa424a286d8e104f5190c9e3cd9023100fd5d9eda06d046fad83efdc93ba2da3d8aa23f23114789b4efd1a51bc6d70b60c1ce2da5b3b571be881bef1935ab3cc0",
  },
  [SignatureScheme.ecdsa_secp521r1_sha512]: {
    pk: 133,
    sk: 66,
    priv: "0108090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748",
    pub: "0401d6b0e7a90a65237bcfc2eca4bdd227446d7470b56369aafdf725e6ee0da842a92d0324913bc5041728bae3651679419d70bd19e4094da86d61711aef6b1e7f9470015cd2c87b63376ed923bb16541db809ff9809ee6a042efa44d3be388fca6040d3d657ed4bac353cbfb051c7557b9fd3bc6e4c9be7dbc488f4aee5b22a7e517b9c3e",
    sig: "30818602412f78613f6eb375a18b4937560d86a7eb6a1ef956c32a2feb8350c70df383ba494e7fc663bdbe30d643299eeb57df0c59da69e88f7da75a40877c8ac3c94c68deb402410dc80969a5ab80f7f240c8baa4c823afafefbaa5f3c3c562d177d920ada610d9fcb3d603b1193a8f0bab6107a24016596b72b4b073b43d95a2e72ece12bd4269c0",
    sigHighS:
      "30818702412f78613f6eb375a18b4937560d86a7eb6a1ef956c32a2feb8350c70df383ba494e7fc663bdbe30d643299eeb57df0c59da69e88f7da75a40877c8ac3c94c68deb4024201f237f6965a547f080dbf37455b37dc505010455a0c3c3a9d2e8826df5259ef25fd9db083d2a5f5075fd46af9a6b6f34c64c9011944d55eb20bd440e90bd3f5fa49",
  },
};
Object.assign(SIGNATURE_KAT, MLDSA_KAT);
export const SIGNATURE_KAT_MESSAGE = "mlskit signature KAT";

/** The sizes and known answers a provider of this suite must match. @internal */
export function expected(cs: CipherSuiteProvider) {
  const s = cs.suite;
  const kem = KEM_SIZES[s.kem] ?? fail(`${s.name}: unknown KEM ${s.kem}`);
  const aead = AEAD_SIZES[s.aead] ?? fail(`${s.name}: unknown AEAD ${s.aead}`);
  const sig = SIGNATURE_KAT[s.signature] ?? fail(`${s.name}: unknown signature scheme ${s.signature}`);
  const kdfHash = KDF_HASH[s.kdf] ?? fail(`${s.name}: unknown KDF ${s.kdf}`);
  // nh: the KDF's Nh (secrets); hashNh: the suite hash's output (RFC 9420 §5.1 lets them differ, as ts-mls's suites do).
  return { nh: HASH_LENGTH[kdfHash], hashNh: HASH_LENGTH[s.hash], kem, aead, sig, kat: HASH_KAT[s.hash], kdfKat: HASH_KAT[kdfHash], kdfIsHash: kdfHash === s.hash };
}

/** What {@link expected} returns. @internal */
export type Expected = ReturnType<typeof expected>;
