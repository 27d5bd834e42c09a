import { createServer, type Server } from "node:net";

/** A turn: `held` unless the wait ran out; `release()` lets the next one in (twice is harmless). */
export type Turn = { held: boolean; release(): void };

/** Listens on the abstract Unix socket `name`, or null when another process listens there. */
const listen = (name: string) =>
  new Promise<Server | null>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      error.code === "EADDRINUSE" ? resolve(null) : reject(error),
    );
    server.listen(`\0${name}`, () => resolve(server));
  });

/**
 * Waits until no other process on this machine holds the turn `name`, then holds it until `release()`.
 * The turn is an abstract Unix socket (Linux): the kernel frees it when its holder exits, however it
 * exits, so a killed test run leaves nothing to clean up. Elsewhere there are no turns: it returns at
 * once, not `held`. After `waitMs` it stops waiting and returns without the turn, having said so.
 * @example const turn = await takeTurn("fastr-test-cluster"); try { … } finally { turn.release(); }
 */
export async function takeTurn(name: string, waitMs = 120_000): Promise<Turn> {
  const none = { held: false, release() {} };
  if (process.platform !== "linux") return none;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const server = await listen(name);
    if (server) {
      server.unref(); // the turn never keeps a process alive
      return { held: true, release: () => void server.close() };
    }
    if (Date.now() > deadline) {
      console.warn(`${name}: still taken after ${waitMs / 1000} s; going ahead without the turn`);
      return none;
    }
    await Bun.sleep(250);
  }
}
