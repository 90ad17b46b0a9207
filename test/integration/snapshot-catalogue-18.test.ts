import { catalogueSuite } from './snapshot-catalogue-suite.js';

catalogueSuite(18);
