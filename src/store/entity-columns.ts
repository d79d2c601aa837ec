import { BigIntType, BooleanType, type EntitySchema, IntegerType, SmallIntType, StringType, TextType, UnderscoreNamingStrategy } from '@mikro-orm/core';
import type { BulkColumn } from './bulk-sql.ts';
import { DecimalString, JsonColumn, JsonTextColumn, TimestampString } from './column-types.ts';

// The write path's column lists come from the entities' MikroORM metadata: an entity is the one place a
// column is declared (docs/architecture.md, "One schema source").

/** What a column's values are, as the write path binds them and the read path turns them back into JS. */
export type ValueKind = 'text' | 'decimal' | 'timestamp' | 'json' | 'boolean' | 'integer';

/** A column of an entity's table, as the set-based SQL of the write path and the record readers use it. */
export interface EntityColumn extends BulkColumn {
  /** the entity's property */
  property: string;
  kind: ValueKind;
}

// The property types the entities use, most specific first (JsonTextColumn extends JsonColumn).
const TYPES: readonly { type: abstract new (...args: never[]) => unknown; kind: ValueKind; pgType: BulkColumn['pgType'] }[] = [
  { type: DecimalString, kind: 'decimal', pgType: 'numeric' },
  { type: TimestampString, kind: 'timestamp', pgType: 'timestamptz' },
  { type: JsonTextColumn, kind: 'json', pgType: 'json' },
  { type: JsonColumn, kind: 'json', pgType: 'jsonb' },
  { type: StringType, kind: 'text', pgType: 'text' },
  { type: TextType, kind: 'text', pgType: 'text' },
  { type: BooleanType, kind: 'boolean', pgType: 'boolean' },
  // a smallint column takes an integer value
  { type: SmallIntType, kind: 'integer', pgType: 'integer' },
  { type: IntegerType, kind: 'integer', pgType: 'integer' },
  { type: BigIntType, kind: 'integer', pgType: 'bigint' },
];

const naming = new UnderscoreNamingStrategy();

/** The column MikroORM names for a property that does not name its own: the property in snake_case. */
export const columnNameOf = (property: string): string => naming.propertyToColumnName(property);

/**
 * Every column an entity declares, in declaration order, but a generated (autoincrement) key: the columns
 * a row of the write path fills. A property of a type not in TYPES fails here, when the module loads.
 */
export function columnsOf(entity: EntitySchema): EntityColumn[] {
  return Object.entries(entity.meta.properties).flatMap(([property, prop]) => {
    if (prop.autoincrement) return [];
    // a type class, or an instance (p.bigint(mode) makes one)
    const type = typeof prop.type === 'function' ? (prop.type as unknown as { prototype: unknown; name: string }) : (prop.type as object).constructor;
    const known = TYPES.find((t) => type === t.type || type.prototype instanceof t.type);
    if (known === undefined) throw new Error(`${entity.meta.className}.${property}: a column type the write path does not know (${type.name})`);
    // a column named in the entity (`.fieldName()`) keeps its name; the rest are the property in snake_case, as MikroORM names them
    const name = (prop as { fieldName?: string }).fieldName ?? columnNameOf(property);
    return [{ name, property, kind: known.kind, pgType: known.pgType }];
  });
}
