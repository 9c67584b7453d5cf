/**
 * A small node:http API for the lifecycle, scope and detector suites, written once against either library:
 *   GET /orders    verify the bearer token → 200, or 401
 *   GET /admin     verify → 403 for everyone (the app's own decision)
 *   GET /refresh   verify, then issue a new token for the same subject → 200 with the new token
 *   GET /impersonate  verify, then issue a token for another subject → 200
 * Requests carry an X-Forwarded-For, so tests that trust loopback as a proxy can speak as many clients.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';

export function appFor({ library, jose, jwt, secret }) {
  const verify = async (token) => {
    if (library === 'jose') return (await jose.jwtVerify(token, secret, { algorithms: ['HS256'] })).payload;
    return jwt.verify(token, secret, { algorithms: ['HS256'] });
  };
  const sign = async (claims) => {
    if (library === 'jose') return new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    return jwt.sign(claims, secret, { algorithm: 'HS256' });
  };
  return { verify, sign };
}

export async function startApp(app) {
  const server = http.createServer(async (req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    let claims;
    try {
      claims = await app.verify(token);
    } catch {
      res.writeHead(401).end();
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    if (req.url === '/admin') res.writeHead(403).end();
    else if (req.url === '/refresh')
      res.writeHead(200).end(await app.sign({ sub: claims.sub, iat: now, exp: now + 900, jti: randomUUID() }));
    else if (req.url === '/impersonate')
      res
        .writeHead(200)
        .end(await app.sign({ sub: `${claims.sub}-other`, iat: now, exp: now + 900, jti: randomUUID() }));
    else res.writeHead(200).end('ok');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    /** Sends one request; resolves with the status and body once the response is read. */
    async get(path, token, address = '127.0.0.1') {
      const headers = { 'x-forwarded-for': address };
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
      return { status: response.status, body: await response.text() };
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Waits until `predicate()` holds (telemetry of a request is exported just after its response ends). */
export async function eventually(predicate, what, timeoutMs = 2000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = predicate();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
