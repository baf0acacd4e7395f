import { definitions } from '../../src/providers/registry.js';
import { withSamples } from '../helpers/providers.js';
import { describeCanaryRun } from './canary-run.js';

/** The canary run (canary-run.ts) through every registered provider type. */
describeCanaryRun(await withSamples(definitions));
