import { afterAll } from "bun:test";
import { stopSharedServers } from "./support/shared-servers.ts";

// Tests log nothing unless asked: set LOG_LEVEL=debug to see request lines.
process.env.LOG_LEVEL ??= "silent";

// A top-level hook in the preload runs after the whole run (after each file under --parallel):
// servers the test targets share between files stop there (test/support/shared-servers.ts).
afterAll(stopSharedServers, 60_000);
