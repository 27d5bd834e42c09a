import type Redis from "ioredis";
import { Counter, Gauge, type Registry } from "prom-client";

/** The Redis connections this process holds, by the name of what uses them (cache, limits, bus, nonces). */
const watched = new Map<string, Set<Redis>>();
const tallies = { commands: new Map<string, number>(), errors: new Map<string, number>() };
const counted = Symbol("fastr.metrics.counted");

const bump = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1);

/**
 * Counts a connection's commands and failed commands, and reports whether it is connected, under
 * `name`. A command is counted once, though ioredis sends it through `sendCommand` again when it
 * replays its offline queue; a command refused while Redis is away counts as failed.
 * @example const redis = watchRedis(new Redis(url), "cache");
 */
export function watchRedis<R extends Redis>(redis: R, name: string): R {
  const clients = watched.get(name) ?? new Set();
  watched.set(name, clients);
  clients.add(redis);
  redis.once("end", () => clients.delete(redis));
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Parameters<R["sendCommand"]>[0], ...rest: unknown[]) => {
    const marked = command as typeof command & { [counted]?: true };
    if (!marked[counted]) {
      marked[counted] = true;
      bump(tallies.commands, name);
      command.promise.catch(() => bump(tallies.errors, name));
    }
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as R["sendCommand"];
  return redis;
}

/**
 * Redis series, read from the tallies when scraped: `fastr_redis_commands_total`,
 * `fastr_redis_command_errors_total` and `fastr_redis_connected` (1 while every connection of that
 * name is ready), each by `client`.
 */
export function redisMetrics(registry: Registry) {
  const reported = { commands: new Map<string, number>(), errors: new Map<string, number>() };
  /** Brings a counter up to its tally: counters only move forward, by what happened since the last scrape. */
  const catchUp = (counter: Counter<"client">, kind: keyof typeof tallies) => {
    for (const [name, total] of tallies[kind]) {
      const delta = total - (reported[kind].get(name) ?? 0);
      if (delta > 0) counter.inc({ client: name }, delta);
      reported[kind].set(name, total);
    }
  };
  new Counter({
    name: "fastr_redis_commands_total",
    help: "Redis commands this process sent, by client (cache, limits, bus, nonces)",
    labelNames: ["client"],
    registers: [registry],
    collect() {
      catchUp(this, "commands");
    },
  });
  new Counter({
    name: "fastr_redis_command_errors_total",
    help: "Redis commands that failed (error reply, timeout, connection lost), by client",
    labelNames: ["client"],
    registers: [registry],
    collect() {
      catchUp(this, "errors");
    },
  });
  new Gauge({
    name: "fastr_redis_connected",
    help: "1 while every Redis connection of the client is ready, 0 while one is connecting or lost",
    labelNames: ["client"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, clients] of watched) {
        if (clients.size === 0) continue;
        this.set({ client: name }, [...clients].every((c) => c.status === "ready") ? 1 : 0);
      }
    },
  });
}
