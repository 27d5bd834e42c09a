import { AsyncLocalStorage } from "node:async_hooks";

/** What code deep in a request may need without threading it through every call. */
export type RequestScope = {
  requestId: string;
  /**
   * The newest write this caller has seen (a Postgres LSN like `0/3000060`): reads that may go to a
   * replica must come from one that has replayed at least this far.
   */
  minLsn?: string;
};

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` with `scope` as the current request. */
export const withRequestScope = <T>(scope: RequestScope, fn: () => T): T => storage.run(scope, fn);

/** The current request's scope, if any (background jobs have none). */
export const requestScope = (): RequestScope | undefined => storage.getStore();

/** The id of the request being handled, or undefined outside one. */
export const currentRequestId = (): string | undefined => storage.getStore()?.requestId;

/** Where a caller's last write stands: the header a client or service sends back, or the cookie. */
export const LSN_HEADER = "x-fastr-lsn";
export const LSN_COOKIE = "fastr_lsn";

export const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

/** An LSN as a number, for comparing. */
export const lsnValue = (lsn: string) => {
  const [high, low] = lsn.split("/") as [string, string];
  return BigInt(`0x${high}`) * 0x1_0000_0000n + BigInt(`0x${low}`);
};

/** The later of two LSNs. */
export const laterLsn = (a: string | undefined, b: string | undefined) =>
  !a ? b : !b ? a : lsnValue(a) >= lsnValue(b) ? a : b;
