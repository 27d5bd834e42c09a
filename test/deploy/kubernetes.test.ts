import { beforeAll, expect, it } from "bun:test";
import { join } from "node:path";
import { describeWith, findBinary } from "../support/binaries.ts";
import { type KubernetesObject, kustomize, validateKubernetesObject } from "../support/kubernetes.ts";
import { calls, type FastrService, fastrServices, ownSecrets, urlVariable } from "./topology.ts";

const root = join(import.meta.dir, "../..");
const kubectl = findBinary("kubectl");

/** The keys of the `fastr-secrets` Secret that deploy/kubernetes/README.md documents. */
const secretKeys = [
  "DATABASE_URL",
  "DATABASE_REPLICA_URL",
  "MIGRATE_DATABASE_URL",
  "REDIS_URL",
  "INTERNAL_SECRET",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "SMTP_URL",
];

type Container = {
  name: string;
  command?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: Record<string, { name?: string; key?: string; fieldPath?: string }>;
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
};

const renders: Record<string, KubernetesObject[]> = {};
const render = (dir: string) => renders[dir]!;
const find = (objects: KubernetesObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the render`);
  return found;
};
const podSpec = (o: KubernetesObject) =>
  o.spec.template.spec as { containers: Container[]; initContainers?: Container[] } & Record<string, unknown>;
const configMap = (objects: KubernetesObject[], prefix: string) => {
  const found = objects.filter(
    (o) => o.kind === "ConfigMap" && new RegExp(`^${prefix}-[a-z0-9]{10}$`).test(o.metadata.name),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
};
/** Every variable a container sees, with the value it would get (ConfigMaps resolved; secrets as `secret:KEY`). */
function environment(objects: KubernetesObject[], container: Container, labels: Record<string, string>) {
  const vars: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(vars, find(objects, "ConfigMap", source.configMapRef.name).data);
  }
  for (const v of container.env ?? []) {
    const from = v.valueFrom;
    if (v.value !== undefined)
      vars[v.name] = v.value.replace(/\$\((\w+)\)/g, (_, name: string) => vars[name] ?? "");
    else if (from?.secretKeyRef) vars[v.name] = `secret:${from.secretKeyRef.key}`;
    else if (from?.configMapKeyRef)
      vars[v.name] = find(objects, "ConfigMap", from.configMapKeyRef.name!).data![from.configMapKeyRef.key!]!;
    else if (from?.fieldRef) vars[v.name] = labels[/labels\['(.+)'\]/.exec(from.fieldRef.fieldPath!)![1]!]!;
  }
  return vars;
}
const expand = (command: string[], vars: Record<string, string>) =>
  command.map((part) => part.replace(/\$\((\w+)\)/g, (_, name: string) => vars[name] ?? `$(${name})`));

describeWith({ kubectl }, "deploy/kubernetes", () => {
  beforeAll(() => {
    for (const dir of ["deploy/kubernetes", "deploy/kubernetes/overlays/managed-example"]) {
      renders[dir] = kustomize(kubectl!, join(root, dir));
    }
  }, 60_000);

  it("renders with kubectl kustomize, the top level and every overlay, each object valid against the Kubernetes API schema", async () => {
    for (const objects of Object.values(renders)) {
      expect(objects.length).toBeGreaterThan(40);
      for (const object of objects) await validateKubernetesObject(object);
    }
  });

  it("the schema check refuses a broken object (it is not a formality)", async () => {
    const deployment = structuredClone(find(render("deploy/kubernetes"), "Deployment", "fastr-cart"));
    deployment.spec.replicas = "2";
    await expect(validateKubernetesObject(deployment)).rejects.toThrow(
      "Deployment/fastr-cart: data/spec/replicas must be integer",
    );
    const unknown = { apiVersion: "apps/v1", kind: "Deploymant", metadata: { name: "x" } };
    await expect(validateKubernetesObject(unknown)).rejects.toThrow("no schema for kind Deploymant");
  });

  it("runs every fastr service as a Deployment of ≥ 2 pods with probes, resources and a graceful stop", () => {
    const objects = render("deploy/kubernetes");
    for (const name of fastrServices) {
      const deployment = find(objects, "Deployment", `fastr-${name}`);
      expect({ name, replicas: deployment.spec.replicas }).toEqual({ name, replicas: expect.any(Number) });
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
      const pod = podSpec(deployment);
      const [service] = pod.containers;
      const vars = environment(objects, service!, deployment.spec.template.metadata.labels);
      expect(expand(service!.command!, vars)).toEqual(["bun", `services/${name}/main.ts`]);
      expect(service!.readinessProbe?.httpGet?.path).toBe("/readyz");
      expect(service!.livenessProbe?.httpGet?.path).toBe("/healthz");
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(["cpu", "memory"]);
        expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(["cpu", "memory"]);
      }
      const preStop = service!.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(preStop).toBeGreaterThan(0);
      const drainSeconds = Number(vars.SHUTDOWN_GRACE_MS) / 1000;
      expect(drainSeconds).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds as number).toBeGreaterThan(preStop + drainSeconds);
      expect(vars).toMatchObject({
        HOST: "0.0.0.0",
        PORT: "3000",
        TRUST_PROXY: "1",
        OTEL_SERVICE_NAME: name,
      });
    }
  });

  it("gives every service a Service on port 3000, a PodDisruptionBudget and a CPU autoscaler that select its pods", () => {
    const objects = render("deploy/kubernetes");
    for (const name of fastrServices) {
      const labels = find(objects, "Deployment", `fastr-${name}`).spec.template.metadata.labels;
      const selects = (selector: Record<string, string>) =>
        Object.entries(selector).every(([k, v]) => labels[k] === v) &&
        selector["app.kubernetes.io/component"] === name;
      const service = find(objects, "Service", `fastr-${name}`);
      expect(selects(service.spec.selector)).toBe(true);
      expect(service.spec.ports).toEqual([{ name: "http", port: 3000, targetPort: "http" }]);
      const pdb = find(objects, "PodDisruptionBudget", `fastr-${name}`);
      expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
      const hpa = find(objects, "HorizontalPodAutoscaler", `fastr-${name}`);
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: `fastr-${name}`,
      });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.metrics).toEqual([
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: expect.any(Number) } },
        },
      ]);
    }
  });

  it("gives each service the URLs of exactly the services it calls, by Service name, and its own secrets only to it", () => {
    const objects = render("deploy/kubernetes");
    for (const name of fastrServices) {
      const deployment = find(objects, "Deployment", `fastr-${name}`);
      const vars = environment(
        objects,
        podSpec(deployment).containers[0]!,
        deployment.spec.template.metadata.labels,
      );
      const given = Object.keys(vars).filter((key) => key.endsWith("_URLS"));
      expect({ [name]: given.sort() }).toEqual({ [name]: calls[name].map(urlVariable).sort() });
      for (const callee of calls[name] as FastrService[]) {
        const url = new URL(vars[urlVariable(callee)]!);
        const service = find(objects, "Service", url.hostname);
        expect(service.spec.selector["app.kubernetes.io/component"]).toBe(callee);
        expect(Number(url.port)).toBe(service.spec.ports[0].port);
      }
      for (const [secret, owner] of Object.entries(ownSecrets)) {
        expect({ [name]: secret in vars }).toEqual({ [name]: owner === name });
      }
      expect(vars).toMatchObject({
        DATABASE_URL: "secret:DATABASE_URL",
        DATABASE_REPLICA_URL: "secret:DATABASE_REPLICA_URL",
        REDIS_URL: "secret:REDIS_URL",
        INTERNAL_SECRET: "secret:INTERNAL_SECRET",
      });
    }
  });

  it("migrates with a Job and before every service pod, straight to the primary", () => {
    const objects = render("deploy/kubernetes");
    const job = find(objects, "Job", "fastr-migrate");
    const migrations = [podSpec(job).containers[0]!];
    for (const name of fastrServices)
      migrations.push(podSpec(find(objects, "Deployment", `fastr-${name}`)).initContainers![0]!);
    for (const container of migrations) {
      expect(container.command).toEqual(["bun", "run", "migrate"]);
      expect(environment(objects, container, {}).DATABASE_URL).toBe("secret:MIGRATE_DATABASE_URL");
    }
  });

  it("references only ConfigMaps it renders and only documented keys of the fastr-secrets Secret", async () => {
    const readme = await Bun.file(join(root, "deploy/kubernetes/README.md")).text();
    for (const key of secretKeys) expect(readme).toContain(`\`${key}\``);
    for (const [dir, objects] of Object.entries(renders)) {
      for (const workload of objects.filter((o) => o.kind === "Deployment" || o.kind === "Job")) {
        const pod = podSpec(workload);
        for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
          for (const source of container.envFrom ?? []) {
            expect(source.secretRef).toBeUndefined();
            find(objects, "ConfigMap", source.configMapRef!.name);
          }
          for (const { valueFrom } of container.env ?? []) {
            if (valueFrom?.secretKeyRef) {
              expect({ dir, secret: valueFrom.secretKeyRef.name }).toEqual({ dir, secret: "fastr-secrets" });
              expect(secretKeys).toContain(valueFrom.secretKeyRef.key!);
            }
            if (valueFrom?.configMapKeyRef) {
              const data = find(objects, "ConfigMap", valueFrom.configMapKeyRef.name!).data!;
              expect(Object.keys(data)).toContain(valueFrom.configMapKeyRef.key!);
            }
          }
        }
      }
    }
  });

  it("runs every pod to the restricted Pod Security Standard its Namespace enforces", () => {
    for (const objects of Object.values(renders)) {
      const namespace = objects.find((o) => o.kind === "Namespace")!;
      expect(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      for (const workload of objects.filter((o) => o.kind === "Deployment" || o.kind === "Job")) {
        expect(workload.metadata.namespace).toBe(namespace.metadata.name);
        const pod = podSpec(workload);
        expect(pod.securityContext).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
          expect(container.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
          });
          expect(container.securityContext?.capabilities?.drop).toEqual(["ALL"]);
        }
      }
    }
  });

  it("fronts the services with ≥ 2 NGINX pods behind a Service, a PDB and an autoscaler", () => {
    const objects = render("deploy/kubernetes");
    const deployment = find(objects, "Deployment", "fastr-nginx");
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const [container] = podSpec(deployment).containers;
    expect(container!.resources?.limits).toBeDefined();
    const service = find(objects, "Service", "fastr-nginx");
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    find(objects, "PodDisruptionBudget", "fastr-nginx");
    find(objects, "HorizontalPodAutoscaler", "fastr-nginx");
    const pools = configMap(objects, "fastr-nginx").data!;
    for (const name of fastrServices) {
      expect(pools[`${name.toUpperCase()}_SERVERS`]).toBe(`server fastr-${name}:3000 max_fails=0;`);
    }
  });

  it("the managed-services example overlay changes images, endpoints and exposure, not the base's shape", () => {
    const base = render("deploy/kubernetes");
    const overlay = render("deploy/kubernetes/overlays/managed-example");
    const shape = (objects: KubernetesObject[]) =>
      objects
        .filter((o) => o.kind !== "Namespace")
        .map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, "")}`)
        .sort();
    expect(shape(overlay)).toEqual(shape(base));
    const images = overlay.flatMap((o) =>
      o.kind === "Deployment" ? podSpec(o).containers.map((c) => (c as { image?: string }).image) : [],
    );
    for (const image of images) expect(image).toStartWith("registry.example.com/shop/");
    expect(configMap(overlay, "fastr-config").data!.KAFKA_BROKERS!.split(",")).toHaveLength(3);
    expect(find(overlay, "Service", "fastr-nginx").spec.type).toBe("LoadBalancer");
  });
});
