/**
 * `@mr-init/core/testkit`: the conformance suite every storage provider runs, official or third-party.
 * Runner-agnostic (node:assert only): named async cases, chosen by the provider's capabilities.
 *
 * ```ts
 * import { runConformance } from '@mr-init/core/testkit';
 * runConformance(test, { provider, seed, objectUri });
 * ```
 */
import { capabilityCases, errorCases } from './cases-errors.js';
import { listCases } from './cases-list.js';
import { readCases } from './cases-read.js';
import type { ConformanceCase, ConformanceTarget } from './types.js';

export type { ConformanceCase, ConformanceTarget } from './types.js';
export { digestHex } from './digest.js';
export { fixtureBytes } from './helpers.js';

/** The cases that apply to `target.provider`'s capabilities and to the optional hooks the target gives. */
export function conformanceCases(target: ConformanceTarget): ConformanceCase[] {
  return [...capabilityCases(target), ...listCases(target), ...readCases(target), ...errorCases(target)];
}

/** Registers each case with a test function such as jest's `test`. */
export function runConformance(test: (name: string, fn: () => Promise<void>) => void, target: ConformanceTarget): void {
  for (const c of conformanceCases(target)) test(c.name, () => c.run());
}
