package io.callosum.testing;

import io.callosum.OrderKey;
import io.callosum.internal.Header;
import io.callosum.internal.MessageCodec;
import io.callosum.internal.MessageType;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-driven endpoint on a lower, below the peer protocol: sends whatever bytes a test crafts
 * and collects what arrives. Used to inject bad input at the envelope level and to play a legacy
 * (Python Callosum) remote that announces nothing.
 */
public final class RawLink implements AutoCloseable {
  private final Endpoint endpoint;
  private final CompletableFuture<Link> link = new CompletableFuture<>();
  private final BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();
  private volatile boolean disconnected;

  private RawLink(Transport transport, URI address, Capabilities caps, boolean bind)
      throws Exception {
    LinkListener listener =
        new LinkListener() {
          @Override
          public void connected(Link l) {
            link.complete(l);
          }

          @Override
          public void received(Link l, Envelope envelope) {
            received.add(envelope);
          }

          @Override
          public void disconnected(Link l, Throwable cause) {
            disconnected = true;
          }
        };
    TransportConfig config = new TransportConfig(caps, 64 << 20, Duration.ofSeconds(10));
    endpoint =
        bind
            ? transport.bind(address, config, listener)
            : transport.connect(address, config, listener);
  }

  /** Connects to a peer, announcing {@code caps} ({@link Capabilities#LEGACY} plays Python). */
  public static RawLink connect(Transport transport, String address, Capabilities caps)
      throws Exception {
    RawLink r = new RawLink(transport, URI.create(address), caps, false);
    Await.result(r.link);
    return r;
  }

  /** Binds {@code address}; {@link #link()} completes when a peer connects. */
  public static RawLink bind(Transport transport, String address, Capabilities caps)
      throws Exception {
    return new RawLink(transport, URI.create(address), caps, true);
  }

  public String address() {
    return endpoint.address();
  }

  public Link link() throws Exception {
    return Await.result(link);
  }

  public boolean isDisconnected() {
    return disconnected;
  }

  public void send(byte[] header, byte[] body) throws Exception {
    link().send(new Envelope(header, body));
  }

  /** Sends a well-formed FUNCTION whose body is {@code appBody} (already encoded). */
  public void sendCall(String method, OrderKey okey, long seq, byte[] appBody) throws Exception {
    send(
        MessageCodec.encodeHeader(
            new Header(MessageType.FUNCTION, method, okey, seq, false, List.of())),
        MessageCodec.encodeBody(MessageCodec.NO_META, appBody, false));
  }

  /** The next envelope received, failing the test if none arrives within {@link Await#LIMIT}. */
  public Envelope next() throws InterruptedException {
    Envelope e = received.poll(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    if (e == null) {
      throw new AssertionError("nothing received within " + Await.LIMIT);
    }
    return e;
  }

  /** The next envelope's decoded header. */
  public Header nextHeader() throws Exception {
    return MessageCodec.decodeHeader(next().header(), 1 << 20, 1024);
  }

  /** The {@code [name, repr, traceback]} of a FAILURE or ERROR reply. */
  public static String[] errorMeta(Envelope reply) throws Exception {
    return MessageCodec.decodeErrorMeta(
        MessageCodec.decodeBody(reply.body(), false, 1 << 20).meta());
  }

  /** Envelopes received and not yet taken. */
  public int backlog() {
    return received.size();
  }

  @Override
  public void close() {
    endpoint.close();
  }
}
