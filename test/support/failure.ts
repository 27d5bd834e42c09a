import { TRPCClientError } from "@trpc/client";

/**
 * Awaits a typed-client call that must fail and returns what the caller saw: the tRPC code, the
 * message and the error data. Throws if the call succeeded or failed with something that is not a
 * tRPC error.
 * @example expect((await failure(client.order.get.query({ id }))).code).toBe("NOT_FOUND");
 */
export async function failure(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      return {
        code: error.data?.code as string,
        message: error.message,
        data: error.data as Record<string, unknown>,
      };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}
