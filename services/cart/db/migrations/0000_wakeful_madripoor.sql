CREATE SCHEMA "cart";
--> statement-breakpoint
CREATE TABLE "cart"."carts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid,
	"token_hash" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "carts_has_owner" CHECK (("cart"."carts"."user_id" is null) <> ("cart"."carts"."token_hash" is null))
);
--> statement-breakpoint
CREATE TABLE "cart"."lines" (
	"cart_id" uuid NOT NULL,
	"variant_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	CONSTRAINT "lines_cart_id_variant_id_pk" PRIMARY KEY("cart_id","variant_id"),
	CONSTRAINT "lines_quantity_positive" CHECK ("cart"."lines"."quantity" > 0)
);
--> statement-breakpoint
ALTER TABLE "cart"."lines" ADD CONSTRAINT "lines_cart_id_carts_id_fk" FOREIGN KEY ("cart_id") REFERENCES "cart"."carts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "carts_user" ON "cart"."carts" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "carts_token" ON "cart"."carts" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "lines_cart_added" ON "cart"."lines" USING btree ("cart_id","added_at");