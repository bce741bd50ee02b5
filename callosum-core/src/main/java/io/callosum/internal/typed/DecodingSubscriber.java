package io.callosum.internal.typed;

import io.callosum.Body;
import io.callosum.CodecException;
import java.lang.reflect.Type;
import java.util.concurrent.Flow;

/**
 * Passes a stream's items on to a typed subscriber, each decoded as {@code type}. An item that does
 * not decode cancels the stream and fails the subscriber with the {@link CodecException}; nothing
 * is signalled after that. Signals arrive one at a time (Reactive Streams rule 1.3), so no locking
 * is needed.
 */
final class DecodingSubscriber implements Flow.Subscriber<Body> {
  private final Flow.Subscriber<? super Object> target;
  private final Type type;
  private Flow.Subscription subscription;
  private boolean done;

  DecodingSubscriber(Flow.Subscriber<? super Object> target, Type type) {
    this.target = target;
    this.type = type;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    target.onSubscribe(s);
  }

  @Override
  public void onNext(Body item) {
    if (done) {
      return;
    }
    Object value;
    try {
      value = item.as(type);
    } catch (CodecException e) {
      done = true;
      subscription.cancel();
      target.onError(e);
      return;
    }
    target.onNext(value);
  }

  @Override
  public void onError(Throwable error) {
    if (!done) {
      done = true;
      target.onError(error);
    }
  }

  @Override
  public void onComplete() {
    if (!done) {
      done = true;
      target.onComplete();
    }
  }
}
