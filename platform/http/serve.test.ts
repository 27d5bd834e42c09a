import { afterEach, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../test/support/binaries.ts";
import { rawRequest } from "../../test/support/raw-http.ts";
import { silentLogger } from "../log.ts";
import { createHost } from "./host.ts";
import { assertCanListen, ListenError, serve } from "./serve.ts";

const CLIENT = resolve(import.meta.dir, "../../test/fixtures/drain-client.ts");

function slowHost() {
  const host = createHost({
    routers: {},
    createContext: () => ({}),
    log: silentLogger,
    maxBodyBytes: 1024,
    trustProxy: false,
    ready: async () => {},
  });
  host.app.post("/slow", async (c) => {
    const { i } = await c.req.json();
    await Bun.sleep(50);
    return c.json({ i });
  });
  return host;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("slow answers", () => {
  it("answers a request that takes longer than Bun's default 10 s idle timeout, instead of resetting the connection", async () => {
    const host = slowHost();
    host.app.get("/slower", async (c) => {
      // Bun checks its timeouts every 4 s: unanswered 10 s on, the connection goes at the next check.
      await Bun.sleep(14_500);
      return c.text("late but answered");
    });
    const { server } = serve(host, {
      hostname: "127.0.0.1",
      port: 0,
      graceMs: 1_000,
      log: silentLogger,
      close: async () => {},
      handleSignals: false,
    });
    cleanups.push(() => server.stop(true));
    const answer = await fetch(`http://127.0.0.1:${server.port}/slower`);
    expect([answer.status, await answer.text()]).toEqual([200, "late but answered"]);
  }, 30_000);
});

describe("graceful shutdown", () => {
  it("answers every request received before the signal, even those the event loop had not picked up yet", async () => {
    let closed = false;
    const { server, shutdown } = serve(slowHost(), {
      hostname: "127.0.0.1",
      port: 0,
      graceMs: 10_000,
      log: silentLogger,
      close: async () => {
        closed = true;
      },
      handleSignals: false,
    });
    cleanups.push(() => server.stop(true));
    const dir = mkdtempSync(join(tmpdir(), "fastr-drain-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const goFile = join(dir, "go");
    const sentFile = join(dir, "sent");
    const count = 8;
    const client = Bun.spawn(
      [process.execPath, CLIENT, String(server.port), goFile, sentFile, String(count)],
      {
        stdout: "pipe",
        stderr: "inherit",
      },
    );
    cleanups.push(() => client.kill());
    const lines = client.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = "";
    while (!output.includes("ready\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`client ended early: ${output}`);
      output += value;
    }

    // Block this process's event loop (as a busy server's is) while the client connects and sends:
    // the kernel accepts the connections and holds the bytes, and nothing here has seen them yet.
    writeFileSync(goFile, "go");
    const deadline = Date.now() + 10_000;
    while (!existsSync(sentFile) && Date.now() < deadline) Bun.sleepSync(2);
    expect(existsSync(sentFile)).toBe(true);
    const stopped = shutdown("SIGTERM"); // the signal arrives before the loop has picked anything up

    await stopped;
    while (!output.endsWith("}\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      output += value;
    }
    const results = JSON.parse(output.slice(output.indexOf("{")));

    expect(results.fresh.map((r: { status?: number; error?: string }) => r.status ?? r.error)).toEqual(
      Array(count).fill(200),
    );
    expect(results.fresh.map((r: { body: string }) => JSON.parse(r.body).i)).toEqual([
      ...Array(count).keys(),
    ]);
    // The request sent on a kept-alive connection is answered too, and that answer closes it.
    expect(results.kept).toMatchObject({ status: 200, headers: { connection: "close" } });
    expect(closed).toBe(true);
    const after = await rawRequest(Number(server.port), { method: "GET", path: "/healthz" }).response;
    expect(after).toEqual({ error: expect.stringMatching(/ECONNREFUSED|closed/) });
  }, 30_000);

  it("turns readiness to 503 as soon as it starts draining", async () => {
    const host = slowHost();
    const { server, shutdown } = serve(host, {
      hostname: "127.0.0.1",
      port: 0,
      graceMs: 5_000,
      log: silentLogger,
      close: async () => {},
      handleSignals: false,
    });
    cleanups.push(() => server.stop(true));
    const stopped = shutdown("SIGTERM");
    const readyz = await fetch(`${server.url}readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.headers.get("connection")).toBe("close");
    await stopped;
  });
});

describe("a port that is taken", () => {
  it("is refused with a message naming the port and how to choose another, not a stack", () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    cleanups.push(() => holder.stop(true));
    const taken = holder.port;

    let early: unknown;
    try {
      assertCanListen("127.0.0.1", taken);
    } catch (error) {
      early = error;
    }
    expect(early).toBeInstanceOf(ListenError);
    expect((early as Error).message).toContain(`port ${taken} on 127.0.0.1 is already in use`);
    expect((early as Error).message).toContain(`PORT=${taken + 1} bun start`);

    let late: unknown;
    try {
      serve(slowHost(), {
        hostname: "127.0.0.1",
        port: taken,
        graceMs: 0,
        log: silentLogger,
        close: async () => {},
        handleSignals: false,
      });
    } catch (error) {
      late = error;
    }
    expect(late).toBeInstanceOf(ListenError);
    expect((late as Error).message).toBe((early as Error).message);
  });

  it("lets a free port through, and leaves it free", () => {
    const port = freePort();
    expect(() => assertCanListen("127.0.0.1", port)).not.toThrow();
    expect(() => assertCanListen("127.0.0.1", port)).not.toThrow();
  });
});
