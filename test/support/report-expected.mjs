/**
 * What `tokentrail report --json` must say about the report scenario (report-scenario.mjs), derived from the
 * scenario's own log of requests and issued tokens — never read back from the trail.
 */
import { pseudonym } from './jwt-fixtures.mjs';
import { PSEUDONYM_KEY, REPLAY_ADDRESSES, SERVICE } from './report-scenario.mjs';

const count = (list, key) => {
  const counts = new Map();
  for (const item of list) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};
/** Rows in a canonical order, to compare ranked tables whatever the order of ties. */
export const canonicalRows = (rows) => rows.map((row) => JSON.stringify(row)).sort();

export function expectedReport(scenario, { from = -Infinity } = {}) {
  const user = (name) => pseudonym(scenario.subs[name], PSEUDONYM_KEY);
  const fp = (token) => pseudonym(token, PSEUDONYM_KEY);
  const requests = scenario.requests.filter((r) => r.at >= from);
  const signs = scenario.signs;
  const valid = requests.filter((r) => r.outcome === 'valid');
  const kidOf = new Map(signs.map((s) => [s.token, s.kid]));
  kidOf.set(scenario.tokens.bobTampered, 'k-new');
  const refused = requests.filter((r) => r.authz === 'rejected' || r.authz === 'denied');
  // How many times the app verified the request's token. A request that verified it once carries that verify
  // in its jwt.request record; one that verified it more often leaves a jwt.verify record for each.
  const verifiesOf = (r) => r.verifies ?? (r.path === '/profile' ? 0 : 1);
  const ownVerifyRecords = requests.filter((r) => verifiesOf(r) > 1).reduce((sum, r) => sum + verifiesOf(r), 0);
  /** Each verify the requests made, as the request it was made for. */
  const verifies = requests.flatMap((r) => Array.from({ length: verifiesOf(r) }, () => r));
  const revokedUses = verifies.filter((r) => r.verifyFindings.includes('revoked_token_accepted'));
  const replayAlerts = REPLAY_ADDRESSES.length > 5 ? 1 : 0;
  const findingsOf = [
    ...signs.flatMap((s) => s.findings),
    ...requests.flatMap((r) => r.findings),
    ...verifies.flatMap((r) => r.verifyFindings),
  ];
  const findingCounts = count(findingsOf, (f) => f);
  const severity = {
    revoked_token_accepted: 'critical',
    unverified_bearer: 'critical',
    scope_insufficient: 'critical',
    lifetime_too_long: 'medium',
    missing_jti: 'low',
  };
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const [finding, n] of findingCounts) bySeverity[severity[finding]] += n;
  const weak = verifies.filter(
    (r) => r.outcome === 'valid' && r.verifyFindings.some((f) => f === 'lifetime_too_long' || f === 'missing_jti'),
  );
  const refreshes = signs.filter((s) => s.step === 'refreshed');
  // A decode of the request's token is told by its jwt.request record; it has a jwt.decode record of its own only
  // when it raised findings (the scenario lists them as decodeFindings) or failed.
  const decodes = requests.filter((r) => (r.decodeFindings ?? []).length > 0).length;
  const auditRecords = signs.length + ownVerifyRecords + decodes + requests.length + 1 + 1 + replayAlerts;
  const keys = ['k-old', 'k-new'].map((kid) => ({
    kid,
    signs: signs.filter((s) => s.kid === kid).length,
    verifies: verifies.filter((r) => kidOf.get(r.token) === kid).length,
  }));
  return {
    q1: {
      accesses: valid.length,
      byRoute: [...count(valid, (r) => r.path)].map(([route, accesses]) => ({ route, accesses })),
      byUser: [...count(valid, (r) => user(r.user))].map(([u, accesses]) => ({ user: u, accesses })),
      byRouteAndUser: [...count(valid, (r) => `${r.path} ${r.user}`)].map(([key, accesses]) => ({
        route: key.split(' ')[0],
        user: user(key.split(' ')[1]),
        accesses,
      })),
    },
    q2: {
      requests: requests.length,
      outcomes: {
        valid: valid.length,
        invalid: requests.filter((r) => r.outcome === 'invalid').length,
        unverified: requests.filter((r) => r.outcome === 'unverified').length,
      },
      reasons: [
        ...count(
          requests.filter((r) => r.outcome === 'invalid'),
          (r) => `${r.reason} ${r.claim ?? ''}`,
        ),
      ].map(([key, n]) => ({ reason: key.split(' ')[0], claim: key.split(' ')[1] || null, requests: n })),
    },
    q3: {
      rejected: refused.filter((r) => r.authz === 'rejected').length,
      denied: refused.filter((r) => r.authz === 'denied').length,
      clients: [...count(refused, (r) => r.client)]
        .filter(([, n]) => n >= 3)
        .map(([client, total]) => ({
          client,
          rejected: refused.filter((r) => r.client === client && r.authz === 'rejected').length,
          denied: refused.filter((r) => r.client === client && r.authz === 'denied').length,
          total,
        })),
    },
    q4: {
      issued: signs.filter((s) => s.step === 'issued').length,
      refreshed: refreshes.length,
      shortestSeconds: Math.min(...signs.map((s) => s.lifetime)),
      longestSeconds: Math.max(...signs.map((s) => s.lifetime)),
      lifetimes: [300, 900, 3600, 86400, 30 * 86400, Infinity].map(
        (upTo, i, all) => signs.filter((s) => s.lifetime <= upTo && (i === 0 || s.lifetime > all[i - 1])).length,
      ),
      byUser: [...count(signs, (s) => s.user)].map(([name]) => ({
        user: user(name),
        issued: signs.filter((s) => s.user === name && s.step === 'issued').length,
        refreshed: signs.filter((s) => s.user === name && s.step === 'refreshed').length,
      })),
    },
    q5: {
      revoked: 1,
      reasons: { logout: 1, password_change: 0, compromised: 0, admin: 0, rotation: 0, other: 0 },
      rows: [{ fingerprint: fp(scenario.tokens.alice3), reason: 'logout', actor: user('alice') }],
    },
    q6: {
      accepted: revokedUses.length,
      alerts: revokedUses.length > 0 ? 1 : 0,
      tokens: [...count(revokedUses, (r) => fp(r.token))].map(([fingerprint, uses]) => ({ fingerprint, uses })),
    },
    q7: {
      served: requests.filter((r) => r.findings.includes('unverified_bearer')).length,
      byRoute: [
        ...count(
          requests.filter((r) => r.findings.includes('unverified_bearer')),
          (r) => r.path,
        ),
      ].map(([route, n]) => ({ route, requests: n })),
    },
    q8: {
      insufficient: requests.filter((r) => r.findings.includes('scope_insufficient')).length,
      deniedDespiteGrant: 0,
      byRouteAndUser: requests
        .filter((r) => r.findings.includes('scope_insufficient'))
        .map((r) => ({ route: r.path, user: user(r.user), insufficient: 1, deniedDespiteGrant: 0 })),
    },
    q9: {
      alerts: replayAlerts + (revokedUses.length > 0 ? 1 : 0),
      byName: {
        token_replay_multi_ip: replayAlerts,
        token_hammering: 0,
        failure_burst: 0,
        reissue_storm: 0,
        revoked_token_used: revokedUses.length > 0 ? 1 : 0,
      },
      rows: [
        {
          name: 'revoked_token_used',
          fingerprint: fp(scenario.tokens.alice3),
          user: user('alice'),
          count: 1,
          threshold: 0,
          windowSeconds: 300,
        },
        {
          name: 'token_replay_multi_ip',
          fingerprint: fp(scenario.tokens.dave),
          user: user('dave'),
          count: REPLAY_ADDRESSES.length,
          threshold: 5,
          windowSeconds: 300,
        },
      ],
    },
    q10: {
      findings: findingsOf.length,
      bySeverity,
      byName: [...findingCounts].map(([finding, n]) => ({ finding, severity: severity[finding], count: n })),
      tokens: [...count(weak, (r) => r.token)].map(([token, uses]) => ({
        fingerprint: fp(token),
        uses,
        findings: ['lifetime_too_long', 'missing_jti'],
      })),
    },
    q11: {
      verified: true,
      streams: 1,
      records: auditRecords + Math.floor(auditRecords / 25) + 1,
      problems: 0,
      byKind: {},
    },
    q12: {
      refreshes: refreshes.length,
      sessions: 1,
      longest: refreshes.length + 1,
      chains: [{ user: user('alice'), tokens: 3, first: fp(scenario.tokens.alice1), last: fp(scenario.tokens.alice3) }],
    },
    q13: {
      rotations: 0,
      keys: keys.map((k) => ({
        service: SERVICE,
        kid: k.kid,
        signs: k.signs,
        verifies: k.verifies,
        uses: k.signs + k.verifies,
      })),
    },
    byEvent: {
      'jwt.sign': signs.length,
      ...(ownVerifyRecords > 0 ? { 'jwt.verify': ownVerifyRecords } : {}),
      ...(decodes > 0 ? { 'jwt.decode': decodes } : {}),
      'jwt.request': requests.length,
      'jwt.revoke': 1,
      'jwt.alert': replayAlerts + 1,
    },
  };
}
