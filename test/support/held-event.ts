import { Client } from "pg";
import { query } from "../../shapes/cluster/postgres.ts";
import { waitFor } from "./binaries.ts";

/**
 * Catches the notification service mid-event: a transaction of the test's own locks
 * `notification.emails` against writes, so the instance that takes an e-mail event blocks inside its
 * inbox transaction (the inbox row written, the e-mail not yet, nothing committed or acknowledged) until
 * `release()`. `handler()` names that instance, by the `application_name` its connections carry.
 * @example const held = await holdEmailWrites(cluster.databaseUrl); … const name = await held.handler(); … await held.release();
 */
export async function holdEmailWrites(databaseUrl: string) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("begin");
  // SHARE conflicts with the ROW EXCLUSIVE lock every INSERT and UPDATE takes; reads go on.
  await client.query("lock table notification.emails in share mode");
  let released = false;
  return {
    /** The instance whose e-mail insert waits on the lock, once there is one. */
    async handler(timeoutMs = 30_000) {
      let name = "";
      await waitFor(
        "an instance to take the event and block writing its e-mail",
        async () => {
          const [row] = await query<{ name: string }>(
            databaseUrl,
            `select application_name as name from pg_stat_activity
              where wait_event_type = 'Lock' and query ~ '^\\s*insert into "notification"."emails"'`,
          );
          name = row?.name ?? "";
          return name !== "";
        },
        timeoutMs,
      );
      return name;
    },
    /**
     * SIGKILLs the instance the held event waits in (one of `instances`), then lets the database go:
     * the event is left half-handled, nothing committed or acknowledged.
     */
    async killHandler<I extends { name: string; service: string; pid: number; exited: Promise<number> }>(
      instances: readonly I[],
    ): Promise<I> {
      const name = await this.handler();
      const victim = instances.find((i) => i.name === name);
      if (!victim) throw new Error(`no instance is named ${name}`);
      process.kill(victim.pid, "SIGKILL");
      await victim.exited;
      await this.release();
      return victim;
    },
    async release() {
      if (released) return;
      released = true;
      await client.query("rollback");
      await client.end();
    },
  };
}
