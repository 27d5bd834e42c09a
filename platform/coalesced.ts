/**
 * Wraps one pass of background work (publish what is pending, send what is due) so that only one pass
 * runs at a time. A call made while a pass runs gets exactly one follow-up pass, shared by every such
 * caller: no request for work is lost, and none runs twice at once.
 * @example const flush = coalesced(publishPending); flush(); await flush.settled();
 */
export function coalesced(pass: () => Promise<number>) {
  let running: Promise<number> | null = null;
  let queued: Promise<number> | null = null;
  const run = (): Promise<number> => {
    if (!running) {
      running = pass().finally(() => {
        running = null;
      });
      return running;
    }
    queued ??= running
      .catch(() => 0)
      .then(() => {
        queued = null;
        return run();
      });
    return queued;
  };
  /** Resolves once the current pass and any queued one are over, however they ended. */
  const settled = async () => {
    await Promise.allSettled([running, queued]);
  };
  return Object.assign(run, { settled });
}
