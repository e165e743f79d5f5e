/**
 * Helpers to unit-test an Agents SDK bot that uses botbuilder-inactivity, without botbuilder:
 * `require('botbuilder-inactivity/agents/testing')` or `import ... from 'botbuilder-inactivity/agents/testing'`.
 *
 * @module botbuilder-inactivity/agents/testing
 */
export { InactivityTestAdapter } from './inactivityTestAdapter';
export type { InactivityTestAdapterOptions, UserActivityFields, UserMessage } from './inactivityTestAdapter';
export { click, findButton } from './buttons';
export type { FoundButton } from './buttons';
export { TestScheduler } from '../../testing/testScheduler';
export type { TestSchedulerOptions } from '../../testing/testScheduler';
export type { ButtonAction } from '../../core/turn/buttonPayload';
export type { ArmedTimer } from '../../scheduling/memoryScheduler';
