ALTER TABLE "product"."outbox" ADD COLUMN "traceparent" text;--> statement-breakpoint
ALTER TABLE "product"."outbox" ADD COLUMN "tracestate" text;