import { and, count, eq, lte, sql } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/pg-core";
import type Redis from "ioredis";
import { aggregateTypes } from "../../platform/bus/aggregates.ts";
import { type Database, rowsOf } from "../../platform/db/port.ts";
import { emails } from "../../services/notification/db/schema.ts";
import { query } from "../../shapes/cluster/postgres.ts";
import { modules } from "../../shapes/modules.ts";

/** The cluster's event streams (the Redis Streams bus's default prefix). */
const streams = aggregateTypes.map((type) => `fastr.${type}`);
const unpublished = sql.join(
  modules
    .flatMap((m) => m.outboxes)
    .map((table) => {
      const { schema, name } = getTableConfig(table);
      return sql`(select count(*) from ${sql.identifier(schema!)}.${sql.identifier(name)} where published_at is null)`;
    }),
  sql` + `,
);

/** What is still on its way, in words; empty when nothing is. */
async function backlog(db: Database, redis: Redis) {
  const outstanding: string[] = [];
  const [relay] = rowsOf<{ n: number }>(await db.primary.execute(sql`select (${unpublished})::int as n`));
  if (relay!.n > 0) outstanding.push(`${relay!.n} outbox rows not yet relayed`);
  const [due] = await db.primary
    .select({ n: count() })
    .from(emails)
    .where(and(eq(emails.status, "pending"), lte(emails.nextAttemptAt, sql`now()`)));
  if (due!.n > 0) outstanding.push(`${due!.n} e-mails due`);

  const heads: string[] = [];
  for (const stream of streams) {
    if (!(await redis.exists(stream))) continue;
    const info = (await redis.xinfo("STREAM", stream)) as unknown[];
    const last = String(info[info.indexOf("last-generated-id") + 1]);
    heads.push(`${stream}@${last}`);
    for (const fields of (await redis.xinfo("GROUPS", stream)) as unknown[][]) {
      const field = (name: string) => fields[fields.indexOf(name) + 1];
      if (Number(field("pending")) > 0 || field("last-delivered-id") !== last)
        outstanding.push(`${field("name")} behind on ${stream}`);
    }
  }
  return { outstanding, heads: heads.join(" ") };
}

/** Whether the replica (when one runs) has replayed everything the primary had written by now. */
async function replicaCaughtUp(db: Database, replicaUrl: string | null) {
  if (!replicaUrl) return true;
  const [primary] = rowsOf<{ lsn: string }>(
    await db.primary.execute(sql`select pg_current_wal_insert_lsn()::text as lsn`),
  );
  const [replica] = await query<{ behind: boolean | null }>(
    replicaUrl,
    "select pg_last_wal_replay_lsn() < $1::pg_lsn as behind",
    [primary!.lsn],
  ).catch(() => [{ behind: false }]); // a replica that does not answer is not read from either
  return replica?.behind === false;
}

/**
 * Waits until the cluster has nothing on its way: every outbox relayed, every consumer group caught
 * up with its stream with nothing left unacknowledged (a consumer acknowledges after its inbox
 * transaction, so the effect is stored), no e-mail due, and the replica (where lag-tolerant reads
 * such as `notification.list` go) replayed all of it. The test process sends nothing meanwhile, so
 * two quiet looks in a row with the same stream heads mean no event moved between them.
 * @example await settleCluster(db, redis, replicaUrl); // then read what the consumers did
 */
export async function settleCluster(
  db: Database,
  redis: Redis,
  replicaUrl: () => string | null,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  let quietAt: string | null = null;
  for (;;) {
    const { outstanding, heads } = await backlog(db, redis);
    if (outstanding.length === 0 && quietAt === heads) {
      if (await replicaCaughtUp(db, replicaUrl())) return;
      outstanding.push("the replica is behind the primary");
    }
    quietAt = outstanding.length === 0 ? heads : null;
    if (outstanding.length > 0 && Date.now() > deadline)
      throw new Error(`the cluster did not settle in ${timeoutMs} ms: ${outstanding.join("; ")}`);
    await Bun.sleep(25);
  }
}
