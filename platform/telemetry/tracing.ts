import { context, DiagLogLevel, diag, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { parseKeyPairsIntoRecord } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_NAMESPACE,
  ATTR_SERVICE_VERSION,
} from "@opentelemetry/semantic-conventions";
import packageJson from "../../package.json" with { type: "json" };
import { type Logger, silentLogger } from "../log.ts";
import { finishedSpanRecorder } from "./finished-spans.ts";
import { jsonEncoding, protobufEncoding } from "./otlp-wire.ts";
import { queuedSpans } from "./queued-spans.ts";
import { samplerFor } from "./sampler.ts";
import { serviceResources } from "./service-resources.ts";
import { exportHeaders, type TelemetrySettings, tracesUrl } from "./settings.ts";
import { spanQueue } from "./span-queue.ts";
import { setTracer } from "./spans.ts";

export type Tracing = {
  /** Whether spans are recorded and exported. */
  readonly enabled: boolean;
  /** Where they go (`…/v1/traces`), when enabled. */
  readonly url: string | null;
  /** Exports every ended span now (tests, before a process exits). */
  forceFlush(): Promise<void>;
  /** Exports what is left and stops tracing in this process. */
  shutdown(): Promise<void>;
};

const off: Tracing = { enabled: false, url: null, forceFlush: async () => {}, shutdown: async () => {} };
let running = false;

/** Export failures are worth a warning, not one every few seconds while a collector is away. */
function exportWarnings(log: Logger) {
  let last = 0;
  const warn = (message: string, ...args: unknown[]) => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    log.warn("tracing: spans could not be exported", {
      detail: [message, ...args.map(String)].join(" ").slice(0, 500),
    });
  };
  return { error: warn, warn, info() {}, debug() {}, verbose() {} };
}

/**
 * Starts OpenTelemetry tracing for this process when an OTLP endpoint is configured: one tracer
 * provider, spans batched and exported over OTLP/HTTP (protobuf or JSON), W3C trace context, the
 * configured sampler. Without an endpoint nothing is registered: the API stays the no-op one and
 * every fastr helper returns at its first line. `services` (the embedded shape) exports each
 * service's spans under its own `service.name`.
 * @example const tracing = startTracing(config, { service: "order", instance: "order-1" }); … await tracing.shutdown();
 */
export function startTracing(
  settings: TelemetrySettings,
  who: { service: string; instance?: string; services?: readonly string[]; log?: Logger },
): Tracing {
  const url = tracesUrl(settings);
  if (!url) return off;
  if (running) throw new Error("tracing is already started in this process");
  running = true;

  const resource = resourceFromAttributes({
    ...parseKeyPairsIntoRecord(settings.OTEL_RESOURCE_ATTRIBUTES),
    [ATTR_SERVICE_NAME]: settings.OTEL_SERVICE_NAME ?? who.service,
    [ATTR_SERVICE_NAMESPACE]: "fastr",
    [ATTR_SERVICE_VERSION]: packageJson.version,
    ...(who.instance && { [ATTR_SERVICE_INSTANCE_ID]: who.instance }),
  });
  const json =
    (settings.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? settings.OTEL_EXPORTER_OTLP_PROTOCOL) === "http/json";
  // The SDK no longer reads OTEL_BSP_* itself: they are passed here.
  const batching = {
    scheduledDelayMillis: settings.OTEL_BSP_SCHEDULE_DELAY,
    maxQueueSize: settings.OTEL_BSP_MAX_QUEUE_SIZE,
    maxExportBatchSize: Math.min(settings.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, settings.OTEL_BSP_MAX_QUEUE_SIZE),
    exportTimeoutMillis: settings.OTEL_BSP_EXPORT_TIMEOUT,
  };
  const headers = exportHeaders(settings);
  const sampler = samplerFor(settings);
  const resources =
    who.services && who.services.length > 1 ? serviceResources(resource, who.services) : undefined;
  const scope = { name: "fastr", version: packageJson.version };
  const warnings = exportWarnings(who.log ?? silentLogger);
  // Every span, the SDK's and the stored answers' (ADRs 156, 179), leaves through one queue.
  const queue = spanQueue({
    url,
    headers,
    encoding: json ? jsonEncoding() : protobufEncoding(),
    resource: resource.attributes,
    ...(resources && {
      resources: new Map([...resources].map(([service, r]) => [service, r.attributes])),
    }),
    scope,
    ...batching,
    onLoss: (reason) => warnings.error(reason),
  });
  const provider = new TracerProvider({
    resource,
    sampler,
    spanProcessors: [queuedSpans(queue, { perService: resources !== undefined })],
  });
  diag.setLogger(warnings, DiagLogLevel.WARN);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  setTracer(
    provider.getTracer(scope.name, scope.version),
    finishedSpanRecorder({
      sampler,
      queue,
      samplesEveryRoot: ["always_on", "parentbased_always_on"].includes(settings.OTEL_TRACES_SAMPLER),
    }),
  );

  return {
    enabled: true,
    url,
    forceFlush: async () => {
      await provider.forceFlush();
    },
    async shutdown() {
      if (!running) return;
      setTracer(undefined, undefined);
      await provider.shutdown();
      trace.disable();
      context.disable();
      diag.disable();
      running = false;
    },
  };
}
