/**
 * The fields of the runner's request messages as the facade takes them:
 * bytes (proto-loader's Buffers copied to plain Uint8Arrays), optional
 * fields, extensions, and the proposal descriptions of Commit and external
 * signer requests (mlswg/mls-implementations interop/proto/mls_client.proto).
 */
import type { Extension } from "@mlskit/core";
import type { ProposalSpec } from "@mlskit/mls";
import { invalidRequest } from "./errors.js";

/** Bytes as they arrive from proto-loader (Buffer) or anything array-like. */
export type Bytes = Uint8Array;
/** A request or response message as proto-loader hands it out (snake_case fields). */
export type Msg = Record<string, unknown>;

/** A `mls_client.Extension` message. */
export interface ExtensionMsg {
  extension_type: number;
  extension_data: Bytes;
}

/** A `mls_client.ProposalDescription` message. */
export interface ProposalDescriptionMsg {
  proposal_type: Bytes;
  key_package: Bytes;
  removed_id: Bytes;
  psk_id: Bytes;
  epoch_id: string | number;
  extensions: ExtensionMsg[];
  group_id: Bytes;
  cipher_suite: number;
}

/** An empty bytes field. */
export const EMPTY = new Uint8Array(0);
/** The cipher suites of RFC 9420 (SupportedCiphersuites asks the provider about each). */
export const ALL_SUITES = [1, 2, 3, 4, 5, 6, 7] as const;

/** A copy as a plain Uint8Array (proto-loader hands out Buffers, whose `slice` shares memory). */
export function b(x: unknown): Uint8Array {
  if (x instanceof Uint8Array) return new Uint8Array(x);
  if (x === undefined || x === null) return new Uint8Array(0);
  throw invalidRequest("expected bytes");
}
/** UTF-8 text of a bytes field. */
const text = (x: Uint8Array): string => new TextDecoder().decode(x);
/** A bytes field, or undefined when it is empty (the runner leaves optional fields empty). */
export const nonEmpty = (x: unknown): Uint8Array | undefined => {
  const v = b(x);
  return v.length > 0 ? v : undefined;
};
/** Extensions of a repeated `Extension` field. */
export const extensionsOf = (list: readonly ExtensionMsg[] | undefined): Extension[] =>
  (list ?? []).map((e) => ({ extensionType: e.extension_type, extensionData: b(e.extension_data) }));
/** A uint64 field (proto-loader hands out strings or numbers). */
export const u64 = (v: string | number | bigint | undefined): bigint => BigInt(v ?? 0);

/**
 * A proposal description of the runner, as the facade takes it: a by-value
 * proposal of a Commit, or an external sender's proposal. A ReInit with
 * cipher_suite 0 gets `defaultSuite` (none: the facade's default).
 */
export function proposalSpecOf(d: ProposalDescriptionMsg, defaultSuite: number | undefined): ProposalSpec {
  const type = text(b(d.proposal_type));
  switch (type) {
    case "add":
      return { add: b(d.key_package) };
    case "remove":
      return { remove: b(d.removed_id) };
    case "externalPSK":
      return { psk: b(d.psk_id) };
    case "resumptionPSK":
      return { resumptionPsk: { epoch: u64(d.epoch_id) } };
    case "groupContextExtensions":
      return { groupContextExtensions: extensionsOf(d.extensions) };
    case "reinit": {
      const groupId = nonEmpty(d.group_id);
      const cipherSuite = d.cipher_suite ? d.cipher_suite : defaultSuite;
      return {
        reinit: {
          ...(groupId !== undefined ? { groupId } : {}),
          ...(cipherSuite !== undefined ? { cipherSuite } : {}),
          extensions: extensionsOf(d.extensions),
        },
      };
    }
    default:
      throw invalidRequest(`unknown proposal_type "${type}"`);
  }
}
