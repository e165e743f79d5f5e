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

/** How many of a user's recorded scores their mean is taken over, unless `scoreHistory` says otherwise. */
export const DEFAULT_SCORE_HISTORY = 5;

/**
 * The score a user's follow-up is chosen by: the mean of their last `history` recorded scores.
 *
 * @param scores The user's recorded scores, oldest first.
 * @param history How many of the latest to average (`scoreHistory`).
 * @returns The mean (rounded to 9 decimals, so that 0.3 and 0.5 make exactly 0.4), or undefined with none.
 */
export function meanScore(scores: readonly number[] | undefined, history: number = DEFAULT_SCORE_HISTORY): number | undefined {
    const last = (scores ?? []).filter((s) => typeof s === 'number' && s >= 0 && s <= 1).slice(-history);
    if (!last.length) {
        return undefined;
    }
    return Math.round((last.reduce((sum, s) => sum + s, 0) / last.length) * 1e9) / 1e9;
}
