import {
  createTRPCClient,
  type HTTPHeaders,
  httpBatchLink,
  type TRPCClient,
  type TRPCLink,
} from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import superjson from "superjson";
import type { AppRouter } from "./index.ts";

export type { AppRouter };

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export type ServiceLinkOptions = {
  /** Where the shop is served, e.g. `http://localhost:3000`, or `""` for same-origin in a browser. */
  baseUrl: string;
  headers?: HTTPHeaders | (() => HTTPHeaders | Promise<HTTPHeaders>);
  fetch?: FetchLike;
  /** Calls per batched request; the server refuses more than its MAX_BATCH_SIZE (default 10). */
  maxBatchSize?: number;
};

/**
 * Sends `product.list` to `<baseUrl>/api/product/trpc/list`: one batching link per service, so a page
 * that asks three services makes three requests, each batching its own calls.
 */
export function serviceLink<TRouter extends AnyRouter>(options: ServiceLinkOptions): TRPCLink<TRouter> {
  // Read-your-writes across replicas: the newest write position any answer reported goes back with
  // every later request (browsers also carry it in the fastr_lsn cookie).
  let lastWrite: string | undefined;
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const trackingFetch: FetchLike = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (lastWrite) headers.set("x-fastr-lsn", lastWrite);
    const response = await baseFetch(input, { ...init, headers });
    const written = response.headers.get("x-fastr-lsn");
    if (written && (!lastWrite || laterPosition(written, lastWrite))) lastWrite = written;
    return response;
  };
  return (runtime) => {
    const perService = new Map<string, ReturnType<ReturnType<typeof httpBatchLink>>>();
    return ({ op, next }) => {
      const dot = op.path.indexOf(".");
      const service = op.path.slice(0, dot);
      let link = perService.get(service);
      if (!link) {
        link = httpBatchLink({
          url: `${options.baseUrl}/api/${service}/trpc`,
          transformer: superjson,
          headers: options.headers ?? {},
          maxItems: options.maxBatchSize ?? 10,
          fetch: trackingFetch,
        })(runtime);
        perService.set(service, link);
      }
      return link({ op: { ...op, path: op.path.slice(dot + 1) }, next });
    };
  };
}

/** Whether WAL position `a` (like `0/3000060`) is after `b`. */
function laterPosition(a: string, b: string) {
  const value = (lsn: string) => {
    const [high = "0", low = "0"] = lsn.split("/");
    return BigInt(`0x${high}`) * 0x1_0000_0000n + BigInt(`0x${low}`);
  };
  try {
    return value(a) > value(b);
  } catch {
    return false;
  }
}

/**
 * A typed client for the whole shop.
 * @example
 * const shop = createFastrClient({ baseUrl: "http://localhost:3000", headers: { authorization: `Bearer ${token}` } });
 * const { items } = await shop.product.list.query({ category: "coffee", sort: "price_asc" });
 */
export const createFastrClient = (options: ServiceLinkOptions): TRPCClient<AppRouter> =>
  createTRPCClient<AppRouter>({ links: [serviceLink<AppRouter>(options)] });
export type FastrClient = ReturnType<typeof createFastrClient>;
