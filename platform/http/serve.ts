import type { Server } from "bun";
import type { Logger } from "../log.ts";
import type { Host } from "./host.ts";

/** Listening failed for a reason the person starting fastr can fix; the message says how. */
export class ListenError extends Error {
  override readonly name = "ListenError";
}

/** Turns what the OS said about a failed bind into what to do next; other errors come back unchanged. */
export function explainListenError(error: unknown, hostname: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE")
    return new ListenError(
      `fastr cannot start: port ${port} on ${hostname} is already in use (another fastr, or another program, is listening on it).\n` +
        `Stop that program, or choose another port: PORT=${port === 65535 ? 3001 : port + 1} bun start (PORT=0 picks a free one).`,
    );
  if (code === "EACCES")
    return new ListenError(
      `fastr cannot start: this user may not listen on port ${port} (ports below 1024 need privileges).\n` +
        `Choose a port above 1023: PORT=3000 bun start.`,
    );
  if (code === "EADDRNOTAVAIL")
    return new ListenError(
      `fastr cannot start: HOST=${hostname} is not an address of this machine.\n` +
        `Use HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0 (every interface).`,
    );
  return error;
}

/**
 * Checks, in a millisecond, that the address can be listened on, so start-up fails before it spends
 * seconds opening the database. The real bind in `serve` is still the authority.
 * @example assertCanListen(config.HOST, config.PORT); // throws ListenError: "fastr cannot start: port 3000 … is already in use …"
 */
export function assertCanListen(hostname: string, port: number) {
  if (port === 0) return;
  try {
    Bun.listen({ hostname, port, socket: { data() {} } }).stop(true);
  } catch (error) {
    throw explainListenError(error, hostname, port);
  }
}

/** `assertCanListen` for entry points: prints the reason and exits 1, no stack trace. */
export function assertCanListenOrExit(hostname: string, port: number) {
  try {
    assertCanListen(hostname, port);
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/**
 * How long a connection may go without a byte either way before Bun closes it. Bun's default, 10 s,
 * also cuts a request whose answer takes longer (a checkout queued behind many others on a busy
 * machine): the client sees the connection reset although the work goes on. A minute, as NGINX
 * waits for an upstream's answer by default.
 */
export const IDLE_TIMEOUT_SECONDS = 60;

export type ServeOptions = {
  hostname: string;
  port: number;
  /** The longest a shutdown may take before open connections are cut. */
  graceMs: number;
  log: Logger;
  close: () => Promise<void>;
  /** How long no new request must arrive, after a signal, before the listener closes (default 300). */
  quietMs?: number;
  /** Install SIGINT/SIGTERM handlers that shut down and exit (default true; tests call `shutdown`). */
  handleSignals?: boolean;
};

/**
 * Serves a host on a port and shuts it down gracefully on SIGINT/SIGTERM.
 *
 * A shutdown must not reset a request the shop has already received. Closing the listener at once
 * would: connections the kernel has accepted but the event loop has not yet picked up are reset, and
 * so is a request that arrived on a kept-alive connection the server takes for idle. So the shutdown
 * first turns readiness to 503 and keeps serving — each answer closing its connection — until no
 * request has arrived for `quietMs` (across several turns of the event loop, so whatever was waiting
 * at the signal has been picked up); only then does the listener close, in-flight requests finish
 * (up to `graceMs` in all), and `close` release resources.
 * @example const server = serve(host, { hostname: "127.0.0.1", port: 3000, graceMs: 10_000, log, close: shop.close });
 */
export function serve(host: Host, options: ServeOptions) {
  let received = 0;
  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname: options.hostname,
      port: options.port,
      idleTimeout: IDLE_TIMEOUT_SECONDS,
      fetch(req, srv) {
        received++;
        return host.app.fetch(req, srv);
      },
    });
  } catch (error) {
    throw explainListenError(error, options.hostname, options.port);
  }
  const quietMs = options.quietMs ?? 300;
  let stopping: Promise<void> | null = null;

  /** Resolves once no request has arrived for `quietMs`, checked on separate timer turns, or at `deadline`. */
  const quiet = async (deadline: number) => {
    const checks = 3;
    let seen = received;
    let calm = 0;
    while (calm < checks && performance.now() < deadline) {
      await Bun.sleep(Math.max(1, Math.ceil(quietMs / checks)));
      calm = received === seen ? calm + 1 : 0;
      seen = received;
    }
  };

  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      const deadline = performance.now() + options.graceMs;
      options.log.info("shutting down", { signal, pendingRequests: server.pendingRequests });
      host.drain();
      await quiet(deadline);
      const drained = server.stop(false);
      const timedOut = Bun.sleep(Math.max(0, deadline - performance.now())).then(() => "timeout" as const);
      if ((await Promise.race([drained, timedOut])) === "timeout") {
        options.log.warn("grace period over; closing remaining connections", { graceMs: options.graceMs });
        await server.stop(true);
      }
      await options.close();
      options.log.info("stopped");
    })();
    return stopping;
  };

  if (options.handleSignals ?? true) {
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
  }
  return { server, url: server.url, shutdown };
}

/**
 * `serve` for entry points: an address that cannot be listened on prints the readable reason,
 * releases what `close` releases, and exits 1 — no stack trace.
 * @example const { url } = await serveOrExit(host, { hostname, port, graceMs, log, close });
 */
export async function serveOrExit(host: Host, options: ServeOptions) {
  try {
    return serve(host, options);
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    console.error(error.message);
    await options.close();
    process.exit(1);
  }
}
