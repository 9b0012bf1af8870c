import { startHaraka } from './haraka.js';
import { startMailwright } from './mailwright.js';
import { startPostfix } from './postfix.js';
import { startSink } from './sink.js';

/**
 * The servers of the comparison, in the order they run. `start` resolves a handle with
 * `rootPids()` (the process trees whose RSS is measured), `stop()`, and optionally `delivered()`
 * (messages in the final mailbox so far) or `pending()` (messages still in an outbound queue).
 */
export const SERVERS = [
  {
    id: 'mailwright',
    label: 'Mailwright (smtp+queue, file store, local delivery)',
    start: startMailwright,
  },
  {
    id: 'postfix',
    label: 'Postfix (queue + virtual Maildir, fsync)',
    start: startPostfix,
  },
  {
    id: 'haraka-queue',
    label: 'Haraka (fsync disk queue -> smtp-sink)',
    start: (options) => startHaraka({ ...options, mode: 'queue' }),
  },
  {
    id: 'haraka-discard',
    label: 'Haraka (discard, nothing stored)',
    start: (options) => startHaraka({ ...options, mode: 'discard' }),
  },
  {
    id: 'smtp-sink',
    label: 'smtp-sink (accept+discard: ceiling)',
    start: startSink,
  },
];
