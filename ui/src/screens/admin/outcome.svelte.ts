/**
 * What the admin screens share about their calls to the server: the last failure, and
 * the last success as a message key with its parameters. The success is worded with
 * `t()` where it is shown, so it follows a change of language like the rest of the
 * screen (a sentence made at the time of the call stayed in the old language).
 */
import { t, type MessageKey } from '../../lib/i18n/index.svelte';
import type { Params } from '../../lib/i18n/format';
import * as ipc from '../../lib/ipc';

export class Outcome {
  error = $state<ipc.IpcError | null>(null);
  done = $state<{ key: MessageKey; params?: Params } | null>(null);

  /** The last success in the current language, or ''. */
  get status(): string {
    return this.done ? t(this.done.key, this.done.params) : '';
  }

  /** Forgets the last failure and success (a new call starts). */
  clear(): void {
    this.error = null;
    this.done = null;
  }

  /** Records a success. */
  succeeded(key: MessageKey, params?: Params): void {
    this.done = { key, params };
  }

  /** Records a failure. */
  failed(e: unknown): void {
    this.error = ipc.asIpcError(e);
  }

  /** Runs `work`; on success says `done` (if given), on failure keeps the error. */
  async run(work: () => Promise<void>, done?: MessageKey, params?: Params): Promise<void> {
    this.clear();
    try {
      await work();
      if (done) this.succeeded(done, params);
    } catch (e) {
      this.failed(e);
    }
  }
}
