import { afterEach, describe, expect, it } from "bun:test";
import { join } from "node:path";
import type { MortalCall } from "../../test/fixtures/workers/mortal.ts";
import { rejection } from "../../test/support/failure.ts";
import { callWorker } from "./worker-calls.ts";

const MORTAL = new URL("../../test/fixtures/workers/mortal.ts", import.meta.url);

describe("calls into a worker", () => {
  let worker: ReturnType<typeof callWorker<MortalCall>>;
  let deaths: Error[];
  afterEach(async () => {
    await worker.close({ op: "echo", value: null }).catch(() => {});
  });
  const start = () => {
    deaths = [];
    worker = callWorker<MortalCall>(MORTAL, (error) => deaths.push(error));
  };

  it("answers each of many calls in flight with its own value, whatever its kind", async () => {
    start();
    const values = [
      1,
      "two",
      null,
      3n,
      new Date("2026-01-02T03:04:05Z"),
      new Uint8Array([0, 255]),
      { a: [1] },
    ];
    const answers = await Promise.all(values.map((value) => worker.call({ op: "echo", value })));
    expect(answers).toEqual(values);
  });

  it("a failure arrives as an Error with the fields it was thrown with", async () => {
    start();
    const error = await rejection(worker.call({ op: "fail" }));
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      message: "duplicate key",
      code: "23505",
      constraint: "users_email",
      params: ["a", 1],
    });
    expect(await worker.call({ op: "echo", value: "still answering" })).toBe("still answering");
    expect(deaths).toEqual([]);
  });

  it("a call that cannot cross the thread fails alone; the calls sent with it are answered", async () => {
    start();
    const calls = [
      worker.call({ op: "echo", value: "before" }),
      worker.call({ op: "echo", value: () => "a function" }),
      worker.call({ op: "echo", value: "after" }),
    ];
    const [before, uncopyable, after] = await Promise.allSettled(calls);

    expect(before).toEqual({ status: "fulfilled", value: "before" });
    expect(uncopyable?.status).toBe("rejected");
    expect(after).toEqual({ status: "fulfilled", value: "after" });
    expect(deaths).toEqual([]);
  });

  it("an answer that cannot cross the thread fails its own call alone, saying why; the answers sent with it arrive", async () => {
    start();
    const calls = [
      worker.call({ op: "echo", value: "before" }),
      worker.call({ op: "uncopyable" }),
      worker.call({ op: "echo", value: "after" }),
    ];
    const [before, uncopyable, after] = await Promise.allSettled(calls);

    expect(before).toEqual({ status: "fulfilled", value: "before" });
    expect(uncopyable?.status).toBe("rejected");
    expect(String((uncopyable as PromiseRejectedResult).reason)).toMatch(/clone/i);
    expect(after).toEqual({ status: "fulfilled", value: "after" });
    expect(deaths).toEqual([]);
  });

  it("a worker that exits fails the call in flight, the ones waiting and every later one, and is reported once", async () => {
    start();
    const waiting = rejection(worker.call({ op: "never" }));
    const exiting = (await rejection(worker.call({ op: "exit" }))) as Error;
    const later = await rejection(worker.call({ op: "echo", value: 1 }));

    expect(exiting.message).toContain("died (it exited with code 3)");
    expect(await waiting).toBe(exiting);
    expect(later).toBe(exiting);
    expect(deaths).toEqual([exiting]);
  });

  it("a worker that throws outside any call is dead, and says what it threw", async () => {
    start();
    const waiting = rejection(worker.call({ op: "never" }));
    await worker.call({ op: "throw later" });

    const error = (await waiting) as Error;
    expect(error.message).toContain("died (error: something went wrong outside any call)");
    expect(deaths).toEqual([error]);
  });

  it("after close, a call fails at once instead of waiting", async () => {
    start();
    await worker.close({ op: "echo", value: null });
    expect(await rejection(worker.call({ op: "echo", value: 1 }))).toHaveProperty(
      "message",
      expect.stringContaining("was closed"),
    );
    expect(deaths).toEqual([]);
  });
});

it("a process whose worker dies with no one told stops with why, instead of serving on without it", async () => {
  const proc = Bun.spawn(
    ["bun", join(import.meta.dir, "../../test/fixtures/workers/serves-until-its-worker-dies.ts")],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const timeout = setTimeout(() => proc.kill(), 20_000);
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  clearTimeout(timeout);

  expect(code).toBe(1);
  expect(stderr).toContain("died (it exited with code 3)");
}, 30_000);
