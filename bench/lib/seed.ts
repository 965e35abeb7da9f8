/**
 * The bulk seed the bench uses. bench/seed.ts (branch wip/queries) replaces the stand-in: when it
 * lands, change this one import (adapting the options if its signature differs).
 */
export { COMMON_WORD, RARE_WORD, type SeedEvent, seed, seedCalendar } from './seed-fallback.ts';
