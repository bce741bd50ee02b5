package io.callosum.internal;

import io.callosum.Body;
import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;

/**
 * The Reactive Streams TCK (a TestNG test, run by the JUnit Platform's TestNG engine) on {@code
 * StreamSource.publisher()}: a stream's receiving end whose remote sends as credit allows. The
 * rules that do not apply are listed in docs/STREAMS.md.
 */
public class StreamSourcePublisherTckTest extends FlowPublisherVerification<Body> {
  public StreamSourcePublisherTckTest() {
    // The played sender makes items as credit allows: a stream of any length costs nothing up
    // front.
    super(new TestEnvironment(500, 100), 1000);
  }

  @Override
  public Flow.Publisher<Body> createFlowPublisher(long elements) {
    return FlowStreams.receiving(elements, null).publisher();
  }

  @Override
  public Flow.Publisher<Body> createFailedFlowPublisher() {
    return FlowStreams.receiving(
            0, new CallosumException(ErrorCode.BAD_MESSAGE, "the sender failed the stream"))
        .publisher();
  }
}
