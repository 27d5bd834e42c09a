import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

/**
 * `base` with `service.name` set to each service's name: one tracer provider for a process that hosts
 * several services (the embedded shape) exports each span under its own service's resource, so a
 * trace viewer shows the same services as for the cluster (see `queuedSpans` and `inService`).
 */
export const serviceResources = (
  base: Resource,
  services: readonly string[],
): ReadonlyMap<string, Resource> =>
  new Map(services.map((name) => [name, base.merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: name }))]));
