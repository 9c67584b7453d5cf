/** The identity a library gives its error, for `error.type`: its stable `code`, else its class name. */
const MAX_ERROR_TYPE_LENGTH = 64;

export function errorTypeOf(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code) return code.slice(0, MAX_ERROR_TYPE_LENGTH);
    if (typeof name === 'string' && name) return name.slice(0, MAX_ERROR_TYPE_LENGTH);
  }
  return 'Error';
}

/** The error's message, for classification only: it may echo token content and is never exported. */
export function messageOf(error: unknown): string {
  const message = error !== null && typeof error === 'object' ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : '';
}
