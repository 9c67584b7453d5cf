/** `jwt.alert.name`: the misuse detectors, each documented in docs/detectors.md. */
export const DETECTORS = [
  'token_replay_multi_ip',
  'token_hammering',
  'failure_burst',
  'reissue_storm',
  'revoked_token_used',
] as const;
export type DetectorName = (typeof DETECTORS)[number];
