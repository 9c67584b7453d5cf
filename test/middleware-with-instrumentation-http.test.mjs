// JWT middlewares over real servers, under instrumentation-http (see support/middleware-suite.mjs).
import { runMiddlewareSuite } from './support/middleware-suite.mjs';

await runMiddlewareSuite({ withInstrumentationHttp: true });
