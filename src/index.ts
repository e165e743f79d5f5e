/**
 * Inactivity and abandonment handling for Bot Framework SDK v4 bots: `require('botbuilder-inactivity')` or
 * `import { InactivityMiddleware } from 'botbuilder-inactivity'`. Start with {@link InactivityMiddleware} and
 * its {@link InactivityOptions}.
 *
 * @module botbuilder-inactivity
 */
export { InactivityMiddleware } from './botbuilder/inactivityMiddleware';
export * from './core/publicApi';
export type { DialogLike, DialogStateLike, InactivityOptions } from './botbuilder/options';
export type { ProactiveAdapter } from './botbuilder/botbuilderBinding';
export { PAYLOAD_KEY } from './core/turn/buttonPayload';
export type { ButtonAction, ButtonPayload } from './core/turn/buttonPayload';
export { AgendaScheduler, TIMER_JOB_NAME, DEFAULT_JOBS_COLLECTION, DEFAULT_TIMER_RETRY } from './scheduling/agendaScheduler';
export type { AgendaSchedulerOptions, SchedulerStats, TimerRetryPolicy } from './scheduling/agendaScheduler';
export type { SharedAgenda, SharedAgendaSource } from './scheduling/sharedAgenda';
export type { JobAnnouncer } from './scheduling/jobAnnouncer';
export { MemoryScheduler, MEMORY_SCHEDULER_WARNING_CODE } from './scheduling/memoryScheduler';
export type { ArmedTimer, MemorySchedulerOptions } from './scheduling/memoryScheduler';
export { TIMER_DATA_VERSION } from './core/ports/timerScheduler';
export type { DueTimer, DueTimerHandler, TimerData, TimerScheduler } from './core/ports/timerScheduler';
export { MongoSnapshotStore } from './mongo/mongoSnapshotStore';
export type { MongoSnapshotStoreOptions, SnapshotDocument } from './mongo/mongoSnapshotStore';
export { SNAPSHOT_VERSION } from './core/records/snapshotStore';
export type { FlowSnapshot, SnapshotScope, SnapshotStatus, SnapshotStore } from './core/records/snapshotStore';
export { MongoAbandonmentLog } from './mongo/mongoAbandonmentLog';
export type { AbandonmentDocument, MongoAbandonmentLogOptions } from './mongo/mongoAbandonmentLog';
export type { AbandonmentEvent, AbandonmentLog, AbandonReason } from './core/records/abandonmentLog';
export type { MongoSource } from './mongo/mongoConnection';
export { MongoStorage, DEFAULT_STATE_COLLECTION } from './mongo/mongoStorage';
export type { MongoStorageOptions } from './mongo/mongoStorage';
export type { BotStorage, StorageItem, StorageItems } from './mongo/storageDocument';
export { ETagConflictError, MongoStorageError } from './mongo/storageErrors';
export { STATE_DOCUMENT_VERSION } from './mongo/storageDocument';
export type { StateDocument } from './mongo/storageDocument';
export type { BuiltInAbandonReason } from './core/records/abandonmentLog';
export { ABANDON_REASON_PATTERN, RESERVED_ABANDON_REASONS } from './core/lifecycle/abandonReason';
export { FollowUpService } from './botbuilder/followUpService';
export * from './followups/publicApi';
export type { FollowUpOptions } from './botbuilder/followUpService';
export { report, BUILT_IN_REASONS } from './report/report';
export type {
    DropOffReport,
    ExperimentGroup,
    FlowReport,
    FunnelStep,
    HoldoutExperiment,
    ReportQuery,
    StepReasonCount,
    StepReminders,
    TrendDay,
} from './report/report';
export { reportPage } from './report/htmlPage';
export type { FlowLabels, ReportPageOptions } from './report/htmlPage';
export { reportCsv, CSV_COLUMNS } from './report/csv';
export { MongoFlowRunStore, DEFAULT_RUNS_COLLECTION, DEFAULT_RECORD_RETENTION } from './mongo/flowRunStore';
export type { MongoFlowRunStoreOptions } from './mongo/flowRunStore';
export { FLOW_RUN_VERSION } from './core/records/flowRun';
export type { FlowRunLog, FlowRunRecord, RunOutcome, RunReminder, RunStep, SkippedReminder } from './core/records/flowRun';
export type { FlowRunDocument } from './mongo/flowRunStore';
