import { describe, expect, it } from 'vitest';
import { withTestStore } from '../helpers/databases.ts';

describe('PostgreSQL migrations', () => {
  it('the migrated schema is exactly what the entities describe (no pending diff)', async () => {
    await withTestStore('postgresql', async (store) => {
      const diff = await store.orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    });
  });
});
