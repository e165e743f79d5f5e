/**
 * Inactivity and abandonment handling for Microsoft 365 Agents SDK agents (`@microsoft/agents-hosting` 1.8):
 * `require('botbuilder-inactivity/agents')` or `import { InactivityMiddleware } from 'botbuilder-inactivity/agents'`.
 * Loads no botbuilder. Start with {@link InactivityMiddleware} and its {@link InactivityOptions}.
 *
 * @module botbuilder-inactivity/agents
 */
export { InactivityMiddleware } from './inactivityMiddleware';
export * from '../core/publicApi';
export type { AgentStateLike, InactivityOptions } from './options';
export type { DialogLike, DialogStateAccessor, DialogStateLike } from '../dialogs/dialogsLibrary';
export type { AgentsProactiveAdapter } from './agentsBinding';
export { ITEM_KEY_SUFFIX } from './storageConversationStore';
export { MARKER_PROPERTY } from './markerProperty';
export { MemoryScheduler } from '../scheduling/memoryScheduler';
export type { MemorySchedulerOptions } from '../scheduling/memoryScheduler';
export type { DueTimer, DueTimerHandler, TimerData, TimerScheduler } from '../core/ports/timerScheduler';
export type { MongoSource } from '../mongo/mongoConnection';
export { MongoStorage, DEFAULT_STATE_COLLECTION } from '../mongo/mongoStorage';
export type { MongoStorageOptions } from '../mongo/mongoStorage';
export type { BotStorage, StorageItem, StorageItems } from '../mongo/storageDocument';
export { ETagConflictError, MongoStorageError } from '../mongo/storageErrors';
export type { SharedAgenda } from '../scheduling/sharedAgenda';
export { FollowUpService } from './followUpService';
export * from '../followups/publicApi';
export type { FollowUpOptions } from './followUpService';
