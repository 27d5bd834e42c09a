import { afterAll, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import {
  acquireDataDirLock,
  DataDirLocked,
  LOCK_FILE,
  type LockHolder,
  lockHolder,
  processStartTime,
} from "./data-dir-lock.ts";

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "fastr-lock-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A lock file as another process would have left it. */
function plantLock(dir: string, holder: Partial<LockHolder>) {
  const full: LockHolder = {
    pid: 1,
    command: "bun start",
    since: new Date(Date.now() - 5 * 60_000).toISOString(),
    hostname: hostname(),
    processStart: null,
    token: "planted",
    ...holder,
  };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(full));
  return full;
}

/** The PID of a process that has exited (and so holds nothing). */
async function deadPid() {
  const proc = Bun.spawn(["true"]);
  await proc.exited;
  return proc.pid;
}

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DataDirLocked) return error;
    throw error;
  }
  throw new Error("expected DataDirLocked");
};

describe("the data directory lock", () => {
  it("refuses a second holder at once, naming the first one's pid, command and since when", () => {
    const dir = freshDir();
    const first = acquireDataDirLock(dir, "bun start");
    try {
      const refused = refusal(() => acquireDataDirLock(dir, "bun run staff:create"));
      expect(refused.holder).toMatchObject({ pid: process.pid, command: "bun start" });
      expect(refused.message).toMatch(
        new RegExp(
          `^the data directory ${dir} is in use by \`bun start\` \\(pid ${process.pid}, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC, \\d+ seconds? ago\\)$`,
        ),
      );
      expect(lockHolder(dir)).toMatchObject({ pid: process.pid, token: first.holder.token });
    } finally {
      first.release();
    }
  });

  it("lets the next process in once released; releasing twice is harmless", () => {
    const dir = freshDir();
    const first = acquireDataDirLock(dir, "bun start");
    first.release();
    first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(lockHolder(dir)).toBeNull();
    const second = acquireDataDirLock(dir, "bun run reset");
    expect(second.tookOverFrom).toBeNull();
    second.release();
  });

  it("takes over a lock whose process has died (a shop killed with SIGKILL)", async () => {
    const dir = freshDir();
    const stale = plantLock(dir, { pid: await deadPid() });
    expect(lockHolder(dir)).toBeNull();
    const lock = acquireDataDirLock(dir, "bun start");
    try {
      expect(lock.tookOverFrom).toEqual(stale);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    } finally {
      lock.release();
    }
  });

  it.skipIf(processStartTime(process.pid) === null)(
    "takes over a lock whose pid now belongs to another process (a restart reused the number)",
    () => {
      const dir = freshDir();
      plantLock(dir, { pid: process.pid, processStart: (processStartTime(process.pid) ?? 0) - 1 });
      const lock = acquireDataDirLock(dir, "bun start");
      expect(lock.tookOverFrom).toMatchObject({ token: "planted" });
      lock.release();
    },
  );

  it("refuses when the lock names a process that is still running", () => {
    const dir = freshDir();
    const sleeper = Bun.spawn(["sleep", "30"]);
    try {
      plantLock(dir, { pid: sleeper.pid, processStart: processStartTime(sleeper.pid) });
      const refused = refusal(() => acquireDataDirLock(dir, "bun start"));
      expect(refused.holder).toMatchObject({ pid: sleeper.pid, token: "planted" });
      expect(refused.message).toContain(`(pid ${sleeper.pid}, since `);
      expect(refused.message).toContain("5 minutes ago");
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("refuses, without guessing, when the lock file cannot be read, and leaves it alone", () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), "not json");
    const refused = refusal(() => acquireDataDirLock(dir, "bun start"));
    expect(refused.holder).toBeNull();
    expect(refused.message).toContain("cannot be read");
    expect(refused.message).toContain("if no fastr process is running, delete it");
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe("not json");
  });

  it("never removes a lock that has since passed to someone else", () => {
    const dir = freshDir();
    const lock = acquireDataDirLock(dir, "bun start");
    const successor = plantLock(dir, { pid: process.pid, token: "successor" });
    lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toEqual(successor);
  });

  it("leaves no temporary files behind, whether it got the lock or not", () => {
    const dir = freshDir();
    const lock = acquireDataDirLock(dir, "bun start");
    refusal(() => acquireDataDirLock(dir, "bun run reset"));
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
