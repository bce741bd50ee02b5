package io.callosum.inproc;

import io.callosum.ConnectionLostException;
import io.callosum.internal.InProcessFanout;
import io.callosum.internal.Threads;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.FanoutConfig;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process lower ({@code inproc://name}): peers in one JVM, no sockets. Messages are still
 * fully encoded to bytes, each endpoint has its own I/O thread, and connects and disconnects are
 * reported like on a network, so it stands in for a real lower in tests and serves co-located
 * peers. Names are global to the JVM; binding a name that is in use fails.
 */
public final class InProcessTransport implements Transport {
  private static final ConcurrentHashMap<String, Server> BOUND = new ConcurrentHashMap<>();
  private static final AtomicLong IDS = new AtomicLong();

  /**
   * A handle on the JVM's in-process lower. Every instance serves the same names; the one found by
   * the {@code inproc} scheme is as good as one passed to a builder.
   */
  public InProcessTransport() {}

  @Override
  public Set<String> schemes() {
    return Set.of("inproc");
  }

  /**
   * Bound names, their open links, and the in-process broadcast and pipeline endpoints: 0 once
   * everything in-process has closed. Tests read it through {@code InProcessEntries} (core
   * test-jar).
   */
  static int entries() {
    int n = InProcessFanout.entries();
    for (Server s : BOUND.values()) {
      n += 1 + s.links.size();
    }
    return n;
  }

  private static String name(URI address) {
    String s = address.toString();
    if (!s.startsWith("inproc://") || s.length() == "inproc://".length()) {
      throw new IllegalArgumentException("not an in-process address (inproc://NAME): " + s);
    }
    return s.substring("inproc://".length());
  }

  /**
   * Both patterns, with ZeroMQ's queue policy (see {@code io.callosum.internal.InProcessFanout}).
   */
  @Override
  public boolean supports(FanoutPattern pattern) {
    return true;
  }

  @Override
  public FanoutSender openSender(URI address, FanoutConfig config, Runnable writable)
      throws IOException {
    return InProcessFanout.openSender(name(address), config, writable);
  }

  @Override
  public FanoutReceiver openReceiver(
      URI address, FanoutConfig config, List<String> topicPrefixes, FanoutListener listener)
      throws IOException {
    return InProcessFanout.openReceiver(name(address), config, topicPrefixes, listener);
  }

  @Override
  public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    String name = name(address);
    Server server = new Server(name, config, listener);
    if (BOUND.putIfAbsent(name, server) != null) {
      server.io.shutdownNow();
      throw new IOException("inproc address already in use: " + address);
    }
    return server;
  }

  @Override
  public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    String name = name(address);
    Server server = BOUND.get(name);
    if (server == null) {
      throw new ConnectionLostException("no peer is bound at " + address);
    }
    ExecutorService io =
        Threads.singleThread("callosum-inproc-io-" + name + "-c" + IDS.incrementAndGet());
    long id = IDS.incrementAndGet();
    Side clientSide = new Side(io, listener);
    PipeEnd clientEnd = new PipeEnd("inproc-" + id, clientSide, server.config.localCapabilities());
    PipeEnd serverEnd = new PipeEnd("inproc-" + id, server.side, config.localCapabilities());
    clientEnd.other = serverEnd;
    serverEnd.other = clientEnd;
    // Each side must hear "connected" before anything the other sends. The client's event is
    // queued first (so nothing the server sends can overtake it) but runs only once the server's
    // event is queued too (so nothing the client sends from it can overtake that).
    CountDownLatch serverKnows = new CountDownLatch(1);
    AtomicBoolean accepted = new AtomicBoolean();
    clientSide.post(
        () -> {
          awaitUninterruptibly(serverKnows);
          if (accepted.get()) {
            listener.connected(clientEnd);
          }
        });
    accepted.set(server.accept(serverEnd));
    serverKnows.countDown();
    if (!accepted.get()) {
      Threads.shutdownAndWait(io);
      throw new ConnectionLostException("no peer is bound at " + address);
    }
    return new Client(address.toString(), io, clientEnd);
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Where one end's events run: its endpoint's I/O thread and the core's listener. */
  private static final class Side {
    final ExecutorService io;
    final LinkListener listener;

    Side(ExecutorService io, LinkListener listener) {
      this.io = io;
      this.listener = listener;
    }

    boolean post(Runnable r) {
      try {
        io.execute(r);
        return true;
      } catch (RejectedExecutionException e) {
        return false;
      }
    }
  }

  /** One end of an in-process connection. */
  private static final class PipeEnd implements Link {
    final String id;
    final Side side;
    final Capabilities remoteCaps;
    final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Its I/O thread has reported it disconnected: nothing is delivered to it any more. What the
     * other end sent before it closed is (it was queued before the report), so the last messages of
     * a peer that closes, its last replies or a CANCEL, are not lost.
     */
    boolean reported;

    volatile PipeEnd other;
    volatile Set<PipeEnd> registry;

    PipeEnd(String id, Side side, Capabilities remoteCaps) {
      this.id = id;
      this.side = side;
      this.remoteCaps = remoteCaps;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Capabilities remoteCapabilities() {
      return remoteCaps;
    }

    @Override
    public void send(Envelope envelope) {
      PipeEnd to = other;
      if (closed.get() || to.closed.get()) {
        throw new ConnectionLostException("inproc connection " + id + " is closed");
      }
      if (!to.side.post(
          () -> {
            if (!to.reported) {
              to.side.listener.received(to, envelope);
            }
          })) {
        throw new ConnectionLostException("inproc connection " + id + " is closed");
      }
    }

    @Override
    public void close() {
      disconnect(null);
    }

    void disconnect(Throwable cause) {
      for (PipeEnd end : new PipeEnd[] {this, other}) {
        if (end.closed.compareAndSet(false, true)) {
          Set<PipeEnd> r = end.registry;
          if (r != null) {
            r.remove(end);
          }
          end.side.post(
              () -> {
                end.reported = true;
                end.side.listener.disconnected(end, cause);
              });
        }
      }
    }
  }

  private static final class Server implements Endpoint {
    final String name;
    final TransportConfig config;
    final ExecutorService io;
    final Side side;
    final Set<PipeEnd> links = ConcurrentHashMap.newKeySet();
    volatile boolean closed;

    Server(String name, TransportConfig config, LinkListener listener) {
      this.name = name;
      this.config = config;
      this.io = Threads.singleThread("callosum-inproc-io-" + name);
      this.side = new Side(io, listener);
    }

    synchronized boolean accept(PipeEnd end) {
      if (closed) {
        return false;
      }
      links.add(end);
      end.registry = links;
      return side.post(
          () -> {
            if (!end.closed.get()) {
              side.listener.connected(end);
            }
          });
    }

    @Override
    public String address() {
      return "inproc://" + name;
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      BOUND.remove(name, this);
      for (PipeEnd end : links) {
        end.disconnect(new ConnectionLostException("inproc peer at " + address() + " closed"));
      }
      links.clear();
      Threads.shutdownAndWait(io);
    }
  }

  private static final class Client implements Endpoint {
    final String address;
    final ExecutorService io;
    final PipeEnd end;

    Client(String address, ExecutorService io, PipeEnd end) {
      this.address = address;
      this.io = io;
      this.end = end;
    }

    @Override
    public String address() {
      return address;
    }

    @Override
    public void close() {
      end.disconnect(null);
      Threads.shutdownAndWait(io);
    }
  }
}
