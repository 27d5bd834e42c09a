import { afterAll, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { prometheusConfig, RULES_FILE } from "../../shapes/cluster/prometheus.ts";
import { describeWith, findBinary } from "../support/binaries.ts";

const promtool = findBinary("promtool", ["/usr/bin/promtool"]);
const scratch = mkdtempSync(join(tmpdir(), "fastr-prometheus-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs promtool; resolves to its exit code and output. */
function run(args: string[], cwd = scratch) {
  const result = Bun.spawnSync([promtool!, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, output: `${result.stdout}${result.stderr}` };
}

describeWith({ promtool }, "Prometheus rules and configuration", () => {
  it("has rules promtool accepts: recording rules and alerts for errors, p99, outbox backlog and dead letters", () => {
    const check = run(["check", "rules", RULES_FILE]);
    expect(check.output).toContain("SUCCESS");
    expect(check.code).toBe(0);
    const { groups } = Bun.YAML.parse(readFileSync(RULES_FILE, "utf8")) as {
      groups: { rules: { alert?: string; record?: string }[] }[];
    };
    const alerts = groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    expect(alerts).toEqual(
      expect.arrayContaining([
        "FastrHighErrorRate",
        "FastrSlowProcedure",
        "FastrOutboxBacklog",
        "FastrEventsDeadLettered",
      ]),
    );
  });

  it("fires each alert on the situation it names and not before (promtool test rules)", () => {
    const test = run(["test", "rules", "fastr.rules.test.yml"], dirname(RULES_FILE));
    expect(test.output).toContain("SUCCESS");
    expect(test.code).toBe(0);
  });

  it("renders a configuration promtool accepts for the cluster: file_sd targets and the rules", () => {
    const targetsFile = join(scratch, "instances.json");
    writeFileSync(
      targetsFile,
      JSON.stringify([{ targets: ["127.0.0.1:4001"], labels: { service: "order", instance: "order-1" } }]),
    );
    const configFile = join(scratch, "prometheus.yml");
    writeFileSync(configFile, JSON.stringify(prometheusConfig({ targetsFile }), null, 2));
    const check = run(["check", "config", configFile]);
    expect(check.output).toContain("SUCCESS: 1 rule files found");
    expect(check.code).toBe(0);
  });

  it("refuses a broken rule, so the checks above can fail", () => {
    const broken = join(scratch, "broken.rules.yml");
    writeFileSync(
      broken,
      "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: rate(fastr_procedure_calls_total[5m] >\n",
    );
    expect(run(["check", "rules", broken]).code).not.toBe(0);
  });
});
