/**
 * Calls into a Bun Worker and their answers, matched by id: `callWorker` in the calling thread,
 * `answerCalls` in the worker. A failure crosses as the error's message, name and own fields (a
 * Postgres error's code, constraint, table, column, severity, the failed query and its values), and
 * is thrown on the caller's side as an Error with the same fields. A worker that dies fails every
 * call in flight and every later one.
 */

type Call = { id: number };
/** A failure as it crosses the thread. */
type SentError = { name: string; message: string; fields: Record<string, unknown> };
type Answer = Call & ({ ok: true; value: unknown } | { ok: false; error: SentError });

/** Whether a structured clone can copy a field of a failure (a failed query's values, say): failures are rare. */
function sendable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function sentError(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  // Own properties, enumerable or not (PGlite's DatabaseError keeps `column` unenumerable); the stack
  // is this thread's, of no use to the caller.
  const fields: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (key !== "stack" && key !== "message" && sendable(value)) fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

const receivedError = ({ name, message, fields }: SentError) =>
  Object.assign(new Error(message), fields, name === "Error" ? {} : { name });

/**
 * Posts `items` as one message; when a structured clone cannot copy one of them, posts each alone
 * and tells `refused` which could not go, and why.
 */
function postEach<T>(post: (batch: T[]) => void, items: T[], refused: (item: T, error: unknown) => void) {
  try {
    post(items);
  } catch {
    for (const item of items) {
      try {
        post([item]);
      } catch (error) {
        refused(item, error);
      }
    }
  }
}

/**
 * In the worker: answers each call with what `handle` returns (values a structured clone can copy),
 * or with the error it throws. Calls run concurrently; `handle` orders them if it must. Calls arrive
 * in batches, and the answers ready by the end of a turn of the worker's event loop leave together:
 * each message costs both threads a wake-up, which on a busy core costs more than the call.
 * @example answerCalls(async (call: { id: number; op: "ping" }) => (call.op === "ping" ? "pong" : null));
 */
export function answerCalls<R extends Call>(handle: (request: R) => Promise<unknown>) {
  const self = globalThis as unknown as Worker;
  let ready: Answer[] = [];
  const send = () => {
    const answers = ready;
    ready = [];
    // One answer a structured clone cannot copy: the others still go, and its caller learns why.
    postEach(
      (batch) => self.postMessage(batch),
      answers,
      (answer, error) => self.postMessage([{ id: answer.id, ok: false, error: sentError(error) }]),
    );
  };
  const answer = (result: Answer) => {
    if (ready.push(result) === 1) setImmediate(send);
  };
  const run = async (request: R) => {
    try {
      answer({ id: request.id, ok: true, value: await handle(request) });
    } catch (error) {
      answer({ id: request.id, ok: false, error: sentError(error) });
    }
  };
  self.onmessage = ({ data: requests }: MessageEvent<R[]>) => {
    for (const request of requests) void run(request);
  };
}

/** A request as the caller writes it: `callWorker` gives it its id. */
export type Asked<R extends Call> = R extends Call ? Omit<R, "id"> : never;

/** By default a worker's death stops the process with why, as an uncaught error (exit code 1). */
const throwUncaught = (error: Error) =>
  queueMicrotask(() => {
    throw error;
  });

/**
 * In the calling thread: starts the worker at `script` and calls it. When the worker dies on its
 * own (an uncaught error, an exit), every call in flight and after fails with why, and `onDeath` is
 * told once: by default the process stops, loudly, rather than wait for answers that cannot come.
 * `close(last)` sends a last call, then ends the worker.
 * @example const worker = callWorker<Call>(new URL("./thread.ts", import.meta.url));
 *          const pong = await worker.call<string>({ op: "ping" });
 */
export function callWorker<R extends Call>(script: URL, onDeath: (error: Error) => void = throwUncaught) {
  const worker = new Worker(script.href);
  const waiting = new Map<number, ReturnType<typeof Promise.withResolvers<unknown>>>();
  let asked = 0;
  /** Why no call can be answered any more: closed, or the worker died. */
  let stopped: Error | undefined;

  worker.onmessage = ({ data: answers }: MessageEvent<Answer[]>) => {
    for (const answer of answers) {
      const call = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (answer.ok) call?.resolve(answer.value);
      else call?.reject(receivedError(answer.error));
    }
  };
  const stop = (error: Error) => {
    if (stopped) return false;
    stopped = error;
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
    worker.terminate();
    return true;
  };
  const died = (reason: string) => {
    const error = new Error(`the worker ${script.pathname} died (${reason})`);
    if (stop(error)) onDeath(error);
  };
  // Bun's message quotes the source around the throw before the error's own line.
  worker.addEventListener("error", (event) =>
    died(/^\w*error: .*$/im.exec(event.message)?.[0] ?? event.message),
  );
  worker.addEventListener("close", (event) => died(`it exited with code ${(event as CloseEvent).code}`));

  /** Calls made in this run of microtasks, sent together once it ends. */
  let outgoing: R[] = [];
  const send = () => {
    const requests = outgoing;
    outgoing = [];
    if (stopped) return; // already rejected
    // One call a structured clone cannot copy: the others still go, and it fails alone.
    postEach(
      (batch) => worker.postMessage(batch),
      requests,
      (request, error) => {
        waiting.get(request.id)?.reject(error);
        waiting.delete(request.id);
      },
    );
  };

  function call<T>(request: Asked<R>): Promise<T> {
    if (stopped) return Promise.reject(stopped);
    const id = ++asked;
    const answer = Promise.withResolvers<unknown>();
    waiting.set(id, answer);
    if (outgoing.push({ ...request, id } as unknown as R) === 1) queueMicrotask(send);
    return answer.promise as Promise<T>;
  }

  return {
    call,
    async close(last: Asked<R>) {
      try {
        await call(last);
      } finally {
        stop(new Error(`the worker ${script.pathname} was closed`));
      }
    },
  };
}
