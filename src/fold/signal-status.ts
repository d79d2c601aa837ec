/** The ten statuses of a signal, lower-case on the wire and in the database. */
export const SignalStatus = {
  Generated: 'generated',
  PassedRisk: 'passed_risk',
  Rejected: 'rejected',
  Submitted: 'submitted',
  Executed: 'executed',
  PartiallyFilled: 'partially_filled',
  Cancelled: 'cancelled',
  Expired: 'expired',
  Missed: 'missed',
  Error: 'error',
} as const;
export type SignalStatus = (typeof SignalStatus)[keyof typeof SignalStatus];
export const SIGNAL_STATUSES: readonly SignalStatus[] = Object.values(SignalStatus);

/** The anomaly notes a record can carry: facts that contradict the usual lifecycle, applied anyway. */
export const Anomaly = {
  DuplicateDetails: 'duplicate_details',
  FillAfterRejection: 'fill_after_rejection',
  FillWithoutSubmission: 'fill_without_submission',
  SubmissionAfterRejection: 'submission_after_rejection',
  ConflictingFill: 'conflicting_fill',
  OutcomeAfterCompletion: 'outcome_after_completion',
  OverfilledOrder: 'overfilled_order',
} as const;
export type Anomaly = (typeof Anomaly)[keyof typeof Anomaly];
