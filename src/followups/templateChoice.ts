/** Where a score starts each band: `high` at or above `high`, `neutral` at or above `neutral`, `low` below. */
export interface ScoreThresholds {
    /** Default 0.7. */
    high: number;
    /** Default 0.4. */
    neutral: number;
}

/** The default bands: high ≥ 0.7, neutral ≥ 0.4, low below. */
export const DEFAULT_SCORE_THRESHOLDS: ScoreThresholds = { high: 0.7, neutral: 0.4 };

/** The band of a score, which names the template variant (`<template>.high`, `.neutral`, `.low`). */
export type ScoreBand = 'high' | 'neutral' | 'low';

/**
 * The band a score falls in.
 *
 * @param score A number from 0 (bad) to 1 (good).
 * @param thresholds The bands.
 * @returns `high`, `neutral` or `low`.
 */
export function scoreBand(score: number, thresholds: ScoreThresholds = DEFAULT_SCORE_THRESHOLDS): ScoreBand {
    return score >= thresholds.high ? 'high' : score >= thresholds.neutral ? 'neutral' : 'low';
}
