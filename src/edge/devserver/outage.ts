/**
 * What the terminal says while the dev server cannot be reached (decision 0111): one warning when an
 * outage begins (the first request that cannot reach it), naming the URL and what to do, and one line
 * when it answers again; nothing for every failed request or hot-reload ping in between.
 */
import type { Logger } from '../../shared/logger.js';
import { errorCode } from './unreachable.js';

/** Follows one dev server's outages; requests take a ticket when they start. */
export interface OutageReport {
  /** A ticket for a request about to be sent. */
  ticket(): number;
  /** The request of `ticket` could not reach the dev server: warns if no outage is under way. */
  failed(error: unknown): void;
  /**
   * The request of `ticket` got an answer: an outage under way ends, unless the request was sent before
   * it began (an answer that was already on its way says nothing about now).
   */
  answered(ticket: number): void;
  /** The same two, without a word: the start-up readiness checks, whose caller speaks for them. */
  failedQuietly(): void;
  answeredQuietly(): void;
}

/** Creates the report for the dev server at `url`. */
export function createOutageReport(url: string, logger: Logger): OutageReport {
  let sent = 0;
  /** The last ticket handed out when the outage began; undefined while the dev server answers. */
  let downAfter: number | undefined;
  let everAnswered = false;
  const begin = () => {
    downAfter = sent;
  };
  return {
    ticket: () => ++sent,
    failed(error) {
      if (downAfter !== undefined) {
        return;
      }
      begin();
      const port = new URL(url).port;
      logger.warn(
        `the dev server at ${url} cannot be reached (${errorCode(error)}): pages get a 502 until it answers, and reload by themselves then. Check that it is still running (its output, the [run] lines with --run, says why it stopped); if it restarted, it may have moved to another port because ${port === '' ? 'its port' : `port ${port}`} was taken: stop what holds that port, or restart portico start with the URL it prints.`,
      );
    },
    answered(ticket) {
      const wasDown = downAfter !== undefined && ticket > downAfter;
      if (wasDown) {
        downAfter = undefined;
        logger.info(`the dev server at ${url} answers ${everAnswered ? 'again' : 'now'}.`);
      }
      everAnswered = everAnswered || downAfter === undefined;
    },
    failedQuietly() {
      if (downAfter === undefined) {
        begin();
      }
    },
    answeredQuietly() {
      downAfter = undefined;
      everAnswered = true;
    },
  };
}
