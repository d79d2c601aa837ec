import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaFiles } from '../../src/contract/json-schemas.ts';
import { wireValidatorsSource } from '../../scripts/wire-validators.ts';

const dir = path.join(import.meta.dirname, '..', '..', 'schemas');
// Under mutation testing this file runs in Stryker's sandbox, whose copies of src/ start with Stryker's own
// header: there the original src/ is read (test/mutation/stryker.shared.mjs names it, as for the architecture test).
const underStryker = process.env.STRYKER_MUTATOR_WORKER !== undefined && process.env.SIGNAL_LEDGER_SOURCE_DIR !== undefined;
const src = underStryker ? (process.env.SIGNAL_LEDGER_SOURCE_DIR as string) : path.join(import.meta.dirname, '..', '..', 'src');

describe('schemas/', () => {
  it('the committed files equal what npm run schemas writes (run it after changing src/contract)', () => {
    const files = schemaFiles();
    expect(readdirSync(dir).sort()).toEqual(Object.keys(files).sort());
    for (const [name, text] of Object.entries(files)) expect(readFileSync(path.join(dir, name), 'utf8'), name).toBe(text);
  });

  it('src/contract/generated/wire-validators.ts equals what npm run schemas compiles from them (run it after changing src/contract)', () => {
    const file = path.join(src, 'contract', 'generated', 'wire-validators.ts');
    expect(readFileSync(file, 'utf8')).toBe(wireValidatorsSource());
  });

  it('names the five channels in the AsyncAPI 3 document', () => {
    const yaml = files()['asyncapi.yaml'] ?? '';
    expect(yaml).toMatch(/^asyncapi: 3\.0\.0$/m);
    for (const topic of ['signals.generated', 'signals.risk', 'orders.submitted', 'orders.filled', 'signals.outcome']) {
      expect(yaml).toContain(`address: ${topic}`);
    }
  });
});

const files = () => schemaFiles();
