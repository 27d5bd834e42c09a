CREATE TABLE "order"."inbox" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
DROP INDEX "order"."orders_unfinished";--> statement-breakpoint
ALTER TABLE "order"."orders" ADD COLUMN "cart_clear_due" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "order"."orders" ADD COLUMN "payment_check_due" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "order"."orders" ADD COLUMN "restock_due" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "orders_unfinished" ON "order"."orders" USING btree ("saga_lease_until") WHERE status in ('pending', 'awaiting_payment') or refund_due or cart_clear_due or payment_check_due or restock_due;