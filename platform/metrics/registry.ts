import { Counter, type Metric, Registry } from "prom-client";
import { type Logger, silentLogger } from "../log.ts";
import { type ProcedureMetrics, procedureMetrics } from "./procedures.ts";
import { processMetrics } from "./process.ts";

/** How long a gauge read at scrape time (a query, a Redis round trip) may take before it is left out. */
export const READ_TIMEOUT_MS = 1_000;

/** One series of a gauge read at scrape time: its labels and its value. */
export type Reading<L extends string> = { labels: Record<L, string>; value: number };

export type GaugeSpec<L extends string> = {
  /** `fastr_<what>`, snake_case, in base units (seconds, bytes), no `_total` (that is for counters). */
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Called on every scrape; gets `READ_TIMEOUT_MS` to answer, else the gauge is left out of that scrape. */
  read: () => Promise<readonly Reading<L>[]>;
};

export type CounterSpec<L extends string> = {
  /** `fastr_<what>_total`, snake_case. */
  name: string;
  help: string;
  labelNames?: readonly L[];
};

/** A counter as services see it: labels in, never a reset. */
export type Tally<L extends string> = { inc(labels: Record<L, string>, by?: number): void };

/** What a service may define: counters it bumps and gauges read at scrape time, labelled with its name. */
export type ServiceMetrics = {
  counter<L extends string = never>(spec: CounterSpec<L>): Tally<L>;
  gauge<L extends string = never>(spec: GaugeSpec<L>): void;
};

/** Rejects when `promise` takes longer than `ms`; the late answer is dropped. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One read shared by the gauges of a scrape: calls within `ms` of each other get the same answer, so
 * two gauges fed by one query (count and age of a backlog) cost one round trip.
 * @example const backlogs = sharedRead(() => readBacklogs(db));
 */
export function sharedRead<T>(read: () => Promise<T>, ms = 250): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!last || now - last.at > ms) last = { at: now, answer: read() };
    return last.answer;
  };
}

/**
 * One Prometheus registry for a process (the embedded shop, or one service instance): the process's
 * own series (CPU, memory, event loop, Redis connections), every procedure's calls, errors and
 * durations, and whatever the platform and the services define on it. Names follow the Prometheus
 * client conventions: `fastr_` prefix, snake_case, base units, `_total` on counters (ADR 095).
 * @example const metrics = createMetrics({ log });
 *          metrics.forService("order").counter({ name: "fastr_checkouts_total", help: "…", labelNames: ["outcome"] }).inc({ outcome: "paid" });
 *          const text = await metrics.text();
 */
export function createMetrics({
  log = silentLogger,
  readTimeoutMs = READ_TIMEOUT_MS,
}: {
  log?: Logger;
  readTimeoutMs?: number;
} = {}) {
  const registry = new Registry();
  // The process's series are the same objects in every registry (see process.ts).
  for (const metric of processMetrics().getMetricsAsArray())
    registry.registerMetric(metric as unknown as Metric);

  const failedReads = new Counter({
    name: "fastr_metric_read_failures_total",
    help: "Gauges read at scrape time that failed or took too long, and were left out of that scrape",
    labelNames: ["metric"],
    registers: [registry],
  });

  /**
   * A gauge whose series are read when Prometheus scrapes, within the read timeout. It is a metric of
   * its own rather than a prom-client Gauge with `collect`: a Gauge without labels always reports a
   * value (0 after a reset), and a read that failed must report nothing rather than a false 0.
   */
  function gauge<L extends string>(spec: GaugeSpec<L>, constant: Record<string, string> = {}) {
    const { name, help } = spec;
    const answer = (values: { labels: Record<string, string>; value: number }[]) =>
      ({ name, help, type: "gauge", aggregator: "sum", values }) as const;
    const scraped = {
      name,
      help,
      async get() {
        try {
          const readings = await withDeadline(spec.read(), readTimeoutMs, `reading ${name}`);
          return answer(readings.map(({ labels, value }) => ({ labels: { ...labels, ...constant }, value })));
        } catch (error) {
          failedReads.inc({ metric: name });
          log.warn("a metric could not be read for this scrape", { metric: name, error });
          return answer([]);
        }
      },
      reset() {},
    };
    registry.registerMetric(scraped as unknown as Metric);
  }

  function counter<L extends string>(spec: CounterSpec<L>, constant: Record<string, string> = {}): Tally<L> {
    const metric = new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? []), ...Object.keys(constant)],
      registers: [registry],
    });
    return { inc: (labels, by = 1) => metric.inc({ ...labels, ...constant }, by) };
  }

  const procedures: ProcedureMetrics = procedureMetrics(registry);

  return {
    registry,
    procedures,
    /** Counters and gauges of the platform (outbox, bus, db): not tied to one service. */
    counter,
    gauge,
    /** The metrics one service defines, each labelled `service="<name>"`. */
    forService: (service: string): ServiceMetrics => ({
      counter: (spec) => counter(spec, { service }),
      gauge: (spec) => gauge(spec, { service }),
    }),
    contentType: registry.contentType,
    /** The Prometheus text exposition of every series. */
    text: () => registry.metrics(),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The metrics of a service built outside a shape (a script, a unit test): counted, never scraped.
 * @example createPaymentService({ ...ports, metrics: unscrapedMetrics("payment") }, deps);
 */
export const unscrapedMetrics = (service: string): ServiceMetrics => createMetrics().forService(service);
