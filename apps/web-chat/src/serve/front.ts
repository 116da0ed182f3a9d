/**
 * The one origin the page talks to: the built page as static files, `/v1/*`
 * (HTTP and the WebSocket stream) forwarded to the Delivery Service and
 * `/as/*` to the Authentication Service, bodies passed through untouched
 * (the DS checks signatures over the raw bytes and the path as sent).
 */
import fastifyHttpProxy from "@fastify/http-proxy";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance } from "fastify";

/** What the front forwards and serves. */
export interface FrontOptions {
  /** The built page (Vite's output dir). */
  readonly pageDir: string;
  readonly asUrl: string;
  readonly dsUrl: string;
  /** Called for every request (method, URL), e.g. to watch traffic in tests. */
  readonly onRequest?: (method: string, url: string) => void;
}

/**
 * Page script, workers and connections from this origin only: no inline
 * script, no other hosts. `'wasm-unsafe-eval'` is not granted: nothing needs it.
 */
const CSP = "default-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** The front server (not listening yet). */
export async function createFront(options: FrontOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  if (options.onRequest !== undefined) {
    const onRequest = options.onRequest;
    app.addHook("onRequest", async (request) => onRequest(request.method, request.url));
  }
  app.addHook("onSend", async (request, reply) => {
    if (!request.url.startsWith("/v1/") && !request.url.startsWith("/as/")) {
      reply.header("content-security-policy", CSP);
      reply.header("x-content-type-options", "nosniff");
      reply.header("referrer-policy", "no-referrer");
    }
  });
  await app.register(fastifyHttpProxy, { upstream: options.dsUrl, prefix: "/v1", rewritePrefix: "/v1", websocket: true });
  await app.register(fastifyHttpProxy, { upstream: options.asUrl, prefix: "/as", rewritePrefix: "/as" });
  await app.register(fastifyStatic, { root: options.pageDir, prefix: "/", index: ["index.html"] });
  return app;
}
