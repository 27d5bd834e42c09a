import { AsyncLocalStorage } from "node:async_hooks";

const requests = new AsyncLocalStorage<string>();

/**
 * Runs `serve` as the handling of the request `requestId`, so code that has no request context yet
 * (tRPC formatting an error it raised while reading the request) can still name the request.
 * @example return withRequestId(c.get("requestId"), () => fetchRequestHandler({ ... }));
 */
export const withRequestId = <T>(requestId: string, serve: () => T): T => requests.run(requestId, serve);

/** The id of the request being handled (see `withRequestId`), or undefined outside one. */
export const currentRequestId = (): string | undefined => requests.getStore();
