/**
 * The cluster with Kafka as its bus (`bun run cluster -- --bus kafka`): librdkafka's mock peer started by
 * the cluster, or the brokers in KAFKA_BROKERS. One cluster for the file.
 */
import { afterAll, beforeAll, expect, it } from "bun:test";
import { startSmtpSink } from "../../services/notification/testing.ts";
import { query } from "../../shapes/cluster/postgres.ts";
import { describeWith, waitFor } from "../support/binaries.ts";
import { address } from "../support/buyers.ts";
import { stockedProduct } from "../support/catalog.ts";
import { clusterBinaries, startTestCluster, type TestCluster } from "../support/cluster.ts";
import { holdEmailWrites } from "../support/held-event.ts";
import { kafkaRequirements } from "../support/kafka.ts";

describeWith({ ...clusterBinaries, ...kafkaRequirements() }, "the cluster on Kafka", () => {
  let shop: TestCluster;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    shop = await startTestCluster({ SMTP_URL: smtp.url }, { bus: "kafka" });
  }, 180_000);
  afterAll(async () => {
    await shop?.stop();
    await smtp?.close();
  }, 60_000);

  const mailsTo = (email: string, subject: string) =>
    smtp.subjectsTo(email).filter((s) => s.startsWith(subject));

  /** A customer whose welcome e-mail has arrived (user.registered went through Kafka), with one item in the cart. */
  async function buyerWithCart(name: string) {
    const product = (await stockedProduct(shop, [5])).product;
    const buyer = await shop.customer(name);
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
    expect(shop.cluster.bus).toBe("kafka");
    expect(shop.cluster.kafkaBrokers?.length).toBeGreaterThan(0);
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
    const held = await holdEmailWrites(shop.cluster.databaseUrl);
    try {
      const order = await buyer.client.order.checkout.mutate(checkoutOf("kafka-killed-consumer"));
      expect(order.status).toBe("paid");

      const victim = await held.killHandler(shop.cluster.instances);
      expect(victim.service).toBe("notification");

      // The other member gets the partition once the group gives the dead one up, from the last commit.
      await waitFor(
        "the other notification process to send the confirmation",
        async () => mailsTo(buyer.email, "Your order is confirmed").length > 0,
        60_000,
      );
      const [emails] = await query<{ n: number }>(
        shop.cluster.databaseUrl,
        `select count(*)::int as n from notification.emails where "to" = $1 and kind = 'order.paid'`,
        [buyer.email],
      );
      expect(emails!.n).toBe(1);
      expect(mailsTo(buyer.email, "Your order is confirmed")).toHaveLength(1);
    } finally {
      await held.release();
    }
  }, 120_000);
});
