// npm run schemas: writes schemas/ from the zod schemas of src/contract (a test fails when they are stale).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { schemaFiles } from '../src/contract/json-schemas.ts';

const dir = path.join(import.meta.dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(schemaFiles())) {
  writeFileSync(path.join(dir, name), text);
  process.stdout.write(`wrote schemas/${name}\n`);
}
