/**
 * The web chat's server: the Authentication Service and the Delivery
 * Service on SQLite in a data dir, and the front (static page + proxies) on
 * one origin. `npm run web-chat` (main.ts) and the browser test (e2e.ts)
 * start it.
 */
import { createFront } from "./serve/front.js";
import { startServices } from "./serve/services.js";

/** Options of {@link startWebChat}. */
export interface WebChatOptions {
  /** Where the services keep their SQLite files. */
  readonly dataDir: string;
  /** The AS's registration token (a person's first sign-in needs it). */
  readonly registrationToken: string;
  /** The built page. */
  readonly pageDir: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Every request to the front (method, URL). */
  readonly onRequest?: (method: string, url: string) => void;
}

/** The running chat. */
export interface WebChat {
  /** The page's URL (and the services', under `/v1` and `/as`). */
  readonly url: string;
  readonly asUrl: string;
  readonly dsUrl: string;
  close(): Promise<void>;
}

/** Starts the services and the front. */
export async function startWebChat(options: WebChatOptions): Promise<WebChat> {
  const services = await startServices(options.dataDir, options.registrationToken);
  try {
    const front = await createFront({
      pageDir: options.pageDir,
      asUrl: services.asUrl,
      dsUrl: services.dsUrl,
      ...(options.onRequest !== undefined ? { onRequest: options.onRequest } : {}),
    });
    const url = await front.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
    return {
      url,
      asUrl: services.asUrl,
      dsUrl: services.dsUrl,
      async close() {
        await front.close();
        await services.close();
      },
    };
  } catch (e) {
    await services.close();
    throw e;
  }
}
