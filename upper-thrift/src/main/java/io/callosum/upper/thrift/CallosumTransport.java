package io.callosum.upper.thrift;

import io.callosum.Futures;
import io.callosum.Invoker;
import io.callosum.Payload;
import io.callosum.upper.thrift.internal.ThriftMessages;
import java.io.ByteArrayOutputStream;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * A client-side Thrift transport that carries each call through a Callosum peer, so that a
 * generated {@code Client} works unchanged over any lower:
 *
 * <pre>{@code
 * Calc.Client calc = new Calc.Client(ThriftClients.protocol(new CallosumTransport(peer, "Calc")));
 * long sum = calc.add(40, 2);
 * }</pre>
 *
 * <p>The client writes a message (CALL, method, seqid) and its arguments; on {@link #flush()} the
 * bytes leave as one Callosum call of {@code Service.method} (e.g. {@code Calc.add}), and {@link
 * #read} waits for its reply. A failure that is not a Thrift reply (timeout, lost connection, an
 * undeclared exception of the remote implementation, a malformed request) is thrown as the core's
 * {@link io.callosum.CallosumException}, unchecked, out of the generated method.
 *
 * <p>Not thread-safe, like the generated clients: use one per thread, or {@link ThriftClients} for
 * calls from any number of threads over one peer. {@link #close()} does not close the peer.
 */
public final class CallosumTransport extends TTransport {
  private final Invoker invoker;
  private final String service;
  private final CallOptions options;
  private final TConfiguration configuration;
  private final ByteArrayOutputStream written = new ByteArrayOutputStream(128);
  private CompletableFuture<Payload> sent;
  private CompletableFuture<Payload> lastSent;
  private TMemoryInputTransport reply;
  private boolean open = true;

  /** A transport calling {@code service}'s methods through {@code invoker}, with default limits. */
  public CallosumTransport(Invoker invoker, String service) {
    this(invoker, service, CallOptions.DEFAULT, ThriftMessages.DEFAULT_CONFIGURATION);
  }

  /** As above, with per-call options and Thrift's size limits for requests and replies. */
  public CallosumTransport(
      Invoker invoker, String service, CallOptions options, TConfiguration configuration) {
    this.configuration = Objects.requireNonNull(configuration, "configuration");
    this.invoker = Objects.requireNonNull(invoker, "invoker");
    this.service = Objects.requireNonNull(service, "service");
    this.options = Objects.requireNonNull(options, "options");
  }

  @Override
  public TConfiguration getConfiguration() {
    return configuration;
  }

  /** Nothing to do: each reply is bounded by the configuration when it arrives. */
  @Override
  public void updateKnownMessageSize(long size) {}

  @Override
  public void resetMessageSizeAndConsumedBytes(long newSize) {}

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void open() {
    open = true;
  }

  /** Stops this transport; the peer stays open. */
  @Override
  public void close() {
    open = false;
    sent = null;
    lastSent = null;
    reply = null;
  }

  @Override
  public void write(byte[] buf, int off, int len) throws TTransportException {
    if (!open) {
      throw new TTransportException(TTransportException.NOT_OPEN, "transport closed");
    }
    if ((long) written.size() + len > getConfiguration().getMaxMessageSize()) {
      written.reset();
      throw new TTransportException(
          TTransportException.MESSAGE_SIZE_LIMIT,
          "Thrift request over " + getConfiguration().getMaxMessageSize() + " bytes");
    }
    written.write(buf, off, len);
  }

  /** Sends what was written as one call; the reply is read by {@link #read}. */
  @Override
  public void flush() throws TTransportException {
    if (written.size() == 0) {
      return;
    }
    byte[] bytes = written.toByteArray();
    written.reset();
    TMessage header = ThriftMessages.header(getConfiguration(), bytes);
    reply = null;
    lastSent =
        options
            .applyTo(invoker.call(ThriftMessages.wireName(service, header.name)))
            .invokeRaw(Payload.wrap(bytes));
    sent =
        header.type == TMessageType.ONEWAY
            ? null
            : lastSent; // the client reads no reply of a oneway call
  }

  @Override
  public int read(byte[] buf, int off, int len) throws TTransportException {
    return awaitReply().read(buf, off, len);
  }

  @Override
  public void checkReadBytesAvailable(long numBytes) throws TTransportException {
    awaitReply().checkReadBytesAvailable(numBytes);
  }

  private TMemoryInputTransport awaitReply() throws TTransportException {
    if (reply == null) {
      if (sent == null) {
        throw new TTransportException(
            TTransportException.END_OF_FILE, "no call is waiting for a reply");
      }
      CompletableFuture<Payload> call = sent;
      sent = null;
      accept(Futures.await(call));
    }
    return reply;
  }

  /** The call the last flush sent (a oneway one too), for an asynchronous caller to await. */
  CompletableFuture<Payload> takeSent() {
    CompletableFuture<Payload> call = lastSent;
    sent = null;
    lastSent = null;
    return call;
  }

  /**
   * Drops what a call that failed while writing its arguments left unsent (see
   * ThriftClients.protocol).
   */
  void discardUnsent() {
    written.reset();
  }

  /** Makes {@code payload} the reply that {@link #read} returns. */
  void accept(Payload payload) throws TTransportException {
    reply = new TMemoryInputTransport(getConfiguration(), payload.bytes());
  }
}
