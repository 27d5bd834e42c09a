import type { Logger } from "../log.ts";
import type { Host } from "./host.ts";

/**
 * Serves a host on a port and shuts it down gracefully on SIGINT/SIGTERM: readiness turns 503,
 * the listener closes, in-flight requests finish (up to `graceMs`), then `close` releases resources.
 * @example const server = serve(host, { hostname: "127.0.0.1", port: 3000, graceMs: 10_000, log, close: shop.close });
 */
export function serve(
  host: Host,
  options: { hostname: string; port: number; graceMs: number; log: Logger; close: () => Promise<void> },
) {
  const server = Bun.serve({ hostname: options.hostname, port: options.port, fetch: host.app.fetch });
  let stopping: Promise<void> | null = null;

  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      options.log.info("shutting down", { signal, pendingRequests: server.pendingRequests });
      host.drain();
      const drained = server.stop(false);
      const timedOut = Bun.sleep(options.graceMs).then(() => "timeout" as const);
      if ((await Promise.race([drained, timedOut])) === "timeout") {
        options.log.warn("grace period over; closing remaining connections", { graceMs: options.graceMs });
        await server.stop(true);
      }
      await options.close();
      options.log.info("stopped");
    })();
    return stopping;
  };

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (error) => {
          options.log.error("shutdown failed", { error });
          process.exit(1);
        },
      );
    });
  }
  return { server, url: server.url, shutdown };
}
