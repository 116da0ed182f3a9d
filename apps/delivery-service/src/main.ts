#!/usr/bin/env node
/**
 * The standalone Delivery Service: `mlskit-ds --db sqlite:<path>|postgres://…
 * (--trust-anchors <file> | --as-url <url>) [--port 0] [--log]`. Validates
 * credentials with the X509IdentityProvider over the AS's trust anchors,
 * listens on 127.0.0.1 only (put a TLS-terminating proxy in front) and
 * prints the listening URL.
 */
import { X509IdentityProvider } from "@mlskit/credential-x509";
import { USAGE, parseCli } from "./cli.js";
import { createDeliveryService } from "./server.js";
import type { DsStore } from "./store/ds-store.js";
import { postgresDsStore } from "./store/postgres-store.js";
import { sqliteDsStore } from "./store/sqlite-store.js";
import { trustAnchorsFromAs, trustAnchorsFromFile } from "./trust-anchors.js";

async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const trustAnchors = cli.trust.kind === "file" ? await trustAnchorsFromFile(cli.trust.path) : await trustAnchorsFromAs(cli.trust.url);
  const identityProvider = new X509IdentityProvider({ trustAnchors });
  const store: DsStore = cli.db.kind === "sqlite" ? sqliteDsStore({ path: cli.db.path }) : await postgresDsStore({ connectionString: cli.db.connectionString });
  const app = createDeliveryService({
    store,
    identityProvider,
    logger: cli.log,
    ...(cli.bodyLimit !== undefined ? { limits: { bodyLimit: cli.bodyLimit } } : {}),
  });
  const url = await app.listen({ host: "127.0.0.1", port: cli.port });
  process.stdout.write(`${url}\n`);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    app
      .close()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((e: unknown) => {
  process.stderr.write(`mlskit-ds: ${(e as Error)?.message ?? String(e)}\n`);
  process.exit(1);
});
