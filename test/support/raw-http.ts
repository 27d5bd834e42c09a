/**
 * HTTP/1.1 over a raw TCP socket, for tests that must know when a request's bytes were handed to the
 * kernel (shutdown tests: "received but not yet handled") or that need one kept-alive connection.
 * Answers are parsed by Content-Length or chunked encoding; a connection that ends without a full
 * answer resolves as `{ error }`, never hangs past `timeoutMs`.
 */
import { connect, type Socket } from "node:net";

export type RawRequest = { method: string; path: string; headers?: Record<string, string>; body?: string };
export type RawResponse = { status: number; headers: Record<string, string>; body: string };
export type RawResult = RawResponse | { error: string };

/** One TCP connection to 127.0.0.1:`port` that can carry several requests, one after the other. */
export function rawConnection(port: number, timeoutMs = 15_000) {
  const socket: Socket = connect(port, "127.0.0.1");
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  connected.catch(() => {}); // a refused connection is reported through `response`
  let buffer = Buffer.alloc(0);
  let waiting: { resolve: (r: RawResult) => void } | null = null;
  let ended: string | null = null;

  const tryParse = (): RawResponse | null => {
    const headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd === -1) return null;
    const [statusLine, ...lines] = buffer.subarray(0, headEnd).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine!.split(" ")[1]);
    let rest = buffer.subarray(headEnd + 4);
    let body: Buffer;
    if (headers["transfer-encoding"]?.includes("chunked")) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf("\r\n");
        if (lineEnd === -1) return null;
        const size = Number.parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
        if (rest.length < lineEnd + 2 + size + 2) return null;
        if (size === 0) {
          rest = rest.subarray(lineEnd + 4);
          break;
        }
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        rest = rest.subarray(lineEnd + 2 + size + 2);
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers["content-length"] ?? 0);
      if (rest.length < length) return null;
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    }
    buffer = rest;
    return { status, headers, body: body.toString("utf8") };
  };

  const settle = () => {
    if (!waiting) return;
    const parsed = tryParse();
    if (parsed) {
      waiting.resolve(parsed);
      waiting = null;
    } else if (ended) {
      waiting.resolve({ error: ended });
      waiting = null;
    }
  };
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    settle();
  });
  socket.on("error", (error) => {
    ended ??= error.message;
    settle();
  });
  socket.on("close", () => {
    ended ??= "connection closed without a complete answer";
    settle();
  });

  return {
    connected,
    /** Whether the server has closed this connection. */
    get closed() {
      return ended !== null;
    },
    /**
     * Sends one request. `written` resolves when its bytes are in the kernel; `response` with the
     * answer (or the error that ended the connection first).
     */
    send(request: RawRequest) {
      const body = request.body ?? "";
      const headers = {
        host: "127.0.0.1",
        ...(body && { "content-length": String(Buffer.byteLength(body)) }),
        ...request.headers,
      };
      const head = [
        `${request.method} ${request.path} HTTP/1.1`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ].join("\r\n");
      const response = new Promise<RawResult>((resolve) => {
        const timer = setTimeout(() => {
          waiting = null;
          resolve({ error: `no answer within ${timeoutMs} ms` });
          socket.destroy();
        }, timeoutMs);
        waiting = {
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
      });
      const written = connected.then(
        () =>
          new Promise<void>((resolve, reject) =>
            socket.write(`${head}\r\n\r\n${body}`, (e) => (e ? reject(e) : resolve())),
          ),
      );
      written.catch(() => {}); // awaited by callers that care; the failure also ends `response`
      settle();
      return { written, response };
    },
    close: () => socket.destroy(),
  };
}

/** One request on its own connection (closed after the answer). */
export function rawRequest(port: number, request: RawRequest, timeoutMs?: number) {
  const connection = rawConnection(port, timeoutMs);
  const exchange = connection.send({ ...request, headers: { connection: "close", ...request.headers } });
  return { written: exchange.written, response: exchange.response.finally(connection.close) };
}
