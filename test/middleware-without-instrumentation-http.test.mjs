// JWT middlewares over real servers, tokentrail's own server span (see support/middleware-suite.mjs).
import { runMiddlewareSuite } from './support/middleware-suite.mjs';

await runMiddlewareSuite({ withInstrumentationHttp: false });
