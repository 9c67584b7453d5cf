/**
 * A JSON Web Key Set endpoint on 127.0.0.1 that the tests steer: `rotate(keys)` changes the set it serves,
 * `fail(status)` makes it answer with an error status until `recover()`. It counts the requests it answered.
 */
import { createServer } from 'node:http';

export async function startJwksServer() {
  const state = { keys: [], status: 200, requests: 0 };
  const server = createServer((_req, res) => {
    state.requests += 1;
    if (state.status !== 200) {
      res.writeHead(state.status, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    get requests() {
      return state.requests;
    },
    rotate(keys) {
      state.keys = keys;
    },
    fail(status = 503) {
      state.status = status;
    },
    recover() {
      state.status = 200;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
