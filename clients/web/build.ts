/**
 * Builds the storefront with Bun's bundler into `clients/web/dist/`: `index.html` plus fingerprinted
 * files under `assets/`, and `build.json`, which records a hash of every file the bundle was made from
 * so a later start can tell whether the build is stale without building again.
 *
 * `bun clients/web/build.ts` (or `bun run build:web`) builds and prints the sizes; `bun start` calls
 * `ensureStorefrontBuild()`, which builds only when the build is missing or stale.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export const WEB_DIR = import.meta.dir;
const ROOT = resolve(WEB_DIR, "../..");
export const DIST_DIR = join(WEB_DIR, "dist");
const ENTRY = join(WEB_DIR, "index.html");
/** The first page's JavaScript must stay under this, gzipped (issue 10). */
export const FIRST_PAGE_JS_BUDGET = 200 * 1024;
const BUNDLER = `bun@${Bun.version}`;

export type BuildManifest = {
  /** Changes whenever the output changes; the HTML's ETag. */
  id: string;
  builtAt: string;
  /** The Bun that built it: another version means another build. */
  bundler: string;
  /** Repository-relative path → content hash of every input, the build script included. */
  inputs: Record<string, string>;
  /** Output paths relative to `dist/`. */
  files: string[];
  /** What a browser downloads before the first page can run: the entry script and its static imports. */
  firstPage: { files: string[]; jsBytes: number; jsGzipBytes: number; cssGzipBytes: number };
  /** Chunks loaded later (the staff console), gzipped bytes. */
  lazyJsGzipBytes: number;
};

const hashFile = async (path: string) => Bun.hash(await Bun.file(path).arrayBuffer()).toString(36);
const gzipSize = (bytes: Uint8Array<ArrayBuffer>) => Bun.gzipSync(bytes, { level: 9 }).length;
const fromRoot = (path: string) => relative(ROOT, resolve(path));

/** Which of the manifest's inputs differ from the files on disk now (empty: the build is current). */
async function staleInputs(manifest: BuildManifest): Promise<string[]> {
  const changed: string[] = manifest.bundler === BUNDLER ? [] : [manifest.bundler];
  for (const [path, hash] of Object.entries(manifest.inputs)) {
    const absolute = join(ROOT, path);
    if (!existsSync(absolute) || (await hashFile(absolute)) !== hash) changed.push(path);
  }
  return changed;
}

/** The manifest of the build in `dist/`, or null when there is none (or it is unreadable). */
export async function readManifest(dir = DIST_DIR): Promise<BuildManifest | null> {
  try {
    return (await Bun.file(join(dir, "build.json")).json()) as BuildManifest;
  } catch {
    return null;
  }
}

/** Writes through a temporary name and a rename, so a reader never sees half a file. */
async function writeAtomically(path: string, data: Uint8Array<ArrayBuffer> | string) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await Bun.write(temporary, data);
  renameSync(temporary, path);
}

/**
 * Bundles `index.html` (and everything it imports) for the browser, writes it to `outDir` and returns
 * the manifest. Throws with the bundler's messages when the build fails.
 * @example const manifest = await buildStorefront(); console.log(describeBuild(manifest));
 */
