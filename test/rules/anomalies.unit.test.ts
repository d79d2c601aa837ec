// docs/decisions.md "Choices where the contract is silent", Anomalies, and contract section 3 ("facts that
// contradict the usual lifecycle ... are applied, and ... carry an anomaly note"): each of the seven
// anomalies is raised by a minimal set of events and not by a near miss, and the record lists them in
// docs/decisions.md's order. Pinned elsewhere: test/fold/fold-signal.unit.test.ts raises duplicate_details
// (different times), fill_after_rejection with fill_without_submission, and outcome_after_completion;
// the near misses and the list order are pinned only here. The audit entry that introduced one is in
// anomalies.int.test.ts.
import { describe, expect, it } from 'vitest';
import type { OrderFilled, SignalEvent } from '../../src/contract/index.ts';
import { Anomaly, foldSignal } from '../../src/fold/index.ts';
import { filled, generated, outcome, risk, submitted, t } from '../helpers/events.ts';

const S = 'sig-anomaly';
const g = generated(S, t('1'), {}, 'gen-1');

interface Case {
  anomaly: string;
  raised: SignalEvent[];
  /** the anomalies the minimal set gives, in the record's order */
  raisedList: string[];
  nearMiss: [string, SignalEvent[]][];
}

const apiExecution = (at: string): SignalEvent => ({ ...(filled(S, at, '150', '100', { eventId: 'api-1' }) as OrderFilled), orderId: null, origin: 'api', completes: true });

const CASES: Case[] = [
  {
    anomaly: 'duplicate_details',
    raised: [g, generated(S, t('1'), {}, 'gen-2')],
    raisedList: ['duplicate_details'],
    nearMiss: [['the same signal-generated event delivered twice', [g, g]]],
  },
  {
    anomaly: 'fill_after_rejection',
    raised: [g, risk(S, t('2'), false), submitted(S, t('3')), filled(S, t('4'), '150', '10')],
    raisedList: ['fill_after_rejection', 'submission_after_rejection'],
    nearMiss: [
      ['a fill after a pass', [g, risk(S, t('2'), true), submitted(S, t('3')), filled(S, t('4'), '150', '10')]],
      ['a fill after a rejection that a later pass replaced', [g, risk(S, t('2'), false), risk(S, t('3'), true), submitted(S, t('3')), filled(S, t('4'), '150', '10')]],
    ],
  },
  {
    anomaly: 'fill_without_submission',
    raised: [g, filled(S, t('4'), '150', '10')],
    raisedList: ['fill_without_submission'],
    nearMiss: [
      ['a fill with a submission', [g, submitted(S, t('3')), filled(S, t('4'), '150', '10')]],
      // docs/fold-rules.md's example: passed_risk, then executed through the API, with no submission
      ['an execution recorded through the API', [g, risk(S, t('2'), true), apiExecution(t('4'))]],
    ],
  },
  {
    anomaly: 'submission_after_rejection',
    raised: [g, risk(S, t('2'), false), submitted(S, t('3'))],
    raisedList: ['submission_after_rejection'],
    nearMiss: [['a submission after a pass', [g, risk(S, t('2'), true), submitted(S, t('3'))]]],
  },
  {
    anomaly: 'conflicting_fill',
    raised: [g, submitted(S, t('2')), filled(S, t('3'), '150', '10', { fillId: 'f-1', eventId: 'fill-a' }), filled(S, t('4'), '151', '10', { fillId: 'f-1', eventId: 'fill-b' })],
    raisedList: ['conflicting_fill'],
    nearMiss: [['the same fill_id on another order', [g, submitted(S, t('2')), filled(S, t('3'), '150', '10', { fillId: 'f-1', eventId: 'fill-a' }), filled(S, t('4'), '151', '10', { orderId: 'o-2', fillId: 'f-1', eventId: 'fill-b' })]]],
  },
  {
    anomaly: 'outcome_after_completion',
    raised: [g, submitted(S, t('2')), filled(S, t('3'), '150', '100', { leaves: '0' }), outcome(S, t('4'), 'expired')],
    raisedList: ['outcome_after_completion'],
    nearMiss: [['an outcome after a partial fill', [g, submitted(S, t('2')), filled(S, t('3'), '150', '40', { leaves: '60' }), outcome(S, t('4'), 'expired')]]],
  },
  {
    anomaly: 'overfilled_order',
    raised: [g, submitted(S, t('2'), 'o-1', '100'), filled(S, t('3'), '150', '60', { fillId: 'a' }), filled(S, t('4'), '150', '41', { fillId: 'b' })],
    raisedList: ['overfilled_order'],
    nearMiss: [['fills that add up to the order quantity exactly', [g, submitted(S, t('2'), 'o-1', '100'), filled(S, t('3'), '150', '60', { fillId: 'a' }), filled(S, t('4'), '150', '40', { fillId: 'b' })]]],
  },
];

describe('the seven anomalies', () => {
  it('are exactly the seven docs/decisions.md names', () => {
    expect(Object.values(Anomaly)).toEqual(CASES.map((c) => c.anomaly));
  });

  it.each(CASES.map((c) => [c.anomaly, c] as const))('%s is raised by a minimal set of events', (_name, c) => {
    expect(foldSignal(c.raised).anomalies).toEqual(c.raisedList);
    expect(foldSignal([...c.raised].reverse()).anomalies).toEqual(c.raisedList);
  });

  it.each(CASES.flatMap((c) => c.nearMiss.map(([why, events]) => [c.anomaly, why, events] as const)))('%s is not raised by a near miss: %s', (anomaly, _why, events) => {
    expect(foldSignal(events).anomalies).not.toContain(anomaly);
    expect(foldSignal([...events].reverse()).anomalies).not.toContain(anomaly);
  });

  it('the record lists its anomalies in the order docs/decisions.md names them (not alphabetically)', () => {
    // duplicate details, a fill without submission and a conflicting fill at once
    const r = foldSignal([g, generated(S, t('2'), {}, 'gen-2'), filled(S, t('3'), '150', '10', { fillId: 'f-1', eventId: 'fill-a' }), filled(S, t('4'), '151', '10', { fillId: 'f-1', eventId: 'fill-b' })]);
    expect(r.anomalies).toEqual(['duplicate_details', 'fill_without_submission', 'conflicting_fill']);
  });
});
