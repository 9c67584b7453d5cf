/**
 * The scope policy over a real node:http server with the real jose and jsonwebtoken: scope_insufficient when a
 * token without the route's scope is served 2xx, scope_denied_despite_grant when a token with the route's role
 * gets a 403, and neither in the two sound cases.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, registeredSecret } from './support/jwt-fixtures.mjs';
import { counterValue } from './support/insight.mjs';
import { appFor, eventually, startApp } from './support/insight-app.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({
  pseudonymKey: PSEUDONYM_KEY,
  scopePolicy: { 'GET /orders': { scopes: ['orders:read'] }, '/admin': { roles: ['admin'] } },
});
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = registeredSecret(telemetry);
telemetry.leaks.register(PERSONAL.sub, 'raw sub');

for (const library of ['jose', 'jsonwebtoken']) {
  describe(library, () => {
    const app = appFor({ library, jose, jwt, secret });
    let server;
    before(async () => {
      server = await startApp(app);
    });
    after(() => server.close());

    async function audited(path, claims) {
      const token = await app.sign({
        sub: PERSONAL.sub,
        iat: nowSeconds(),
        exp: nowSeconds() + 600,
        jti: randomUUID(),
        ...claims,
      });
      telemetry.leaks.registerToken(token);
      telemetry.reset();
      const { status } = await server.get(path, token);
      const record = await eventually(
        () => telemetry.logRecords().find((r) => r.eventName === 'jwt.request'),
        'the jwt.request record',
      );
      const span = await eventually(() => telemetry.spans().find((s) => s.kind === SpanKind.SERVER), 'the server span');
      assert.deepEqual(
        span.attributes['jwt.findings'],
        record.attributes['jwt.findings'],
        'the server span and the record agree',
      );
      // The request's own findings; the token's (aud_not_checked, …) come with the verify the record carries.
      const findings = (record.attributes['jwt.findings'] ?? []).filter(
        (f) => f.startsWith('scope_') || f === 'unverified_bearer',
      );
      return { status, findings, record };
    }

    test("scope_insufficient: served 200 without the route's scope; not raised with it", async () => {
      const before = await counterValue(telemetry, 'jwt.findings', {
        'jwt.finding.name': 'scope_insufficient',
        'jwt.finding.severity': 'critical',
      });
      const lacking = await audited('/orders', { scope: 'profile:read' });
      assert.equal(lacking.status, 200, 'the application decided, tokentrail only records');
      assert.deepEqual(lacking.findings, ['scope_insufficient']);
      assert.equal(lacking.record.severityText, 'WARN');
      assert.equal(
        await counterValue(telemetry, 'jwt.findings', {
          'jwt.finding.name': 'scope_insufficient',
          'jwt.finding.severity': 'critical',
        }),
        before + 1,
      );
      const granted = await audited('/orders', { scope: 'profile:read orders:read' });
      assert.deepEqual(granted.findings, []);
    });

    test("scope_denied_despite_grant: a 403 for a token with the route's role; not raised without it", async () => {
      const granted = await audited('/admin', { roles: ['admin'] });
      assert.equal(granted.status, 403);
      assert.deepEqual(granted.findings, ['scope_denied_despite_grant']);
      const lacking = await audited('/admin', { roles: ['reader'] });
      assert.equal(lacking.status, 403);
      assert.deepEqual(lacking.findings, [], 'a correct denial');
    });

    test('a route outside the policy raises no scope finding', async () => {
      const other = await audited('/refresh', { scope: 'profile:read' });
      assert.deepEqual(other.findings, []);
    });
  });
}
