import type { LogLevel } from "./config.ts";

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 } as const;
type Level = Exclude<keyof typeof levels, "silent">;

export type Logger = Record<Level, (msg: string, fields?: Record<string, unknown>) => void>;

/**
 * One JSON object per line on stdout (stderr for warn and error): easy to grep, easy to ship.
 * @example log.info("request", { requestId, status: 200, ms: 1.2 })
 */
export function createLogger(level: LogLevel, base: Record<string, unknown> = {}): Logger {
  const threshold = levels[level];
  const emit = (lvl: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (levels[lvl] < threshold) return;
    const line = JSON.stringify({ t: new Date().toISOString(), level: lvl, ...base, msg, ...fields });
    (lvl === "warn" || lvl === "error" ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLogger: Logger = createLogger("silent");
