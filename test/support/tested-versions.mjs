/**
 * Every supported range, and the versions it is tested at: the lowest and the highest release in the range,
 * installed side by side in test/package.json (the highest under its own name, the others under npm aliases
 * such as `"jose-6-lowest": "npm:jose@6.0.0"`). test/versions.test.mjs runs each one under its real name;
 * test/docs.test.mjs holds the supported-versions tables of the package README to this list.
 *
 * `scenario` is what the child app does with it (test/fixtures/versions-app.mjs); `library` the `jwt.library`
 * its verifies are recorded under.
 */
const at = (install, version) => ({ install, version });

export const TESTED_LIBRARIES = [
  {
    package: 'jose',
    range: '>=4.15.0 <5',
    tested: [at('jose-4-lowest', '4.15.0'), at('jose-4-highest', '4.15.9')],
    scenario: 'jose',
    library: 'jose',
  },
  {
    package: 'jose',
    range: '>=6.0.0 <7',
    tested: [at('jose-6-lowest', '6.0.0'), at('jose', '6.2.18')],
    scenario: 'jose',
    library: 'jose',
  },
  {
    package: 'jsonwebtoken',
    range: '>=9.0.0 <10',
    tested: [at('jsonwebtoken-lowest', '9.0.0'), at('jsonwebtoken', '9.0.3')],
    scenario: 'jsonwebtoken',
    library: 'jsonwebtoken',
  },
  {
    package: 'fast-jwt',
    range: '>=6.0.0 <7',
    tested: [at('fast-jwt-lowest', '6.0.0'), at('fast-jwt', '6.3.6')],
    scenario: 'fast-jwt',
    library: 'fast-jwt',
  },
  {
    package: 'hono',
    range: '>=4.0.0 <5',
    tested: [at('hono-lowest', '4.0.0'), at('hono', '4.13.19')],
    scenario: 'hono',
    library: 'hono',
  },
  // Through require(): hono's CommonJS build defines its exports as getters that cannot be wrapped before 4.13.10.
  {
    package: 'hono',
    range: '>=4.13.10 <5',
    tested: [at('hono-require-lowest', '4.13.10'), at('hono', '4.13.19')],
    scenario: 'hono-require',
    library: 'hono',
  },
  {
    package: 'jwks-rsa',
    range: '>=4.0.0 <5',
    tested: [at('jwks-rsa-lowest', '4.0.0'), at('jwks-rsa', '4.1.0')],
    scenario: 'jwks-rsa',
    library: 'jwks-rsa',
  },
];

export const TESTED_MIDDLEWARES = [
  {
    package: 'express-jwt',
    range: '>=8.0.0 <9',
    tested: [at('express-jwt-lowest', '8.0.0'), at('express-jwt', '8.5.1')],
    scenario: 'express-jwt',
    library: 'jsonwebtoken',
  },
  // Earlier releases of these two depend on jsonwebtoken 8, which is not recorded: the range is one release.
  {
    package: 'passport-jwt',
    range: '>=4.0.1 <5',
    tested: [at('passport-jwt', '4.0.1')],
    scenario: 'passport-jwt',
    library: 'jsonwebtoken',
  },
  {
    package: 'koa-jwt',
    range: '>=4.0.4 <5',
    tested: [at('koa-jwt', '4.0.4')],
    scenario: 'koa-jwt',
    library: 'jsonwebtoken',
  },
  {
    package: '@fastify/jwt',
    range: '>=10.0.0 <11',
    tested: [at('fastify-jwt-lowest', '10.0.0'), at('@fastify/jwt', '10.2.8')],
    scenario: '@fastify/jwt',
    library: 'fast-jwt',
  },
  // 1.7.1 is the first release whose engines include both Node 22 and 24.
  {
    package: 'express-oauth2-jwt-bearer',
    range: '>=1.7.1 <2',
    tested: [at('express-oauth2-jwt-bearer-lowest', '1.7.1'), at('express-oauth2-jwt-bearer', '1.10.0')],
    scenario: 'express-oauth2-jwt-bearer',
    library: 'jose',
  },
  // The app reaches hono through require(): see the hono-require row above.
  {
    package: 'hono',
    range: '>=4.13.10 <5',
    tested: [at('hono-require-lowest', '4.13.10'), at('hono', '4.13.19')],
    scenario: 'hono/jwt',
    library: 'hono',
  },
];
