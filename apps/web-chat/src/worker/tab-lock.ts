/**
 * One chat per browser profile at a time: two tabs running the same client
 * would derive states from the same epochs and fight over its store. The
 * worker holds a Web Lock for as long as it lives (the browser releases it
 * when the worker ends, e.g. on reload); a second tab waits briefly for it
 * (a reloading tab's old worker may still be going away) and then gives up.
 */
import { ChatError } from "./chat-error.js";

const LOCK = "mlskit-web-chat";

let held: Promise<void> | undefined;

/** Takes the lock (once per worker). @throws ChatError `web-chat/other-tab` when another tab keeps it. */
export function holdTabLock(waitMs = 3_000): Promise<void> {
  held ??= new Promise<void>((resolve, reject) => {
    navigator.locks
      .request(LOCK, { signal: AbortSignal.timeout(waitMs) }, () => {
        resolve();
        return new Promise<never>(() => undefined); // held until the worker ends
      })
      .catch(() => {
        held = undefined;
        reject(new ChatError("web-chat/other-tab", "the chat is already open in another tab of this browser: use that one, or close it and reload this page"));
      });
  });
  return held;
}
