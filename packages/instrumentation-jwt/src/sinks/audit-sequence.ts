/**
 * `jwt.audit.seq`: one counter per process for every audit log record (`jwt.<operation>` and `jwt.request`),
 * so a receiver can tell a gap (a lost or deleted record) from silence. With `service.instance.id` on the
 * resource it names each record uniquely.
 */
let last = 0;

export function nextAuditSeq(): number {
  last += 1;
  return last;
}
