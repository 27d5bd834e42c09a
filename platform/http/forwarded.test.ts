import { describe, expect, it } from "bun:test";
import { fromTrustedHop, requestOrigin } from "./forwarded.ts";

const request = (headers: Record<string, string>, url = "http://10.0.0.2:3000/api/auth/trpc/login") =>
  new Request(url, { headers });

describe("the client address behind proxies", () => {
  it("ignores X-Forwarded-* entirely when no proxy is trusted", () => {
    const origin = requestOrigin(
      request({
        "x-forwarded-for": "1.2.3.4",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "evil.example",
        host: "shop.local:3000",
      }),
      "10.0.0.1",
      0,
    );
    expect(origin).toEqual({ ip: "10.0.0.1", protocol: "http", host: "shop.local:3000" });
  });

  it("takes the address the proxy appended, not the one the client wrote in front of it", () => {
    expect(fromTrustedHop("6.6.6.6, 203.0.113.9", 1)).toBe("203.0.113.9");
    expect(fromTrustedHop("6.6.6.6,203.0.113.9", 1)).toBe("203.0.113.9");
    expect(requestOrigin(request({ "x-forwarded-for": "6.6.6.6, 203.0.113.9" }), "10.0.0.1", 1).ip).toBe(
      "203.0.113.9",
    );
  });

  it("counts the configured number of proxies from the right (a CDN in front of NGINX is two)", () => {
    expect(fromTrustedHop("6.6.6.6, 203.0.113.9, 198.51.100.7", 2)).toBe("203.0.113.9");
    // Fewer entries than proxies: the request skipped the outer one; the first entry is still a proxy's.
    expect(fromTrustedHop("203.0.113.9", 2)).toBe("203.0.113.9");
  });

  it("falls back to the socket address when the proxy sent no X-Forwarded-For", () => {
    expect(requestOrigin(request({}), "10.0.0.1", 1).ip).toBe("10.0.0.1");
    expect(fromTrustedHop(" , ", 1)).toBeUndefined();
  });

  it("reads the scheme and host at the same position, and only a known scheme", () => {
    const origin = requestOrigin(
      request({ "x-forwarded-proto": "http, https", "x-forwarded-host": "evil.example, shop.example.com" }),
      "10.0.0.1",
      1,
    );
    expect(origin).toMatchObject({ protocol: "https", host: "shop.example.com" });
    expect(requestOrigin(request({ "x-forwarded-proto": "https, gopher" }), "10.0.0.1", 1).protocol).toBe(
      "http",
    );
    expect(requestOrigin(request({ "x-forwarded-proto": "https, http" }), "10.0.0.1", 1).protocol).toBe(
      "http",
    );
  });
});
