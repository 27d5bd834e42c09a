import type { Context } from "@opentelemetry/api";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { serviceOf } from "./spans.ts";

/**
 * One tracer provider for a process that hosts several services (the embedded shape), with each
 * span exported under its own service's resource (`service.name` = `order`, `product`, …), so a
 * trace viewer shows the same services as for the cluster. A span belongs to the service its
 * context names when it starts (see `inService`); spans outside every service keep `base`.
 * @example new TracerProvider({ resource, spanProcessors: [resourcePerService(batch, serviceResources(resource, ["order", "product"]))] });
 */
export function resourcePerService(
  inner: SpanProcessor,
  resources: ReadonlyMap<string, Resource>,
): SpanProcessor {
  const owners = new WeakMap<ReadableSpan, Resource>();
  return {
    onStart(span: Span, parentContext: Context) {
      const service = serviceOf(parentContext);
      const resource = service === undefined ? undefined : resources.get(service);
      if (resource) owners.set(span, resource);
      inner.onStart(span, parentContext);
    },
    onEnd(span: ReadableSpan) {
      const resource = owners.get(span);
      // A view of the span with its service's resource; the exporter groups spans by resource.
      inner.onEnd(resource ? Object.create(span, { resource: { value: resource } }) : span);
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
}

/** `base` with `service.name` set to each service's name. */
export const serviceResources = (
  base: Resource,
  services: readonly string[],
): ReadonlyMap<string, Resource> =>
  new Map(services.map((name) => [name, base.merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: name }))]));
