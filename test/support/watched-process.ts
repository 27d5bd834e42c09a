/**
 * A child process whose standard output a test waits on: `printed(text)` resolves once the output
 * since the last call contains `text`, and fails if the process exits first.
 * @example const consumer = spawnWatched(["bun", "fixture.ts"]); await consumer.printed("subscribed"); consumer.proc.kill("SIGKILL");
 */
export function spawnWatched(command: string[]) {
  const proc = Bun.spawn(command, { stdout: "pipe", stderr: "inherit" });
  const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  return {
    proc,
    async printed(want: string) {
      let seen = "";
      while (!seen.includes(want)) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`${command.join(" ")} exited before printing ${want}: ${seen}`);
        seen += value;
      }
    },
  };
}
