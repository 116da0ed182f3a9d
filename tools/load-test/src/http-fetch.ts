/**
 * A `fetch` for DsConnection over node:http with a keep-alive Agent of a
 * bounded number of sockets. The runtime's fetch (undici) opens a new
 * connection for every request in flight, without limit: once the DS falls
 * behind an open-loop generator it piles up thousands of connections (and
 * then connect timeouts), which measures the kernel's accept queue rather
 * than the DS. Here requests beyond the socket limit wait in the Agent's
 * queue — still inside the measured latency, which runs from the due time.
 */
import { Agent, request } from "node:http";

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** A fetch sharing one Agent of at most `maxSockets` keep-alive connections; `destroy()` closes them. */
export function boundedFetch(maxSockets: number): { fetch: FetchFunction; destroy(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const fetch: FetchFunction = (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
      const body = typeof init.body === "string" ? Buffer.from(init.body) : undefined;
      if (body !== undefined) headers["content-length"] = String(body.length);
      const req = request({ agent, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: init.method ?? "GET", headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          // Response refuses a body with 204/304.
          const text = status === 204 || status === 304 ? null : Buffer.concat(chunks).toString("utf8");
          resolve(new Response(text, { status, headers: { "content-type": String(res.headers["content-type"] ?? "application/json") } }));
        });
        res.on("error", reject);
      });
      req.on("error", (e) => reject(new TypeError("fetch failed", { cause: e })));
      if (body !== undefined) req.end(body);
      else req.end();
    });
  return { fetch, destroy: () => agent.destroy() };
}
