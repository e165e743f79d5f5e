/**
 * Inactivity and abandonment handling for Bot Framework SDK v4 bots: `require('botbuilder-inactivity')` or
 * `import { InactivityMiddleware } from 'botbuilder-inactivity'`. Start with {@link InactivityMiddleware} and
 * its {@link InactivityOptions}.
 *
 * @module botbuilder-inactivity
 */
export { InactivityMiddleware } from './botbuilder/inactivityMiddleware';
export { DEFAULTS } from './core/policy/options';
export type { CoreOptions, ResolvedPolicy } from './core/policy/options';
export type {
    ActivityLike,
    AttachmentLike,
    CardActionLike,
    ChannelAccountLike,
    ConversationLike,
    ConversationRef,
    ResourceResponseLike,
    SendHandler,
    SuggestedActionsLike,
    TelemetryClientLike,
    TurnContextLike,
} from './core/ports/activity';
export type { DialogLike, DialogStateLike, InactivityOptions } from './botbuilder/options';
export type { BotBinding, ButtonSpec, ButtonStyle, EndKind } from './core/ports/botBinding';
export { FlowMarkers } from './core/markers/flowMarkers';
export type { MarkerHost } from './core/markers/flowMarkers';
export type { MarkerStore } from './core/ports/markerStore';
export type { MarkedFlow, StepMark } from './core/markers/flowMarker';
export type { ProactiveAdapter } from './botbuilder/botbuilderBinding';
export type { FinalAction, FlowDefinition, InactivityPolicy, PolicyMessages } from './core/policy/policy';
export type { Duration } from './core/policy/duration';
export { toMilliseconds } from './core/policy/duration';
export { InactivityConfigError, InactivityDeliveryError, InactivitySchedulerError } from './core/errors';
export { loadPolicyFile } from './core/policy/config';
export type { PolicyFile } from './core/policy/config';
export { Localizer, normalizeLocale, NAMESPACE } from './core/texts/localization';
export type { LocalizerOptions } from './core/texts/localization';
export { TelemetryEvents } from './core/telemetry';
export { PAYLOAD_KEY } from './core/turn/buttonPayload';
export type { ButtonAction, ButtonPayload } from './core/turn/buttonPayload';
export { STATE_PROPERTY } from './core/turn/inactivityState';
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
export { FLOW_EVENT_TYPES } from './core/lifecycle/flowEvent';
export type { FlowEvent, FlowEventHandler, FlowEventType } from './core/lifecycle/flowEvent';
export type { ExtendOptions } from './core/lifecycle/extend';
export { InactivityHookError } from './core/lifecycle/hookError';
export { ABANDON_REASON_PATTERN, RESERVED_ABANDON_REASONS } from './core/lifecycle/abandonReason';
export { FollowUpService } from './botbuilder/followUpService';
export * from './followups/publicApi';
export type { FollowUpOptions } from './botbuilder/followUpService';
export { report, BUILT_IN_REASONS } from './report/report';
export type { DropOffReport, FlowReport, FunnelStep, ReportQuery, StepReasonCount, TrendDay } from './report/report';
export { reportPage } from './report/htmlPage';
export type { FlowLabels, ReportPageOptions } from './report/htmlPage';
export { reportCsv, CSV_COLUMNS } from './report/csv';
export { MongoFlowRunStore, DEFAULT_RUNS_COLLECTION, DEFAULT_RECORD_RETENTION } from './mongo/flowRunStore';
export type { MongoFlowRunStoreOptions } from './mongo/flowRunStore';
export { FLOW_RUN_VERSION } from './core/records/flowRun';
export type { FlowRunLog, FlowRunRecord, RunOutcome, RunReminder, RunStep } from './core/records/flowRun';
export type { FlowRunDocument } from './mongo/flowRunStore';
export type { InvalidOutcome, InvalidReport } from './core/flows/reportInvalid';
