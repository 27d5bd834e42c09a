ALTER TABLE "payment"."outbox" ADD COLUMN "traceparent" text;--> statement-breakpoint
ALTER TABLE "payment"."outbox" ADD COLUMN "tracestate" text;