/** The bench's output: a table on stdout, and `bench/results/latest.{md,json}` plus a dated copy in .bench/. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Memory } from "./processes.ts";
import { root } from "./processes.ts";
import type { InvariantResult } from "./stock-invariant.ts";
import type { Row, Target } from "./targets.ts";

export type Summary = {
  at: string;
  machine: string;
  bun: string;
  tool: string;
  pinning: string;
  rows: Row[];
  memory: Record<string, Memory>;
  targets: Target[];
  invariants: InvariantResult[];
  notes: string[];
  start?: unknown;
  clusterStartMs?: unknown;
  benchSeconds: number;
};

const n = (v: number, digits = 0) =>
  Number.isFinite(v) ? v.toLocaleString("en-US", { maximumFractionDigits: digits }) : "–";

function table(header: string[], cells: string[][], markdown: boolean) {
  if (markdown)
    return [
      `| ${header.join(" | ")} |`,
      `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
      ...cells.map((c) => `| ${c.join(" | ")} |`),
    ].join("\n");
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

export function render(s: Summary, markdown: boolean) {
  const runs = table(
    ["shape", "scenario", "conns", "per s", "p50 ms", "p99 ms", "errors", "note"],
    s.rows.map((r) => [
      r.shape,
      r.scenario,
      String(r.connections),
      n(r.rps),
      n(r.p50Ms, 2),
      n(r.p99Ms, 2),
      String(r.errors),
      r.hitRatio !== undefined
        ? `catalog hits ${(100 * r.hitRatio).toFixed(1)}%; ${Object.entries(r.kinds ?? {})
            .map(([k, v]) => `${k} ${n(v.perSecond)}/s`)
            .join(", ")}`
        : r.kinds
          ? Object.entries(r.kinds)
              .map(([k, v]) => `${k} ${n(v.perSecond)}/s p99 ${n(v.p99Ms, 1)}`)
              .join(", ")
          : r.bodyBytes !== undefined
            ? `${r.bodyBytes} B`
            : "",
    ]),
    markdown,
  );
  const targets = table(
    ["target", "conns", "measured", "baseline", "ratio", "bound", "ok"],
    s.targets.map((t) => [
      t.name,
      t.connections === undefined ? "" : String(t.connections),
      n(t.value, t.value < 10 ? 3 : 0),
      t.baseline === undefined ? "" : n(t.baseline),
      t.ratio.toFixed(3),
      t.min !== undefined ? `≥ ${t.min}` : `≤ ${t.max}`,
      t.ok ? "ok" : "MISS",
    ]),
    markdown,
  );
  const memory = table(
    ["process", "idle MiB", "under load MiB", "peak MiB"],
    Object.entries(s.memory).map(([name, m]) => [name, n(m.idleMiB), n(m.loadMiB), n(m.peakMiB)]),
    markdown,
  );
  const invariants = s.invariants
    .map(
      (i) =>
        `stock + held + sold = stocked over ${i.variants} variants: ${i.ok ? "holds" : `BROKEN ${JSON.stringify(i.broken)}`} (${i.sold} units sold in the run, ${i.held} held at the end)`,
    )
    .join("\n");
  const h = (title: string) => (markdown ? `\n## ${title}\n` : `\n${title}:`);
  return [
    markdown
      ? `# fastr bench, ${s.at}\n\n${s.machine}; Bun ${s.bun}; ${s.tool}; ${s.pinning}; ${s.benchSeconds} s.`
      : "",
    h("Runs"),
    runs,
    h("Targets (ratios to baselines of this run)"),
    targets || "(none measured)",
    h("Memory (RSS; a tree of processes as the sum of their PSS)"),
    memory,
    h("Stock invariant"),
    invariants || "(not checked)",
    s.start ? `${h("Start")}\n${JSON.stringify(s.start)}` : "",
    s.clusterStartMs ? `cluster start to the first 200 through NGINX: ${s.clusterStartMs} ms` : "",
    s.notes.length ? `${h("Notes")}\n${s.notes.map((x) => `- ${x}`).join("\n")}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

/** Prints the table; writes bench/results/latest.md and .json (a dated copy stays in .bench/). */
export async function writeResults(s: Summary) {
  console.log(render(s, false));
  const dir = process.env.BENCH_RESULTS_DIR ?? join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const stamp = s.at.replace(/[:.]/g, "-");
  const files = [
    join(dir, "latest.md"),
    join(dir, "latest.json"),
    join(root, ".bench", `results-${stamp}.json`),
  ];
  await Bun.write(files[0]!, `${render(s, true)}\n`);
  await Bun.write(files[1]!, `${JSON.stringify(s, null, 2)}\n`);
  await Bun.write(files[2]!, `${JSON.stringify(s, null, 2)}\n`);
  return files.slice(0, 2).map((f) => (f.startsWith(root) ? f.slice(root.length + 1) : f));
}
