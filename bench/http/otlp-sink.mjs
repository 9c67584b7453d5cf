/**
 * An OTLP/HTTP endpoint for the HTTP benchmark's exporting configurations: reads each request, answers 200 at
 * once and keeps nothing (it counts the bytes). Prints its port.
 */
import { createServer } from 'node:http';

let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => {
  console.error(`otlp-sink: ${bytes} bytes received`);
  process.exit(0);
});
