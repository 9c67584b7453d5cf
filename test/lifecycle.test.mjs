/**
 * Token lifecycle with the real jose and jsonwebtoken, a real node:http server and the real SDK: issuance
 * (lifetime, jti, subject, fingerprint), refresh inside an authenticated request (linked to the token it
 * replaced), and an issuance that is not a refresh.
 */
import './support/esm-hook.mjs';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { JwtInstrumentation } from '@tokentrail/instrumentation-jwt';
import { setupTelemetry } from './support/telemetry.mjs';
import { PERSONAL, PSEUDONYM_KEY, nowSeconds, pseudonym, registeredSecret } from './support/jwt-fixtures.mjs';
import { run } from './support/insight.mjs';
import { appFor, eventually, startApp } from './support/insight-app.mjs';

const telemetry = setupTelemetry();
new JwtInstrumentation({ pseudonymKey: PSEUDONYM_KEY });
const jose = await import('jose');
const jwt = createRequire(import.meta.url)('jsonwebtoken');
const secret = registeredSecret(telemetry);
telemetry.leaks.register(PERSONAL.sub, 'raw sub');

for (const library of ['jose', 'jsonwebtoken']) {
  describe(`${library}`, () => {
    const app = appFor({ library, jose, jwt, secret });
    let server;
    before(async () => {
      server = await startApp(app);
    });
    after(() => server.close());

    test('an issuance records jwt.lifecycle issued, its lifetime, jti, subject and fingerprint', async () => {
      const jti = randomUUID();
      const iat = nowSeconds();
      const { value, span, logRecord } = await run(
        telemetry,
        () => app.sign({ sub: PERSONAL.sub, iat, exp: iat + 900, jti }),
        { operation: 'sign' },
      );
      telemetry.leaks.registerToken(value);
      for (const attributes of [span.attributes, logRecord.attributes]) {
        assert.equal(attributes['jwt.lifecycle'], 'issued');
        assert.equal(attributes['jwt.token.lifetime'], 900);
        assert.equal(attributes['jwt.claims.jti'], jti);
        assert.equal(attributes['enduser.pseudo.id'], pseudonym(PERSONAL.sub));
        assert.equal(attributes['jwt.token.fingerprint'], pseudonym(value));
        assert.equal(attributes['jwt.token.previous_fingerprint'], undefined);
      }
    });

    test('a token issued in a request authenticated by a valid token of the same subject is a refresh, linked to it', async () => {
      const old = await app.sign({ sub: PERSONAL.sub, iat: nowSeconds(), exp: nowSeconds() + 300, jti: randomUUID() });
      telemetry.leaks.registerToken(old);
      telemetry.reset();
      const { status, body } = await server.get('/refresh', old);
      assert.equal(status, 200);
      telemetry.leaks.registerToken(body);
      const sign = await eventually(() => telemetry.spans().find((s) => s.name === 'jwt.sign'), 'the jwt.sign span');
      assert.equal(sign.attributes['jwt.lifecycle'], 'refreshed');
      assert.equal(sign.attributes['jwt.token.previous_fingerprint'], pseudonym(old));
      assert.equal(sign.attributes['jwt.token.fingerprint'], pseudonym(body));
      assert.equal(sign.attributes['jwt.token.lifetime'], 900);
      const record = telemetry.logRecords().find((r) => r.eventName === 'jwt.sign');
      assert.equal(record.attributes['jwt.token.previous_fingerprint'], pseudonym(old));
    });

    test('a token issued in an authenticated request for another subject, or outside any request, is issued, not refreshed', async () => {
      const token = await app.sign({
        sub: PERSONAL.sub,
        iat: nowSeconds(),
        exp: nowSeconds() + 300,
        jti: randomUUID(),
      });
      telemetry.leaks.registerToken(token);
      telemetry.reset();
      const { status, body } = await server.get('/impersonate', token);
      assert.equal(status, 200);
      telemetry.leaks.registerToken(body);
      const sign = await eventually(() => telemetry.spans().find((s) => s.name === 'jwt.sign'), 'the jwt.sign span');
      assert.equal(sign.attributes['jwt.lifecycle'], 'issued');
      assert.equal(sign.attributes['jwt.token.previous_fingerprint'], undefined);
    });
  });
}
