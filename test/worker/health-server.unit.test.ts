// The worker's probes and metrics endpoint (src/worker/health-server.ts), in process with a stand-in health.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type HealthServer, startHealthServer } from '../../src/worker/health-server.ts';
import { outsideAddress } from '../helpers/network.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(host: string, health = { kafka: true, database: true }) {
  const registry = new Registry();
  server = await startHealthServer({ host, port: 0, registry, health: () => health });
  return { server, health, url: (path: string, at = '127.0.0.1') => `http://${at}:${server?.port}${path}` };
}

describe('the health server', () => {
  it('/livez is 200 whenever it answers, even while /readyz and /healthz are 503 (not joined, database down)', async () => {
    const { url, health } = await start('127.0.0.1', { kafka: false, database: false });
    const live = await fetch(url('/livez'));
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'live' });
    for (const path of ['/readyz', '/healthz']) {
      const r = await fetch(url(path));
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ status: 'not ready', kafka: false, database: false });
    }
    health.kafka = true;
    expect((await fetch(url('/readyz'))).status).toBe(503); // the database still down
    health.database = true;
    for (const path of ['/readyz', '/healthz']) {
      const r = await fetch(url(path));
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ status: 'ready', kafka: true, database: true });
    }
  });

  it('/metrics is the registry in Prometheus text, with ledger_ready as /readyz says; HEAD answers like GET, other methods get 405, other paths 404', async () => {
    const { url, health } = await start('127.0.0.1');
    const metrics = await fetch(url('/metrics'));
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toMatch(/^ledger_ready 1$/m);
    health.database = false;
    expect(await (await fetch(url('/metrics'))).text()).toMatch(/^ledger_ready 0$/m);
    health.database = true;
    expect((await fetch(url('/readyz'), { method: 'HEAD' })).status).toBe(200);
    const post = await fetch(url('/readyz'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const missing = await fetch(url('/health'));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('not found: /livez, /readyz, /healthz, /metrics\n');
  });

  it('on 127.0.0.1 (the default) it cannot be reached from another address of the machine; on 0.0.0.0 it can', async () => {
    const outside = outsideAddress();
    const local = await start('127.0.0.1');
    await expect(fetch(local.url('/livez', outside))).rejects.toThrow();
    await local.server.close();
    server = undefined;
    const open = await start('0.0.0.0');
    expect((await fetch(open.url('/livez', outside))).status).toBe(200);
  });

  it('a host it cannot listen on is an error, not a server on another address', async () => {
    await expect(startHealthServer({ host: '203.0.113.7', port: 0, registry: new Registry(), health: () => ({ kafka: true, database: true }) })).rejects.toThrow(/EADDRNOTAVAIL/);
  });
});
