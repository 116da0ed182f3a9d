/** Building the Welcome of a Commit for the members it adds (RFC 9420 §12.4.3.1). */
import { encode } from "@mlskit/codec";
import { ProtocolVersion, WireFormat, encryptWithLabel } from "@mlskit/core";
import type { EpochSecrets } from "@mlskit/key-schedule";
import { type CreatedUpdatePath, type LeafIndex, type NodeIndex, directPath, isAncestorOrSelf, leafToNode } from "@mlskit/ratchet-tree";
import { welcomeKeyNonce } from "../commit/commit-common.js";
import { type GroupInfo, groupInfoCodec } from "./group-info.js";
import type { GroupState } from "../state/group-state.js";
import { encodeMlsMessage } from "../framing/mls-message.js";
import { type EncryptedGroupSecrets, type GroupSecrets, groupSecretsCodec } from "./welcome.js";

/**
 * The Welcome (§12.4.3.1): the GroupInfo encrypted under welcome_key/nonce,
 * and per new member its GroupSecrets (joiner_secret, the path secret of the
 * lowest common ancestor with the committer, the PSK ids) encrypted to its
 * init_key with EncryptWithLabel(., "Welcome", encrypted_group_info, .).
 */
export async function createWelcome(
  state: GroupState,
  secrets: EpochSecrets,
  joinerSecret: Uint8Array,
  groupInfo: GroupInfo,
  added: readonly { leafIndex: LeafIndex; keyPackage: { initKey: Uint8Array }; keyPackageRef: Uint8Array }[],
  psks: GroupSecrets["psks"],
  path: CreatedUpdatePath | undefined,
  leafCount: number,
): Promise<Uint8Array> {
  const cs = state.cs;
  const { key, nonce } = await welcomeKeyNonce(cs, secrets.welcomeSecret);
  const encryptedGroupInfo = await cs.aeadSeal(key, nonce, new Uint8Array(0), encode(groupInfoCodec, groupInfo));
  key.fill(0);
  nonce.fill(0);
  const committerPath: NodeIndex[] = directPath(leafToNode(state.ownLeaf), leafCount);
  const entries: EncryptedGroupSecrets[] = await Promise.all(
    added.map(async (a) => {
      const target = leafToNode(a.leafIndex);
      let pathSecret: Uint8Array | undefined;
      if (path !== undefined) {
        // §12.4.3.1: the path secret of the lowest common ancestor of the new member and the committer.
        const lca = committerPath.find((n) => path.pathSecrets.has(n) && isAncestorOrSelf(n, target));
        if (lca !== undefined) pathSecret = path.pathSecrets.get(lca);
      }
      const gs: GroupSecrets = { joinerSecret, pathSecret: pathSecret === undefined ? undefined : { pathSecret }, psks };
      const ct = await encryptWithLabel(cs, a.keyPackage.initKey, "Welcome", encryptedGroupInfo, encode(groupSecretsCodec, gs));
      return { newMember: a.keyPackageRef, encryptedGroupSecrets: ct };
    }),
  );
  return encodeMlsMessage({
    version: ProtocolVersion.mls10,
    wireFormat: WireFormat.mls_welcome,
    welcome: { cipherSuite: cs.suite.id, secrets: entries, encryptedGroupInfo },
  });
}
