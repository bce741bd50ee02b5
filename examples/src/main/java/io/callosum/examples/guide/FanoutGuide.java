package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.Peer;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.pipe.PipeDescriptor;
import io.callosum.pipe.Pipes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The snippets of the user guide's section "Broadcast, pipelines and named pipes" (docs/GUIDE.md).
 */
final class FanoutGuide {
  private FanoutGuide() {}

  /** Three prices published, one receiver of the "eur." topics; returns what it received. */
  static List<String> broadcast() throws InterruptedException {
    List<String> received = new ArrayList<>();
    // guide:broadcast
    try (Broadcaster prices = Broadcaster.builder().bind("inproc://prices").build();
        BroadcastReceiver euro =
            BroadcastReceiver.builder().connect("inproc://prices").topics("eur.").build()) {
      prices.publish("eur.usd", 1.0841);
      prices.publish("gbp.usd", 1.2702); // not for this receiver
      prices.publish("eur.chf", 0.9402);

      for (int i = 0; i < 2; i++) {
        Delivery price = euro.poll(Duration.ofSeconds(5)); // null if none came in time
        received.add(price.topic() + " " + price.value()); // eur.usd 1.0841, eur.chf 0.9402
      }
    }
    // end guide:broadcast
    return received;
  }

  /**
   * Ten jobs spread over two workers, each noting in {@code doneBy} which worker did which job;
   * returns how many jobs the workers received, 10.
   */
  static long pipeline(Map<Object, String> doneBy) throws InterruptedException {
    CountDownLatch finished = new CountDownLatch(10);
    // guide:pipeline
    try (PipelineSender jobs = PipelineSender.builder().bind("inproc://jobs").build();
        PipelineReceiver w1 = worker("w1", doneBy, finished);
        PipelineReceiver w2 = worker("w2", doneBy, finished)) {
      for (int i = 0; i < 10; i++) {
        jobs.send("job-" + i, Duration.ofSeconds(5)); // each job goes to one worker with room
      }
      finished.await(10, TimeUnit.SECONDS); // jobs still queued at a worker are lost as it closes
      return w1.received() + w2.received(); // 10
    }
    // end guide:pipeline
  }

  // guide:worker
  /** A worker of the pipeline at inproc://jobs: notes who did each job. */
  static PipelineReceiver worker(String name, Map<Object, String> doneBy, CountDownLatch finished) {
    return PipelineReceiver.builder()
        .connect("inproc://jobs")
        .queueCapacity(2) // holds at most 2 jobs, so that idle workers get the others
        .handler(
            job -> { // every job, in order, on the worker's own thread
              doneBy.put(job.value(), name);
              finished.countDown();
            })
        .build();
  }

  // end guide:worker

  /**
   * A pipe hosted by a server, written by one thread and read by another; returns what was read.
   */
  static String namedPipe() throws IOException {
    try (BoundPeer server = Peer.builder().bind("inproc://host").build()) {
      // guide:namedPipe
      Pipes.host(server); // any peer can host pipes, before or after it starts
      server.start();
      PipeDescriptor logs = new PipeDescriptor(server.address(), "logs", PipeDescriptor.Mode.WRITE);
      String forTheWriter = logs.toString(); // "inproc://host#pipe=logs;write"

      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try (OutputStream out = Pipes.openOutput(PipeDescriptor.parse(forTheWriter))) {
                  out.write("line 1\nline 2\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      try (InputStream in = Pipes.openInput(logs.other())) { // the read end of the same pipe
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8); // until closed
        writer.join();
        return text;
      }
      // end guide:namedPipe
    }
  }
}
