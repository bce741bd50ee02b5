package io.callosum.upper.protobuf;

import com.google.protobuf.RpcCallback;
import com.google.protobuf.RpcController;
import io.callosum.CallosumException;
import io.callosum.OrderKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

/**
 * The {@link RpcController} of protoc's generic-service stubs ({@code option java_generic_services
 * = true}) over Callosum (see {@link ProtobufServices#rpcChannel}). Before a call: {@link
 * #orderKey} and {@link #timeout}, as for any Callosum call. After it: {@link #failed()}, {@link
 * #errorText()} and {@link #failure()} (the call's {@link CallosumException}). {@link
 * #startCancel()} cancels the call (CANCEL reaches the handler). One controller per call;
 * thread-safe.
 *
 * <p>At the server, a generic service receives one too: {@link #setFailed} fails the call (the
 * caller sees a {@code RemoteUserException} carrying the text), and {@link #isCanceled()} / {@link
 * #notifyOnCancel} follow the caller's cancellation.
 */
public final class ProtobufController implements RpcController {
  private OrderKey orderKey;
  private Duration timeout;
  private String errorText;
  private CallosumException failure;
  private boolean canceled;
  private Future<?> call;
  private final List<RpcCallback<Object>> onCancel = new ArrayList<>();

  /** A controller for one call: no order key, no timeout, not failed, not canceled. */
  public ProtobufController() {}

  /** The next call's order key; null for none. */
  public synchronized ProtobufController orderKey(OrderKey key) {
    this.orderKey = key;
    return this;
  }

  /** The next call's timeout; null for the peer's default. */
  public synchronized ProtobufController timeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  public synchronized OrderKey orderKey() {
    return orderKey;
  }

  public synchronized Duration timeout() {
    return timeout;
  }

  /** The failure of the last call, or null. */
  public synchronized CallosumException failure() {
    return failure;
  }

  @Override
  public synchronized void reset() {
    orderKey = null;
    timeout = null;
    errorText = null;
    failure = null;
    canceled = false;
    call = null;
    onCancel.clear();
  }

  @Override
  public synchronized boolean failed() {
    return errorText != null;
  }

  @Override
  public synchronized String errorText() {
    return errorText;
  }

  @Override
  public void startCancel() {
    Future<?> c;
    synchronized (this) {
      canceled = true;
      c = call;
    }
    if (c != null) {
      c.cancel(true);
    }
  }

  @Override
  public synchronized void setFailed(String reason) {
    this.errorText = reason;
  }

  @Override
  public synchronized boolean isCanceled() {
    return canceled;
  }

  @Override
  public void notifyOnCancel(RpcCallback<Object> callback) {
    synchronized (this) {
      if (!canceled) {
        onCancel.add(callback);
        return;
      }
    }
    callback.run(null);
  }

  /** The caller's side: the call being made; cancels it at once if cancel was already asked. */
  void started(Future<?> f) {
    boolean cancelNow;
    synchronized (this) {
      call = f;
      cancelNow = canceled;
    }
    if (cancelNow) {
      f.cancel(true);
    }
  }

  /** The caller's side: the call failed with {@code e}. */
  synchronized void failed(CallosumException e) {
    failure = e;
    errorText = String.valueOf(e.getMessage());
  }

  /** The server's side: the caller cancelled. */
  void cancelled() {
    List<RpcCallback<Object>> callbacks;
    synchronized (this) {
      canceled = true;
      callbacks = new ArrayList<>(onCancel);
      onCancel.clear();
    }
    callbacks.forEach(c -> c.run(null));
  }
}
