import { parseKeyPairsIntoRecord } from "@opentelemetry/core";
import { z } from "zod";
import { env } from "../config.ts";

const samplers = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

const protocol = z.enum(["http/protobuf", "http/json"], {
  message: "expected http/protobuf or http/json (grpc is not supported)",
});

const keyValuePairs = z.string().regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, {
  message: "expected key=value pairs separated by commas",
});

/**
 * OpenTelemetry's standard variables, the ones fastr honours. Tracing is on only when an OTLP
 * endpoint is given (and neither OTEL_SDK_DISABLED nor OTEL_TRACES_EXPORTER=none says otherwise).
 */
export const telemetrySettings = z.object({
  /** The collector's base URL; traces go to `<it>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.url(/^https?$/, "http://127.0.0.1:4318").optional(),
  /** The full URL traces are posted to; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: env.url(/^https?$/, "http://127.0.0.1:4318/v1/traces").optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol.default("http/protobuf"),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol.optional(),
  OTEL_TRACES_EXPORTER: z.enum(["otlp", "none"], { message: "expected otlp or none" }).default("otlp"),
  OTEL_SDK_DISABLED: env.bool().default(false),
  /** Defaults to the service's name (`order`); the embedded shape names each module's spans after it. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** `key=value,key=value` added to every span's resource (e.g. `deployment.environment.name=staging`). */
  OTEL_RESOURCE_ATTRIBUTES: keyValuePairs.optional(),
  /** `key=value,…` headers sent with every export (values URL-encoded: `authorization=Bearer%20abc`). */
  OTEL_EXPORTER_OTLP_HEADERS: keyValuePairs.optional(),
  /** The same for trace exports only; wins over OTEL_EXPORTER_OTLP_HEADERS key by key. */
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValuePairs.optional(),
  OTEL_TRACES_SAMPLER: z
    .enum(samplers, { message: `expected one of ${samplers.join(", ")}` })
    .default("parentbased_always_on"),
  /** How often ended spans are sent (ms), and how many may wait for it before new ones are dropped. */
  OTEL_BSP_SCHEDULE_DELAY: env.int(0, 600_000).default(5_000),
  OTEL_BSP_MAX_QUEUE_SIZE: env.int(1, 1_000_000).default(2_048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: env.int(1, 1_000_000).default(512),
  OTEL_BSP_EXPORT_TIMEOUT: env.int(1, 600_000).default(30_000),
  /** The ratio of traces a `traceidratio` sampler keeps. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ message: "expected a ratio between 0 and 1, like 0.25" })
    .min(0, { message: "expected a ratio between 0 and 1, like 0.25" })
    .max(1, { message: "expected a ratio between 0 and 1, like 0.25" })
    .optional(),
});
export type TelemetrySettings = z.infer<typeof telemetrySettings>;

/** Where spans are posted, or null when tracing stays off. */
export function tracesUrl(settings: TelemetrySettings): string | null {
  if (settings.OTEL_SDK_DISABLED || settings.OTEL_TRACES_EXPORTER === "none") return null;
  if (settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = settings.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : null;
}

/** The headers every trace export carries: OTEL_EXPORTER_OTLP_HEADERS, then …_TRACES_HEADERS over them. */
export const exportHeaders = (settings: TelemetrySettings): Record<string, string> => ({
  ...parseKeyPairsIntoRecord(settings.OTEL_EXPORTER_OTLP_HEADERS),
  ...parseKeyPairsIntoRecord(settings.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
});
