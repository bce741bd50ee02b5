import io.callosum.inproc.InProcessTransport;
import io.callosum.lower.Transport;

/**
 * Callosum core: the {@link io.callosum.Peer} protocol in {@code io.callosum}; broadcast and
 * pipelines ({@code io.callosum.fanout}); named pipes ({@code io.callosum.pipe}); the lower ({@link
 * io.callosum.lower.Transport}) and upper ({@link io.callosum.upper.Codec}) SPIs, with fan-out over
 * links for lower implementers ({@code io.callosum.lower.links}); the msgpack upper and the
 * in-process lower ({@code io.callosum.inproc}). {@code io.callosum.internal} is not exported.
 */
module io.callosum.core {
  requires transitive org.slf4j;
  requires msgpack.core;
  requires jackson.dataformat.msgpack;
  requires com.fasterxml.jackson.databind;
  requires org.xerial.snappy;

  exports io.callosum;
  exports io.callosum.fanout;
  exports io.callosum.inproc;
  exports io.callosum.lower;
  exports io.callosum.lower.links;
  exports io.callosum.pipe;
  exports io.callosum.upper;

  uses Transport;

  provides Transport with
      InProcessTransport;
}
