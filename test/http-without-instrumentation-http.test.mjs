// Per-request outcomes on tokentrail's own server span when nothing else instruments the server.
import { runHttpSuite } from './support/http-suite.mjs';

await runHttpSuite({ withInstrumentationHttp: false });
