import { fuzzSuite } from './fuzz-suite.js';

fuzzSuite({ cases: 2500 });
