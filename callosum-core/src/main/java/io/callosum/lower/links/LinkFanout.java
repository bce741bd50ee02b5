package io.callosum.lower.links;

import io.callosum.internal.FanoutSenderCore;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broadcast and pipelines over the links of any lower, behind {@link LinkFanoutTransport}: a sender
 * and its receivers are endpoints of that lower, and items travel as envelopes with credit-based
 * flow control instead of high-water marks. Each receiver link grants its sender credit in items
 * (its queue capacity at first, then what it has handed on); the sender spends one per item. So the
 * policy is the one of every lower: a broadcast item for a receiver without credit is dropped for
 * it (the publisher never waits), and a pipeline item waits in the sender's queue until some
 * receiver has credit (round robin). A broadcast item that a receiver with credit would take but
 * whose link's send backlog is full ({@link Link#backlogFull}: the lower cannot keep up, though the
 * receiver reads) is refused as a whole, sent to nobody, for the publisher to try again: a receiver
 * that keeps up loses nothing to a burst. Connecting broadcast receivers of one transport share one
 * link per address ({@link SharedBroadcastReceivers}); the receivers here are the others.
 *
 * <p>Envelopes (header; body):
 *
 * <pre>
 * ITEM      01 | topic length (u16) | topic | item header (17 bytes) ; item body
 * SUBSCRIBE 02 | count (u16) | (length (u16) | prefix)*              ; empty (receiver to sender)
 * CREDIT    03 | items (u32)                                         ; empty (receiver to sender)
 * </pre>
 *
 * Endpoints announce what they are ({@code broadcast-sender}, {@code pipeline-receiver}, ...); a
 * link to anything else is closed.
 */
final class LinkFanout {
  private static final Logger LOG = LoggerFactory.getLogger(LinkFanout.class);
  static final byte ITEM = 1;
  static final byte SUBSCRIBE = 2;
  static final byte CREDIT = 3;
  static final byte[] EMPTY = new byte[0];
  private static final int MAX_PREFIXES = 1024;

  private LinkFanout() {}

  private static String feature(FanoutPattern p, boolean sender) {
    return p.name().toLowerCase(Locale.ROOT) + (sender ? "-sender" : "-receiver");
  }

  private static TransportConfig config(FanoutConfig c, boolean sender) {
    Capabilities caps =
        new Capabilities(
            Capabilities.VERSION,
            ThreadLocalRandom.current().nextLong(),
            Set.of(feature(c.pattern(), sender)));
    return new TransportConfig(
        caps, c.maxMessageSize() + FanoutSenderCore.MAX_TOPIC_BYTES + 64, Duration.ofSeconds(10));
  }

  static Endpoint open(
      LinkFanoutTransport t, URI address, FanoutConfig c, boolean sender, LinkListener listener)
      throws IOException {
    return t.openFanoutEndpoint(address, config(c, sender), listener, c);
  }

  /** Whether {@code link} is the other side of this pattern; closes it otherwise. */
  static boolean counterpart(Link link, FanoutPattern p, boolean weSend) {
    if (link.remoteCapabilities().has(feature(p, !weSend))) {
      return true;
    }
    LOG.warn(
        "closed link {}: it is not a {} (it announced {})",
        link.id(),
        feature(p, !weSend),
        link.remoteCapabilities().features());
    link.close();
    return false;
  }

  static boolean send(Link link, byte[] header, byte[] body) {
    try {
      link.send(new Envelope(header, body));
      return true;
    } catch (RuntimeException e) {
      LOG.debug("not sent to {}: {}", link.id(), e.getMessage());
      return false;
    }
  }

  // ------------------------------------------------------------------ sender

  /**
   * The sending side over {@code t}'s endpoints (see {@link Transport#openSender}), with at most
   * {@code maxCredit} items in flight to any one receiver whatever credit it grants.
   */
  static FanoutSender openSender(
      LinkFanoutTransport t, URI address, FanoutConfig c, Runnable writable, long maxCredit)
      throws IOException {
    if (maxCredit < 1) {
      throw new IllegalArgumentException("maxCredit must be positive: " + maxCredit);
    }
    Sender s = new Sender(c, writable, maxCredit);
    s.endpoint = open(t, address, c, true, s);
    return s;
  }

  private static final class Remote {
    final Link link;

