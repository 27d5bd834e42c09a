import { describe, expect, it } from "bun:test";
import { PaymentMethodId } from "../../contracts/payment.ts";
import { offeredMethods } from "./offered-methods.ts";
import { DECLINING_TEST_METHODS, SUCCEEDING_TEST_METHODS } from "./simulated-provider.ts";

describe("payment.methods", () => {
  it("offers only methods the simulated provider knows, each with the outcome it really has", async () => {
    const methods = offeredMethods;
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
