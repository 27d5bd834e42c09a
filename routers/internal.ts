import type { Span } from "@opentelemetry/api";
import { createTRPCUntypedClient, httpLink, isTRPCClientError, type TRPCClientError } from "@trpc/client";
import { type AnyRouter, initTRPC, TRPCError } from "@trpc/server";
import { DomainError, ErrorKind } from "../contracts/errors.ts";
import type { InternalApi, InternalMethod } from "../contracts/internal.ts";
import { signRequest } from "../platform/http/signature.ts";
import { LSN_HEADER, requestScope } from "../platform/request-context.ts";
import { callTarget, traceCall } from "../platform/telemetry/calls.ts";
import { traceProcedure } from "../platform/telemetry/procedures.ts";
import { traceHeaders } from "../platform/telemetry/propagation.ts";
import { internalTransformer } from "./internal-transformer.ts";

/** What an internal procedure knows: the calling request's id, for logs. Who called is proven by the host. */
export type InternalContext = { requestId: string };

const t = initTRPC.context<InternalContext>().create({
  transformer: internalTransformer,
  isDev: false,
  /** Domain errors travel as their string code and details, so the caller can rebuild them. */
  errorFormatter({ shape, error, ctx }) {
    const { stack: _stack, ...data } = shape.data;
    const cause = error.cause;
    const domain =
      cause instanceof DomainError
        ? { reason: cause.code, kind: cause.kind, ...(cause.details && { details: cause.details }) }
        : {};
    const message =
      error.code === "INTERNAL_SERVER_ERROR" && !(cause instanceof DomainError)
        ? "internal error"
        : shape.message;
    return { ...shape, message, data: { ...data, requestId: ctx?.requestId ?? "unknown", ...domain } };
  },
});

/** A span per internal procedure (`product.reserve`) while tracing; nothing otherwise. */
const tracedProcedure = t.procedure.use(({ path, next }) => traceProcedure(path, next));

// biome-ignore lint/suspicious/noExplicitAny: a contract holds methods of many argument and result types
type AnyContract = Record<string, InternalMethod<any, any>>;

/**
 * The internal router of a service: one mutation per contract method, its arguments checked against
 * the contract's schema. Its result is checked once, by the caller that receives it (`remoteService`):
 * checking it here too cost the callee more CPU than most methods' own work (ADR 176). Mounted at
 * `/internal/<service>/trpc` behind the internal credential; never routed by NGINX.
 * @example internalRouter(productInternal, productService)
 */
export function internalRouter<C extends AnyContract>(contract: C, api: InternalApi<C>): AnyRouter {
  const procedures = Object.fromEntries(
    Object.entries(contract).map(([name, method]) => [
      name,
      tracedProcedure
        .input(method.args)
        .mutation(({ input }) =>
          (api[name] as (...args: unknown[]) => Promise<unknown>)(...(input as unknown[])),
        ),
    ]),
  );
  return t.router(procedures);
}

export type RemoteOptions = {
  /** Base URLs of the callee's instances, e.g. `http://127.0.0.1:4101`. */
  urls: readonly string[];
  /** The shared internal secret (INTERNAL_SECRET). */
  secret: string;
  timeoutMs?: number;
};

/** Errors that mean the request never reached a live instance: safe to send elsewhere, whatever it does. */
const unreachable = (error: unknown) => {
  const code = (error as { code?: string })?.code ?? "";
  return [
    "ECONNREFUSED",
    "ConnectionRefused",
    "ECONNRESET",
    "ConnectionClosed",
    "FailedToOpenSocket",
  ].includes(code);
};

function toDomainError(error: TRPCClientError<AnyRouter>) {
  const data = error.data as
    | { reason?: string; kind?: string; details?: Record<string, unknown> }
    | undefined;
  if (!data?.reason || !ErrorKind.includes(data.kind as ErrorKind)) return error;
  return new DomainError(
    data.kind as ErrorKind,
    data.reason as `${string}.${string}`,
    error.message,
    data.details,
  );
}

/**
 * Another service's API over the network: each call is a signed POST to one of its instances (round
 * robin); a call that finds an instance dead moves to the next one — any call when the connection was
 * refused, idempotent calls on any failure. Arguments and results are validated by the contract, and
 * domain errors come back as DomainErrors with their string codes.
 * @example const product = remoteService("product", productInternal, { urls, secret });
 *          await product.reserve(orderId, lines, ttlMs);
 */
export function remoteService<C extends AnyContract>(
  service: string,
  contract: C,
  options: RemoteOptions,
): InternalApi<C> {
  if (options.urls.length === 0) throw new Error(`no instances of ${service} to call`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let next = 0;

  const clientFor = (base: string) => {
    const signedFetch = (url: URL | RequestInfo, init?: RequestInit) => {
      const target = new URL(url instanceof Request ? url.url : String(url));
      const body = typeof init?.body === "string" ? init.body : "";
      // The caller's last write travels on, so the callee reads it back too (read-your-writes); so
      // do its request id (one id in both services' logs) and its trace context (one trace).
      const scope = requestScope();
      const headers = {
        ...(init?.headers as Record<string, string>),
        ...(scope?.minLsn && { [LSN_HEADER]: scope.minLsn }),
        ...(scope && { "x-request-id": scope.requestId }),
        ...traceHeaders(),
        ...signRequest(options.secret, init?.method ?? "GET", target.pathname + target.search, body),
      };
      return fetch(target, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
    };
    return createTRPCUntypedClient<AnyRouter>({
      links: [
        httpLink({
          url: `${base}/internal/${service}/trpc`,
          transformer: internalTransformer,
          fetch: signedFetch,
        }),
      ],
    });
  };
  const clients = options.urls.map(clientFor);

  const call = (name: string, method: InternalMethod<unknown[], unknown>, args: unknown[]) =>
    traceCall(service, name, (span) => attempt(name, method, args, span));

  const attempt = async (
    name: string,
    method: InternalMethod<unknown[], unknown>,
    args: unknown[],
    span?: Span,
  ) => {
    const input = method.args.parse(args);
    let lastError: unknown;
    for (let tries = 0; tries < clients.length; tries++) {
      const index = next++ % clients.length;
      const client = clients[index]!;
      callTarget(span, options.urls[index]!);
      try {
        return method.result.parse(await client.mutation(name, input));
      } catch (error) {
        lastError = error;
        if (!isTRPCClientError(error)) throw error;
        const cause = error.cause;
        const failedOver = unreachable(cause) || (method.idempotent && !error.data);
        if (!failedOver) throw toDomainError(error);
      }
    }
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: `${service}.${name}: no instance answered`,
      cause: lastError,
    });
  };

  return Object.fromEntries(
    Object.entries(contract).map(([name, method]) => [
      name,
      (...args: unknown[]) => call(name, method, args),
    ]),
  ) as InternalApi<C>;
}
