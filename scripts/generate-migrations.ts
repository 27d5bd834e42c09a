/** Regenerates each service's SQL migrations from its drizzle schema (`bun run db:generate`). */
import { $ } from "bun";

const services = ["auth", "user", "product"];
for (const service of services) {
  const dir = `services/${service}/db`;
  await $`bun --bun drizzle-kit generate --dialect=postgresql --schema=${dir}/schema.ts --out=${dir}/migrations`;
}
