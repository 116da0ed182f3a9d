/**
 * GREASE for MLS (RFC 9420 §13.5, after RFC 8701): reserved code points a
 * sender sprinkles into extensible lists so that receivers which wrongly
 * reject unknown values fail early and visibly.
 *
 * Senders add them to `LeafNode.capabilities.{cipher_suites, extensions,
 * proposals, credentials}`, `LeafNode.extensions`, `KeyPackage.extensions`
 * and `GroupInfo.extensions` — and never to `Proposal.proposal_type`,
 * `Credential.credential_type`, `GroupContext.extensions` or
 * `GroupContextExtensions.extensions` (§13.5). Receivers give them no special
 * treatment: an unknown value is handled by the ordinary "ignore what you do
 * not know" logic, so nothing in the validators refers to {@link isGrease}.
 */
import type { Extension } from "@mlskit/core";
import type { Capabilities } from "@mlskit/ratchet-tree";
import { expectDefined } from "@mlskit/core";

/**
 * The fifteen GREASE values reserved in every MLS registry (RFC 9420 §13.5,
 * §17.1, §17.3-§17.5): `0x0A0A`, `0x1A1A`, … `0xEAEA`. (`0xFAFA` is in the
 * private-use range and not GREASE.)
 */
export const GREASE_VALUES: readonly number[] = Object.freeze(Array.from({ length: 15 }, (_, i) => (i << 12) | 0x0a00 | (i << 4) | 0x0a));

/** Whether `v` is one of the {@link GREASE_VALUES} (RFC 9420 §13.5). For senders and tests; receivers must not branch on it. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >>> 12 === ((v >>> 4) & 0x0f) && v <= 0xeaea;
}

/** A source of random bytes, such as `cs.randomBytes`. */
export type RandomSource = (length: number) => Uint8Array;

/** Which of the §13.5 fields a generator fills with GREASE. Every field defaults to on. */
export interface GreaseOptions {
  /** `LeafNode.capabilities.{cipher_suites, extensions, proposals, credentials}`. */
  readonly capabilities?: boolean;
  /** A GREASE extension in `LeafNode.extensions` (its type is then listed in the capabilities, §13.5). */
  readonly leafNodeExtensions?: boolean;
  /** A GREASE extension in `KeyPackage.extensions` (its type is listed in the capabilities too, §10). */
  readonly keyPackageExtensions?: boolean;
}

/** GREASE settings as a generator takes them: `true` (the default) for all fields, `false` for none, or per field. */
export type GreaseSetting = boolean | GreaseOptions;

/** The settings resolved to three flags. */
export function resolveGrease(setting: GreaseSetting | undefined): Required<GreaseOptions> {
  if (setting === undefined || setting === true) return { capabilities: true, leafNodeExtensions: true, keyPackageExtensions: true };
  if (setting === false) return { capabilities: false, leafNodeExtensions: false, keyPackageExtensions: false };
  return {
    capabilities: setting.capabilities ?? true,
    leafNodeExtensions: setting.leafNodeExtensions ?? true,
    keyPackageExtensions: setting.keyPackageExtensions ?? true,
  };
}

/**
 * `count` distinct GREASE values chosen at random, none of them in `exclude`.
 * Fewer are returned only when fewer than `count` remain available.
 */
export function randomGreaseValues(random: RandomSource, count: number, exclude: Iterable<number> = []): number[] {
  const taken = new Set(exclude);
  const pool = GREASE_VALUES.filter((v) => !taken.has(v));
  const out: number[] = [];
  const bytes = random(Math.max(count, 1));
  for (let i = 0; i < count && pool.length > 0; i++) {
    // Modulo bias over 15 values is irrelevant here: GREASE needs variety, not uniformity.
    const [v] = pool.splice(expectDefined(bytes[i], "bytes[i]") % pool.length, 1);
    out.push(expectDefined(v, "v"));
  }
  return out;
}

/** `list` with `count` random GREASE values it does not already hold inserted at random positions. */
function sprinkle(random: RandomSource, list: readonly number[], count: number): number[] {
  const out = [...list];
  for (const g of randomGreaseValues(random, count, list)) {
    const at = expectDefined(random(1)[0], "random(1)[0]") % (out.length + 1);
    out.splice(at, 0, g);
  }
  return out;
}

/**
 * Capabilities to send: `capabilities` with `perList` random GREASE values
 * added to `cipher_suites`, `extensions`, `proposals` and `credentials`
 * (RFC 9420 §7.2, §13.5: "the creator of a capabilities field SHOULD include
 * some random GREASE values"). `versions` is left alone, as §13.5 lists no
 * GREASE for it. The input is not modified.
 *
 * A client's own view of its capabilities, used to compare with others',
 * MUST NOT contain GREASE (§13.5): keep the input for that.
 */
export function greaseCapabilities(capabilities: Capabilities, random: RandomSource, perList = 1): Capabilities {
  return {
    versions: [...capabilities.versions],
    cipherSuites: sprinkle(random, capabilities.cipherSuites, perList),
    extensions: sprinkle(random, capabilities.extensions, perList),
    proposals: sprinkle(random, capabilities.proposals, perList),
    credentials: sprinkle(random, capabilities.credentials, perList),
  };
}

/**
 * A GREASE extension of a random GREASE type not in `excludeTypes`, with
 * 0-15 random bytes of data (RFC 9420 §13.5: its `extension_data` "MAY have
 * any contents selected by the sender"). Undefined when every type is excluded.
 */
export function greaseExtension(random: RandomSource, excludeTypes: Iterable<number> = []): Extension | undefined {
  const [extensionType] = randomGreaseValues(random, 1, excludeTypes);
  if (extensionType === undefined) return undefined;
  const length = expectDefined(random(1)[0], "random(1)[0]") & 0x0f;
  return { extensionType, extensionData: length === 0 ? new Uint8Array(0) : random(length) };
}

/**
 * `extensions` with one GREASE extension inserted at a random position, its
 * type distinct from every type in the list and from `excludeTypes`. Returns
 * the new list and the added type (to list in the capabilities). The input is
 * not modified.
 */
export function addGreaseExtension(
  extensions: readonly Extension[],
  random: RandomSource,
  excludeTypes: Iterable<number> = [],
): { extensions: Extension[]; greaseType: number | undefined } {
  const ext = greaseExtension(random, [...excludeTypes, ...extensions.map((e) => e.extensionType)]);
  const out = [...extensions];
  if (ext === undefined) return { extensions: out, greaseType: undefined };
  out.splice(expectDefined(random(1)[0], "random(1)[0]") % (out.length + 1), 0, ext);
  return { extensions: out, greaseType: ext.extensionType };
}
