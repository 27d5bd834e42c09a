/**
 * Where a request's CPU time goes: the top frames of a Chrome `.cpuprofile` (what `bun --cpu-prof`
 * writes), counting only the samples taken inside a time window, so start-up and seeding stay out.
 * @example const top = topFrames(await Bun.file(path).json(), { fromUs, toUs }); console.log(formatTopFrames(top));
 */

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
export type CpuProfile = {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
};

export type Frame = { name: string; selfPct: number; totalPct: number };

const frameName = ({ functionName, url, lineNumber }: CallFrame) => {
  const where = url
    .replace(/^.*\/node_modules\//, "")
    .replace(/^.*\/(platform|services|routers|bench)\//, "$1/");
  return `${functionName || "(anonymous)"}${where ? ` ${where}:${lineNumber + 1}` : ""}`;
};

/**
 * Self and total share of every frame among the samples taken between `fromUs` and `toUs` (the
 * profile's clock: microseconds since the epoch in Bun's profiles). Idle samples are left out.
 */
export function topFrames(profile: CpuProfile, window: { fromUs: number; toUs: number }, limit = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let counted = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < window.fromUs || at > window.toUs) return;
    const leaf = byId.get(id);
    if (!leaf || ["(idle)", "(program)"].includes(leaf.callFrame.functionName)) return;
    counted++;
    const leafName = frameName(leaf.callFrame);
    self.set(leafName, (self.get(leafName) ?? 0) + 1);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const name = frameName(byId.get(n)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + 1);
    }
  });
  const pct = (n: number) => (counted ? (100 * n) / counted : 0);
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(
        ([name]): Frame => ({
          name,
          selfPct: pct(self.get(name) ?? 0),
          totalPct: pct(total.get(name) ?? 0),
        }),
      );
  return { samples: counted, bySelf: rank(self), byTotal: rank(total) };
}

export function formatTopFrames(top: ReturnType<typeof topFrames>) {
  const row = (f: Frame) =>
    `  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.totalPct.toFixed(1).padStart(5)}%  ${f.name}`;
  return [
    `${top.samples} samples in the window`,
    "   self   total  (by self time)",
    ...top.bySelf.map(row),
    "   self   total  (by total time)",
    ...top.byTotal.map(row),
  ].join("\n");
}
