/**
 * The cluster with Kafka as its bus (`bun run cluster -- --bus kafka`: librdkafka's mock peer started by
 * the cluster, or the brokers in KAFKA_BROKERS), as a suite the cluster suite (cluster.test.ts) runs on
 * the second cluster it starts, the one on its first cluster's data directory: a cluster start is ~15 s
 * of CPU on the gate's two cores, and the restart proves the same whatever the bus (ADR 172). The cluster
 * must run two notification processes and send its e-mails to `on.smtp`.
 */
import { expect, it } from "bun:test";
import type { startSmtpSink } from "../../services/notification/testing.ts";
import { query } from "../../shapes/cluster/postgres.ts";
import { waitFor } from "../support/binaries.ts";
import { address } from "../support/buyers.ts";
import { stockedProduct } from "../support/catalog.ts";
import type { TestCluster } from "../support/cluster.ts";
import { holdEmailWrites } from "../support/held-event.ts";
import { kafkaRequirements } from "../support/kafka.ts";

/** Whether a Kafka peer can run here (a real broker in KAFKA_BROKERS, or the mock's compiler and header). */
export const kafkaRunsHere = Object.values(kafkaRequirements()).every(Boolean);

/** The cluster on Kafka and the sink of its e-mails, set by the caller once it is up. */
export type OnKafka = { shop: TestCluster; smtp: Awaited<ReturnType<typeof startSmtpSink>> };

/**
 * The Kafka tests, on what the caller put in `on`.
 * @example const on = {} as OnKafka; it("…", async () => { on.shop = await startTestCluster({ SMTP_URL }, { bus: "kafka" }); on.smtp = smtp; });
 *          describeWith(kafkaRequirements(), "on Kafka", () => kafkaSuite(on));
 */
export function kafkaSuite(on: OnKafka) {
  const mailsTo = (email: string, subject: string) =>
    on.smtp.subjectsTo(email).filter((s) => s.startsWith(subject));

  /** A customer whose welcome e-mail has arrived (user.registered went through Kafka), with one item in the cart. */
  async function buyerWithCart(name: string) {
    const product = (await stockedProduct(on.shop, [5])).product;
    const buyer = await on.shop.customer(name);
    await waitFor("the welcome e-mail", async () => mailsTo(buyer.email, "Welcome to").length > 0, 30_000);
    await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
    return { buyer, product };
  }
  const checkoutOf = (key: string) => ({
    idempotencyKey: key,
    shippingAddress: address,
    paymentMethodId: "pm_card_visa",
  });

  it("runs every instance on Kafka", () => {
    expect(on.shop.cluster.bus).toBe("kafka");
    expect(on.shop.cluster.kafkaBrokers?.length).toBeGreaterThan(0);
  });

  it("sells through NGINX: sign up, cart, checkout, and the confirmation e-mail arrives over SMTP", async () => {
    const { buyer, product } = await buyerWithCart("Kafka Buyer");

    const order = await buyer.client.order.checkout.mutate(checkoutOf("kafka-purchase"));

    expect(order.status).toBe("paid");
    expect((await buyer.client.product.get.query({ id: product.id })).variants[0]!.stock).toBe(4);
    // order.paid went from the order processes to the notification processes through Kafka.
    await waitFor(
      "the confirmation e-mail",
      async () => mailsTo(buyer.email, "Your order is confirmed").length > 0,
      30_000,
    );
  }, 90_000);

  it("sends the e-mail once when the notification process handling the order's event is SIGKILLed mid-event", async () => {
    const { buyer } = await buyerWithCart("Kafka Survivor");
    const held = await holdEmailWrites(on.shop.cluster.databaseUrl);
    try {
      const order = await buyer.client.order.checkout.mutate(checkoutOf("kafka-killed-consumer"));
      expect(order.status).toBe("paid");

      const victim = await held.killHandler(on.shop.cluster.instances);
      expect(victim.service).toBe("notification");

      // The other member gets the partition once the group gives the dead one up, from the last commit.
      await waitFor(
        "the other notification process to send the confirmation",
        async () => mailsTo(buyer.email, "Your order is confirmed").length > 0,
        60_000,
      );
      const [emails] = await query<{ n: number }>(
        on.shop.cluster.databaseUrl,
        `select count(*)::int as n from notification.emails where "to" = $1 and kind = 'order.paid'`,
        [buyer.email],
      );
      expect(emails!.n).toBe(1);
      expect(mailsTo(buyer.email, "Your order is confirmed")).toHaveLength(1);
    } finally {
      await held.release();
    }
  }, 120_000);
}
