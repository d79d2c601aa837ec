import { type Platform, Type } from '@mikro-orm/core';

/** True for MikroORM's SQLite platform. */
export function isSqlitePlatform(platform: Platform): boolean {
  return platform.constructor.name.toLowerCase().includes('sqlite');
}

/**
 * Exact decimals: `numeric` on PostgreSQL (read back as a string with its scale), `text` on SQLite
 * (whose numeric affinity would turn "151.10" into the float 151.1).
 */
export class DecimalString extends Type<string | null, string | null> {
  override getColumnType(_prop: unknown, platform: Platform): string {
    return isSqlitePlatform(platform) ? 'text' : 'numeric';
  }
  override compareAsType(): string {
    return 'string';
  }
}

/**
 * Event and record times with microseconds: `timestamptz` on PostgreSQL, fixed-width ISO-8601 UTC
 * text on SQLite (string order is time order). The JS value is the normalized string.
 */
export class TimestampString extends Type<string | null, string | Date | null> {
  override getColumnType(_prop: unknown, platform: Platform): string {
    return isSqlitePlatform(platform) ? 'text' : 'timestamptz';
  }
  /** PostgreSQL: read as that text in SQL (to_char), for PostgreSQL's own text of a timestamptz is not RFC 3339 */
  override convertToJSValueSQL(key: string, platform: Platform): string {
    return isSqlitePlatform(platform) ? key : timestampTextSql(key);
  }
  override convertToJSValue(value: string | Date | null): string | null {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return `${value.toISOString().slice(0, 23)}000Z`;
    return value;
  }
  override compareAsType(): string {
    return 'string';
  }
}

/** A PostgreSQL timestamptz as the text the ledger stores and prints: RFC 3339 in UTC, six fraction digits. */
export function timestampTextSql(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** JSON kept as JSON: `jsonb` on PostgreSQL (queryable), `text` on SQLite. */
export class JsonColumn extends Type<unknown, string | null> {
  override getColumnType(_prop: unknown, platform: Platform): string {
    return isSqlitePlatform(platform) ? 'text' : 'jsonb';
  }
  override convertToDatabaseValue(value: unknown): string | null {
    return value === null || value === undefined ? null : JSON.stringify(value);
  }
  override convertToJSValue(value: unknown): unknown {
    return typeof value === 'string' ? JSON.parse(value) : value;
  }
  override compareAsType(): string {
    return 'string';
  }
}

/** JSON that is written and read whole, never queried: `json` on PostgreSQL (stored as text, cheaper to write than jsonb). */
export class JsonTextColumn extends JsonColumn {
  override getColumnType(_prop: unknown, platform: Platform): string {
    return isSqlitePlatform(platform) ? 'text' : 'json';
  }
}
