// Lets InstrumentationBase see ES modules (jose is ESM-only): registers import-in-the-middle's loader hook.
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
