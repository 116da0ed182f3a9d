/**
 * A {@link PublicGroupView} as bytes, for an observer that keeps it between
 * requests (a Delivery Service, RFC 9750 §5). The blob has the header of
 * every stored blob (`state/blob-header.ts`, magic "MLSO") and reuses the
 * group state's parts:
 *
 * ```tls
 * struct {
 *     GroupContext group_context;          // RFC 9420 §8.1
 *     opaque ratchet_tree<V>;              // optional<Node> ratchet_tree<V>, §12.4.3.3
 *     opaque interim_transcript_hash<V>;   // §8.2, KDF.Nh
 *     opaque confirmation_tag<V>;          // §6.1, KDF.Nh
 *     CachedProposal proposals<V>;         // state-parts.ts
 *     optional<ReInit> reinit;             // §12.1.5
 * } PublicGroupViewBody;
 * ```
 * The environment (provider, policy, services) is not in the blob: it is
 * given again to decode, as for a group state.
 */
import { Writer, opaque } from "@mlskit/codec";
import { groupContextCodec } from "@mlskit/key-schedule";
import { CredentialTypeSummary } from "../leaf-nodes/capabilities.js";
import { setMemberSummary } from "../proposals/proposal-list.js";
import { readHeader, writeHeader, decodingBody } from "../state/blob-header.js";
import { encodedTree } from "../state/encoded-tree.js";
import { readDigest, readProposals, readReinit, writeProposals, writeReinit } from "../state/state-parts.js";
import { loadTree } from "../state/stored-tree.js";
import { type PublicGroupView, type PublicGroupViewEnvironment, makePublicGroupView } from "./public-group-view.js";

/** Encodes `view` (its data; not its environment). The same view always gives the same bytes. */
export function encodePublicGroupView(view: PublicGroupView): Uint8Array {
  const tree = encodedTree(view.tree);
  const w = new Writer(tree.length + 1024);
  writeHeader(w, "public-group-view", view.cs.suite.id);
  groupContextCodec.encode(w, view.groupContext);
  w.opaque(tree);
  w.opaque(view.interimTranscriptHash);
  w.opaque(view.confirmationTag);
  writeProposals(w, view.proposals);
  writeReinit(w, view.reinit);
  return w.finish();
}

/**
 * Decodes a view written by {@link encodePublicGroupView}. The tree is
 * parsed structurally, not re-validated (it was validated when it entered
 * the view), and checked against the GroupContext's tree hash.
 * @throws StorageError `storage/corrupt` (not a view, damaged, truncated,
 *   trailing bytes, tree hash differing), `storage/unsupported-version`;
 *   UsageError `usage/cipher-suite-mismatch` when `env.cs` is of another suite.
 */
export async function decodePublicGroupView(bytes: Uint8Array, env: PublicGroupViewEnvironment): Promise<PublicGroupView> {
  const { cs } = env;
  const { body } = readHeader(bytes, "public-group-view", cs.suite.id);
  return decodingBody("public-group-view", async () => {
    const contextAt = body.offset;
    const groupContext = body.field("group_context", () => groupContextCodec.decode(body));
    if (groupContext.cipherSuite !== cs.suite.id) {
      body.field("group_context", () => body.fail("codec/invalid-value", `GroupContext of suite ${groupContext.cipherSuite} in a view of suite ${cs.suite.id}`, contextAt));
    }
    const treeBytes = body.field("ratchet_tree", () => opaque.decode(body));
    const interimTranscriptHash = readDigest(body, cs, "interim_transcript_hash");
    const confirmationTag = readDigest(body, cs, "confirmation_tag");
    const proposals = readProposals(body, cs);
    const reinit = readReinit(body);
    body.assertEnd();
    const tree = await loadTree(cs, treeBytes, groupContext.treeHash);
    setMemberSummary(tree, CredentialTypeSummary.fromTree(tree));
    return makePublicGroupView(env, { groupContext, tree, interimTranscriptHash, confirmationTag, proposals, reinit });
  });
}
