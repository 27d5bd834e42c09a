import { describe, expect, it } from "bun:test";
import { PaymentMethodId } from "../../contracts/payment.ts";
import type { Context } from "../../routers/context.ts";
import { paymentRouter } from "../../routers/payment.ts";
import { createCallerFactory } from "../../routers/trpc.ts";
import { DECLINING_TEST_METHODS, SUCCEEDING_TEST_METHODS } from "./simulated-provider.ts";

// The router keeps its own static list (routers may not import services); this keeps the two in step.
describe("payment.methods", () => {
  it("offers only methods the simulated provider knows, each with the outcome it really has", async () => {
    const caller = createCallerFactory(paymentRouter)({ requestId: "test" } as Context);
    const methods = await caller.methods();
    expect(methods.length).toBeGreaterThan(3);
    for (const method of methods) {
      expect(PaymentMethodId.safeParse(method.id).success).toBe(true);
      const succeeds = (SUCCEEDING_TEST_METHODS as readonly string[]).includes(method.id);
      const declines = method.id in DECLINING_TEST_METHODS;
      expect({ id: method.id, outcome: succeeds ? "succeeds" : declines ? "declines" : "unknown" }).toEqual({
        id: method.id,
        outcome: method.outcome,
      });
    }
    expect(methods.some((m) => m.outcome === "succeeds")).toBe(true);
    expect(methods.some((m) => m.outcome === "declines")).toBe(true);
  });
});
