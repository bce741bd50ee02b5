package io.callosum.internal;

import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;

/**
 * The Reactive Streams TCK (a TestNG test, run by the JUnit Platform's TestNG engine) on {@code
 * StreamSink.subscriber()}: it forwards a publisher's items into a stream whose remote has granted
 * credit. Its demand follows the remote's credit, which the blackbox tests need no trigger for.
 */
public class StreamSinkSubscriberTckTest extends FlowSubscriberBlackboxVerification<Object> {
  public StreamSinkSubscriberTckTest() {
    super(new TestEnvironment(500, 100));
  }

  @Override
  public Flow.Subscriber<Object> createFlowSubscriber() {
    return FlowStreams.sending(1 << 20).subscriber();
  }

  @Override
  public Object createElement(int element) {
    return element;
  }
}
