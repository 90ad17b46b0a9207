import { migtestSuite } from 'migtest/vitest';
import config from '../migtest.config';

// One test per check on each PostgreSQL version of the config, beside the service's other tests.
migtestSuite(config);
