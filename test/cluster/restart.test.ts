/**
 * A second `bun run cluster` on the same data directory reuses the data. Two cluster starts of its
 * own (one process per service, durable as `bun run cluster` runs), so it is a file of its own.
 */
import { afterAll, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWith } from "../support/binaries.ts";
import { address } from "../support/buyers.ts";
import { stockedProduct } from "../support/catalog.ts";
import { clusterBinaries, startTestCluster } from "../support/cluster.ts";
import { failure } from "../support/failure.ts";

describeWith(clusterBinaries, "a cluster started again on its data directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "fastr-cluster-restart-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const start = () => startTestCluster({}, { dir, durable: true, instancesPerService: 1 });

  it("still knows the accounts, sessions, catalog, orders and sign-in throttles of the run before", async () => {
    const first = await start();
    let before: {
      email: string;
      password: string;
      token: string;
      productId: string;
      orderId: string;
      guessed: { email: string; password: string };
    };
    try {
      const { product } = await stockedProduct(first, [5]);
      const buyer = await first.customer("Returning Buyer");
      await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 2 });
      const order = await buyer.client.order.checkout.mutate({
        idempotencyKey: "before-the-restart",
        shippingAddress: address,
        paymentMethodId: "pm_card_visa",
      });
      // Ten wrong passwords lock this (account, address) pair for 15 minutes; the counters live in Redis.
      const guessed = await first.customer("Guessed At");
      for (let i = 0; i < 10; i++)
        await failure(
          first.client().auth.login.mutate({ email: guessed.email, password: "not the password" }),
        );
      before = {
        ...buyer,
        productId: product.id,
        orderId: order.id,
        guessed: { email: guessed.email, password: guessed.password },
      };
    } finally {
      await first.stop();
    }

    const second = await start();
    try {
      const session = second.client(before.token);
      expect(await session.auth.me.query()).toMatchObject({ email: before.email });
      expect((await session.order.list.query({})).items.map((o) => [o.id, o.status])).toEqual([
        [before.orderId, "paid"],
      ]);
      expect((await second.client().product.get.query({ id: before.productId })).variants[0]!.stock).toBe(3);
      const again = await second
        .client()
        .auth.login.mutate({ email: before.email, password: before.password });
      expect(again.user.email).toBe(before.email);
      expect((await failure(second.client().auth.login.mutate(before.guessed))).code).toBe(
        "TOO_MANY_REQUESTS",
      );
    } finally {
      await second.stop();
    }
  }, 300_000);
});
