// Errors thrown by nosigbus carry a stable `code` (ERR_NOSIGBUS_*); errors
// from a system call also carry `errno`, `sysCode` ("EBADF") and `syscall`.

export type NosigbusErrorCode =
  | 'ERR_NOSIGBUS_BAD_ARGUMENT'
  | 'ERR_NOSIGBUS_BAD_FD'
  | 'ERR_NOSIGBUS_NOT_MAPPABLE'
  | 'ERR_NOSIGBUS_ACCESS'
  | 'ERR_NOSIGBUS_BAD_LENGTH'
  | 'ERR_NOSIGBUS_BAD_OFFSET'
  | 'ERR_NOSIGBUS_BAD_RANGE'
  | 'ERR_NOSIGBUS_NO_MEMORY'
  | 'ERR_NOSIGBUS_NO_MAPPINGS'
  | 'ERR_NOSIGBUS_NO_FDS'
  | 'ERR_NOSIGBUS_MAP_FAILED'
  | 'ERR_NOSIGBUS_CLOSED'
  | 'ERR_NOSIGBUS_NO_EXTERNAL_BUFFERS'
  | 'ERR_NOSIGBUS_MEMFD'
  | 'ERR_NOSIGBUS_INTERNAL';

export interface NosigbusError extends Error {
  code: NosigbusErrorCode;
  errno?: number;
  sysCode?: string;
  syscall?: string;
}

export function nosigbusError(code: NosigbusErrorCode, message: string): NosigbusError {
  const error = new Error(message) as NosigbusError;
  error.code = code;
  return error;
}

export function isNosigbusError(e: unknown): e is NosigbusError {
  const code: unknown = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_NOSIGBUS_');
}
