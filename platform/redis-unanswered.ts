import type Redis from "ioredis";

type Command = Parameters<Redis["sendCommand"]>[0];

/** A deadline that passed more than this late found the process not running (a long task, GC, no CPU). */
const STALL_MS = 50;
/** A process held without pause still fails what Redis leaves unanswered. */
const MAX_EXTENSIONS = 3;
const timed = Symbol("fastr.redis.timed");

/**
 * Takes over a connection's `commandTimeout`: a command still fails ("Command timed out") when Redis
 * has not answered it within that time, except that time the process could not have read the answer
 * does not count. ioredis's own timer, once the event loop had been held past it, ran before the
 * socket's pending reply, so a busy process failed commands Redis had answered in a millisecond (a
 * limit failing a login closed, a cache watch dropping what it held). Here a deadline found more than
 * 50 ms late is moved on by that lateness (at most a timeout, at most three times), so the loop reads
 * what came before the command is given up.
 * @example const redis = failUnanswered(new Redis(url, { commandTimeout: 500 }));
 */
export function failUnanswered<R extends Redis>(redis: R): R {
  const ms = redis.options.commandTimeout;
  if (ms === undefined) return redis;
  redis.options.commandTimeout = undefined;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Command & { [timed]?: true }, ...rest: unknown[]) => {
    // ioredis sends a command again when it replays its offline queue: one deadline per command.
    if (!command[timed] && !command.isSettled) {
      command[timed] = true;
      deadline(command, ms);
    }
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as R["sendCommand"];
  return redis;
}

function deadline(command: Command, ms: number) {
  let due = performance.now() + ms;
  let extensions = 0;
  const check = () => {
    if (command.isSettled) return;
    const late = performance.now() - due;
    if (late <= STALL_MS || extensions++ === MAX_EXTENSIONS)
      return command.reject(new Error("Command timed out"));
    const more = Math.min(late, ms);
    due = performance.now() + more;
    timer = setTimeout(check, more);
  };
  let timer = setTimeout(check, ms);
  const settled = () => clearTimeout(timer);
  command.promise.then(settled, settled);
}
