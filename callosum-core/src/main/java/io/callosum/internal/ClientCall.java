package io.callosum.internal;

import io.callosum.CallInfo;
import io.callosum.OrderKey;
import io.callosum.Timer;
import java.lang.reflect.Type;
import java.util.concurrent.CompletableFuture;

/** A call this peer made and whose reply it awaits (in its remote's {@code pending} table). */
final class ClientCall {
  final RemoteLink remote;
  final long seq;
  final String method;
  final OrderKey orderKey;

  /** The result type; null for a raw {@link io.callosum.Payload}. */
  final Type resultType;

  /** The streams the call opens (see {@link CallRequest#streams}). */
  final int streams;

  final Future future = new Future();
  final CallInfo info;
  final long startNanos;
  final long bytesOut;

  /** The call this peer serves from inside which this call was made (a callback), or null. */
  final ServerCall parent;

  /** This callback's random id in call chains (0 when not a callback). */
  final long token;

  volatile Timer.Scheduled timeout;

  /** The streams of a streaming call (null for a plain one); set before the FUNCTION leaves. */
  StreamOut upstream;

  StreamIn downstream;

  /** The call {@code request} describes (its body is not kept: it has been encoded). */
  ClientCall(
      CallRequest request,
      long seq,
      CallInfo info,
      long startNanos,
      long bytesOut,
      ServerCall parent,
      long token) {
    this.remote = request.target();
    this.seq = seq;
    this.method = request.method();
    this.orderKey = request.orderKey();
    this.resultType = request.resultType();
    this.streams = request.streams();
    this.info = info;
    this.startNanos = startNanos;
    this.bytesOut = bytesOut;
    this.parent = parent;
    this.token = token;
    future.call = this;
  }

  /**
   * Whether {@code h} (a reply or stream message with this call's seq) is about this call: same
   * meth and okey.
   */
  boolean answeredBy(Header h) {
    return method.equals(h.method()) && orderKey.equals(h.orderKey());
  }

  /** The future handed to the caller: cancelling it sends CANCEL to the remote. */
  final class Future extends CompletableFuture<Object> {
    ClientCall call;

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        remote.calls.cancelledLocally(call);
      }
      return cancelled;
    }
  }
}
