/**
 * One process at a time in an embedded data directory. PGlite has no lock of its own: a second process
 * opening the same directory works on its own copy of the pages in memory and its writes are lost or
 * the files damaged. Whoever opens the directory (`bun start`, `bun run staff:create`, `bun run reset`)
 * first takes `lock.json` in it; the file names the holder so a refusal can say who and what to do.
 */
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

export const LOCK_FILE = "lock.json";

export type LockHolder = {
  pid: number;
  /** What the holder is, as the user typed it: `bun start`, `bun run staff:create`, … */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  hostname: string;
  /** The process's start time in clock ticks after boot (Linux): tells a live holder from a reused PID. */
  processStart: number | null;
  /** Unique per acquisition: a holder only ever removes its own lock. */
  token: string;
};

export class DataDirLocked extends Error {
  override readonly name = "DataDirLocked";
  /** `is in use by …`, or what is wrong with the lock file. */
  readonly state: string;
  constructor(
    readonly dir: string,
    /** null when the lock file cannot be read: it names nobody. */
    readonly holder: LockHolder | null,
  ) {
    const state = holder
      ? `is in use by ${describeHolder(holder)}`
      : `has a lock file that cannot be read (${join(dir, LOCK_FILE)}); if no fastr process is running, delete it`;
    super(`the data directory ${dir} ${state}`);
    this.state = state;
  }
}

/** `bun start (pid 4242, since 2026-11-27 14:03:12 UTC, 5 minutes ago)`. */
export function describeHolder(holder: LockHolder, now = Date.now()) {
  const since = new Date(holder.since);
  const where = holder.hostname === hostname() ? "" : ` on host ${holder.hostname}`;
  return `\`${holder.command}\` (pid ${holder.pid}${where}, since ${since.toISOString().slice(0, 19).replace("T", " ")} UTC, ${ago(now - since.getTime())})`;
}

/** What a process says when it found a dead holder's lock and took it. */
export const tookOverMessage = (stale: LockHolder) =>
  `fastr: took over the lock a stopped process left: ${describeHolder(stale)}`;

function ago(ms: number) {
  const s = Math.max(0, Math.round(ms / 1000));
  const [n, unit] =
    s < 90
      ? [s, "second"]
      : s < 90 * 60
        ? [Math.round(s / 60), "minute"]
        : s < 36 * 3600
          ? [Math.round(s / 3600), "hour"]
          : [Math.round(s / 86_400), "day"];
  return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised name, which may hold spaces); null off Linux. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const value = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Whether the process that wrote the lock still runs. A holder on another host cannot be checked and
 * counts as alive (its user is told to remove the file if nothing runs there).
 */
export function isHolderAlive(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: it exists and belongs to another user.
  }
  if (holder.processStart === null) return true;
  const started = processStartTime(holder.pid);
  return started === null || started === holder.processStart;
}

function readHolder(path: string): LockHolder | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return Number.isInteger(holder.pid) && typeof holder.token === "string" ? holder : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** The live holder of `dir`'s lock, or null when nobody (or only a dead process) holds it. */
export function lockHolder(dir: string): LockHolder | null {
  const holder = readHolder(join(resolve(dir), LOCK_FILE));
  return typeof holder === "object" && isHolderAlive(holder) ? holder : null;
}

export type DataDirLock = {
  dir: string;
  holder: LockHolder;
  /** The dead process whose lock this one replaced, if any. */
  tookOverFrom: LockHolder | null;
  /** Removes the lock if it is still this one; safe to call twice. */
  release(): void;
};

/**
 * Takes `dir`'s lock for this process, creating the directory. A lock left by a dead process is taken
 * over; a live holder makes it throw DataDirLocked (at once, without waiting).
 * @example const lock = acquireDataDirLock(".fastr", "bun start"); try { … } finally { lock.release(); }
 */
export function acquireDataDirLock(dirPath: string, command: string): DataDirLock {
  const dir = resolve(dirPath);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    command,
    since: new Date().toISOString(),
    hostname: hostname(),
    processStart: processStartTime(process.pid),
    token: randomBytes(12).toString("hex"),
  };
  // Written in full under a private name, then hard-linked into place: link() fails if the lock
  // exists, and a reader never sees a half-written file.
  const candidate = `${path}.${me.token}`;
  writeFileSync(candidate, `${JSON.stringify(me, null, 2)}\n`);
  let tookOverFrom: LockHolder | null = null;
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(candidate, path);
        return { dir, holder: me, tookOverFrom, release: () => releaseLock(path, me.token) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = readHolder(path);
      if (holder === "missing") continue;
      if (holder === "unreadable") throw new DataDirLocked(dir, null);
      if (isHolderAlive(holder)) throw new DataDirLocked(dir, holder);
      if (removeStaleLock(path, holder)) tookOverFrom = holder;
    }
    throw new Error(`could not lock ${dir}: the lock kept changing hands; try again`);
  } finally {
    rmSync(candidate, { force: true });
  }
}

/**
 * Moves a dead holder's lock aside (rename is atomic) and checks that what moved is that lock: if a
 * racing process replaced it in between, its live lock is put back.
 */
function removeStaleLock(path: string, stale: LockHolder): boolean {
  const aside = `${path}.stale-${randomBytes(6).toString("hex")}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const moved = readHolder(aside);
  const wasStale = typeof moved === "object" && moved.token === stale.token;
  if (!wasStale) {
    try {
      linkSync(aside, path);
    } catch {}
  }
  rmSync(aside, { force: true });
  return wasStale;
}

function releaseLock(path: string, token: string) {
  const holder = readHolder(path);
  if (typeof holder === "object" && holder.token === token) rmSync(path, { force: true });
}
