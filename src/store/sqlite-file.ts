import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, LedgerError } from '../errors.ts';

// A SQLite file in WAL mode read where its -shm file cannot be created (a read-only directory): its bytes,
// read into memory and marked as a rollback-journal database (open-store.ts, openSqliteToRead).

/** Files above this size are not read into memory when they cannot be opened in place. */
const MAX_IN_MEMORY_COPY_BYTES = 1024 ** 3;

/** Whether a SQLite file is in WAL mode (file format versions 2 in its header); false when it cannot be read. */
export function isWalFile(file: string): boolean {
  const header = Buffer.alloc(20);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    readSync(fd, header, 0, header.length, 0);
    return header[18] === 2 && header[19] === 2;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The bytes of a SQLite file in WAL mode, marked as a rollback-journal database so that SQLite opens them in memory. */
export function inMemoryCopyOf(file: string): Buffer {
  let bytes: Buffer;
  try {
    if (statSync(file).size > MAX_IN_MEMORY_COPY_BYTES) throw new Error(`larger than ${MAX_IN_MEMORY_COPY_BYTES} bytes`);
    bytes = readFileSync(file);
  } catch (cause) {
    throw new LedgerError(ErrorCode.DatabaseUnavailable, `cannot read SQLite database ${file}: SQLite cannot create ${path.basename(file)}-shm beside it, and the file cannot be read into memory instead`, { cause });
  }
  // bytes 18 and 19 of the header: the file format's write and read versions, 2 for WAL, 1 for rollback
  bytes[18] = 1;
  bytes[19] = 1;
  return bytes;
}
