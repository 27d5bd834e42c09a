import { describe, expect, it } from "bun:test";
import { readConfig } from "../config.ts";
import { telemetrySettings, tracesUrl } from "./settings.ts";

const read = (environment: Record<string, string>) => readConfig([telemetrySettings], environment);

describe("telemetry settings", () => {
  it("keeps tracing off until an OTLP endpoint is given", () => {
    expect(tracesUrl(read({}))).toBeNull();
    expect(tracesUrl(read({ OTEL_TRACES_SAMPLER: "always_on", OTEL_SERVICE_NAME: "shop" }))).toBeNull();
  });

  it("posts traces to <endpoint>/v1/traces, or to the traces endpoint exactly as given", () => {
    expect(tracesUrl(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }))).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(
      tracesUrl(
        read({
          OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://tempo.example.com/otlp/traces",
        }),
      ),
    ).toBe("https://tempo.example.com/otlp/traces");
  });

  it("stays off with an endpoint when OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none says so", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
    expect(tracesUrl(read({ ...endpoint, OTEL_SDK_DISABLED: "true" }))).toBeNull();
    expect(tracesUrl(read({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }))).toBeNull();
  });

  it("refuses to start on a sampler, protocol or ratio it does not know, naming the variable", () => {
    expect(() => read({ OTEL_TRACES_SAMPLER: "jaeger_remote" })).toThrow(
      'OTEL_TRACES_SAMPLER: expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio, got "jaeger_remote"',
    );
    expect(() => read({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json (grpc is not supported), got "grpc"',
    );
    expect(() => read({ OTEL_TRACES_SAMPLER_ARG: "1.5" })).toThrow(
      'OTEL_TRACES_SAMPLER_ARG: expected a ratio between 0 and 1, like 0.25, got "1.5"',
    );
    expect(() => read({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(
      "OTEL_EXPORTER_OTLP_ENDPOINT: expected a URL like http://127.0.0.1:4318",
    );
  });
});
