package io.callosum.upper.protobuf.internal;

import com.google.protobuf.Message;
import io.callosum.Body;
import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.Payload;
import io.callosum.StreamCall;
import io.callosum.StreamSink;
import io.callosum.StreamSource;
import io.callosum.upper.protobuf.MessageSink;
import io.callosum.upper.protobuf.MessageSource;
import io.callosum.upper.protobuf.MessageStreamCall;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/** Typed views of the core's streams: items are the messages' encoding, sent as {@link Payload}. */
final class MessageStreams {
  private MessageStreams() {}

  static final class Sink<T extends Message> implements MessageSink<T> {
    private final StreamSink sink;

    Sink(StreamSink sink) {
      this.sink = sink;
    }

    @Override
    public void send(T message) throws InterruptedException {
      sink.send(Payload.wrap(message.toByteArray()));
    }

    @Override
    public boolean send(T message, Duration timeout) throws InterruptedException {
      return sink.send(Payload.wrap(message.toByteArray()), timeout);
    }

    @Override
    public void complete() {
      sink.complete();
    }

    @Override
    public void fail(Throwable error) {
      sink.fail(error);
    }

    @Override
    public boolean isCancelled() {
      return sink.isCancelled();
    }
  }

  static final class Source<T extends Message> implements MessageSource<T> {
    private final StreamSource source;
    private final T prototype;

    Source(StreamSource source, T prototype) {
      this.source = source;
      this.prototype = prototype;
    }

    @Override
    public T take() throws InterruptedException {
      return parse(read(() -> source.take()));
    }

    @Override
    public T poll(Duration timeout) throws InterruptedException {
      return parse(read(() -> source.poll(timeout)));
    }

    private T parse(Body b) {
      return b == null ? null : Messages.parse(prototype, b.bytes());
    }

    private interface Read {
      Body get() throws InterruptedException;
    }

    private static Body read(Read r) throws InterruptedException {
      try {
        return r.get();
      } catch (CallosumException e) {
        throw Failures.unchecked(e);
      }
    }

    @Override
    public boolean isEnded() {
      return source.isEnded();
    }

    @Override
    public void cancel() {
      source.cancel();
    }
  }

  /** A caller's streaming call; for client streaming the response is the one item downstream. */
  static final class Call<Req extends Message, Resp extends Message>
      implements MessageStreamCall<Req, Resp> {
    private final StreamCall call;
    private final Sink<Req> requests;
    private final Source<Resp> responses;
    private final CompletableFuture<Resp> response = new CompletableFuture<>();

    Call(StreamCall call, Rpc rpc, boolean singleResponse) {
      this.call = call;
      this.requests = new Sink<>(call.upstream());
      @SuppressWarnings("unchecked")
      Resp prototype = (Resp) rpc.response;
      this.responses = singleResponse ? null : new Source<>(call.downstream(), prototype);
      CompletableFuture<Resp> item =
          singleResponse
              ? firstItem(call.downstream(), prototype)
              : CompletableFuture.completedFuture(null);
      // No action below throws: response carries every outcome, their own stages hold nothing more.
      var unusedOutcome =
          call.result()
              .whenComplete(
                  (v, e) -> {
                    if (e != null) {
                      response.completeExceptionally(Failures.translate(e));
                    } else {
                      var unusedItem =
                          item.whenComplete(
                              (r, f) -> {
                                if (f != null) {
                                  response.completeExceptionally(Failures.translate(f));
                                } else if (r == null && singleResponse) {
                                  response.completeExceptionally(
                                      new CallosumException(
                                          ErrorCode.BAD_MESSAGE,
                                          rpc.wireName + " ended without a response"));
                                } else {
                                  response.complete(r);
                                }
                              });
                    }
                  });
      var unusedCancel =
          response.whenComplete(
              (v, e) -> {
                if (response.isCancelled()) {
                  call.cancel();
                }
              });
    }

    /** The first item of {@code source}, parsed; null if the stream ended without one. */
    private static <R extends Message> CompletableFuture<R> firstItem(
        StreamSource source, R prototype) {
      CompletableFuture<R> out = new CompletableFuture<>();
      source
          .publisher()
          .subscribe(
              new Flow.Subscriber<Body>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                  s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(Body item) {
                  if (!out.isDone()) {
                    try {
                      out.complete(Messages.parse(prototype, item.bytes()));
                    } catch (RuntimeException e) {
                      out.completeExceptionally(e);
                    }
                  }
                }

                @Override
                public void onError(Throwable t) {
                  out.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                  out.complete(null);
                }
              });
      return out;
    }

    @Override
    public MessageSink<Req> requests() {
      return requests;
    }

    @Override
    public MessageSource<Resp> responses() {
      if (responses == null) {
        throw new IllegalStateException("a client-streaming call has one response: use response()");
      }
      return responses;
    }

    @Override
    public CompletableFuture<Resp> response() {
      return response;
    }

    @Override
    public boolean cancel() {
      return call.cancel();
    }
  }
}
