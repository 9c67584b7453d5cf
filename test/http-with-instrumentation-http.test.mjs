// Per-request outcomes on instrumentation-http's server span (see support/http-suite.mjs).
import { runHttpSuite } from './support/http-suite.mjs';

await runHttpSuite({ withInstrumentationHttp: true });
