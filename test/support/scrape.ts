/** One sample of a Prometheus text exposition: `name{labels} value`. */
export type Sample = { name: string; labels: Record<string, string>; value: number };

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a text exposition (comments and blank lines skipped). */
export function parseExposition(text: string): Sample[] {
  return text.split("\n").flatMap((line) => {
    const match = LINE.exec(line);
    if (!match || line.startsWith("#")) return [];
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    return [{ name: match[1]!, labels, value: Number(match[3]) }];
  });
}

/** The samples named `name` whose labels include `labels`. */
export const select = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

/** The sum of the selected samples (0 when there are none). */
export const total = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}) =>
  select(samples, name, labels).reduce((sum, s) => sum + s.value, 0);

/**
 * GETs `url` (a `/metrics`) and parses it; fails on anything but a 200 in Prometheus's text format.
 * @example const samples = await scrape(`${instance.url}/metrics`); total(samples, "fastr_checkouts_total", { outcome: "paid" });
 */
export async function scrape(url: string, init?: RequestInit): Promise<Sample[]> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
  if (!response.headers.get("content-type")?.startsWith("text/plain; version=0.0.4"))
    throw new Error(`${url} is not in Prometheus's text format: ${response.headers.get("content-type")}`);
  return parseExposition(text);
}
