ALTER TABLE "order"."outbox" ADD COLUMN "traceparent" text;--> statement-breakpoint
ALTER TABLE "order"."outbox" ADD COLUMN "tracestate" text;