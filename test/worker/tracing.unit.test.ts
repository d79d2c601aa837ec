// The W3C trace context of Kafka messages (src/worker/tracing.ts): producer links read from headers, and
// the headers written for a span, without an exporter.
import { trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { inSpan, producerLinks, traceHeaders } from '../../src/worker/tracing.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const parent = (span: string, flags = '01') => `00-${TRACE}-${span}-${flags}`;

describe('producerLinks', () => {
  it('one link per distinct producer span context, from string, Buffer and repeated headers; tracestate kept', () => {
    const links = producerLinks([
      { headers: { traceparent: parent('00f067aa0ba902b7'), tracestate: 'vendor=x' } },
      { headers: { traceparent: Buffer.from(parent('00f067aa0ba902b7')) } },
      { headers: { traceparent: [Buffer.from(parent('1111111111111111')), parent('2222222222222222')] } },
      { headers: {} },
      { headers: undefined },
    ]);
    expect(links.map((l) => l.context.spanId)).toEqual(['00f067aa0ba902b7', '1111111111111111']);
    expect(links[0]?.context.traceId).toBe(TRACE);
    expect(links[0]?.context.traceState?.serialize()).toBe('vendor=x');
    expect(links[0]?.context.isRemote).toBe(true);
  });

  it('a malformed or all-zero traceparent is no link', () => {
    expect(
      producerLinks([
        { headers: { traceparent: 'garbage' } },
        { headers: { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` } },
        { headers: { traceparent: `00-${TRACE}-${'0'.repeat(16)}-01` } },
        { headers: { traceparent: `ff-${TRACE}-00f067aa0ba902b7-01` } },
      ]),
    ).toEqual([]);
  });

  it('a null traceparent or tracestate (librdkafka can send a null header value; kafkajs reads it as null) is no link and no error', () => {
    const nullValue = null as unknown as string;
    const links = producerLinks([
      { headers: { traceparent: nullValue } },
      { headers: { traceparent: [nullValue, parent('00f067aa0ba902b7')] } },
      { headers: { traceparent: parent('1111111111111111'), tracestate: nullValue } },
    ]);
    expect(links.map((l) => l.context.spanId)).toEqual(['1111111111111111']);
  });
});

describe('traceHeaders', () => {
  it('without a span: a fresh, valid, unsampled traceparent, different each time', () => {
    const a = traceHeaders(null).traceparent;
    const b = traceHeaders(null).traceparent;
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(a).not.toBe(b);
  });

  it('with a span: its context, which producerLinks reads back', () => {
    const span = trace.wrapSpanContext({ traceId: TRACE, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
    const headers = traceHeaders(span);
    expect(headers.traceparent).toBe(parent('00f067aa0ba902b7'));
    expect(producerLinks([{ headers }]).map((l) => l.context.spanId)).toEqual(['00f067aa0ba902b7']);
  });
});

describe('inSpan with tracing off', () => {
  it('runs the function with no span and passes its result and its error through', async () => {
    expect(await inSpan(null, 'x', {}, async (span) => (span === null ? 'no span' : 'span'))).toBe('no span');
    await expect(inSpan(null, 'x', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
