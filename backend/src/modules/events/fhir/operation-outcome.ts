import type { FieldProblem } from '../../../platform/errors/index.js';
import type { ChangeOutcome, EntryFailure } from '../inbound/ehr-change.js';

export type IssueCode = 'invalid' | 'structure' | 'required' | 'value' | 'not-supported' | 'not-found' | 'processing' | 'informational' | 'exception';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: { severity: 'fatal' | 'error' | 'warning' | 'information'; code: IssueCode; diagnostics: string; expression?: string[] }[];
}

/** An OperationOutcome whose issues name the element (FHIRPath) and the rule, never a value. */
export function operationOutcome(severity: 'error' | 'warning' | 'information', code: IssueCode, problems: FieldProblem[], summary?: string): OperationOutcome {
  const issue: OperationOutcome['issue'] = problems.map((p) => ({
    severity,
    code,
    diagnostics: `${p.field}: ${p.message}`,
    ...(p.field && p.field !== '$' ? { expression: [p.field] } : {}),
  }));
  if (summary)
    issue.unshift({ severity: severity === 'error' ? 'error' : 'information', code: severity === 'error' ? code : 'informational', diagnostics: summary });
  if (issue.length === 0) issue.push({ severity: 'information', code: 'informational', diagnostics: 'processed' });
  return { resourceType: 'OperationOutcome', issue };
}

/** The response entry of one bundle entry (batch-response / transaction-response). */
export function responseEntry(outcome: ChangeOutcome | EntryFailure | undefined, skipped: boolean) {
  if (!outcome)
    return { response: { status: '200 OK', outcome: operationOutcome('information', 'informational', [], skipped ? 'nothing to map: skipped' : 'processed') } };
  if ('status' in outcome && (outcome.status === 'rejected' || outcome.status === 'dead_letter'))
    return {
      response: {
        status: outcome.status === 'rejected' ? '400 Bad Request' : '422 Unprocessable Entity',
        outcome: operationOutcome('error', outcome.status === 'rejected' ? 'invalid' : 'processing', outcome.problems),
      },
    };
  const o = outcome as ChangeOutcome;
  if (o.status === 'failed') return { response: { status: '422 Unprocessable Entity', outcome: operationOutcome('error', 'processing', o.problems) } };
  return {
    response: {
      status: o.contactStatus === 'created' ? '201 Created' : '200 OK',
      outcome: operationOutcome(
        'information',
        'informational',
        o.problems.map((p) => ({ ...p, message: p.message })),
        `${o.label}: contact ${o.contactStatus ?? 'unchanged'}, ${o.events} event(s)`,
      ),
    },
  };
}
