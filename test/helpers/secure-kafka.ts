// A broker of its own for the tests of secured connections: Apache Kafka's jars (scripts/kafka-local.ts) with a
// SASL_SSL listener (SCRAM-SHA-512 over TLS, as managed clusters require) beside its PLAINTEXT one, on ports no
// other test uses, with a CA, certificates and a user made here for the run. Every secret is random, so a test can
// look for it in what a command wrote.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { portAnswers, startLocalKafka, stopLocalKafka } from '../../scripts/kafka-local.ts';

/** The PLAINTEXT port of the secure test broker (its controller takes the next one, SASL_SSL the one after). */
const SECURE_KAFKA_PORT = Number(process.env.TEST_SECURE_KAFKA_PORT ?? 29092);

/** At most this long, whatever becomes of the test run that started it (coreutils timeout ends it). */
const BROKER_LIFETIME_S = 20 * 60;

/** PEM files made by openssl for one run. */
export interface TestCertificates {
  /** the CA that signed the broker's and the client's certificates */
  ca: string;
  /** a second CA, unrelated: the broker's certificate does not chain to it */
  otherCa: string;
  /** the broker's certificate (for 127.0.0.1 and localhost), then the CA's */
  brokerChain: string;
  brokerKey: string;
  /** a client certificate signed by the CA, and its key (the broker asks for one, and takes a connection without) */
  clientCert: string;
  clientKey: string;
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) throw new Error(`openssl is needed for the secure broker tests: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr}`);
}

/** A self-signed CA, and certificates it signs: the broker's (SAN IP 127.0.0.1, DNS localhost) and a client's. */
export function makeCertificates(dir: string): TestCertificates {
  const ca = (name: string) => {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=signal-ledger test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  };
  const signed = (name: string, subject: string, extensions: string) => {
    writeFileSync(path.join(dir, `${name}.ext`), `${extensions}\n`);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  };
  ca('ca');
  ca('other-ca');
  signed('broker', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
  signed('client', '/CN=signal-ledger', 'extendedKeyUsage=clientAuth');
  writeFileSync(path.join(dir, 'broker-chain.pem'), readFileSync(path.join(dir, 'broker.pem'), 'utf8') + readFileSync(path.join(dir, 'ca.pem'), 'utf8'));
  const at = (file: string) => path.join(dir, file);
  return { ca: at('ca.pem'), otherCa: at('other-ca.pem'), brokerChain: at('broker-chain.pem'), brokerKey: at('broker.key'), clientCert: at('client.pem'), clientKey: at('client.key') };
}

/** The secure test broker: where it listens, the files and the user to reach it with, and how to stop it. */
export interface SecureBroker {
  /** host:port of the SASL_SSL listener */
  brokers: string;
  /** host:port of its PLAINTEXT listener (left as every other test broker has it) */
  plaintextBrokers: string;
  certificates: TestCertificates;
  user: string;
  password: string;
  /** the broker's own log file */
  log: string;
  /** KAFKA_* settings that reach the SASL_SSL listener as this user, with the test's CA */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** every secret of the run: the password and the base64 of each private key, to look for in output */
  secrets(): string[];
  release(): Promise<void>;
}

/** The body lines of a PEM private key (what would show if it leaked, whatever the line breaks). */
const keyBody = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----'));

/**
 * Starts a broker with a SASL_SSL listener on TEST_SECURE_KAFKA_PORT (default 29092; 29093 its controller,
 * 29094 SASL_SSL), a SCRAM-SHA-512 user with a random password, and certificates made for the run. A port in
 * use is an error (the broker is never one that some other run started).
 */
export async function startSecureBroker(): Promise<SecureBroker> {
  const port = SECURE_KAFKA_PORT;
  const saslPort = port + 2;
  for (const p of [port, port + 1, saslPort]) {
    if (await portAnswers(p)) throw new Error(`port ${p} is in use: the secure broker tests need ${port} to ${saslPort} free (or TEST_SECURE_KAFKA_PORT set to another base port)`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'signal-ledger-secure-kafka-'));
  try {
    const certificates = makeCertificates(dir);
    const user = `ledger-${randomBytes(3).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    const broker = await startLocalKafka({
      port,
      lifetimeSeconds: BROKER_LIFETIME_S,
      saslSsl: { port: saslPort, certificateChain: certificates.brokerChain, privateKey: certificates.brokerKey, clientCa: certificates.ca, users: [{ name: user, password }] },
    });
    const brokers = broker.saslSslBrokers as string;
    return {
      brokers,
      plaintextBrokers: broker.brokers,
      certificates,
      user,
      password,
      log: broker.log as string,
      env: (overrides = {}) => ({
        KAFKA_BROKERS: brokers,
        KAFKA_SSL_CA: certificates.ca,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: user,
        KAFKA_SASL_PASSWORD: password,
        ...overrides,
      }),
      secrets: () => [password, ...keyBody(certificates.brokerKey), ...keyBody(certificates.clientKey)],
      release: async () => {
        try {
          await stopLocalKafka({ port });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
