import { afterAll, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWith, findBinary } from "../support/binaries.ts";
import { kustomize } from "../support/kubernetes.ts";
import { fastrServices, nginxPlaceholders } from "./topology.ts";

const root = join(import.meta.dir, "../..");
const nginx = findBinary("nginx", ["/usr/sbin/nginx"]);
const dockerCompose = findBinary("docker-compose");
const kubectl = findBinary("kubectl");
const scratch = mkdtempSync(join(tmpdir(), "fastr-nginx-entrypoint-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let runs = 0;
/**
 * Runs the image's entrypoint as the container would, with `-t` so NGINX checks the rendered config
 * and exits. Only what cannot exist on this host is moved: upstream hosts (container names) to
 * loopback, the pid file and temp directory into a scratch directory.
 */
function checkWithEntrypoint(values: Record<string, string>) {
  const dir = join(scratch, String(++runs));
  const local = Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      name.endsWith("_SERVERS") ? value.replace(/server [^\s:]+:/g, "server 127.0.0.1:") : value,
    ]),
  );
  const config = join(dir, "nginx.conf");
  // A file, not a pipe: NGINX opens /dev/stderr itself, which fails on the socket a pipe would be here.
  const stderr = join(dir, "stderr.log");
  mkdirSync(dir);
  const run = Bun.spawnSync(["sh", join(root, "nginx/docker-entrypoint.sh"), "-t"], {
    env: {
      PATH: `${process.env.PATH}:/usr/sbin`,
      ...local,
      ...("NGINX_PID_FILE" in values && { NGINX_PID_FILE: join(dir, "nginx.pid") }),
      ...("NGINX_TEMP_DIR" in values && { NGINX_TEMP_DIR: join(dir, "temp") }),
      FASTR_NGINX_TEMPLATE: join(root, "nginx/nginx.conf.template"),
      FASTR_NGINX_CONFIG: config,
    },
    stdout: "ignore",
    stderr: Bun.file(stderr),
  });
  return { exitCode: run.exitCode, stderr: readFileSync(stderr, "utf8"), config };
}

/** Asserts the rendered config is complete, kept NGINX's own variables, and routes every pool. */
async function expectRenderedConfig(config: string) {
  const text = await Bun.file(config).text();
  expect(text).not.toMatch(/\$\{[A-Z_]+\}/);
  expect(text).toContain("map $http_x_request_id $fastr_request_id");
  expect(text).toContain("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;");
  for (const service of fastrServices)
    expect(text).toMatch(new RegExp(`upstream ${service} \\{ server 127\\.0\\.0\\.1:3000`));
}

const sampleValues = async () =>
  Object.fromEntries(
    (await nginxPlaceholders()).map((name) => [
      name,
      name.endsWith("_SERVERS")
        ? "server web:3000;"
        : ({
            NGINX_WORKERS: "1",
            NGINX_PID_FILE: "/tmp/nginx.pid",
            NGINX_ERROR_LOG: "/dev/stderr",
            NGINX_ACCESS_LOG: "/dev/stdout",
            NGINX_MIME_TYPES: "/etc/nginx/mime.types",
            NGINX_TEMP_DIR: "/tmp/nginx",
            NGINX_LISTEN: "8080",
            NGINX_AUTH_RATE: "10r/s",
            NGINX_AUTH_BURST: "20",
            WEB_ROOT: "/srv/web",
          }[name] ?? "unknown"),
    ]),
  );

describeWith({ nginx }, "the NGINX image's entrypoint (nginx/docker-entrypoint.sh)", () => {
  it("renders a config nginx -t accepts, substituting only the template's placeholders", async () => {
    const run = checkWithEntrypoint(await sampleValues());
    expect(run.stderr).toContain("test is successful");
    expect(run.exitCode).toBe(0);
    await expectRenderedConfig(run.config);
  });

  it("refuses to start, naming each placeholder that has no value", async () => {
    const { NGINX_AUTH_RATE: _, CART_SERVERS: __, ...values } = await sampleValues();
    const run = checkWithEntrypoint(values);
    expect(run.exitCode).toBe(64);
    expect(run.stderr).toContain("needs a value for: CART_SERVERS NGINX_AUTH_RATE");
    expect(await Bun.file(run.config).exists()).toBe(false);
  });
});

describeWith({ nginx, "docker-compose": dockerCompose }, "compose.yaml's NGINX", () => {
  it("gets a value for every placeholder, and the rendered config passes nginx -t", async () => {
    const compose = Bun.spawnSync(
      [dockerCompose!, "--env-file", ".env.example", "-f", "compose.yaml", "config"],
      {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect(compose.exitCode).toBe(0);
    const { services } = Bun.YAML.parse(compose.stdout.toString()) as {
      services: { nginx: { environment: Record<string, string> } };
    };
    const run = checkWithEntrypoint(services.nginx.environment);
    expect(run.stderr).toContain("test is successful");
    expect(run.exitCode).toBe(0);
    await expectRenderedConfig(run.config);
  });
});

describeWith({ nginx, kubectl }, "deploy/kubernetes' NGINX", () => {
  it("gets a value for every placeholder from its ConfigMap, and the rendered config passes nginx -t", async () => {
    const objects = kustomize(kubectl!, join(root, "deploy/kubernetes"));
    const configMap = objects.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("fastr-nginx-"),
    );
    expect(configMap?.data).toBeDefined();
    const run = checkWithEntrypoint(configMap!.data!);
    expect(run.stderr).toContain("test is successful");
    expect(run.exitCode).toBe(0);
    await expectRenderedConfig(run.config);
  });
});
