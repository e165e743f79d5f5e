/**
 * The follow-ups' public API that both entries export (`botbuilder-inactivity` and `botbuilder-inactivity/agents`);
 * each entry adds its SDK's `FollowUpService` and `FollowUpOptions`.
 *
 * @module
 */
export { FollowUpServiceBase, FOLLOW_UP_JOB_NAME } from './followUpService';
export { FollowUpMiddleware } from './followUpMiddleware';
export type { FollowUpTurnPort } from './followUpMiddleware';
export { FOLLOW_UP_DEFAULTS } from './followUpOptions';
export type {
    CheckInFollowUp,
    CustomFollowUp,
    FollowUpHealth,
    FollowUpOptions as FollowUpServiceOptions,
    FollowUpWorkers,
    PostEventFollowUp,
    ReengagementFollowUp,
    ReengagementResult,
    ScheduleCommon,
    ScheduleResult,
} from './followUpOptions';
export type { FollowUpReference } from './followUpReference';
export { FOLLOW_UP_VERSION } from './followUpRecord';
export type { FollowUp, FollowUpDocument, FollowUpHistoryEntry, FollowUpStatus, FollowUpType, SkipReason } from './followUpRecord';
export type { FollowUpPage, FollowUpQuery } from '../mongo/followUpStore';
export type { SweepName, SweepReport } from '../mongo/sweepLog';
export { FollowUpEvents } from './followUpTelemetry';
export { DEFAULT_CHANNEL_POLICIES } from './channelPolicy';
export type { ChannelPolicy } from './channelPolicy';
export { DEFAULT_SCORE_THRESHOLDS, scoreBand } from './templateChoice';
export type { ScoreBand, ScoreThresholds } from './templateChoice';
export { DEFAULT_QUIET_HOURS } from './userTime';
export type { QuietHours } from './userTime';
