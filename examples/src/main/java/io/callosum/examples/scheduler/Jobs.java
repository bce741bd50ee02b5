package io.callosum.examples.scheduler;

import java.util.concurrent.CompletableFuture;

/**
 * The service of a worker process, the same interface on both ends (a typed msgpack service): run
 * one job. Each worker also broadcasts its free capacity as a {@link Capacity} on topic {@value
 * #ADVERTS}.
 */
public interface Jobs {
  /** The topic of the capacity adverts. */
  String ADVERTS = "capacity";

  /** Runs job {@code job}; completes with its number when it is done. */
  CompletableFuture<Long> run(long job);

  /**
   * A worker's advert: how many more calls it can run at once now (negative when calls wait in its
   * queue), and how many calls it has accepted in all, so that the requester can count the calls it
   * sent that the advert does not know of yet.
   *
   * @param worker the worker's index
   * @param free free slots: slots minus the calls it holds (running or queued)
   * @param accepted calls that reached the worker since it started
   */
  record Capacity(int worker, long free, long accepted) {}
}