    /** Broadcast: the receiver's topic prefixes, null until it subscribed. */
    List<byte[]> prefixes;

    long credit;

    Remote(Link link) {
      this.link = link;
    }

    boolean matches(byte[] topic) {
      return prefixes != null && LinkFanout.matches(prefixes, topic);
    }
  }

  private static final class Sender implements FanoutSender, LinkListener {
    final FanoutConfig config;
    final Runnable writable;

    /** The most items in flight to one receiver. */
    final long maxCredit;

    final Map<Link, Remote> remotes = new LinkedHashMap<>();

    /** The values of {@link #remotes}, for round robin without a copy per item. */
    final List<Remote> ring = new ArrayList<>();

    final ArrayDeque<FanoutItem> queue = new ArrayDeque<>();
    volatile Endpoint endpoint;
    int next;
    boolean wantsRoom;
    boolean closed;

    Sender(FanoutConfig config, Runnable writable, long maxCredit) {
      this.config = config;
      this.writable = writable;
      this.maxCredit = maxCredit;
    }

    @Override
    public String address() {
      return endpoint.address();
    }

    @Override
    public boolean offer(FanoutItem item) {
      byte[] header = config.pattern() == FanoutPattern.BROADCAST ? itemHeader(item) : null;
      synchronized (this) {
        if (closed) {
          return false;
        }
        if (config.pattern() == FanoutPattern.BROADCAST) {
          long size = (long) header.length + item.body().length;
          for (Remote r : ring) {
            if (r.credit > 0 && r.link.backlogFull(size) && r.matches(item.topic())) {
              return false; // the lower cannot keep up with a receiver that reads: try again
            }
          }
          for (Remote r : ring) {
            if (r.credit > 0 && r.matches(item.topic())) {
              if (send(r.link, header, item.body())) {
                r.credit--; // an item the lower refused never reaches the receiver, which never
                // returns its credit
              }
            } // else: a receiver without credit misses this item
          }
          return true;
        }
        if (queue.size() >= config.queueCapacity()) {
          wantsRoom = true;
          return false;
        }
        queue.add(item);
        pump();
      }
      return true;
    }

    /** Pipeline: hands queued items to receivers with credit, in turn. Under this object's lock. */
    private boolean pump() {
      List<Remote> rs = ring;
      while (!queue.isEmpty() && !rs.isEmpty()) {
        Remote target = null;
        for (int i = 0; i < rs.size(); i++) {
          Remote r = rs.get((next + i) % rs.size());
          if (r.credit > 0) {
            target = r;
            next = (next + i + 1) % rs.size();
            break;
          }
        }
        if (target == null) {
          break;
        }
        FanoutItem item = queue.poll();
        if (send(target.link, itemHeader(item), item.body())) {
          target.credit--; // a refused item is lost (at most once), but not the receiver's credit
        }
      }
      if (wantsRoom && queue.size() < config.queueCapacity()) {
        wantsRoom = false;
        return true;
      }
      return false;
    }

    @Override
    public void connected(Link link) {
      if (!counterpart(link, config.pattern(), true)) {
        return;
      }
      synchronized (this) {
        Remote r = new Remote(link);
        remotes.put(link, r);
        ring.add(r);
      }
    }

    @Override
    public void received(Link link, Envelope env) {
      byte[] h = env.header();
      boolean room = false;
      synchronized (this) {
        Remote r = remotes.get(link);
        if (r == null || h.length == 0) {
          return;
        }
        try {
          if (h[0] == CREDIT && h.length == 5) {
            long more = Integer.toUnsignedLong(ByteBuffer.wrap(h, 1, 4).getInt());
            // Capped: items in flight (sent, not yet credited back) plus credit never exceed
            // maxCredit,
            // and a hostile receiver cannot overflow it.
            r.credit = Math.min(r.credit + more, Math.min(maxCredit, 1L << 32));
            if (config.pattern() == FanoutPattern.PIPELINE) {
              room = pump();
            }
          } else if (h[0] == SUBSCRIBE) {
            r.prefixes = prefixes(h);
          } else {
            throw new IllegalArgumentException(
                "unknown message kind " + h[0] + " (" + h.length + " bytes)");
          }
        } catch (RuntimeException e) {
          LOG.warn(
              "{} at {}: closing receiver link {}: {}",
              config.pattern(),
              address(),
              link.id(),
              e.getMessage());
          ring.remove(remotes.remove(link));
          link.close();
        }
      }
      if (room) {
        writable.run();
      }
    }

