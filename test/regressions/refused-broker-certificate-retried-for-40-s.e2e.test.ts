// Regression (issue 15, secure connections): a broker certificate that KAFKA_SSL_CA did not sign was retried by
// kafkajs like a broker that is away: `topics create` took 39 s and `replay` 48 s to fail, replay wrote 22 of
// kafkajs's lines on stderr before its own, and that line ("Connection error: self-signed certificate in
// certificate chain") named no setting. Trying again cannot fix a certificate: the command now fails at the first
// refusal with one line naming KAFKA_SSL_CA. A TLS server with a certificate from another CA stands in for the
// broker here (the refusal happens in the handshake, before any Kafka request); the whole flow against a real
// SASL_SSL broker is in test/worker/kafka-client.secure.e2e.test.ts.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.ts';
import { scratchDir } from '../helpers/scratch.ts';
import { makeCertificates, type TestCertificates } from '../helpers/secure-kafka.ts';

const dir = scratchDir('refused-certificate');
let certificates: TestCertificates;
let server: Server;
let brokers: string;
beforeAll(async () => {
  certificates = makeCertificates(dir);
  server = createServer({ cert: readFileSync(certificates.brokerChain), key: readFileSync(certificates.brokerKey) }, (socket) => socket.destroy());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  brokers = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe('a broker certificate that KAFKA_SSL_CA did not sign', () => {
  it.each([
    ['topics create', ['topics', 'create']],
    ['replay', ['--db', 'sqlite:///:memory:', 'replay']],
  ])('%s fails at once with one line naming KAFKA_SSL_CA, not after kafkajs retried it for 40 s', async (_name, args) => {
    const started = Date.now();
    const r = await runCliAsync(args, { env: { KAFKA_BROKERS: brokers, KAFKA_SSL_CA: certificates.otherCa, LOG_LEVEL: 'info' }, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      `signal-ledger: KAFKA_SSL_CA: the TLS certificate of ${brokers} was refused (self-signed certificate in certificate chain [SELF_SIGNED_CERT_IN_CHAIN]): it must be signed by the CA in KAFKA_SSL_CA\n`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
