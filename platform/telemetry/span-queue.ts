import type { Attributes } from "@opentelemetry/api";
import type { OtlpEncoding, ResourceGroup, WireSpan } from "./otlp-wire.ts";

export type SpanQueue = {
  /** Queues `span` under `service`'s resource; dropped (and counted) when the queue is full. */
  add(service: string | undefined, span: WireSpan): void;
  /** Sends everything queued, and waits for what is being sent. */
  forceFlush(): Promise<void>;
  /** Sends what is left; later spans are dropped. */
  shutdown(): Promise<void>;
  /** Spans dropped because the queue was full, since the start. */
  readonly dropped: number;
};

export type SpanQueueOptions = {
  /** Where exports are posted (`…/v1/traces`), with which headers (OTEL_EXPORTER_OTLP_HEADERS). */
  url: string;
  headers?: Record<string, string>;
  encoding: OtlpEncoding;
  /** The resource of spans outside every service of `resources`. */
  resource: Attributes;
  /** Per service, when spans are exported under their service's resource (the embedded shape). */
  resources?: ReadonlyMap<string, Attributes>;
  scope: { name: string; version?: string };
  /** OTEL_BSP_*: how many spans may wait, how many go in one export, how long one may wait (ms), and for an export. */
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  /**
   * How a batch the collector could not take now (429, 502, 503, 504) is sent again, as the SDK's
   * OTLP exporters do: up to `attempts` in all, the wait growing 1.5× from `initialDelayMs` to
   * `maxDelayMs` (with a fifth of jitter) unless the collector says `Retry-After`, and never past
   * the export timeout, nor once the queue is shutting down. Default: 5 attempts, 1 s, 5 s.
   */
  retry?: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  /**
   * Told why spans were lost: an export failed (its spans are gone, as with the SDK's exporter after
   * its retries), or spans were dropped while the queue was full (said with the next export).
   */
  onLoss: (reason: string) => void;
};

/** What a collector answers when it may take the batch a little later. */
const RETRYABLE = new Set([429, 502, 503, 504]);
const DEFAULT_RETRY = { attempts: 5, initialDelayMs: 1_000, maxDelayMs: 5_000 };

/**
 * A batch queue of our own for every span (ADRs 156, 179): it holds plain records, encodes a batch
 * to OTLP in one loop when it is sent, and sends it with `fetch`. It keeps the SDK batch processor's
 * rules — OTEL_BSP_MAX_QUEUE_SIZE, _MAX_EXPORT_BATCH_SIZE, _SCHEDULE_DELAY, _EXPORT_TIMEOUT, one
 * export at a time, new spans dropped while full — and its OTLP exporters' retries.
 * @example const queue = spanQueue({ url, encoding: protobufEncoding(), resource, scope, …settings });
 *          queue.add("product", span); … await queue.shutdown();
 */
export function spanQueue(options: SpanQueueOptions): SpanQueue {
  const { encoding, retry = DEFAULT_RETRY } = options;
  const groupOf = (service: string | undefined) =>
    service !== undefined && options.resources?.has(service) ? service : "";
  // Two parallel arrays rather than an object per span.
  let services: string[] = [];
  let spans: WireSpan[] = [];
  let dropped = 0;
  let droppedSaid = 0;
  let closed = false;
  let sending: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const resourceOf = (group: string) => (group && options.resources?.get(group)) || options.resource;

  async function send(batchServices: string[], batchSpans: WireSpan[]) {
    const groups = new Map<string, WireSpan[]>();
    batchServices.forEach((group, i) => {
      const list = groups.get(group);
      if (list) list.push(batchSpans[i]!);
      else groups.set(group, [batchSpans[i]!]);
    });
    const request: ResourceGroup[] = [...groups].map(([group, list]) => ({
      resource: resourceOf(group),
      spans: list,
    }));
    const body = encoding.request(request, options.scope);
    const deadline = performance.now() + options.exportTimeoutMillis;
    try {
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(options.url, {
          method: "POST",
          headers: { ...options.headers, "content-type": encoding.contentType },
          body,
          signal: AbortSignal.timeout(Math.max(1, deadline - performance.now())),
        });
        await response.arrayBuffer();
        if (response.ok) return;
        // Shutting down, a batch is sent once: a collector that is away must not hold up the exit.
        const wait =
          RETRYABLE.has(response.status) &&
          attempt < retry.attempts &&
          !closed &&
          retryDelay(attempt, response);
        if (wait === false || performance.now() + wait >= deadline) {
          options.onLoss(`the collector answered ${response.status}`);
          return;
        }
        await Bun.sleep(wait);
      }
    } catch (error) {
      options.onLoss(error instanceof Error ? error.message : String(error));
    }
  }

  /** How long to wait before attempt `attempt + 1`: what the collector asked for, or the backoff. */
  function retryDelay(attempt: number, response: Response) {
    const asked = Number(response.headers.get("retry-after"));
    if (Number.isFinite(asked) && asked > 0) return asked * 1_000;
    const backoff = Math.min(retry.initialDelayMs * 1.5 ** (attempt - 1), retry.maxDelayMs);
    return backoff * (0.8 + Math.random() * 0.4);
  }

  /** Starts sending the oldest batch, unless one is being sent; the next follows when it is done. */
  function sendNext() {
    if (sending || spans.length === 0) return;
    if (timer) clearTimeout(timer);
    timer = null;
    if (dropped > droppedSaid) {
      options.onLoss(`${dropped - droppedSaid} spans dropped: the queue was full (OTEL_BSP_MAX_QUEUE_SIZE)`);
      droppedSaid = dropped;
    }
    const batchServices = services.slice(0, options.maxExportBatchSize);
    const batchSpans = spans.slice(0, options.maxExportBatchSize);
    services = services.slice(batchSpans.length);
    spans = spans.slice(batchSpans.length);
    sending = send(batchServices, batchSpans).finally(() => {
      sending = null;
      if (spans.length >= options.maxExportBatchSize) sendNext();
      else if (spans.length > 0) schedule();
    });
  }

  function schedule() {
    if (timer || sending) return;
    timer = setTimeout(sendNext, options.scheduledDelayMillis);
    timer.unref?.();
  }

  async function flushAll() {
    for (;;) {
      if (sending) await sending;
      else if (spans.length > 0) sendNext();
      else return;
    }
  }

  return {
    add(service, span) {
      if (closed) return;
      if (spans.length >= options.maxQueueSize) {
        dropped++;
        return;
      }
      services.push(groupOf(service));
      spans.push(span);
      if (spans.length >= options.maxExportBatchSize) sendNext();
      else schedule();
    },
    forceFlush: flushAll,
    async shutdown() {
      closed = true;
      await flushAll();
      if (timer) clearTimeout(timer);
      timer = null;
    },
    get dropped() {
      return dropped;
    },
  };
}
