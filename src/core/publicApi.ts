/**
 * The core's public API that both entries export (`botbuilder-inactivity` and `botbuilder-inactivity/agents`):
 * options, policy, texts, errors, flow markers, flow events and the ports' shapes. Each entry adds its SDK's
 * middleware and bindings.
 *
 * @module
 */
export { DEFAULTS } from './policy/options';
export type { CoreOptions, ResolvedPolicy } from './policy/options';
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
} from './ports/activity';
export type { BotBinding, ButtonSpec, ButtonStyle, EndKind } from './ports/botBinding';
export { FlowMarkers } from './markers/flowMarkers';
export type { MarkerHost } from './markers/flowMarkers';
export type { MarkerStore } from './ports/markerStore';
export type { MarkedFlow, StepMark } from './markers/flowMarker';
export type { FinalAction, FlowDefinition, InactivityPolicy, PolicyMessages } from './policy/policy';
export type { Duration } from './policy/duration';
export { toMilliseconds } from './policy/duration';
export { InactivityConfigError, InactivityDeliveryError, InactivitySchedulerError } from './errors';
export { loadPolicyFile } from './policy/config';
export type { PolicyFile } from './policy/config';
export { Localizer, normalizeLocale, NAMESPACE } from './texts/localization';
export type { LocalizerOptions } from './texts/localization';
export { TelemetryEvents } from './telemetry';
export { STATE_PROPERTY } from './turn/inactivityState';
export { FLOW_EVENT_TYPES } from './lifecycle/flowEvent';
export type { FlowEvent, FlowEventHandler, FlowEventType } from './lifecycle/flowEvent';
export type { ExtendOptions } from './lifecycle/extend';
export { InactivityHookError } from './lifecycle/hookError';
export type { InvalidOutcome, InvalidReport } from './flows/reportInvalid';
