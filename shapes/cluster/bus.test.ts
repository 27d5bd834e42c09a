import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { readConfig } from "../../platform/config.ts";
import { busSettings } from "./bus.ts";

describe("a service instance's bus settings", () => {
  it("default to Redis Streams and need no Kafka variables", () => {
    expect(readConfig([busSettings], {})).toMatchObject({ BUS: "redis-streams", KAFKA_BROKERS: [] });
  });

  it("refuse BUS=kafka without brokers, naming KAFKA_BROKERS", () => {
    expect(() => readConfig([busSettings], { BUS: "kafka" })).toThrow(
      /KAFKA_BROKERS: expected the Kafka brokers \(host:port, comma-separated\) with BUS=kafka/,
    );
  });

  it("read the brokers as a host:port list and refuse anything else", () => {
    expect(readConfig([busSettings], { BUS: "kafka", KAFKA_BROKERS: "b-1:9092, b-2:9092" })).toMatchObject({
      KAFKA_BROKERS: ["b-1:9092", "b-2:9092"],
      KAFKA_SESSION_TIMEOUT_MS: 30_000,
    });
    expect(() => readConfig([busSettings], { BUS: "kafka", KAFKA_BROKERS: "kafka://b-1:9092" })).toThrow(
      /KAFKA_BROKERS: expected host:port/,
    );
  });
});

describe("bun run cluster's choice of bus", () => {
  const run = (args: string[]) => {
    const proc = Bun.spawnSync(["bun", join(import.meta.dir, "main.ts"), ...args], {
      env: { ...process.env, BUS: "", KAFKA_BROKERS: "" },
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: proc.exitCode, errors: proc.stderr.toString() };
  };

  it("refuses a bus it does not know before starting anything", () => {
    const { code, errors } = run(["--bus", "nats"]);
    expect(code).toBe(1);
    expect(errors).toContain('BUS: expected redis-streams or kafka, got "nats"');
  });

  it("refuses an unknown flag with its usage", () => {
    const { code, errors } = run(["--buss", "kafka"]);
    expect(code).toBe(2);
    expect(errors).toContain("usage: bun run cluster [-- --bus redis-streams|kafka]");
  });
});
