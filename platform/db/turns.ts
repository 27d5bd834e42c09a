/** How long SQL may run on this thread before other work gets a turn (ADR 157). */
export const SLICE_MS = 4;

let turnStarted = performance.now();
let watching = false;
const newTurn = () => {
  turnStarted = performance.now();
  watching = false;
};

/**
 * Resolves at once, unless this thread has gone `SLICE_MS` without the event loop taking a turn;
 * then after one. PGlite runs a statement synchronously in WebAssembly and settles its promise at
 * once, so a checkout's statements ran as one chain of microtasks: a stored catalog answer, ready in
 * 50 µs, waited behind every checkout in flight. Awaited before each statement (ADR 157).
 * @example await turnWhenDue(); const rows = await exchange(messages);
 */
export async function turnWhenDue(): Promise<void> {
  // Marks when the loop next comes round: a chain that gives it no turn keeps the old mark.
  if (!watching) {
    watching = true;
    setImmediate(newTurn);
  }
  if (performance.now() - turnStarted < SLICE_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
}
