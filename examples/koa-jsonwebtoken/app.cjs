/**
 * Orders API: koa 3 + jsonwebtoken, HS256 (CommonJS).
 *
 *   POST /login     ?sub=...&expiresIn=600   → a token (demo issuer)
 *   GET  /orders    verifies the bearer token → 200 / 401
 *   GET  /profile   only decodes the token    → 200
 *
 * Start: node --require @tokentrail/register app.cjs   (JWT_SECRET, default random; PORT, default any free port)
 */
const crypto = require('node:crypto');
const Koa = require('koa');
const jwt = require('jsonwebtoken');

const secret = process.env.JWT_SECRET ?? crypto.randomBytes(32).toString('hex');
const ISSUER = 'https://idp.orders.example';

const app = new Koa();
app.use(async (ctx) => {
  const header = ctx.get('authorization');
  const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
  if (ctx.method === 'POST' && ctx.path === '/login') {
    const expiresIn = Number(ctx.query.expiresIn ?? 600);
    const claims = {
      sub: String(ctx.query.sub ?? 'demo-user'),
      iss: ISSUER,
      exp: Math.floor(Date.now() / 1000) + expiresIn,
    };
    ctx.body = { token: jwt.sign(claims, secret, { algorithm: 'HS256', jwtid: crypto.randomUUID() }) };
    return;
  }
  if (ctx.path === '/profile') {
    ctx.status = token ? 200 : 401;
    if (token) ctx.body = { sub: jwt.decode(token)?.sub };
    return;
  }
  if (ctx.path === '/orders') {
    try {
      const claims = await new Promise((resolve, reject) =>
        jwt.verify(token ?? '', secret, { algorithms: ['HS256'], issuer: ISSUER }, (err, decoded) =>
          err ? reject(err) : resolve(decoded),
        ),
      );
      ctx.body = { owner: claims.sub, orders: [] };
    } catch {
      ctx.status = 401;
    }
    return;
  }
  ctx.status = 404;
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
});
