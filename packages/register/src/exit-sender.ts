/**
 * The exit path's child process: reads `{ deadline, requests: [{ target, contentType, body }] }` (body in
 * base64) on stdin, POSTs every request at once, and prints `<index> ok|retry|rejected` per answer as it comes,
 * so what was printed before a kill at the deadline still counts. Started with `spawnSync` from the `exit`
 * event, where the parent can no longer do I/O of its own.
 */
import { readFileSync } from 'node:fs';
import { holdOpen, postOtlp, type OtlpTarget } from './otlp-post';

interface SenderInput {
  readonly deadline: number;
  readonly requests: readonly { readonly target: OtlpTarget; readonly contentType: string; readonly body: string }[];
}

const { deadline, requests } = JSON.parse(readFileSync(0, 'utf8')) as SenderInput;
holdOpen();
for (const [index, { target, contentType, body }] of requests.entries()) {
  void postOtlp(target, Buffer.from(body, 'base64'), contentType, Math.max(1, deadline - Date.now())).then(
    (outcome) => {
      const verdict = outcome.acknowledged ? 'ok' : outcome.retryable ? 'retry' : 'rejected';
      process.stdout.write(`${index} ${verdict}\n`);
    },
  );
}
