CREATE TABLE "cart"."removed_purchases" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"removed_at" timestamp with time zone DEFAULT now() NOT NULL
);
