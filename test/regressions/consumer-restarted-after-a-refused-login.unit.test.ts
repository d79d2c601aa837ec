// Regression (issue 15, secure connections; found reading the code): the worker's consumer asked kafkajs to restart it
// after any crash whose error came from kafkajs (restartOnFailure), a refused SASL login or broker certificate
// included. Credentials revoked or a certificate replaced while the worker ran would have had it restart, fail and
// restart again without end. Neither is restarted now: the crash stops the worker, which names the setting.
import kafkajs, { type ConsumerConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createKafka, createLedgerConsumer } from '../../src/worker/index.ts';
import { quietLogger } from '../helpers/worker.ts';

/** kafkajs's error classes as they are (its type declarations leave out their options). */
type KafkajsErrorClass = new (e: unknown, options?: Record<string, unknown>) => Error & { retriable: boolean };
const errors = kafkajs as unknown as Record<
  'KafkaJSSASLAuthenticationError' | 'KafkaJSNonRetriableError' | 'KafkaJSConnectionError' | 'KafkaJSNumberOfRetriesExceeded',
  KafkajsErrorClass
>;

/** The restartOnFailure the worker gives kafkajs. */
function restartOnFailure(): (error: Error) => Promise<boolean> {
  let config: ConsumerConfig | undefined;
  createLedgerConsumer({ consumer: (c: ConsumerConfig) => ((config = c), null) } as never, 'group', 5);
  return config?.retry?.restartOnFailure as (error: Error) => Promise<boolean>;
}

// createKafka gives kafkajs's connection errors of a certificate their `retriable: false`
createKafka({ brokers: ['127.0.0.1:9'], clientId: 'test' }, quietLogger());
const connectionError = (code: string) => new errors.KafkaJSConnectionError(`Connection error: ${code}`, { broker: '127.0.0.1:9', code });

describe('the worker consumer after a crash', () => {
  it('is not restarted when the broker refused the SASL login (as kafkajs\'s retrier hands it over)', async () => {
    const refusal = new errors.KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed: invalid credentials');
    expect(await restartOnFailure()(new errors.KafkaJSNonRetriableError(refusal, { cause: refusal }))).toBe(false);
  });

  it('is not restarted when the broker\'s certificate was refused, which kafkajs no longer retries', async () => {
    const refused = connectionError('SELF_SIGNED_CERT_IN_CHAIN');
    expect(refused.retriable).toBe(false);
    expect(await restartOnFailure()(new errors.KafkaJSNonRetriableError(refused, { cause: refused }))).toBe(false);
  });

  it('is restarted when the broker is away, which kafkajs still retries', async () => {
    const away = connectionError('ECONNREFUSED');
    expect(away.retriable).toBe(true);
    expect(await restartOnFailure()(new errors.KafkaJSNumberOfRetriesExceeded(away, { cause: away }))).toBe(true);
  });
});
