import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` (200 when ready: joined to Kafka and the database answering, else 503) and `/metrics`
 * (Prometheus text), on 127.0.0.1 only.
 */
export async function startHealthServer(options: { port: number; registry: Registry; health: () => { kafka: boolean; database: boolean } }): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/healthz') {
      const h = options.health();
      const ready = h.kafka && h.database;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', kafka: h.kafka, database: h.database }));
    } else if (req.method === 'GET' && url === '/metrics') {
      options.registry.metrics().then(
        (text) => (res.writeHead(200, { 'content-type': options.registry.contentType }), res.end(text)),
        (error: unknown) => (res.writeHead(500), res.end(String(error))),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: /healthz, /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
