import type { ToolLint } from '../tool.js';
import { dbmateTransactionFalse } from './dbmate-transaction-false.js';

const again = 'the version is not recorded, and the next `dbmate up` sends the section again';
const recordedApart = `this transaction:false migration is recorded after it ran, in a separate statement: if the process dies in between, ${again}`;

export const lint: ToolLint = {
  words: {
    wrap: 'the transaction dbmate opens around each migration',
    unit: 'up section',
    alone: 'give it a migration of its own marked `-- migrate:up transaction:false`, with no other statement',
    again,
    script: 'the transaction:false section',
    noTxnRerun: recordedApart,
    recordedApart,
  },
  rules: [dbmateTransactionFalse],
};
