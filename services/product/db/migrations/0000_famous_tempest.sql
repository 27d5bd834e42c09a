CREATE SCHEMA "product";
--> statement-breakpoint
CREATE TABLE "product"."categories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product"."outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" uuid NOT NULL,
	"type" text NOT NULL,
	"version" integer NOT NULL,
	"aggregate_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "outbox_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "product"."products" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"category_id" uuid NOT NULL,
	"image" text NOT NULL,
	"options" jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"price_from" integer NOT NULL,
	"currency" text NOT NULL,
	"in_stock" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')) STORED NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product"."variants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"product_id" uuid NOT NULL,
	"sku" text NOT NULL,
	"title" text NOT NULL,
	"options" jsonb NOT NULL,
	"price" integer NOT NULL,
	"currency" text NOT NULL,
	"stock" integer NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "variants_stock_not_negative" CHECK ("product"."variants"."stock" >= 0),
	CONSTRAINT "variants_price_not_negative" CHECK ("product"."variants"."price" >= 0)
);
--> statement-breakpoint
ALTER TABLE "product"."products" ADD CONSTRAINT "products_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "product"."categories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product"."variants" ADD CONSTRAINT "variants_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "product"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "categories_slug" ON "product"."categories" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "product"."outbox" USING btree ("seq") WHERE published_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "products_slug" ON "product"."products" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "products_search" ON "product"."products" USING gin ("search");--> statement-breakpoint
CREATE INDEX "products_category_newest" ON "product"."products" USING btree ("category_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "products_newest" ON "product"."products" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "products_price" ON "product"."products" USING btree ("price_from","id");--> statement-breakpoint
CREATE UNIQUE INDEX "variants_sku" ON "product"."variants" USING btree ("sku");--> statement-breakpoint
CREATE INDEX "variants_product" ON "product"."variants" USING btree ("product_id","position");