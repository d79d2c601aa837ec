// Traces across Kafka (OpenTelemetry). Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then neither the SDK's tracer
// provider, its exporter nor its context manager is loaded (only the API and the W3C propagator of
// @opentelemetry/core), and the worker's cost is a null check per slice. On: one span per applied
// slice, linked to the span contexts of its messages' producers (their W3C `traceparent`/`tracestate`
// headers), with the database transaction as its child, exported over OTLP/HTTP; log lines written inside a
// slice carry its `trace_id` and `span_id`. `generate --produce` writes a `traceparent` header on every message.
import { randomBytes } from 'node:crypto';
import { context, type Context, type Link, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TextMapGetter, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { TracingConfig } from '../config.ts';
import { LIMITS } from '../contract/limits.ts';
import { PACKAGE_VERSION } from '../node-version.ts';

/** Tracing as started: a tracer (null when off), and the shutdown that exports what is left. */
export interface LedgerTracing {
  readonly tracer: Tracer | null;
  /** exports the spans still queued, for at most SHUTDOWN_MS; false when some could not be (never rejects) */
  shutdown(): Promise<boolean>;
}

/** How long a shutdown waits for the last spans: a receiver that does not answer must not hold up a stop. */
export const SHUTDOWN_MS = 3_000;

const TRACING_OFF: LedgerTracing = { tracer: null, shutdown: async () => true };

/** Starts exporting spans when an endpoint is configured; otherwise returns TRACING_OFF and loads nothing. */
export async function startTracing(config: TracingConfig): Promise<LedgerTracing> {
  if (config.tracesUrl === null) return TRACING_OFF;
  const [{ BatchSpanProcessor, TracerProvider }, { OTLPTraceExporter }, { resourceFromAttributes }, { AsyncLocalStorageContextManager }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  // the active span follows the awaits of a slice, so log lines inside it can name its trace
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': PACKAGE_VERSION }),
    // a slice links every producer it holds a message of (up to a whole slice of distinct ones)
    spanLimits: { linkCountLimit: LIMITS.maxBatchEvents },
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: config.tracesUrl, timeoutMillis: SHUTDOWN_MS }) })],
  });
  return {
    tracer: provider.getTracer('signal-ledger', PACKAGE_VERSION),
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const flushed = await Promise.race([
        provider.shutdown().then(() => true, () => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), SHUTDOWN_MS))),
      ]);
      clearTimeout(timer);
      context.disable();
      return flushed;
    },
  };
}

const propagator = new W3CTraceContextPropagator();

/** Reads a header of a Kafka message (the first value when repeated; bytes as UTF-8; a null value, which librdkafka can send, as none). */
const headerGetter: TextMapGetter<IHeaders | undefined> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => {
    const value: unknown = carrier?.[key];
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return first === undefined || first === null ? undefined : String(first);
  },
};

/** The distinct, valid producer span contexts of messages (their traceparent/tracestate headers) as links. */
export function producerLinks(messages: Iterable<Pick<KafkaMessage, 'headers'>>): Link[] {
  const links = new Map<string, Link>();
  for (const m of messages) {
    if (m.headers?.traceparent === undefined) continue;
    const spanContext = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, m.headers, headerGetter));
    if (spanContext === undefined) continue;
    const id = `${spanContext.traceId}-${spanContext.spanId}`;
    if (!links.has(id)) links.set(id, { context: spanContext });
  }
  return [...links.values()];
}

/** The `traceparent` (and `tracestate`) headers that carry a span's context, or a fresh unsampled one's when none. */
export function traceHeaders(span: Span | null): Record<string, string> {
  const spanContext = span?.spanContext() ?? { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: TraceFlags.NONE };
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), headers, { set: (carrier, key, value) => void (carrier[key] = value) });
  return headers;
}

/**
 * Runs `fn` inside a span of `tracer`, active for what it awaits (its log lines and child spans), ending it
 * with `fn`'s outcome; with no tracer, just runs `fn`.
 */
export async function inSpan<T>(
  tracer: Tracer | null,
  name: string,
  options: { kind?: SpanKind; links?: Link[]; attributes?: Record<string, string | number | string[]> },
  fn: (span: Span | null) => Promise<T>,
): Promise<T> {
  if (tracer === null) return fn(null);
  const parent: Context = context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, links: options.links, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** The active span's ids, for log lines (pino's mixin): empty outside a span. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext === undefined ? {} : { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

export { SpanKind };
