/**
 * Inactivity and abandonment handling for Microsoft 365 Agents SDK agents (`@microsoft/agents-hosting` 1.8):
 * `require('botbuilder-inactivity/agents')` or `import { InactivityMiddleware } from 'botbuilder-inactivity/agents'`.
 * Loads no botbuilder. Start with {@link InactivityMiddleware} and its {@link InactivityOptions}.
 *
 * @module botbuilder-inactivity/agents
 */
export { InactivityMiddleware } from './inactivityMiddleware';
export type { AgentStateLike, InactivityOptions } from './options';
export type { DialogLike, DialogStateAccessor, DialogStateLike } from '../dialogs/dialogsLibrary';
export type { BotBinding, ButtonSpec, ButtonStyle, EndKind } from '../core/ports/botBinding';
export type { AgentsProactiveAdapter } from './agentsBinding';
export { ITEM_KEY_SUFFIX } from './storageConversationStore';
export { MARKER_PROPERTY } from './markerProperty';
export { FlowMarkers } from '../core/markers/flowMarkers';
export type { MarkerHost } from '../core/markers/flowMarkers';
export type { MarkerStore } from '../core/ports/markerStore';
export type { MarkedFlow, StepMark } from '../core/markers/flowMarker';
export { DEFAULTS } from '../core/policy/options';
export type { CoreOptions, ResolvedPolicy } from '../core/policy/options';
export type { FinalAction, FlowDefinition, InactivityPolicy, PolicyMessages } from '../core/policy/policy';
export type { Duration } from '../core/policy/duration';
export { toMilliseconds } from '../core/policy/duration';
export { InactivityConfigError, InactivityDeliveryError, InactivitySchedulerError } from '../core/errors';
export { loadPolicyFile } from '../core/policy/config';
export type { PolicyFile } from '../core/policy/config';
export { Localizer, normalizeLocale, NAMESPACE } from '../core/texts/localization';
export type { LocalizerOptions } from '../core/texts/localization';
export { TelemetryEvents } from '../core/telemetry';
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
} from '../core/ports/activity';
export { STATE_PROPERTY } from '../core/turn/inactivityState';
export { MemoryScheduler } from '../scheduling/memoryScheduler';
export type { MemorySchedulerOptions } from '../scheduling/memoryScheduler';
export type { DueTimer, DueTimerHandler, TimerData, TimerScheduler } from '../core/ports/timerScheduler';
export type { MongoSource } from '../mongo/mongoConnection';
export { MongoStorage, DEFAULT_STATE_COLLECTION } from '../mongo/mongoStorage';
export type { MongoStorageOptions } from '../mongo/mongoStorage';
export type { BotStorage, StorageItem, StorageItems } from '../mongo/storageDocument';
export { ETagConflictError, MongoStorageError } from '../mongo/storageErrors';
export { FLOW_EVENT_TYPES } from '../core/lifecycle/flowEvent';
export type { FlowEvent, FlowEventHandler, FlowEventType } from '../core/lifecycle/flowEvent';
export type { ExtendOptions } from '../core/lifecycle/extend';
export { InactivityHookError } from '../core/lifecycle/hookError';
export type { SharedAgenda } from '../scheduling/sharedAgenda';
export type { InvalidOutcome, InvalidReport } from '../core/flows/reportInvalid';
export { FollowUpService } from './followUpService';
export * from '../followups/publicApi';
export type { FollowUpOptions } from './followUpService';
