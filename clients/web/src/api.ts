/** The typed tRPC client (one batching link per service, from `routers/client.ts`) and the query cache. */
import { QueryClient } from "@tanstack/react-query";
import { createTRPCClient, TRPCClientError } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { serviceLink } from "../../../routers/client.ts";
import type { AppRouter } from "../../../routers/index.ts";

type Outputs = inferRouterOutputs<AppRouter>;
export type Cart = Outputs["cart"]["get"];
export type CartLine = Cart["lines"][number];
export type Order = Outputs["order"]["get"];
export type Product = Outputs["product"]["get"];
export type ProductSummary = Outputs["product"]["list"]["items"][number];
export type Category = Outputs["product"]["categories"][number];
export type Address = Outputs["user"]["addresses"]["list"][number];
export type User = NonNullable<Outputs["auth"]["me"]>;

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/** Same origin: the shop serves the storefront and the API from one host (NGINX does the same). */
export const trpcClient = createTRPCClient<AppRouter>({ links: [serviceLink<AppRouter>({ baseUrl: "" })] });

/** A 4xx answer is final: asking again would only delay the message. */
const isFinal = (error: unknown) =>
  error instanceof TRPCClientError &&
  typeof error.data?.httpStatus === "number" &&
  error.data.httpStatus < 500;

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      retry: (failures, error) => failures < 2 && !isFinal(error),
    },
    mutations: { retry: false },
  },
});

/** The API's own words for what went wrong (it writes them for people); a lost connection said plainly. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError && !error.data) {
    return "The shop could not be reached. Check your connection and try again.";
  }
  return error instanceof Error ? error.message : String(error);
}

/** The tRPC code of a failed call (`UNAUTHORIZED`, `CONFLICT`, …), if the server answered. */
export const errorCode = (error: unknown): string | undefined =>
  error instanceof TRPCClientError ? error.data?.code : undefined;

/** Field → message from the server's validation issues, for showing next to the inputs. */
export function fieldErrors(error: unknown): Record<string, string> {
  const issues: { path: (string | number)[]; message: string }[] =
    error instanceof TRPCClientError ? (error.data?.zodIssues ?? []) : [];
  return Object.fromEntries(issues.map((i) => [i.path.join("."), i.message]));
}