export async function buildStorefront(outDir = DIST_DIR): Promise<BuildManifest> {
  const result = await Bun.build({
    entrypoints: [ENTRY],
    target: "browser",
    minify: true,
    splitting: true,
    minChunkSize: 16_384,
    metafile: true,
    publicPath: "/",
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    naming: {
      entry: "[name].[ext]",
      chunk: "assets/[name]-[hash].[ext]",
      asset: "assets/[name]-[hash].[ext]",
    },
    throw: false,
  });
  if (!result.success || !result.metafile) {
    throw new Error(`the storefront did not build:\n${result.logs.map(String).join("\n")}`);
  }

  const contents = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const output of result.outputs) {
    contents.set(output.path.replace(/^\.\//, ""), new Uint8Array(await output.arrayBuffer()));
  }

  // Static imports from the HTML's entry script: what the first page needs before it can run.
  const outputs = result.metafile.outputs;
  const key = (path: string) => path.replace(/^\.\//, "");
  const entryScript = Object.keys(outputs).find(
    (path) => path.endsWith(".js") && outputs[path]!.entryPoint?.endsWith("index.html"),
  );
  if (!entryScript) throw new Error("the storefront build has no entry script");
  const firstPage = new Set<string>();
  const visit = (path: string) => {
    if (firstPage.has(key(path))) return;
    firstPage.add(key(path));
    for (const imported of outputs[path]?.imports ?? [])
      if (imported.kind === "import-statement") visit(imported.path);
  };
  visit(entryScript);
  const jsFiles = [...contents.keys()].filter((p) => p.endsWith(".js"));
  const firstJs = jsFiles.filter((p) => firstPage.has(p));
  const css = [...contents.keys()].filter((p) => p.endsWith(".css"));

  const inputs: Record<string, string> = {};
  const sources = [...Object.keys(result.metafile.inputs).map((p) => resolve(p)), ENTRY, import.meta.path];
  for (const source of sources) if (existsSync(source)) inputs[fromRoot(source)] = await hashFile(source);

  const manifest: BuildManifest = {
    id: Bun.hash([...contents.keys()].sort().join("\n") + (contents.get("index.html")?.length ?? 0)).toString(
      36,
    ),
    builtAt: new Date().toISOString(),
    bundler: BUNDLER,
    inputs,
    files: [...contents.keys()].sort(),
    firstPage: {
      files: firstJs,
      jsBytes: firstJs.reduce((n, p) => n + contents.get(p)!.length, 0),
      jsGzipBytes: firstJs.reduce((n, p) => n + gzipSize(contents.get(p)!), 0),
      cssGzipBytes: css.reduce((n, p) => n + gzipSize(contents.get(p)!), 0),
    },
    lazyJsGzipBytes: jsFiles
      .filter((p) => !firstPage.has(p))
      .reduce((n, p) => n + gzipSize(contents.get(p)!), 0),
  };

  // Fingerprinted files first, the HTML and the manifest last: a reader never sees a page whose assets
  // are missing. Files of earlier builds are removed afterwards (a running server holds its own in memory).
  const ordered = manifest.files.filter((p) => p !== "index.html");
  for (const path of ordered) await writeAtomically(join(outDir, path), contents.get(path)!);
  await writeAtomically(join(outDir, "index.html"), contents.get("index.html")!);
  await writeAtomically(join(outDir, "build.json"), JSON.stringify(manifest, null, 2));
  const assetsDir = join(outDir, "assets");
  for (const name of readdirSync(assetsDir)) {
    if (!manifest.files.includes(`assets/${name}`)) rmSync(join(assetsDir, name), { force: true });
  }
  return manifest;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** One line for logs: the first page's JavaScript, gzipped, against its budget. */
export function describeBuild(manifest: BuildManifest) {
  const { firstPage } = manifest;
  const over = firstPage.jsGzipBytes > FIRST_PAGE_JS_BUDGET ? " — OVER BUDGET" : "";
  return `first page JS ${kb(firstPage.jsGzipBytes)} gzipped (${kb(firstPage.jsBytes)} minified, ${firstPage.files.length} files; budget ${kb(FIRST_PAGE_JS_BUDGET)})${over}, CSS ${kb(firstPage.cssGzipBytes)} gzipped, staff console ${kb(manifest.lazyJsGzipBytes)} gzipped on demand`;
}

/**
 * The current build, made first when it is missing or any of its inputs changed since.
 * Without the sources (a deployment that ships only `dist/`), whatever build is there is used.
 * @example const { manifest, built } = await ensureStorefrontBuild();
 */
export async function ensureStorefrontBuild(outDir = DIST_DIR) {
  const existing = await readManifest(outDir);
  if (existing && (!existsSync(ENTRY) || (await staleInputs(existing)).length === 0)) {
    return { manifest: existing, built: false, ms: 0 };
  }
  const started = performance.now();
  const manifest = await buildStorefront(outDir);
  return { manifest, built: true, ms: Math.round(performance.now() - started) };
}

if (import.meta.main) {
  const started = performance.now();
  const manifest = await buildStorefront();
  console.log(
    `storefront: built ${relative(process.cwd(), DIST_DIR)}/ in ${Math.round(performance.now() - started)} ms — ${describeBuild(manifest)}`,
  );
  if (manifest.firstPage.jsGzipBytes > FIRST_PAGE_JS_BUDGET) process.exit(1);
}
