ALTER TABLE "auth"."outbox" ADD COLUMN "traceparent" text;--> statement-breakpoint
ALTER TABLE "auth"."outbox" ADD COLUMN "tracestate" text;