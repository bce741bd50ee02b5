package io.callosum.examples.soak;

import java.time.Duration;

/** A server or gateway of a soak that the fault schedule may stop and start again. */
interface Restartable extends AutoCloseable {
  /** Its name in the fault schedule. */
  String name();

  /** Closes it, waits {@code downtime}, and starts it again (on a fresh port). */
  void restart(Duration downtime) throws Exception;

  /** Closes it for good; an interrupt cuts waits short and stays set. */
  @Override
  void close();
}
