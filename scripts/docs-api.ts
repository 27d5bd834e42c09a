/**
 * `bun run docs:api`: writes the procedure reference generated from the routers to docs/api/
 * (reference.md for people, reference.json for tools and /dev/api). A test fails when they are stale.
 */
import { join } from "node:path";
import { serviceRouters } from "../routers/index.ts";
import { buildApiReference } from "./api-reference/build.ts";
import { renderMarkdown } from "./api-reference/markdown.ts";

export const ROOT = join(import.meta.dir, "..");
export const REFERENCE_JSON = join(ROOT, "docs/api/reference.json");
export const REFERENCE_MD = join(ROOT, "docs/api/reference.md");

/** The two files' contents as `bun run docs:api` writes them. */
export async function generatedReference() {
  const reference = await buildApiReference(serviceRouters, ROOT);
  return { json: `${JSON.stringify(reference, null, 2)}\n`, markdown: renderMarkdown(reference) };
}

if (import.meta.main) {
  const { json, markdown } = await generatedReference();
  await Bun.write(REFERENCE_JSON, json);
  await Bun.write(REFERENCE_MD, markdown);
  console.log(`fastr: wrote ${REFERENCE_MD} and ${REFERENCE_JSON}`);
}
