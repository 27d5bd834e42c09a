import { afterAll, describe, expect, it } from "bun:test";
import { resolve } from "node:path";
import { takeTurn } from "./turn.ts";

const TURN = resolve(import.meta.dir, "turn.ts");
const name = () => `fastr-turn-test-${process.pid}-${crypto.randomUUID()}`;

describe.if(process.platform === "linux")("a turn", () => {
  const holders: Bun.Subprocess[] = [];
  afterAll(() => {
    for (const holder of holders) holder.kill("SIGKILL");
  });

  it("is held by one at a time, and the next waiter gets it once it is released", async () => {
    const turn = name();
    const first = await takeTurn(turn);
    expect(first.held).toBe(true);
    let second: Awaited<ReturnType<typeof takeTurn>> | undefined;
    const waiting = takeTurn(turn).then((t) => (second = t));
    await Bun.sleep(600);
    expect(second).toBeUndefined();

    first.release();
    expect((await waiting).held).toBe(true);
    second!.release();
  });

  it("is free again as soon as a process holding it is killed", async () => {
    const turn = name();
    const holder = Bun.spawn(
      [
        process.execPath,
        "-e",
        `const { takeTurn } = await import(${JSON.stringify(TURN)}); const t = await takeTurn(${JSON.stringify(turn)}); console.log("held", t.held); setInterval(() => {}, 1000);`,
      ],
      { stdout: "pipe", stderr: "inherit" },
    );
    holders.push(holder);
    const reader = holder.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("held true");

    const meanwhile = await takeTurn(turn, 500);
    expect(meanwhile.held).toBe(false);

    holder.kill("SIGKILL");
    await holder.exited;
    const after = await takeTurn(turn, 5_000);
    expect(after.held).toBe(true);
    after.release();
  }, 20_000);
});
