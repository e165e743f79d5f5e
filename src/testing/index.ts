/**
 * Helpers to unit-test a bot that uses botbuilder-inactivity, on botbuilder's `TestAdapter`:
 * `require('botbuilder-inactivity/testing')` or `import ... from 'botbuilder-inactivity/testing'`.
 *
 * @module botbuilder-inactivity/testing
 */
export { TestScheduler } from './testScheduler';
export type { TestSchedulerOptions } from './testScheduler';
export { InactivityTestAdapter } from './inactivityTestAdapter';
export { click, clickContinue, clickResume, clickStartFresh, clickStartOver, findButton } from './buttons';
export type { FoundButton } from './buttons';
export type { ButtonAction } from '../core/turn/buttonPayload';
export type { ArmedTimer } from '../scheduling/memoryScheduler';
