import { existsSync } from "node:fs";

/**
 * The system programs the cluster runs (and the files it builds with), where Debian puts them, and the
 * apt package for each. Entries without `onPath` are files, found only where listed.
 */
export const programs = {
  postgres: { paths: ["/usr/lib/postgresql/15/bin/postgres"], apt: "postgresql-15" },
  initdb: { paths: ["/usr/lib/postgresql/15/bin/initdb"], apt: "postgresql-15" },
  pg_basebackup: { paths: ["/usr/lib/postgresql/15/bin/pg_basebackup"], apt: "postgresql-15" },
  // Not for the cluster itself: the bench runs the checkout's SQL with it.
  pgbench: { paths: ["/usr/lib/postgresql/15/bin/pgbench"], apt: "postgresql-15" },
  pgbouncer: { paths: ["/usr/sbin/pgbouncer"], apt: "pgbouncer" },
  "redis-server": { paths: ["/usr/bin/redis-server"], apt: "redis-server" },
  nginx: { paths: ["/usr/sbin/nginx"], apt: "nginx" },
  prometheus: { paths: ["/usr/bin/prometheus"], apt: "prometheus" },
  // The Kafka mock peer (kafka-mock.c) is compiled against librdkafka's mock cluster.
  cc: { paths: ["/usr/bin/cc", "/usr/bin/gcc"], apt: "gcc" },
  "librdkafka-dev": {
    paths: ["/usr/include/librdkafka/rdkafka_mock.h"],
    apt: "librdkafka-dev",
    onPath: false,
  },
} as const satisfies Record<string, { paths: readonly string[]; apt: string; onPath?: false }>;
export type Program = keyof typeof programs;

/** The path of a program, or null when it is not installed. */
export function locate(program: Program): string | null {
  const entry: { paths: readonly string[]; onPath?: false } = programs[program];
  for (const path of entry.paths) if (existsSync(path)) return path;
  return entry.onPath === false ? null : Bun.which(program);
}

/** Paths of every program asked for; throws one message naming each missing one and its apt package. */
export function requirePrograms<P extends Program>(...wanted: P[]): Record<P, string> {
  const found = {} as Record<P, string>;
  const missing: string[] = [];
  for (const program of wanted) {
    const path = locate(program);
    if (path) found[program] = path;
    else missing.push(`${program} (apt-get install -y ${programs[program].apt})`);
  }
  if (missing.length)
    throw new Error(`the cluster needs programs that are not installed: ${missing.join(", ")}`);
  return found;
}
