import { writeSync } from "node:fs";

/**
 * Log lines on their way to stdout and stderr, written by this module alone with `writeSync`, so it
 * always knows which bytes the reader has taken: lines arrive whole and in order, and whatever is
 * left at exit is written then, after what came before it.
 *
 * Never mix these writes with `process.stdout.write`: that stream keeps a queue of its own, which
 * `process.exit()` drops, and which a synchronous write at exit would overtake (ADR 170).
 */

/**
 * Lines for stdout gathered since the last write: written at the end of this turn of the event loop,
 * but at most once per `FLUSH_GAP_MS` (or per 64 KiB). A busy server writes every few milliseconds
 * instead of every few requests (a write was 14% of a cluster product process's JavaScript time
 * serving cached reads); a quiet one still writes each line at the end of its turn.
 */
let gathered = "";
let flushScheduled = false;
let flushedAt = Number.NEGATIVE_INFINITY;
const FLUSH_AT = 64 * 1024;
const FLUSH_GAP_MS = 5;

/**
 * Text handed over but not yet taken by the reader, in the order it must arrive, with its size in
 * bytes. A string goes to `writeSync` as it is (Bun encodes it on the way, cheaper than a Buffer
 * first); only the rest of one written in part becomes bytes.
 */
const queue: { fd: number; data: string | Buffer; bytes: number }[] = [];
let queuedBytes = 0;
/** Past this the process waits for the reader to take the whole queue, rather than hold more (or drop lines). */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** While the reader takes nothing, retries back off from 1 ms to 50 ms. */
let retry: ReturnType<typeof setTimeout> | undefined;
let retryMs = 1;
const MAX_RETRY_MS = 50;

/** Set once the process is exiting: no later turn will come, so every line is written at once. */
let exiting = false;

// Bun makes a pipe on stdout or stderr non-blocking once `process.stdout`/`process.stderr` is first
// used. A full pipe then refuses a write (EAGAIN) instead of stopping the event loop until the reader
// catches up; the bytes wait in `queue`. (On a blocking pipe every write here would still be whole
// and in order, only the waiting would be the event loop's.)
void process.stdout.fd;
void process.stderr.fd;

/**
 * Writes the queue, from its head, until the reader stops taking bytes. `untilEmpty` waits for the
 * reader instead (at exit, or when the queue is over its limit). A reader that has gone (EPIPE) takes
 * nothing more: what is queued is dropped.
 */
function writeQueued(untilEmpty: boolean) {
  while (queue.length > 0) {
    const head = queue[0]!;
    let written = 0;
    try {
      // `writeSync` has one overload for text and one for bytes: each branch picks its own.
      written = typeof head.data === "string" ? writeSync(head.fd, head.data) : writeSync(head.fd, head.data);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== "EAGAIN" && code !== "EINTR") {
        queue.length = 0;
        queuedBytes = 0;
        return;
      }
    }
    queuedBytes -= written;
    if (written === head.bytes) {
      queue.shift();
      continue;
    }
    head.data = (typeof head.data === "string" ? Buffer.from(head.data) : head.data).subarray(written);
    head.bytes = head.data.length;
    retryMs = written > 0 ? 1 : Math.min(retryMs * 2, MAX_RETRY_MS);
    if (!untilEmpty) return scheduleRetry();
    Bun.sleepSync(retryMs);
  }
  retryMs = 1;
}

function scheduleRetry() {
  retry ??= setTimeout(() => {
    retry = undefined;
    writeQueued(false);
  }, retryMs);
}

function enqueue(fd: number, text: string) {
  const bytes = Buffer.byteLength(text);
  queue.push({ fd, data: text, bytes });
  queuedBytes += bytes;
}

/** Hands the lines gathered for stdout to the queue and writes what the reader will take. */
function flush() {
  flushScheduled = false;
  flushedAt = performance.now();
  if (gathered) {
    enqueue(1, gathered);
    gathered = "";
  }
  writeQueued(exiting || queuedBytes > MAX_QUEUED_BYTES);
}

/**
 * Adds a line for stdout; it is written with the others of this turn of the event loop, or within
 * `FLUSH_GAP_MS` of the last write.
 * @example writeToStdout(JSON.stringify({ msg: "request" }))
 */
export function writeToStdout(line: string) {
  gathered += `${line}\n`;
  if (gathered.length >= FLUSH_AT || exiting) flush();
  else if (!flushScheduled) {
    flushScheduled = true;
    const wait = flushedAt + FLUSH_GAP_MS - performance.now();
    if (wait > 0) setTimeout(flush, wait);
    else setImmediate(flush);
  }
}

/**
 * Writes a line to stderr now: right after the stdout lines before it, so where both streams end in
 * one place (`2>&1`, a container log) an error follows what led to it.
 * @example writeToStderr(JSON.stringify({ level: "error", msg: "sweep failed" }))
 */
export function writeToStderr(line: string) {
  if (gathered) {
    enqueue(1, gathered);
    gathered = "";
  }
  enqueue(2, `${line}\n`);
  writeQueued(exiting || queuedBytes > MAX_QUEUED_BYTES);
}

// Whatever ends the process (the end of the program, process.exit(), an uncaught error, a signal that
// `serve` handles), every line is written first, waiting for the reader as long as it takes; so are
// lines that later exit listeners log.
process.on("exit", () => {
  exiting = true;
  if (retry) clearTimeout(retry);
  flush();
});
