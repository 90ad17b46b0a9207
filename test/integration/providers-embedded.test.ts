import { startEmbedded } from '../../src/postgres/embedded.js';
import { providerContract } from './providers-contract.js';

providerContract({
  provider: 'embedded',
  start: () => startEmbedded({ major: 17 }),
  request: {},
  cliArgs: [],
  crashes: true,
});
