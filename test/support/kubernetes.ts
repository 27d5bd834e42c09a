/** A rendered Kubernetes object, as far as the deployment tests read it. */
export type KubernetesObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked against the API schema, not typed
  spec?: any;
  data?: Record<string, string>;
};

type Validatable = { validate(): void };
type ModelClass = new (data: unknown) => Validatable;

/**
 * Validates one object against the Kubernetes API's OpenAPI schema, offline, with the JSON-schema
 * validators `kubernetes-models` generates from it. A kind the package does not know is an error
 * too. The schema does not forbid unknown fields, so a misspelt optional field passes: assert the
 * fields that matter explicitly.
 * @example await validateKubernetesObject(deployment); // throws "Deployment/fastr-cart: data/spec/replicas must be integer"
 */
export async function validateKubernetesObject(object: KubernetesObject): Promise<void> {
  const where = `${object.kind}/${object.metadata?.name}`;
  let models: Record<string, ModelClass | undefined>;
  try {
    models = await import(`kubernetes-models/${object.apiVersion}`);
  } catch {
    throw new Error(`${where}: no schema for apiVersion ${object.apiVersion}`);
  }
  const Model = models[object.kind];
  if (!Model) throw new Error(`${where}: no schema for kind ${object.kind} in ${object.apiVersion}`);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}

/** Renders a kustomization with `kubectl kustomize` and parses every object it prints. */
export function kustomize(kubectl: string, dir: string): KubernetesObject[] {
  const run = Bun.spawnSync([kubectl, "kustomize", dir], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr.toString()}`);
  const parsed = Bun.YAML.parse(run.stdout.toString()) as KubernetesObject | KubernetesObject[];
  return Array.isArray(parsed) ? parsed : [parsed];
}
