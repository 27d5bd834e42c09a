import { beforeAll, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describeWith, findBinary } from "../support/binaries.ts";
import { calls, fastrServices, kafkaTopics, nginxPlaceholders, ownSecrets, urlVariable } from "./topology.ts";

const root = join(import.meta.dir, "../..");
const dockerCompose = findBinary("docker-compose");

type ComposeService = {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  healthcheck?: { test: string[] };
  ports?: { published: number | string; target: number }[];
  networks?: Record<string, unknown>;
  volumes?: { source?: string; target: string }[] | string[];
};
type ComposeFile = {
  services: Record<string, ComposeService>;
  networks: Record<string, { internal?: boolean }>;
};

/** `docker-compose config` with only the given env file as the source of variables. */
function composeConfig(envFile: string) {
  const run = Bun.spawnSync([dockerCompose!, "--env-file", envFile, "-f", "compose.yaml", "config"], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

const stores = ["postgres", "postgres-replica", "pgbouncer", "redis", "kafka"];

describeWith({ "docker-compose": dockerCompose }, "compose.yaml", () => {
  let compose: ComposeFile;
  const service = (name: string) => {
    const found = compose.services[name];
    if (!found) throw new Error(`compose.yaml has no service ${name}`);
    return found;
  };
  const env = (name: string) => service(name).environment ?? {};

  beforeAll(() => {
    const run = composeConfig(".env.example");
    if (run.exitCode !== 0) throw new Error(`docker-compose config failed:\n${run.stderr}`);
    compose = Bun.YAML.parse(run.stdout) as ComposeFile;
  }, 60_000);

  it("passes docker-compose config with the secrets of .env.example", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [...fastrServices, ...stores, "kafka-init", "migrate", "nginx"].sort(),
    );
  });

  it("refuses to render without the secrets, naming the variable to set", () => {
    const empty = join(mkdtempSync(join(tmpdir(), "fastr-compose-")), "empty.env");
    writeFileSync(empty, "");
    const run = composeConfig(empty);
    rmSync(dirname(empty), { recursive: true });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/(POSTGRES_PASSWORD|REPLICATION_PASSWORD|INTERNAL_SECRET) in \.env/);
  });

  it("runs two instances of every fastr service, each started by its own main.ts and checked on /readyz", () => {
    for (const name of fastrServices) {
      const s = service(name);
      expect(s.deploy?.replicas ?? 1).toBeGreaterThanOrEqual(2);
      expect(s.command).toEqual(["bun", `services/${name}/main.ts`]);
      expect(s.image).toBe(service("migrate").image!);
      expect(s.healthcheck?.test.join(" ")).toContain("http://127.0.0.1:3000/readyz");
      expect(env(name)).toMatchObject({ HOST: "0.0.0.0", PORT: "3000", TRUST_PROXY: "1", BUS: "kafka" });
    }
  });

  it("starts the services only after the migration and the topics are done and the stores are healthy", () => {
    for (const name of fastrServices) {
      expect(service(name).depends_on).toEqual({
        migrate: { condition: "service_completed_successfully" },
        "kafka-init": { condition: "service_completed_successfully" },
        pgbouncer: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
      });
    }
    expect(service("migrate").command).toEqual(["bun", "run", "migrate"]);
    expect(service("migrate").depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(`${name} → ${dependency}: ${condition}`).not.toEndWith("service_started");
        if (condition === "service_healthy") expect(service(dependency).healthcheck).toBeDefined();
      }
    }
  });

  it("sends the services through PgBouncer and the migration straight to the primary", () => {
    for (const name of fastrServices) {
      expect(new URL(env(name).DATABASE_URL!)).toMatchObject({ host: "pgbouncer:6432", pathname: "/fastr" });
      expect(new URL(env(name).DATABASE_REPLICA_URL!)).toMatchObject({
        host: "pgbouncer:6432",
        pathname: "/fastr_replica",
      });
      expect(env(name).REDIS_URL).toBe("redis://redis:6379");
      expect(env(name).KAFKA_BROKERS).toBe("kafka:9092");
      expect(env(name).INTERNAL_SECRET).toBeTruthy();
    }
    expect(new URL(env("migrate").DATABASE_URL!)).toMatchObject({
      host: "postgres:5432",
      pathname: "/fastr",
    });
  });

  it("maps PgBouncer's fastr to the primary and fastr_replica to the replica, in transaction mode", async () => {
    const ini = await Bun.file(join(root, "deploy/compose/pgbouncer/pgbouncer.ini")).text();
    expect(ini).toMatch(/^fastr = host=postgres port=5432 dbname=fastr$/m);
    expect(ini).toMatch(/^fastr_replica = host=postgres-replica port=5432 dbname=fastr$/m);
    expect(ini).toMatch(/^pool_mode = transaction$/m);
    expect(ini).toMatch(/^listen_port = 6432$/m);
    expect(service("postgres-replica").entrypoint).toEqual(["/usr/local/bin/replica-entrypoint.sh"]);
    expect(service("postgres-replica").depends_on).toEqual({ postgres: { condition: "service_healthy" } });
  });

  it("gives each service the URLs of exactly the services it calls, and its own secrets only to it", () => {
    for (const name of fastrServices) {
      const given = Object.keys(env(name)).filter((key) => key.endsWith("_URLS"));
      expect({ [name]: given.sort() }).toEqual({ [name]: calls[name].map(urlVariable).sort() });
      for (const callee of calls[name]) expect(env(name)[urlVariable(callee)]).toBe(`http://${callee}:3000`);
      for (const [secret, owner] of Object.entries(ownSecrets)) {
        expect({ [name]: secret in env(name) }).toEqual({ [name]: owner === name });
      }
    }
  });

  it("publishes NGINX alone, on 8080, routing /api/<service>/ to a pool of that service's instances", async () => {
    const published = Object.entries(compose.services).filter(([, s]) => s.ports?.length);
    expect(published.map(([name]) => name)).toEqual(["nginx"]);
    expect(service("nginx").ports).toEqual([
      expect.objectContaining({ published: expect.anything(), target: 8080 }),
    ]);
    expect(String(service("nginx").ports![0]!.published)).toBe("8080");
    const nginxEnv = env("nginx");
    expect(Object.keys(nginxEnv).sort()).toEqual(await nginxPlaceholders());
    const template = await Bun.file(join(root, "nginx/nginx.conf.template")).text();
    for (const name of fastrServices) {
      expect(template).toContain(`upstream ${name} { \${${name.toUpperCase()}_SERVERS} keepalive 128; }`);
      const route = `location /api/${name}/ \\{(?:[^{}]|\\$\\{\\w+\\})*proxy_pass http://${name};`;
      expect(template).toMatch(new RegExp(route));
      expect(nginxEnv[`${name.toUpperCase()}_SERVERS`]).toBe(
        `server ${name}:3000 max_fails=2 fail_timeout=5s;`,
      );
      expect(service("nginx").depends_on?.[name]).toEqual({ condition: "service_healthy" });
    }
  });

  it("keeps the stores on an internal network that only the services and one-shot jobs share", () => {
    expect(compose.networks.data?.internal).toBe(true);
    for (const name of [...stores, "migrate", "kafka-init"])
      expect(Object.keys(service(name).networks!)).toEqual(["data"]);
    expect(Object.keys(service("nginx").networks!)).toEqual(["edge"]);
    for (const name of fastrServices)
      expect(Object.keys(service(name).networks!).sort()).toEqual(["data", "edge"]);
  });

  it("runs Kafka 3.x in KRaft mode and creates every topic of the bus before the services start", () => {
    const kafka = service("kafka");
    expect(kafka.image).toMatch(/^apache\/kafka:3\.\d+\.\d+$/);
    expect(env("kafka").KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(env("kafka").KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe("false");
    const script = service("kafka-init").command!.join(" ");
    for (const topic of kafkaTopics) expect(script).toContain(topic);
    expect(script).toContain("--if-not-exists");
  });

  it("builds every fastr service and the migration from one image", () => {
    const images = new Set([...fastrServices, "migrate"].map((name) => service(name).image));
    expect(images.size).toBe(1);
  });
});

