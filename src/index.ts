/**
 * Inactivity and abandonment handling for Bot Framework SDK v4 bots: `require('botbuilder-inactivity')` or
 * `import { InactivityMiddleware } from 'botbuilder-inactivity'`. Start with {@link InactivityMiddleware} and
 * its {@link InactivityOptions}.
 *
 * @module botbuilder-inactivity
 */
export { InactivityMiddleware } from './inactivityMiddleware';
export { DEFAULTS } from './options';
export type { InactivityOptions, ProactiveAdapter, ResolvedPolicy } from './options';
export type { FinalAction, FlowDefinition, InactivityPolicy, PolicyMessages } from './policy';
export type { Duration } from './duration';
export { toMilliseconds } from './duration';
export { InactivityConfigError, InactivityDeliveryError, InactivitySchedulerError } from './errors';
export { loadPolicyFile } from './config';
export type { PolicyFile } from './config';
export { Localizer, normalizeLocale, NAMESPACE } from './localization';
export type { LocalizerOptions } from './localization';
export { TelemetryEvents } from './telemetry';
export { PAYLOAD_KEY } from './buttonPayload';
export type { ButtonAction, ButtonPayload } from './buttonPayload';
export { STATE_PROPERTY, STATE_VERSION } from './inactivityState';
export type { AbandonmentDraft, DeliveryClaim, FlowProgress, InactivityState, PendingButtons, TranscriptLine } from './inactivityState';
export { AgendaScheduler, TIMER_JOB_NAME, DEFAULT_JOBS_COLLECTION, DEFAULT_PROCESS_EVERY_MS, DEFAULT_TIMER_RETRY } from './scheduling/agendaScheduler';
export type { AgendaSchedulerOptions, SchedulerStats, TimerRetryPolicy } from './scheduling/agendaScheduler';
export { MemoryScheduler, MEMORY_SCHEDULER_WARNING_CODE } from './scheduling/memoryScheduler';
export type { ArmedTimer, MemorySchedulerOptions } from './scheduling/memoryScheduler';
export { TIMER_DATA_VERSION } from './scheduling/timerScheduler';
export type { DueTimer, DueTimerHandler, TimerData, TimerScheduler } from './scheduling/timerScheduler';
export { MongoSnapshotStore } from './snapshots/mongoSnapshotStore';
export type { MongoSnapshotStoreOptions, SnapshotDocument } from './snapshots/mongoSnapshotStore';
export { SNAPSHOT_VERSION } from './snapshots/snapshotStore';
export type { FlowSnapshot, SnapshotScope, SnapshotStatus, SnapshotStore } from './snapshots/snapshotStore';
export { MongoAbandonmentLog, dropOffCounts } from './analytics/mongoAbandonmentLog';
export type { AbandonmentDocument, DropOffCount, DropOffQuery, MongoAbandonmentLogOptions } from './analytics/mongoAbandonmentLog';
export type { AbandonmentEvent, AbandonmentLog, AbandonReason } from './analytics/abandonmentLog';
export type { MongoSource } from './mongoConnection';
export { MongoStorage, DEFAULT_STATE_COLLECTION } from './storage/mongoStorage';
export type { MongoStorageOptions } from './storage/mongoStorage';
export { ETagConflictError, MongoStorageError } from './storage/storageErrors';
export { STATE_DOCUMENT_VERSION } from './storage/storageDocument';
export type { StateDocument } from './storage/storageDocument';
export type { BuiltInAbandonReason } from './analytics/abandonmentLog';
export { FLOW_EVENT_TYPES } from './lifecycle/flowEvent';
export type { FlowEvent, FlowEventHandler, FlowEventType } from './lifecycle/flowEvent';
export { InactivityHookError } from './lifecycle/hookError';
export { ABANDON_REASON_PATTERN, RESERVED_ABANDON_REASONS } from './lifecycle/abandonReason';
export { FollowUpService, FOLLOW_UP_JOB_NAME, FOLLOW_UP_LEASE_MS } from './followups/followUpService';
export { FollowUpMiddleware } from './followups/followUpMiddleware';
export { FOLLOW_UP_DEFAULTS } from './followups/followUpOptions';
export type { CheckInFollowUp, CustomFollowUp, FollowUpHealth, FollowUpOptions, PostEventFollowUp, ScheduleCommon, ScheduleResult } from './followups/followUpOptions';
export { FOLLOW_UP_VERSION } from './followups/followUpRecord';
export type { FollowUp, FollowUpDocument, FollowUpHistoryEntry, FollowUpStatus, FollowUpType, SkipReason } from './followups/followUpRecord';
export { FOLLOW_UP_INDEXES } from './followups/followUpStore';
export type { FollowUpIndex, FollowUpPage, FollowUpQuery } from './followups/followUpStore';
export { FollowUpEvents } from './followups/followUpTelemetry';
export { DEFAULT_CHANNEL_POLICIES } from './followups/channelPolicy';
export type { ChannelPolicy } from './followups/channelPolicy';
export { DEFAULT_SCORE_THRESHOLDS, scoreBand } from './followups/templateChoice';
export type { ScoreBand, ScoreThresholds } from './followups/templateChoice';
export { DEFAULT_QUIET_HOURS } from './followups/userTime';
export type { QuietHours } from './followups/userTime';
export { report, BUILT_IN_REASONS } from './report/report';
export type { DropOffReport, FlowReport, FunnelStep, ReportQuery, StepReasonCount, TrendDay } from './report/report';
export { reportPage } from './report/htmlPage';
export type { ReportPageOptions } from './report/htmlPage';
export { reportCsv, CSV_COLUMNS } from './report/csv';
export { MongoFlowRunStore, DEFAULT_RUNS_COLLECTION, DEFAULT_RECORD_RETENTION, runRecordId } from './report/flowRunStore';
export type { MongoFlowRunStoreOptions } from './report/flowRunStore';
export { FLOW_RUN_VERSION } from './report/flowRun';
export type { FlowRunRecord, ReminderVisit, RunOutcome, RunReminder, RunStep, StepVisit } from './report/flowRun';