    @Override
    public void disconnected(Link link, Throwable cause) {
      synchronized (this) {
        ring.remove(
            remotes.remove(link)); // pipeline items it had not taken are lost with it: at most once
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        queue.clear();
      }
      Endpoint e = endpoint;
      if (e != null) {
        e.close();
      }
    }
  }

  private static byte[] itemHeader(FanoutItem item) {
    return ByteBuffer.allocate(3 + item.topic().length + item.header().length)
        .put(ITEM)
        .putShort((short) item.topic().length)
        .put(item.topic())
        .put(item.header())
        .array();
  }

  /** Whether {@code topic} starts with one of {@code prefixes}. */
  static boolean matches(List<byte[]> prefixes, byte[] topic) {
    for (byte[] p : prefixes) {
      if (topic.length >= p.length && Arrays.equals(topic, 0, p.length, p, 0, p.length)) {
        return true;
      }
    }
    return false;
  }

  /** A SUBSCRIBE header for {@code topics} (prefixes). */
  static byte[] subscribe(Collection<String> topics) {
    ByteBuffer b =
        ByteBuffer.allocate(
            3 + topics.stream().mapToInt(t -> 2 + t.getBytes(StandardCharsets.UTF_8).length).sum());
    b.put(SUBSCRIBE).putShort((short) topics.size());
    for (String t : topics) {
      byte[] p = t.getBytes(StandardCharsets.UTF_8);
      b.putShort((short) p.length).put(p);
    }
    return b.array();
  }

  /** A CREDIT header granting {@code items} more. */
  static byte[] credit(long items) {
    return ByteBuffer.allocate(5).put(CREDIT).putInt((int) items).array();
  }

  /** The prefixes of a SUBSCRIBE header; throws IllegalArgumentException if malformed. */
  static List<byte[]> prefixes(byte[] h) {
    ByteBuffer b = ByteBuffer.wrap(h, 1, h.length - 1);
    if (b.remaining() < 2) {
      throw new IllegalArgumentException("truncated SUBSCRIBE");
    }
    int n = Short.toUnsignedInt(b.getShort());
    if (n > MAX_PREFIXES) {
      throw new IllegalArgumentException(
          "SUBSCRIBE with " + n + " prefixes (at most " + MAX_PREFIXES + ")");
    }
    List<byte[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (b.remaining() < 2) {
        throw new IllegalArgumentException("truncated SUBSCRIBE");
      }
      int len = Short.toUnsignedInt(b.getShort());
      if (len > FanoutSenderCore.MAX_TOPIC_BYTES || len > b.remaining()) {
        throw new IllegalArgumentException("SUBSCRIBE prefix of " + len + " bytes");
      }
      byte[] p = new byte[len];
      b.get(p);
      out.add(p);
    }
    if (b.hasRemaining()) {
      throw new IllegalArgumentException("trailing bytes after SUBSCRIBE");
    }
    return out;
  }

  // ------------------------------------------------------------------ receiver

  /** The item an ITEM envelope carries; throws IllegalArgumentException if malformed. */
  static FanoutItem parseItem(Envelope env) {
    byte[] h = env.header();
    if (h.length < 3 || h[0] != ITEM) {
      throw new IllegalArgumentException(
          "a message of kind " + (h.length == 0 ? "none" : h[0]) + " where items come");
    }
    ByteBuffer b = ByteBuffer.wrap(h, 1, h.length - 1);
    int topicLength = Short.toUnsignedInt(b.getShort());
    if (topicLength > FanoutSenderCore.MAX_TOPIC_BYTES || topicLength > b.remaining()) {
      throw new IllegalArgumentException(
          "an item whose topic of " + topicLength + " bytes does not fit");
    }
    byte[] topic = new byte[topicLength];
    b.get(topic);
    byte[] header = new byte[b.remaining()];
    b.get(header);
    return new FanoutItem(topic, header, env.body());
  }