/** Reads the Dockerfile's stages: `FROM image AS name` and the lines that follow. */
async function dockerfileStages() {
  const text = await Bun.file(join(root, "Dockerfile")).text();
  const stages: { from: string; name: string; lines: string[] }[] = [];
  for (const line of text.split("\n")) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1]!, name: from[2] ?? "", lines: [] });
    else if (line.trim() && !line.startsWith("#")) stages.at(-1)?.lines.push(line.trim());
  }
  const bunVersion = /^ARG BUN_VERSION=(\S+)$/m.exec(text)?.[1];
  return { stages, bunVersion };
}

it("Dockerfile: Bun pinned to packageManager's version; the default target installs production dependencies and runs unprivileged", async () => {
  const { stages, bunVersion } = await dockerfileStages();
  const pkg = (await Bun.file(join(root, "package.json")).json()) as { packageManager: string };
  expect(`bun@${bunVersion}`).toBe(pkg.packageManager);
  for (const stage of stages.filter((s) => s.from.startsWith("oven/bun"))) {
    expect(stage.from).toMatch(/^oven\/bun:\$\{BUN_VERSION\}(-slim)?$/);
  }
  const final = stages.at(-1)!;
  expect(final.name).toBe("service");
  expect(final.lines).toContain(
    "RUN bun install --frozen-lockfile --production && rm -rf /root/.bun/install/cache",
  );
  expect(final.lines).toContain("USER bun");
  const nginx = stages.find((s) => s.name === "nginx")!;
  expect(nginx.lines).toContain("USER nginx");
  // The base image's CMD (`nginx -g 'daemon off;'`) would reach the entrypoint as arguments.
  expect(nginx.lines.slice(-2)).toEqual(['ENTRYPOINT ["/usr/local/bin/fastr-nginx"]', "CMD []"]);
  expect(nginx.lines).toContain("COPY --from=build /app/clients/web/dist /usr/share/fastr/web");
  const build = stages.find((s) => s.name === "build")!;
  expect(build.lines).toContain("RUN bun run build:web");
});

it(".dockerignore keeps secrets and host-installed dependencies out of the image", async () => {
  const ignored = (await Bun.file(join(root, ".dockerignore")).text()).split("\n");
  for (const entry of [".env", ".env.*", "node_modules", ".git", ".fastr"]) expect(ignored).toContain(entry);
});
