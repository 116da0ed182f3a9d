/** A failure of the web chat itself (not of mlskit), with a code like mlskit's and a sentence for a person. */
export class ChatError extends Error {
  override readonly name = "ChatError";
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
