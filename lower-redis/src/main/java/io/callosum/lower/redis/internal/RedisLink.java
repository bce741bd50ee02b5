package io.callosum.lower.redis.internal;

import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One remote as the core sees it: sends append {@code hdr}/{@code msg} entries (and, from a Java
 * connecting peer, its {@code peer} and {@code caps}) to the stream the remote reads. Lettuce
 * pipelines the appends of one connection in order, so sends keep their order. {@link #send} is
 * thread-safe; a failed append ends the link through its endpoint.
 */
final class RedisLink implements Link {
  private final String id;
  private final Capabilities remote;
  private final Session session;
  private final String target;
  private final String peer;
  private final byte[] caps;
  private final boolean onlyIfExists;
  private final BiConsumer<RedisLink, Throwable> failed;
  private final Consumer<RedisLink> closer;
  private volatile boolean closed;
  long lastHeard = System.nanoTime();

  /**
   * @param peer this side's peer id to add to every entry, or null (bound side, or Python's format)
   * @param caps this side's capabilities to add with {@code peer}
   * @param onlyIfExists append only while {@code target} exists (a Java peer's own stream)
   */
  RedisLink(
      String id,
      Capabilities remote,
      Session session,
      String target,
      String peer,
      byte[] caps,
      boolean onlyIfExists,
      BiConsumer<RedisLink, Throwable> failed,
      Consumer<RedisLink> closer) {
    this.id = id;
    this.remote = remote;
    this.session = session;
    this.target = target;
    this.peer = peer;
    this.caps = caps;
    this.onlyIfExists = onlyIfExists;
    this.failed = failed;
    this.closer = closer;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Capabilities remoteCapabilities() {
    return remote;
  }

  /** The stream this link appends to. */
  String target() {
    return target;
  }

  @Override
  public void send(Envelope envelope) {
    if (closed) {
      throw new ConnectionLostException("link " + id + " is closed");
    }
    Map<String, byte[]> fields = new LinkedHashMap<>();
    fields.put(Entry.HDR, envelope.header());
    fields.put(Entry.MSG, envelope.body());
    if (peer != null) {
      fields.put(Entry.PEER, Entry.peerBytes(peer));
      fields.put(Entry.CAPS, caps);
    }
    session
        .append(target, fields, envelope.size(), onlyIfExists)
        .whenComplete(
            (ok, e) -> {
              if (e != null && !closed) {
                failed.accept(this, e);
              }
            });
  }

  /** Marks the link closed without telling anyone (its endpoint does that). */
  void markClosed() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    if (!closed) {
      closer.accept(this);
    }
  }

  @Override
  public String toString() {
    return id;
  }
}
