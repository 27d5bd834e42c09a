/** Regenerates each service's SQL migrations from its drizzle schema (`bun run db:generate`). */
import { $, Glob } from "bun";

for await (const schema of new Glob("services/*/db/schema.ts").scan(".")) {
  const dir = schema.replace(/\/schema\.ts$/, "");
  await $`bun --bun drizzle-kit generate --dialect=postgresql --schema=${schema} --out=${dir}/migrations`;
}
