import { sampleJob } from '@hpcgate/contract/testing';
import type { Job } from '../src/index.js';

/** A job as the gateway returns it, for nock replies. */
export const aJob: Job = sampleJob();