  /**
   * The receiving side over {@code t}'s endpoints (see {@link Transport#openReceiver}), granting
   * each sender at most {@code maxCredit} items in flight even when its queue capacity is larger.
   */
  static FanoutReceiver openReceiver(
      LinkFanoutTransport t,
      URI address,
      FanoutConfig c,
      List<String> topics,
      FanoutListener listener,
      long maxCredit)
      throws IOException {
    if (maxCredit < 1) {
      throw new IllegalArgumentException("maxCredit must be positive: " + maxCredit);
    }
    Receiver r =
        new Receiver(
            c,
            topics.isEmpty() ? List.of("") : topics,
            listener,
            Math.min(c.queueCapacity(), maxCredit));
    r.endpoint = open(t, address, c, false, r);
    return r;
  }

  /**
   * What a receiver knows of one sender link: credit it owes back, items held while paused (counted
   * in the link's memory budget while held).
   */
  private static final class Source extends SenderCredit {
    private final ArrayDeque<FanoutItem> held = new ArrayDeque<>();

    Source(Link link, long window) {
      super(link, window);
    }

    void hold(FanoutItem item) {
      link.memory().add(size(item));
      held.add(item);
    }

    FanoutItem poll() {
      FanoutItem item = held.poll();
      if (item != null) {
        link.memory().release(size(item));
      }
      return item;
    }

    boolean holds() {
      return !held.isEmpty();
    }

    /** The link is gone: what it held is dropped. */
    void drop() {
      while (poll() != null) {
        // each one released as it goes
      }
    }

    private static long size(FanoutItem item) {
      return (long) item.topic().length + item.header().length + item.body().length;
    }
  }

  private static final class Receiver implements FanoutReceiver, LinkListener {
    final FanoutConfig config;

    /** The credit granted to each sender link: the queue capacity, or less if the lower says so. */
    final long window;

    final byte[] subscribe;
    final FanoutListener listener;

    /** This side's name for the log, made only when a sender overdraws (not per item). */
    final Supplier<String> where = this::name;

    private String name() {
      return config.pattern() + " at " + address();
    }

    final Map<Link, Source> sources = new LinkedHashMap<>();
    volatile Endpoint endpoint;
    boolean paused;

    Receiver(FanoutConfig config, List<String> topics, FanoutListener listener, long window) {
      this.config = config;
      this.window = window;
      this.listener = listener;
      this.subscribe = subscribe(topics);
    }

    @Override
    public String address() {
      return endpoint.address();
    }

    @Override
    public void connected(Link link) {
      if (!counterpart(link, config.pattern(), false)) {
        return;
      }
      Source s = new Source(link, window);
      synchronized (this) {
        sources.put(link, s);
      }
      if (config.pattern() == FanoutPattern.BROADCAST) {
        send(link, subscribe, EMPTY);
      }
      s.grantWindow();
    }

    /**
     * One item from a sender (the lower's I/O thread). Items go to the core under this object's
     * lock, so that those held while paused and new ones never overtake each other (the core's
     * listener never blocks).
     */
    @Override
    public synchronized void received(Link link, Envelope env) {
      Source s = sources.get(link);
      if (s == null) {
        return;
      }
      FanoutItem item;
      try {
        item = parseItem(env);
      } catch (RuntimeException e) {
        listener.malformed(e.getMessage());
        return;
      }
      if (!s.spend(where)) {
        sources.remove(link).drop();
        return;
      }
      if (paused || s.holds()) {
        s.hold(item); // at most the credit it had: bounded
        return;
      }
      deliver(s, item);
    }

    /**
     * Under the lock: hands {@code item} to the core; pauses on a false answer; grants credit back
     * every half queue and at the end of a read round.
     */
    private void deliver(Source s, FanoutItem item) {
      if (!listener.received(item)) {
        paused = true;
      }
      s.handedOn(this);
    }

    /**
     * Items held while paused go first, one sender after another, until paused again. Any thread.
     */
    @Override
    public synchronized void resume() {
      paused = false;
      boolean delivered = true;
      while (!paused && delivered) {
        delivered = false;
        for (Source s : sources.values()) {
          FanoutItem item = s.poll();
          if (item != null) {
            deliver(s, item);
            delivered = true;
            if (paused) {
              break;
            }
          }
        }
      }
    }

    @Override
    public void disconnected(Link link, Throwable cause) {
      synchronized (this) {
        Source s = sources.remove(link);
        if (s != null) {
          s.drop();
        }
      }
    }

    @Override
    public void close() {
      Endpoint e = endpoint;
      if (e != null) {
        e.close();
      }
    }
  }
}
