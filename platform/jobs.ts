import type { Logger } from "./log.ts";
import type { Job } from "./module.ts";

/**
 * Runs background jobs: the `atStart` ones once now (awaited), then each on its interval unless
 * `periodic` is off. One run of a job at a time; a failure is logged and the next tick tries again.
 * @example const jobs = await scheduleJobs(allJobs, { sole: true, periodic: true, log }); … jobs.stop();
 */
export async function scheduleJobs(
  jobs: readonly Job[],
  options: { sole: boolean; periodic: boolean; log: Logger },
) {
  const running = new Set<string>();
  const run = async (job: Job, atStart: boolean) => {
    if (running.has(job.name)) return;
    running.add(job.name);
    try {
      const result = await job.run({ atStart, sole: options.sole });
      if (typeof result === "number" && result > 0) options.log.info(job.name, { count: result });
    } catch (error) {
      options.log.error(`${job.name} failed`, { error });
    } finally {
      running.delete(job.name);
    }
  };
  for (const job of jobs) if (job.atStart) await run(job, true);
  const timers = options.periodic
    ? jobs.map((job) => setInterval(() => void run(job, false), job.everyMs))
    : [];
  return {
    /** Runs every job once now (tests). */
    runAll: () => Promise.all(jobs.map((job) => run(job, false))),
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
