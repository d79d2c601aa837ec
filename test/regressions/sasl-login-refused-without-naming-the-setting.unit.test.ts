// Regression (issue 15, secure connections): a wrong SASL password ended `topics create`, the worker and `replay`
// with kafkajs's own words, "SASL SCRAM SHA512 authentication failed: Authentication failed during authentication
// due to invalid credentials with SASL mechanism SCRAM-SHA-512", which name no setting (and replay wrote three of
// kafkajs's lines about it on stderr first). The line now names KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD and the user,
// never the password. Measured against a real SASL_SSL broker in test/worker/kafka-client.secure.e2e.test.ts.
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../src/config.ts';
import { ErrorCode, LedgerError } from '../../src/errors.ts';
import { connectionRefusal } from '../../src/worker/index.ts';

/** kafkajs's error classes as they are (its type declarations leave out their options). */
type KafkajsErrorClass = new (e: unknown, options?: Record<string, unknown>) => Error & { retriable: boolean };
const errors = kafkajs as unknown as Record<
  'KafkaJSSASLAuthenticationError' | 'KafkaJSNonRetriableError' | 'KafkaJSConnectionError' | 'KafkaJSNumberOfRetriesExceeded',
  KafkajsErrorClass
>;

const connection: KafkaConnection = {
  brokers: ['broker-1:9096', 'broker-2:9096'],
  clientId: 'signal-ledger',
  ssl: true,
  sasl: { mechanism: 'scram-sha-512', username: 'ledger', password: 'Pw-secret-42' },
};
const kafkajsRefusal = () =>
  new errors.KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');

describe('a SASL login the broker refused', () => {
  it('is a ConfigError naming KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD, the brokers and the user, with the broker\'s words, never the password', () => {
    const error = connectionRefusal(kafkajsRefusal(), connection);
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as LedgerError).code).toBe(ErrorCode.ConfigInvalid);
    expect(error?.message).toBe(
      'KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD: broker-1:9096,broker-2:9096 refused the SASL login of user "ledger" (SCRAM-SHA-512): Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512; check the user name and password',
    );
    expect(error?.message).not.toContain('Pw-secret-42');
  });

  it('is found under the error kafkajs\'s retrier wraps it in', () => {
    const wrapped = new errors.KafkaJSNonRetriableError(kafkajsRefusal(), { cause: kafkajsRefusal() });
    expect(connectionRefusal(wrapped, connection)?.message).toMatch(/^KAFKA_SASL_USERNAME\/KAFKA_SASL_PASSWORD: /);
  });

  it('leaves any other failure alone (a broker that is away is retried, and reported as it is)', () => {
    expect(connectionRefusal(new errors.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9', { code: 'ECONNREFUSED' }), connection)).toBeNull();
    expect(connectionRefusal(new Error('Authentication failed'), connection)).toBeNull();
  });
});
