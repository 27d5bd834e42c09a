import { describe, expect, it } from "bun:test";
import { z } from "zod";
import { readShopConfig as loadConfig } from "../shapes/embedded/shop.ts";
import { ConfigError, env, readConfig } from "./config.ts";

describe("configuration", () => {
  it("runs on defaults alone", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: "127.0.0.1",
      FASTR_DATA_DIR: ".fastr",
      PAYMENT_PROVIDER: "simulated",
    });
    expect(config.TAX_RATES).toMatchObject({ DE: 19, "*": 19 });
  });

  it("stops with a message naming every bad variable, what it expected and what it got", () => {
    let message = "";
    try {
      loadConfig({ PORT: "abc", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud", TAX_RATES: "DE=19" });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('PORT: expected a whole number, got "abc"');
    expect(message).toContain("DATABASE_URL: expected a URL like postgres://");
    expect(message).toContain("LOG_LEVEL: ");
    expect(message).toContain(
      'TAX_RATES: expected COUNTRY:PERCENT pairs like "DE:19,*:20" (bad pair "DE=19")',
    );
    expect(message).toContain("README.md");
  });

  it("reads TRUST_PROXY as a number of proxy hops: false is none, true is one", () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: "false" }).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(() => loadConfig({ TRUST_PROXY: "sometimes" })).toThrow(
      'TRUST_PROXY: expected false, true (one proxy) or the number of proxies in front of fastr (e.g. 2), got "sometimes"',
    );
  });

  it("needs a Stripe key when the Stripe provider is chosen", () => {
    expect(() => loadConfig({ PAYMENT_PROVIDER: "stripe" })).toThrow(
      "STRIPE_SECRET_KEY: is required when PAYMENT_PROVIDER=stripe",
    );
    expect(
      loadConfig({ PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: "sk_test_abc123" }).PAYMENT_PROVIDER,
    ).toBe("stripe");
  });

  it("reads booleans, lists and numbers the way people write them", () => {
    const config = loadConfig({
      TRUST_PROXY: "yes",
      ALLOWED_ORIGINS: "https://a.example, https://b.example",
      MAX_BODY_BYTES: "4096",
    });
    expect(config.TRUST_PROXY).toBe(1);
    expect(config.ALLOWED_ORIGINS).toEqual(["https://a.example", "https://b.example"]);
    expect(config.MAX_BODY_BYTES).toBe(4096);
  });

  it("refuses a FASTR_TEST_ variable outside a test run (NODE_ENV=test), naming it", () => {
    const fragment = z.object({ FASTR_TEST_SHORTCUT: env.bool().optional() });
    expect(readConfig([fragment], { NODE_ENV: "test", FASTR_TEST_SHORTCUT: "true" })).toEqual({
      FASTR_TEST_SHORTCUT: true,
    });
    expect(readConfig([fragment], { NODE_ENV: "production" })).toEqual({});
    for (const outside of [{ NODE_ENV: "production" }, {}]) {
      expect(() => readConfig([fragment], { ...outside, FASTR_TEST_SHORTCUT: "true" })).toThrow(
        'FASTR_TEST_SHORTCUT: only a test run (NODE_ENV=test) may set it, got "true"',
      );
    }
  });
});
