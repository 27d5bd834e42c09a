import { type Attributes, SpanKind } from "@opentelemetry/api";
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from "@opentelemetry/semantic-conventions";
import { tracedLeaf, tracingOn } from "./spans.ts";

/** What every span of one Redis connection says about the server (computed once per adapter). */
export function redisPeer(url: string): Attributes {
  const { hostname, port } = new URL(url);
  return {
    [ATTR_DB_SYSTEM_NAME]: "redis",
    [ATTR_SERVER_ADDRESS]: hostname,
    [ATTR_SERVER_PORT]: Number(port || 6379),
  };
}

/**
 * One Redis command in a CLIENT span named after it (`GET`, `SET`, or the script's name), inside
 * whatever is traced. Keys and values stay out of the span: cache keys can hold session hashes.
 * @example get: (key) => redisCall("GET", peer, () => redis.get(key))
 */
export function redisCall<T>(command: string, peer: Attributes, call: () => Promise<T>): Promise<T> {
  if (!tracingOn()) return call();
  return tracedLeaf(command, { kind: SpanKind.CLIENT, attributes: commandAttributes(peer, command) }, call);
}

/** A span's attributes per connection and command, made once: the SDK copies them into each span. */
const byPeer = new WeakMap<Attributes, Map<string, Attributes>>();
function commandAttributes(peer: Attributes, command: string): Attributes {
  let commands = byPeer.get(peer);
  if (!commands) {
    commands = new Map();
    byPeer.set(peer, commands);
  }
  let attributes = commands.get(command);
  if (!attributes) {
    attributes = { ...peer, [ATTR_DB_OPERATION_NAME]: command };
    commands.set(command, attributes);
  }
  return attributes;
}
