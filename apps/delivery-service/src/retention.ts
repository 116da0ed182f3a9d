/** Periodic queue retention: undelivered entries past the policy's age or count are dropped (store.pruneQueues). */
import type { FastifyInstance } from "fastify";
import type { DsContext } from "./context.js";

/** Runs retention every `limits.retentionIntervalMs` while the server is up (not at all when 0). */
export function scheduleRetention(app: FastifyInstance, ctx: DsContext): void {
  const every = ctx.limits.retentionIntervalMs;
  if (every <= 0) return;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    ctx.store
      .pruneQueues(ctx.limits.retention, ctx.clock())
      .then((dropped) => {
        if (dropped > 0) app.log.info({ dropped }, "queue retention");
      })
      .catch(() => app.log.error("queue retention failed"))
      .finally(() => {
        running = false;
      });
  }, every);
  timer.unref();
  app.addHook("onClose", async () => clearInterval(timer));
}
