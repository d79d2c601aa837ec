// docs/decisions.md "Choices where the contract is silent", Ties: details by the earliest time then the smallest
// event id; risk by the latest time, a rejection winning, then the largest event id; submission, outcome
// and API field updates by the latest time then the largest event id. Each tie is a pair of events at the
// same instant whose ids decide it, folded in both arrival orders: reversing the tie-break (or letting
// arrival order decide) fails the test. Already pinned elsewhere (not repeated here):
// test/fold/fold-signal.unit.test.ts "the latest risk decision wins, and on a tie the rejection wins"
// (a later pass beats an earlier rejection) and "the earliest of several signal-generated events gives
// the details" (different times).
import { describe, expect, it } from 'vitest';
import type { RecordFieldOverrides, SignalEvent } from '../../src/contract/index.ts';
import { foldSignal, type SignalFacts } from '../../src/fold/index.ts';
import { generated, outcome, risk, submitted, t } from '../helpers/events.ts';

const S = 'sig-tie';

/** Folds the events in the order given and reversed; both must give the same record, which is returned. */
function foldBothWays(events: SignalEvent[]): SignalFacts {
  const forward = foldSignal(events);
  expect(foldSignal([...events].reverse())).toEqual(forward);
  return forward;
}

/** An event made by the repository API (source `api`) that also sets record fields. */
const viaApi = (event: SignalEvent, fields: RecordFieldOverrides): SignalEvent => ({ ...event, origin: 'api', recordFields: fields });

describe('ties: details by the earliest time, then the smallest event id', () => {
  it('two signal-generated events at the same instant: the smaller event id gives the details', () => {
    const r = foldBothWays([generated(S, t('1'), { symbol: 'MSFT' }, 'gen-b'), generated(S, t('1'), { symbol: 'NVDA' }, 'gen-a')]);
    expect(r.symbol).toBe('NVDA');
    expect(r.generatedAt).toBe(t('1'));
  });

  it('the earlier time wins over the smaller event id', () => {
    const r = foldBothWays([generated(S, t('2'), { symbol: 'NVDA' }, 'gen-a'), generated(S, t('1'), { symbol: 'MSFT' }, 'gen-b')]);
    expect(r.symbol).toBe('MSFT');
    expect(r.generatedAt).toBe(t('1'));
  });
});

describe('ties: risk by the latest time, a rejection winning, then the largest event id', () => {
  it('a pass and a rejection at the same instant: the rejection wins even when the pass has the larger event id', () => {
    const r = foldBothWays([generated(S, t('1')), risk(S, t('2'), true, null, 'risk-b'), risk(S, t('2'), false, 'max_position', 'risk-a')]);
    expect(r.status).toBe('rejected');
    expect(r.riskCheckPassed).toBe(false);
    expect(r.rejectionReason).toBe('max_position');
  });

  it('two rejections at the same instant: the larger event id gives the reason', () => {
    const r = foldBothWays([generated(S, t('1')), risk(S, t('2'), false, 'from_a', 'risk-a'), risk(S, t('2'), false, 'from_b', 'risk-b')]);
    expect(r.rejectionReason).toBe('from_b');
  });

  it('two passes at the same instant: the larger event id gives the check details', () => {
    const pass = (id: string, checks: Record<string, boolean>): SignalEvent => ({ ...risk(S, t('2'), true, null, id), checks } as SignalEvent);
    const r = foldBothWays([generated(S, t('1')), pass('risk-a', { from_a: true }), pass('risk-b', { from_b: true })]);
    expect(r.riskCheckDetails).toEqual({ from_b: true });
  });
});

describe('ties: a submission by the latest time, then the largest event id', () => {
  it('two submissions at the same instant: the larger event id gives order_id and the order quantity', () => {
    const r = foldBothWays([generated(S, t('1')), submitted(S, t('3'), 'ord-a', '100', 'sub-a'), submitted(S, t('3'), 'ord-b', '200', 'sub-b')]);
    expect(r.orderId).toBe('ord-b');
    expect(r.orderQuantity).toBe('200');
  });

  it('the later time wins over the larger event id', () => {
    const r = foldBothWays([generated(S, t('1')), submitted(S, t('4'), 'ord-a', '100', 'sub-a'), submitted(S, t('3'), 'ord-b', '200', 'sub-b')]);
    expect(r.orderId).toBe('ord-a');
    expect(r.submittedAt).toBe(t('4'));
  });
});

describe('ties: an outcome by the latest time, then the largest event id', () => {
  it('two outcomes at the same instant: the larger event id gives the status and the reason', () => {
    const r = foldBothWays([generated(S, t('1')), outcome(S, t('5'), 'cancelled', 'from_a', 'out-a'), outcome(S, t('5'), 'expired', 'from_b', 'out-b')]);
    expect(r.status).toBe('expired');
    expect(r.outcomeReason).toBe('from_b');
  });

  it('the later time wins over the larger event id', () => {
    const r = foldBothWays([generated(S, t('1')), outcome(S, t('6'), 'cancelled', 'from_a', 'out-a'), outcome(S, t('5'), 'expired', 'from_b', 'out-b')]);
    expect(r.status).toBe('cancelled');
    expect(r.closedAt).toBe(t('6'));
  });
});

describe('ties: record fields set through the API by the latest time, then the largest event id', () => {
  it('two API updates at the same instant set one field: the larger event id wins', () => {
    const r = foldBothWays([
      generated(S, t('1')),
      viaApi(risk(S, t('2'), true, null, 'api-a'), { positionValue: '1000', signalType: 'entry_a' }),
      viaApi(risk(S, t('2'), true, null, 'api-b'), { positionValue: '2000', signalType: 'entry_b' }),
    ]);
    expect(r.positionValue).toBe('2000');
    expect(r.signalType).toBe('entry_b');
  });

  it('the later time wins over the larger event id, field by field', () => {
    const r = foldBothWays([
      generated(S, t('1')),
      viaApi(risk(S, t('3'), true, null, 'api-a'), { positionValue: '1000' }),
      viaApi(risk(S, t('2'), true, null, 'api-b'), { positionValue: '2000', signalType: 'only_b' }),
    ]);
    expect(r.positionValue).toBe('1000');
    // a field only the earlier update set is kept
    expect(r.signalType).toBe('only_b');
  });
});
