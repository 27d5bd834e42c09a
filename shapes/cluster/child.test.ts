import { afterAll, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnChild } from "./child.ts";

const dir = mkdtempSync(join(tmpdir(), "fastr-child-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("keeps every line of a child that writes to stdout and stderr in turn (stderr used to overwrite stdout)", async () => {
  const logFile = join(dir, "both.log");
  const script = `for (let i = 0; i < 20; i++) {
    process.stdout.write(JSON.stringify({ stream: "out", i }) + "\\n");
    process.stderr.write(JSON.stringify({ stream: "err", i }) + "\\n");
    await Bun.sleep(1);
  }`;
  const child = spawnChild("writer", ["bun", "-e", script], { logFile });
  expect(await child.exited).toBe(0);

  const lines = readFileSync(logFile, "utf8").trimEnd().split("\n");
  expect(lines.map((l) => JSON.parse(l))).toEqual(
    Array.from({ length: 20 }, (_, i) => [
      { stream: "out", i },
      { stream: "err", i },
    ]).flat(),
  );
});
