/**
 * Every library adapter, in one list: the module definitions the instrumentation registers, the per-library
 * configuration options the settings read, `wrapModule()`'s libraries and the supported-versions table the
 * docs test checks all derive from it. A new library is its adapter (with its error table), one entry here,
 * its option in `JwtInstrumentationConfig` and its row in the README.
 */
import type { LibraryAdapter } from './contract';
import { fastJwtAdapter } from './fast-jwt';
import { honoAdapter } from './hono';
import { joseAdapter } from './jose';
import { jsonwebtokenAdapter } from './jsonwebtoken';
import { jwksRsaAdapter } from './jwks-rsa';

export const ADAPTERS: readonly LibraryAdapter[] = [
  joseAdapter,
  jsonwebtokenAdapter,
  fastJwtAdapter,
  honoAdapter,
  jwksRsaAdapter,
];
