// npm run schemas: writes schemas/ from the zod schemas of src/contract, and the validators compiled from them
// (src/contract/generated/wire-validators.ts); a test fails when either is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { schemaFiles } from '../src/contract/json-schemas.ts';
import { wireValidatorsSource } from './wire-validators.ts';

const root = path.join(import.meta.dirname, '..');
const dir = path.join(root, 'schemas');
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(schemaFiles())) {
  writeFileSync(path.join(dir, name), text);
  process.stdout.write(`wrote schemas/${name}\n`);
}
const validators = path.join(root, 'src', 'contract', 'generated', 'wire-validators.ts');
mkdirSync(path.dirname(validators), { recursive: true });
writeFileSync(validators, wireValidatorsSource());
process.stdout.write(`wrote ${path.relative(root, validators)}\n`);
