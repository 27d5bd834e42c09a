/**
 * What a running Postgres was sent, read back from its own log: statement logging
 * (`log_statement = all`) is switched on for the length of `during` on each server given (the
 * cluster's primary and replica), and the log lines written meanwhile become the statements with
 * their values and transaction bounds — the shape serve-shop records through PGlite's query hook.
 * Nothing in the services changes for it, and every process's SQL is seen (through PgBouncer too).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { query } from "../shapes/cluster/postgres.ts";
import type { CapturedStatement } from "./serve-shop.ts";

export type LoggingServer = { url: string; logFile: string };

/** One log entry: a server process's `LOG:` line with its `DETAIL:` (the bound values), if any. */
type Entry = { at: string; pid: string; message: string; detail?: string };

/** `log_line_prefix` while recording: the time to the millisecond and the backend's PID. */
const PREFIX = "%m [%p] ";
const LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+) \[(\d+)\] ([A-Z]+\d?): {2}(.*)$/;
/** What the recording itself sends: never part of what is recorded. */
const OWN = /^(alter system |select pg_reload_conf\(\)|select 'fastr-bench )/i;
/** Logged on each server right before `during` starts, and right after it ended. */
const STARTS = "select 'fastr-bench recording starts'";
const ENDS = "alter system reset log_statement";

/** Log entries from the server's stderr text: continuation lines start with a tab (Postgres adds it after each newline). */
export function logEntries(text: string): Entry[] {
  const entries: Entry[] = [];
  let last: { entry: Entry; field: "message" | "detail" } | null = null;
  for (const line of text.split("\n")) {
    const match = LINE.exec(line);
    if (match) {
      const [, at, pid, level, body] = match as unknown as [string, string, string, string, string];
      if (level === "DETAIL" && last && last.entry.pid === pid && last.entry.detail === undefined) {
        last.entry.detail = body;
        last.field = "detail";
      } else if (level === "LOG") {
        const entry: Entry = { at, pid, message: body };
        entries.push(entry);
        last = { entry, field: "message" };
      } else last = null;
    } else if (line.startsWith("\t") && last) {
      last.entry[last.field] += `\n${line.slice(1)}`;
    }
  }
  return entries;
}

/** `$1 = 'it''s', $2 = NULL` (the DETAIL of a logged execute) as values: text, or null. */
export function boundValues(detail: string | undefined): (string | null)[] {
  const values: (string | null)[] = [];
  if (!detail?.startsWith("parameters: ")) return values;
  const text = detail.slice("parameters: ".length);
  const value = /\$(\d+) = (NULL|'((?:[^']|'')*)')(?:, |$)/y;
  for (let match = value.exec(text); match; match = value.exec(text))
    values[Number(match[1]) - 1] = match[2] === "NULL" ? null : match[3]!.replaceAll("''", "'");
  return values;
}

/** A logged statement as recorded: simple queries (`statement:`) and extended ones (`execute <name>:`). */
function statementOf(entry: Entry): CapturedStatement | null {
  const match = /^(?:statement|execute [^:]+): ([\s\S]*)$/.exec(entry.message);
  if (!match) return null;
  const sql = match[1]!.trim();
  if (OWN.test(sql)) return null;
  const word = sql.toLowerCase().replace(/;$/, "");
  if (word === "begin" || word === "start transaction") return { tx: "begin" };
  if (word === "commit" || word === "end") return { tx: "commit" };
  if (word === "rollback" || word === "abort") return { tx: "rollback" };
  return { sql, params: boundValues(entry.detail) };
}

/**
 * Entries of one or more servers as one recording, in the order they were logged: a transaction's
 * statements (one backend's, between its BEGIN and COMMIT) stay together at the place of its BEGIN,
 * so transactions that overlapped on different backends do not interleave.
 */
export function recordingOf(servers: Entry[][]): CapturedStatement[] {
  const merged = servers
    .flatMap((entries, server) => entries.map((e, i) => ({ ...e, key: `${server}:${e.pid}`, i })))
    .sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? -1 : 1));
  const out: (CapturedStatement | CapturedStatement[])[] = [];
  const open = new Map<string, CapturedStatement[]>();
  for (const entry of merged) {
    const step = statementOf(entry);
    if (!step) continue;
    const tx = open.get(entry.key);
    if ("tx" in step && step.tx === "begin") {
      const block: CapturedStatement[] = [step];
      open.set(entry.key, block);
      out.push(block);
    } else if (tx) {
      tx.push(step);
      if ("tx" in step) open.delete(entry.key);
    } else if (!("tx" in step)) out.push(step);
  }
  return out.flat();
}

/** Bytes appended to `file` since `offset`. */
function readFrom(file: string, offset: number) {
  const size = statSync(file).size;
  const buffer = Buffer.alloc(Math.max(0, size - offset));
  const fd = openSync(file, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString("utf8");
}

async function setLogging(url: string, on: boolean) {
  if (on) {
    await query(url, "alter system set log_statement = 'all'");
    await query(url, `alter system set log_line_prefix = '${PREFIX}'`);
  } else {
    await query(url, "alter system reset log_statement");
    await query(url, "alter system reset log_line_prefix");
  }
  await query(url, "select pg_reload_conf()");
}

/**
 * Every statement the servers ran while `during` ran (with the values bound to it, and BEGIN/COMMIT),
 * from their logs. Backends take the new setting before their next statement once the reload signal
 * reached them, hence the short waits around `during`.
 * @example const statements = await recordStatements([{ url, logFile }], () => checkout());
 */
export async function recordStatements(
  servers: LoggingServer[],
  during: () => Promise<void>,
): Promise<CapturedStatement[]> {
  const offsets = servers.map((s) => statSync(s.logFile).size);
  try {
    for (const s of servers) await setLogging(s.url, true);
    await Bun.sleep(200);
    for (const s of servers) await query(s.url, STARTS);
    await during();
  } finally {
    for (const s of servers) await setLogging(s.url, false).catch(() => {});
  }
  await Bun.sleep(100); // the servers' stderr reaches the file
  return recordingOf(servers.map((s, i) => between(logEntries(readFrom(s.logFile, offsets[i]!)))));
}

/** The entries between the start marker and the end of the recording (what other backends sent around it is not `during`'s). */
function between(entries: Entry[]) {
  const start = entries.findIndex((e) => e.message.endsWith(STARTS));
  const end = entries.findIndex((e, i) => i > start && e.message.endsWith(ENDS));
  if (start < 0)
    throw new Error("the recording's start is not in the server's log: is it logging to stderr?");
  return entries.slice(start + 1, end < 0 ? undefined : end);
}
