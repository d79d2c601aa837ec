import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { ErrorCode, LedgerError } from '../errors.ts';

/** Throws a FileUnreadable error naming the file when it cannot be read as a regular file; else gives its size in bytes. */
export async function assertReadableFile(file: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a regular file');
    await access(file, constants.R_OK);
    return s.size;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
    throw new LedgerError(ErrorCode.FileUnreadable, `cannot read ${file}: ${why}`, { cause });
  }
}
