import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary } from "./binaries.ts";

/** The system Chromium (`apt-get install chromium`), or null. */
export const chromium = findBinary("chromium", ["/usr/bin/chromium", "/usr/bin/chromium-browser"]);

type Message = { id?: number; method?: string; result?: unknown; error?: { message: string } };

/**
 * Opens `url` in a headless Chromium (its own throwaway profile), waits for the load event, and
 * returns the value of `expression` evaluated in the page (awaited when it is a promise). Talks the
 * DevTools protocol directly; the browser is stopped by PID afterwards.
 * @example const title = await evaluateInChromium(`${shop.url}/dev/api`, "document.title");
 */
export async function evaluateInChromium(
  url: string,
  expression: string,
  timeoutMs = 30_000,
): Promise<unknown> {
  if (!chromium) throw new Error("chromium is not installed");
  const profile = mkdtempSync(join(tmpdir(), "fastr-chromium-"));
  const browser = Bun.spawn(
    [
      chromium,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "about:blank",
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const port = await devtoolsPort(browser.stderr, deadline);
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      type: string;
      webSocketDebuggerUrl: string;
    }[];
    const page = targets.find((t) => t.type === "page");
    if (!page) throw new Error("chromium opened no page");

    const socket = new WebSocket(page.webSocketDebuggerUrl);
    const pending = new Map<number, (message: Message) => void>();
    const loaded = Promise.withResolvers<void>();
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      if (message.method === "Page.loadEventFired") loaded.resolve();
      if (message.id !== undefined) pending.get(message.id)?.(message);
    };
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error("could not connect to chromium"));
    });
    let nextId = 0;
    const send = (method: string, params: Record<string, unknown> = {}) =>
      new Promise<Message>((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, (message) =>
          message.error ? reject(new Error(message.error.message)) : resolve(message),
        );
        socket.send(JSON.stringify({ id, method, params }));
      });
    const timedOut = new Promise<never>((_, reject) =>
      deadline.addEventListener("abort", () =>
        reject(new Error(`chromium: no answer within ${timeoutMs} ms`)),
      ),
    );

    try {
      await send("Page.enable");
      await Promise.race([send("Page.navigate", { url }).then(() => loaded.promise), timedOut]);
      const evaluated = await Promise.race([
        send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }),
        timedOut,
      ]);
      const result = evaluated.result as { result: { value?: unknown }; exceptionDetails?: { text: string } };
      if (result.exceptionDetails) throw new Error(`in the page: ${result.exceptionDetails.text}`);
      return result.result.value;
    } finally {
      socket.close();
    }
  } finally {
    browser.kill("SIGKILL");
    await browser.exited;
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Reads Chromium's stderr until it prints `DevTools listening on ws://127.0.0.1:<port>/…`, and keeps
 * draining it afterwards (a full pipe would stall the browser).
 */
async function devtoolsPort(stderr: ReadableStream<Uint8Array>, deadline: AbortSignal) {
  const reader = stderr.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!deadline.aborted) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const match = text.match(/DevTools listening on ws:\/\/[^:]+:(\d+)\//);
    if (match) {
      (async () => {
        while (!(await reader.read()).done) {}
      })().catch(() => {});
      return Number(match[1]);
    }
  }
  throw new Error(`chromium did not start its DevTools endpoint:\n${text}`);
}
