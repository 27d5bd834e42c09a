/**
 * The domain errors each service can raise, read from the services' source: every
 * `new DomainError("KIND", "OWNER.CODE", message)`. They reach a client as the tRPC code KIND with
 * `data.reason` = OWNER.CODE, through any procedure that calls that service.
 */
import { join } from "node:path";
import { Glob } from "bun";

export type DomainErrorEntry = {
  /** `ORDER.EMPTY_CART`: the part before the dot names the service that owns it. */
  code: string;
  /** The tRPC code it becomes (`data.code`). */
  kind: string;
  /** The message, `…` where the code fills a value in; null when it is computed. */
  messages: string[];
  /** Where it is raised, relative to the repository root. */
  sources: string[];
};

const RAISE =
  /new DomainError\(\s*"([A-Z_]+)",\s*"([A-Z][A-Z_]*\.[A-Z_]+)",\s*(?:"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`)?/g;

/** A template literal's text with each `${…}` (braces balanced) as `…`. */
function withPlaceholders(template: string) {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    if (template[i] === "$" && template[i + 1] === "{") {
      let depth = 0;
      for (i += 1; i < template.length; i++) {
        if (template[i] === "{") depth++;
        else if (template[i] === "}" && --depth === 0) break;
      }
      out += "…";
    } else out += template[i];
  }
  return out;
}

/** Every domain error raised under `services/`, by code, sorted. */
export async function scanDomainErrors(root: string): Promise<DomainErrorEntry[]> {
  const byCode = new Map<string, DomainErrorEntry>();
  const files = [...new Glob("services/*/**/*.ts").scanSync(root)]
    .filter((f) => !f.endsWith(".test.ts"))
    .sort();
  for (const file of files) {
    const source = await Bun.file(join(root, file)).text();
    for (const [, kind, code, plain, template] of source.matchAll(RAISE)) {
      const entry = byCode.get(`${code}:${kind}`) ?? { code: code!, kind: kind!, messages: [], sources: [] };
      const message =
        plain !== undefined
          ? JSON.parse(`"${plain}"`)
          : template !== undefined
            ? withPlaceholders(template)
            : null;
      if (message !== null && !entry.messages.includes(message)) entry.messages.push(message);
      if (!entry.sources.includes(file)) entry.sources.push(file);
      byCode.set(`${code}:${kind}`, entry);
    }
  }
  return [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code) || a.kind.localeCompare(b.kind));
}
