import { expect, it } from "bun:test";
import type { OrderStatus } from "../../contracts/order.ts";
import { checkout, readyBuyer, stockLedger } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { failure } from "../../test/support/failure.ts";
import { startEmbeddedShop } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";
import { simulatedLedger } from "../payment/index.ts";
import { type SagaPoint, sagaPoints } from "./saga/place-order.ts";

/** Where each crash leaves the order once the restarted shop has recovered it. */
const expected: Record<SagaPoint, { card: string; status: OrderStatus; sold: number; charges: number }> = {
  "after-create": { card: "pm_card_visa", status: "paid", sold: 1, charges: 1 },
  "after-reserve": { card: "pm_card_visa", status: "paid", sold: 1, charges: 1 },
  "after-charge": { card: "pm_card_visa", status: "paid", sold: 1, charges: 1 },
  "after-confirm-stock": { card: "pm_card_visa", status: "paid", sold: 1, charges: 1 },
  "after-cart-cleared": { card: "pm_card_visa", status: "paid", sold: 1, charges: 1 },
  "after-paid": { card: "pm_card_visa", status: "paid", sold: 1, charges: 1 },
  "after-release": { card: "pm_card_chargeDeclined", status: "payment_failed", sold: 0, charges: 1 },
};

describeEmbedded(
  "a checkout interrupted by a crash",
  "injects crashes at saga points and restarts the shop in the test's process (test/cluster/ kills real processes)",
  () => {
    for (const point of sagaPoints) {
      it(`is resolved on restart when the process dies ${point.replace("-", " ")}`, async () => {
        let crashed = false;
        const shop = await startEmbeddedShop({
          overrides: {
            faults: (at) => {
              if (at === point && !crashed) {
                crashed = true;
                throw new Error(`simulated crash ${at}`);
              }
            },
          },
        });
        const { variantIds } = await stockedProduct(shop, [3]);
        const variantId = variantIds[0]!;
        const buyer = await readyBuyer(shop, variantId);
        const { card, ...outcome } = expected[point];

        await expect(
          buyer.client.order.checkout.mutate({
            idempotencyKey: `crash-${point}`,
            addressId: buyer.addressId,
            paymentMethodId: card,
          }),
        ).rejects.toThrow();
        expect(crashed).toBe(true);

        const restarted = await shop.restart();
        try {
          const [order] = (await restarted.client(buyer.token).order.list.query()).items;
          expect(order!.status).toBe(outcome.status);
          const ledger = await stockLedger(restarted, variantId);
          expect(ledger).toEqual({ stock: 3 - outcome.sold, held: 0, sold: outcome.sold });
          // What was bought leaves the cart; a failed payment leaves it as it was.
          const cart = await restarted.client(buyer.token).cart.get.query();
          expect(cart.itemCount).toBe(outcome.status === "paid" ? 0 : 1);
          const { charges } = await simulatedLedger(restarted.db);
          expect(charges.filter((c) => c.idempotencyKey === `charge:${order!.id}`)).toHaveLength(
            outcome.charges,
          );
          // A replay of the interrupted request now answers with the resolved outcome, without charging again.
          const replay = restarted.client(buyer.token).order.checkout.mutate({
            idempotencyKey: `crash-${point}`,
            addressId: buyer.addressId,
            paymentMethodId: card,
          });
          if (outcome.status === "paid") expect((await replay).id).toBe(order!.id);
          else expect((await failure(replay)).message).toMatch(/declined/i);
          expect((await simulatedLedger(restarted.db)).charges).toHaveLength(outcome.charges);
        } finally {
          await restarted.stop();
        }
      });
    }

    it("takes what was bought out of the cart only once when the crash came between clearing it and paid", async () => {
      let crashed = false;
      const shop = await startEmbeddedShop({
        overrides: {
          faults: (at) => {
            if (at === "after-cart-cleared" && !crashed) {
              crashed = true;
              throw new Error("simulated crash after-cart-cleared");
            }
          },
        },
      });
      const { variantIds } = await stockedProduct(shop, [5, 5]);
      const [bought, other] = variantIds as [string, string];
      const buyer = await readyBuyer(shop, bought, 2);
      await expect(
        buyer.client.order.checkout.mutate({
          idempotencyKey: "crash-cart-1",
          addressId: buyer.addressId,
          paymentMethodId: "pm_card_visa",
        }),
      ).rejects.toThrow();
      const [order] = (await buyer.client.order.list.query()).items;
      expect(order!.status).toBe("awaiting_payment");
      expect((await buyer.client.cart.get.query()).itemCount).toBe(0); // the gap: the cart emptied, not yet paid
      // The customer goes on shopping before the shop notices.
      await buyer.client.cart.addItem.mutate({ variantId: bought, quantity: 1 });
      await buyer.client.cart.addItem.mutate({ variantId: other, quantity: 1 });

      const restarted = await shop.restart();
      try {
        const [recovered] = (await restarted.client(buyer.token).order.list.query()).items;
        expect(recovered!.status).toBe("paid");
        const cart = await restarted.client(buyer.token).cart.get.query();
        expect(cart.lines.map((l) => [l.variantId, l.quantity])).toEqual([
          [bought, 1],
          [other, 1],
        ]);
        // Recovery again (the next sweep, another restart) takes nothing more.
        await restarted.shop.runJobs({ atStart: true });
        expect((await restarted.client(buyer.token).cart.get.query()).itemCount).toBe(2);
      } finally {
        await restarted.stop();
      }
    });

    it("ends the order paid when the cart cannot take the purchase out, and takes it out on the next recovery", async () => {
      const shop = await startEmbeddedShop();
      try {
        const { variantIds } = await stockedProduct(shop, [5]);
        const buyer = await readyBuyer(shop, variantIds[0]!, 2);
        // The cart's claims table is out of reach: its statement fails, as an outage of the cart would.
        await shop.db.primary.execute("alter table cart.removed_purchases rename to removed_purchases_away");
        const order = await checkout(buyer);
        expect(order.status).toBe("paid");
        expect((await buyer.client.cart.get.query()).itemCount).toBe(2);

        await shop.db.primary.execute("alter table cart.removed_purchases_away rename to removed_purchases");
        await shop.shop.runJobs({ atStart: true });
        expect((await buyer.client.cart.get.query()).itemCount).toBe(0);
        expect((await buyer.client.order.get.query({ id: order.id })).status).toBe("paid");
        expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 3, held: 0, sold: 2 });
      } finally {
        await shop.stop();
      }
    });

    it("gives the stock back when a reservation expires and cancels the unpaid order without charging", async () => {
      let crashed = false;
      const shop = await startEmbeddedShop({
        env: { RESERVATION_TTL_MINUTES: "1" },
        overrides: {
          faults: (at) => {
            if (at === "after-reserve" && !crashed) {
              crashed = true;
              throw new Error("simulated crash");
            }
          },
        },
      });
      const { variantIds } = await stockedProduct(shop, [2]);
      const buyer = await readyBuyer(shop, variantIds[0]!);
      await expect(
        buyer.client.order.checkout.mutate({
          idempotencyKey: "expiring-1",
          addressId: buyer.addressId,
          paymentMethodId: "pm_card_visa",
        }),
      ).rejects.toThrow();
      expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 1, held: 1, sold: 0 });
      // Age the reservation past its expiry by the database's clock, as if the shop stayed down that long.
      await shop.db.primary.execute(
        `update product.reservations set expires_at = now() - interval '1 second'`,
      );
      await shop.services.product.releaseExpiredReservations();
      expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 2, held: 0, sold: 0 });

      const restarted = await shop.restart();
      try {
        const [order] = (await restarted.client(buyer.token).order.list.query()).items;
        expect(order).toMatchObject({
          status: "cancelled",
          statusReason: expect.stringContaining("nothing was charged"),
        });
        expect((await simulatedLedger(restarted.db)).charges).toHaveLength(0);
        expect(await stockLedger(restarted, variantIds[0]!)).toEqual({ stock: 2, held: 0, sold: 0 });
      } finally {
        await restarted.stop();
      }
    });
  },
);
