/** The audit trail's configuration: checkpoint interval and signing key, from config or the environment. */
import { PACKAGE_NAME } from '../version';
import { createCheckpointSigner, type CheckpointSigner } from './signing-key';

export const AUDIT_SIGNING_KEY_ENV = 'TOKENTRAIL_AUDIT_SIGNING_KEY';
export const AUDIT_CHECKPOINT_INTERVAL_ENV = 'TOKENTRAIL_AUDIT_CHECKPOINT_INTERVAL';
export const DEFAULT_CHECKPOINT_INTERVAL = 1000;

export interface AuditTrailSettings {
  /** A checkpoint after every this many records; 0 for checkpoints at shutdown only. */
  readonly checkpointInterval: number;
  readonly signer: CheckpointSigner | undefined;
}

function interval(
  configured: unknown,
  env: NodeJS.ProcessEnv,
  fail: (option: string, expected: string, got: unknown) => never,
): number {
  if (configured === undefined) {
    const text = env[AUDIT_CHECKPOINT_INTERVAL_ENV]?.trim();
    if (!text) return DEFAULT_CHECKPOINT_INTERVAL;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0)
      throw new TypeError(
        `${AUDIT_CHECKPOINT_INTERVAL_ENV} must be a whole number of records, 0 or more (got "${text}")`,
      );
    return value;
  }
  if (typeof configured !== 'number' || !Number.isSafeInteger(configured) || configured < 0)
    fail('auditCheckpointInterval', 'a whole number, 0 or more', configured);
  return configured;
}

export function auditTrailSettings(
  config: { auditCheckpointInterval?: unknown; auditSigningKey?: unknown },
  env: NodeJS.ProcessEnv,
  fail: (option: string, expected: string, got: unknown) => never,
): AuditTrailSettings {
  // A PEM in an environment file often has its line breaks written as `\n`.
  const fromEnv = env[AUDIT_SIGNING_KEY_ENV]?.replaceAll('\\n', '\n') || undefined;
  const key = config.auditSigningKey ?? fromEnv;
  const option =
    config.auditSigningKey !== undefined ? `${PACKAGE_NAME}: config.auditSigningKey` : AUDIT_SIGNING_KEY_ENV;
  return {
    checkpointInterval: interval(config.auditCheckpointInterval, env, fail),
    signer: key === undefined ? undefined : createCheckpointSigner(key, option),
  };
}
