/** Shapes of the official vector files (fields as in README-test-vectors.md). */
export type Hex = string;

export interface DeserializationVector {
  vlbytes_header: Hex;
  length: number;
}

export interface CryptoBasicsVector {
  cipher_suite: number;
  ref_hash: { label: string; value: Hex; out: Hex };
  expand_with_label: { secret: Hex; label: string; context: Hex; length: number; out: Hex };
  derive_secret: { secret: Hex; label: string; out: Hex };
  derive_tree_secret: { secret: Hex; label: string; generation: number; length: number; out: Hex };
  sign_with_label: { priv: Hex; pub: Hex; content: Hex; label: string; signature: Hex };
  encrypt_with_label: {
    priv: Hex;
    pub: Hex;
    label: string;
    context: Hex;
    plaintext: Hex;
    kem_output: Hex;
    ciphertext: Hex;
  };
}

export interface KeyScheduleEpoch {
  tree_hash: Hex;
  commit_secret: Hex;
  psk_secret: Hex;
  confirmed_transcript_hash: Hex;
  group_context: Hex;
  joiner_secret: Hex;
  welcome_secret: Hex;
  init_secret: Hex;
  sender_data_secret: Hex;
  encryption_secret: Hex;
  exporter_secret: Hex;
  epoch_authenticator: Hex;
  external_secret: Hex;
  confirmation_key: Hex;
  membership_key: Hex;
  resumption_psk: Hex;
  external_pub: Hex;
  exporter: { label: Hex; context: Hex; length: number; secret: Hex };
}

export interface KeyScheduleVector {
  cipher_suite: number;
  group_id: Hex;
  initial_init_secret: Hex;
  epochs: KeyScheduleEpoch[];
}

export interface PskSecretVector {
  cipher_suite: number;
  psks: { psk_id: Hex; psk: Hex; psk_nonce: Hex }[];
  psk_secret: Hex;
}

export interface SecretTreeLeafGeneration {
  generation: number;
  handshake_key: Hex;
  handshake_nonce: Hex;
  application_key: Hex;
  application_nonce: Hex;
}

export interface SecretTreeVector {
  cipher_suite: number;
  sender_data: { sender_data_secret: Hex; ciphertext: Hex; key: Hex; nonce: Hex };
  encryption_secret: Hex;
  leaves: SecretTreeLeafGeneration[][];
}

export interface TranscriptHashesVector {
  cipher_suite: number;
  confirmation_key: Hex;
  authenticated_content: Hex;
  interim_transcript_hash_before: Hex;
  confirmed_transcript_hash_after: Hex;
  interim_transcript_hash_after: Hex;
}

/** One RFC 9180 Appendix A test (Base mode), as extracted into rfc9180-hpke.json. */
export interface HpkeVector {
  mode: number;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: Hex;
  ikmE: Hex;
  pkEm: Hex;
  skEm: Hex;
  ikmR: Hex;
  pkRm: Hex;
  skRm: Hex;
  enc: Hex;
  shared_secret: Hex;
  key: Hex;
  base_nonce: Hex;
  exporter_secret: Hex;
  encryptions: { seq: number; pt: Hex; aad: Hex; nonce: Hex; ct: Hex }[];
  exports: { exporter_context: Hex; L: number; exported_value: Hex }[];
}

/** tree-math.json (RFC 9420 Appendix C): `null` where the relation does not exist. */
export interface TreeMathVector {
  n_leaves: number;
  n_nodes: number;
  root: number;
  left: (number | null)[];
  right: (number | null)[];
  parent: (number | null)[];
  sibling: (number | null)[];
}

/** tree-operations.json: one Add, Update or Remove proposal applied to a tree. */
export interface TreeOperationsVector {
  cipher_suite: number;
  tree_before: Hex;
  proposal: Hex;
  proposal_sender: number;
  tree_hash_before: Hex;
  tree_after: Hex;
  tree_hash_after: Hex;
}

/** tree-validation.json: per-node resolutions and tree hashes of a valid tree. */
export interface TreeValidationVector {
  cipher_suite: number;
  tree: Hex;
  group_id: Hex;
  resolutions: number[][];
  tree_hashes: Hex[];
}

/** treekem.json: private TreeKEM states and UpdatePaths to process. */
export interface TreeKemVector {
  cipher_suite: number;
  group_id: Hex;
  epoch: number;
  confirmed_transcript_hash: Hex;
  ratchet_tree: Hex;
  leaves_private: {
    index: number;
    encryption_priv: Hex;
    signature_priv: Hex;
    path_secrets: { node: number; path_secret: Hex }[];
  }[];
  update_paths: {
    sender: number;
    update_path: Hex;
    path_secrets: (Hex | null)[];
    commit_secret: Hex;
    tree_hash_after: Hex;
  }[];
}

/** messages.json: one serialized example of each wire struct (codec round-trip only). */
export interface MessagesVector {
  mls_welcome: Hex;
  mls_group_info: Hex;
  mls_key_package: Hex;
  ratchet_tree: Hex;
  group_secrets: Hex;
  add_proposal: Hex;
  update_proposal: Hex;
  remove_proposal: Hex;
  pre_shared_key_proposal: Hex;
  re_init_proposal: Hex;
  external_init_proposal: Hex;
  group_context_extensions_proposal: Hex;
  commit: Hex;
  public_message_application: Hex;
  public_message_proposal: Hex;
  public_message_commit: Hex;
  private_message: Hex;
}

/** message-protection.json: PublicMessage / PrivateMessage protection in one epoch, sender leaf 1 of 2. */
export interface MessageProtectionVector {
  cipher_suite: number;
  group_id: Hex;
  epoch: number;
  tree_hash: Hex;
  confirmed_transcript_hash: Hex;
  signature_priv: Hex;
  signature_pub: Hex;
  encryption_secret: Hex;
  sender_data_secret: Hex;
  membership_key: Hex;
  proposal: Hex;
  proposal_pub: Hex;
  proposal_priv: Hex;
  commit: Hex;
  commit_pub: Hex;
  commit_priv: Hex;
  application: Hex;
  application_priv: Hex;
}

/** welcome.json: decrypt a Welcome for a KeyPackage and verify its GroupInfo. */
export interface WelcomeVector {
  cipher_suite: number;
  init_priv: Hex;
  signer_pub: Hex;
  key_package: Hex;
  welcome: Hex;
}

/** passive-client-*.json: join by Welcome, then follow the group's commits. */
export interface PassiveClientVector {
  cipher_suite: number;
  external_psks: { psk_id: Hex; psk: Hex }[];
  key_package: Hex;
  signature_priv: Hex;
  encryption_priv: Hex;
  init_priv: Hex;
  welcome: Hex;
  ratchet_tree: Hex | null;
  initial_epoch_authenticator: Hex;
  epochs: { proposals: Hex[]; commit: Hex; epoch_authenticator: Hex }[];
}
