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

/**
 * Awaits a promise that must reject and returns what it rejected with; throws if it resolved. Use it
 * rather than `await expect(promise).rejects` where the promise waits on a Worker (PGlite in a worker
 * thread): bun test 1.4's matcher waits in a nested event loop that misses the worker's answer when
 * the test got there from the answer to another one, and hangs (oven-sh/bun#37189).
 * @example expect(await rejection(db.primary.transaction(failing))).toHaveProperty("message", "declined");
 */
export async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected it to fail, and it succeeded");
}
