import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, type Registry } from 'prom-client';

export interface HealthServer {
  /** the address and port it listens on (the port chosen when 0 was asked) */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** What the worker reports of itself: joined to its Kafka group, and the database answering. */
export type WorkerHealth = () => { kafka: boolean; database: boolean };

/**
 * The worker's HTTP endpoints, for probes and Prometheus:
 * - `/livez`: 200 whenever the worker thread's event loop answers (a liveness probe: restart when it does not);
 * - `/readyz`: 200 when joined to the Kafka group and the database answers, else 503 (a readiness probe);
 * - `/healthz`: the same as `/readyz`, kept under its first name;
 * - `/metrics`: Prometheus text, with `ledger_ready` added to the registry: 1 when /readyz would say ready, else 0.
 * The body of the probes is JSON: `{"status": ..., "kafka": ..., "database": ...}`.
 */
export async function startHealthServer(options: { host: string; port: number; registry: Registry; health: WorkerHealth }): Promise<HealthServer> {
  new Gauge({
    name: 'ledger_ready',
    help: '1 when joined to the Kafka group and the database answers (what /readyz says), else 0',
    registers: [options.registry],
    collect() {
      const h = options.health();
      this.set(h.kafka && h.database ? 1 : 0);
    },
  });
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' });
      res.end('only GET and HEAD\n');
    } else if (url === '/livez') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'live' }));
    } else if (url === '/readyz' || url === '/healthz') {
      const h = options.health();
      const ready = h.kafka && h.database;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', kafka: h.kafka, database: h.database }));
    } else if (url === '/metrics') {
      options.registry.metrics().then(
        (text) => (res.writeHead(200, { 'content-type': options.registry.contentType }), res.end(text)),
        (error: unknown) => (res.writeHead(500), res.end(String(error))),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: /livez, /readyz, /healthz, /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    host: options.host,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
