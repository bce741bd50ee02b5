package io.callosum.gateway.internal;

import io.callosum.CallosumException;
import io.callosum.lower.tcp.internal.Backlog;
import io.callosum.lower.tcp.internal.FrameConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A connection that records what the gateway does to it; its backlog is whatever the test sets. */
final class FakeConnection implements FrameConnection {
  final List<byte[]> sent = new ArrayList<>();
  final List<String> ended = new ArrayList<>();
  final String userId;
  long queued;
  boolean stalled;

  FakeConnection() {
    this(null);
  }

  FakeConnection(String userId) {
    this.userId = userId;
  }

  @Override
  public String remote() {
    return "127.0.0.1:1";
  }

  @Override
  public String userId() {
    return userId;
  }

  @Override
  public long bytesIn() {
    return 0;
  }

  @Override
  public long bytesOut() {
    return 0;
  }

  @Override
  public Backlog backlog() {
    return new Backlog() {
      @Override
      public long queuedBytes() {
        return queued;
      }

      @Override
      public boolean stalled() {
        return stalled;
      }
    };
  }

  @Override
  public void send(byte[] frame) {
    sent.add(frame);
  }

  @Override
  public void send(byte[] frame, Runnable written) {
    sent.add(frame);
  }

  @Override
  public void abort(int code, String reason) {
    ended.add(code + " " + reason);
  }

  @Override
  public void shutdown(String reason, CallosumException cause) {
    ended.add("shutdown " + reason);
  }

  /** The kind and the text after the channel field of the last frame sent. */
  String last() {
    byte[] f = sent.get(sent.size() - 1);
    return (f[0] & 0xff) + " " + new String(f, 5, f.length - 5, StandardCharsets.UTF_8);
  }
}
