import type { Metric, Registry } from "prom-client";

/**
 * Counters and histograms for the request path, with each series a plain object the caller keeps:
 * bumping one is a few additions. prom-client's `inc`/`observe` hash the label object on every call,
 * which cost more than a whole cached catalog answer (ADR 150). The registry prints them like its
 * own, so scrapes and tests see the usual exposition.
 * @example const calls = seriesCounter(registry, { name: "fastr_x_total", help: "…" });
 *          const ok = calls.series({ service: "product", code: "OK" }); ok.inc();
 */

type Labels = Readonly<Record<string, string>>;
type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

export type CounterSeries = { inc(by?: number): void };
export type HistogramSeries = { observe(value: number): void };

/** Registers a metric whose samples `samples` lists at scrape time. */
function register(
  registry: Registry,
  spec: { name: string; help: string },
  type: "counter" | "histogram",
  samples: () => Sample[],
  reset: () => void,
) {
  const { name, help } = spec;
  const metric = {
    name,
    help,
    type,
    aggregator: "sum",
    get: async () => ({ name, help, type, aggregator: "sum", values: samples() }),
    reset,
  };
  registry.registerMetric(metric as unknown as Metric);
}

/** A series per label set, made on first use: `series(labels)` returns the same one each time. */
function seriesBy<S>(make: (labels: Labels) => S) {
  const all = new Map<string, { labels: Labels; series: S }>();
  const series = (labels: Labels): S => {
    const key = JSON.stringify(labels);
    let entry = all.get(key);
    if (!entry) {
      entry = { labels, series: make(labels) };
      all.set(key, entry);
    }
    return entry.series;
  };
  return { series, all: () => all.values() };
}

export function seriesCounter(registry: Registry, spec: { name: string; help: string }) {
  type Count = CounterSeries & { value: number };
  const { series, all } = seriesBy<Count>(() => ({
    value: 0,
    inc(by = 1) {
      this.value += by;
    },
  }));
  register(
    registry,
    spec,
    "counter",
    () => Array.from(all(), ({ labels, series }) => ({ labels: { ...labels }, value: series.value })),
    () => {
      for (const { series } of all()) series.value = 0;
    },
  );
  return { series: series as (labels: Labels) => CounterSeries };
}

export function seriesHistogram(
  registry: Registry,
  spec: { name: string; help: string; buckets: readonly number[] },
) {
  const bounds = [...spec.buckets].sort((a, b) => a - b);
  type Observed = HistogramSeries & { counts: Float64Array; sum: number; count: number };
  const { series, all } = seriesBy<Observed>(() => ({
    counts: new Float64Array(bounds.length),
    sum: 0,
    count: 0,
    observe(value: number) {
      this.sum += value;
      this.count++;
      // Non-cumulative here; the exposition adds them up.
      for (let i = 0; i < bounds.length; i++) {
        if (value <= bounds[i]!) {
          this.counts[i]!++;
          return;
        }
      }
    },
  }));
  const samples = () => {
    const out: Sample[] = [];
    for (const { labels, series } of all()) {
      let cumulative = 0;
      bounds.forEach((le, i) => {
        cumulative += series.counts[i]!;
        out.push({ labels: { ...labels, le }, value: cumulative, metricName: `${spec.name}_bucket` });
      });
      out.push({ labels: { ...labels, le: "+Inf" }, value: series.count, metricName: `${spec.name}_bucket` });
      out.push({ labels: { ...labels }, value: series.sum, metricName: `${spec.name}_sum` });
      out.push({ labels: { ...labels }, value: series.count, metricName: `${spec.name}_count` });
    }
    return out;
  };
  const reset = () => {
    for (const { series } of all()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  };
  register(registry, spec, "histogram", samples, reset);
  return { series: series as (labels: Labels) => HistogramSeries };
}
