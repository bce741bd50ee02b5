package io.callosum.internal;

import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.Handler;
import io.callosum.Invocation;
import io.callosum.Limits;
import io.callosum.Ordering;
import io.callosum.PeerListener;
import io.callosum.RemotePeer;
import io.callosum.StreamHandler;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer protocol behind a {@link io.callosum.Peer} (either role): builds its parts, opens and
 * closes the lower, and tracks the connected remotes. The parts do the work — {@link Dispatcher}
 * routes what arrives, {@link IncomingCalls} serves calls (deciding with {@link CalleeScheduler}),
 * {@link OutgoingCalls} makes them, {@link ChunkTransfers} moves big messages, {@link
 * StreamRouting} moves streams, {@link PeerResources} owns the threads.
 *
 * <p>It is the {@link LinkListener} of its lower, so {@code connected}, {@code received} and {@code
 * disconnected} run on the lower's I/O thread: they route and hand off, never run user code (unless
 * the direct executor was chosen) and never throw. The other methods are called by the application
 * on any thread.
 */
public final class PeerEngine implements LinkListener {
  private static final Logger LOG = LoggerFactory.getLogger(PeerEngine.class);
  private static final AtomicLong PEER_IDS = new AtomicLong();

  private final PeerConfig config;
  private final Capabilities localCapabilities;
  private final String name;
  private final Map<Link, RemoteLink> remotes = new ConcurrentHashMap<>();
  private final PeerResources threads;
  private final SerialExecutor events;
  private final List<PeerListener> listeners;
  private final ChunkTransfers chunks;
  private final OutgoingCalls outgoing;
  private final IncomingCalls incoming;
  private final Dispatcher dispatcher;
  private final Drain drain;

  /** {@link RemotePeer#address()} of this peer's remotes. */
  private final Optional<String> remoteAddress;

  private final Object lifecycle = new Object();
  private boolean started;
  private volatile boolean closed;
  private volatile Endpoint endpoint;
  private volatile RemoteLink primary;

  /** The target of {@link #call}: the primary remote when the call is made. */
  @SuppressWarnings("UnnecessaryLambda") // made once: a method reference would allocate per call
  private final Supplier<RemoteLink> primaryTarget = () -> primary;

  private final CompletableFuture<RemoteLink> firstRemote = new CompletableFuture<>();

  public PeerEngine(PeerConfig config) {
    this.config = config;
    Limits limits = config.limits();
    this.name = config.name() != null ? config.name() : "peer" + PEER_IDS.incrementAndGet();
    this.remoteAddress =
        config.bind()
            ? Optional.empty()
            : Optional.of(RemoteLink.withoutUserInfo(config.address()));
    long instance;
    do {
      instance = ThreadLocalRandom.current().nextLong();
    } while (instance == 0);
    this.localCapabilities =
        new Capabilities(Capabilities.VERSION, instance, features(config.ordering()));
    // Calls nested in callback chains may run beyond maxConcurrentCalls, up to the calls admitted.
    this.threads =
        new PeerResources(
            config, name, (long) limits.maxConcurrentCalls() + limits.maxQueuedCalls());
    this.events = new SerialExecutor(threads::onCallbackThread);
    this.listeners = List.copyOf(config.listeners());
    this.drain = new Drain(name, this::internalEntries, this::close);
    Interceptors interceptors = new Interceptors(config.interceptors());
    DropLog drops = new DropLog(LoggerFactory.getLogger(DropLog.class));
    StreamRouting streams = new StreamRouting(name, drops, config, threads.callbacks);
    this.chunks =
        new ChunkTransfers(
            name,
            config.chunkSize(),
            limits,
            threads.timer,
            this::failReply,
            this::tooLarge,
            drain::check);
    this.outgoing =
        new OutgoingCalls(
            name, drops, config, threads, interceptors, chunks, streams, this::isClosed, drain);
    this.incoming =
        new IncomingCalls(
            name,
            drops,
            config,
            threads,
            interceptors,
            chunks,
            streams,
            outgoing,
            this::isClosed,
            drain);
    this.dispatcher =
        new Dispatcher(
            name,
            drops,
            limits,
            incoming,
            outgoing,
            chunks,
            streams,
            drain,
            this::remoteShuttingDown);
  }

  /** What this peer announces: every extension, and {@code ordered} when it keeps key order. */
  private static Set<String> features(Ordering ordering) {
    Set<String> f = new LinkedHashSet<>();
    f.add(Capabilities.CHAIN);
    f.add(Capabilities.STREAM);
    f.add(Capabilities.CHUNK);
    if (ordering != Ordering.NONE) {
      f.add(Capabilities.ORDERED);
    }
    f.add(Capabilities.METADATA);
    f.add(Capabilities.DEADLINE);
    f.add(Capabilities.SHUTDOWN);
    return f;
  }

  private void failReply(RemoteLink r, Header reply, CallosumException error) {
    outgoing.fail(r, reply, error, 0);
  }

  private void tooLarge(RemoteLink r, Header h, long size) {
    dispatcher.tooLarge(r, h, size);
  }

  // ---------------------------------------------------------------- lifecycle

  public Capabilities localCapabilities() {
    return localCapabilities;
  }

  public void start() {
    synchronized (lifecycle) {
      if (started) {
        throw new IllegalStateException("peer already started");
      }
      if (closed) {
        throw new IllegalStateException("peer is closed");
      }
      if (drain.isDraining()) {
        throw new IllegalStateException("peer is shut down");
      }
      started = true;
    }
    TransportConfig tc =
        new TransportConfig(
            localCapabilities, config.limits().maxMessageSize(), config.connectTimeout());
    String shown = RemoteLink.withoutUserInfo(config.address()); // no password in messages
    if (config.bind()) {
      try {
        own(config.transport().bind(config.address(), tc, this));
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("cannot bind " + shown + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      return;
    }
    try {
      own(config.transport().connect(config.address(), tc, this));
      firstRemote.get(config.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (IOException e) {
      close();
      throw new ConnectionLostException("cannot connect to " + shown + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(); // e.g. ConnectionLostException, AuthenticationException from the lower
      throw e;
    } catch (TimeoutException e) {
      close();
      throw new ConnectionLostException(
          "connect to " + shown + " timed out after " + config.connectTimeout().toMillis() + " ms");
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new ConnectionLostException("interrupted while connecting to " + shown, e);
    } catch (ExecutionException e) {
      close();
      throw new ConnectionLostException(
          "cannot connect to " + shown + ": " + e.getCause(), e.getCause());
    }
  }

  /** Takes the endpoint the lower opened; if {@code close()} ran meanwhile, closes it and fails. */
  private void own(Endpoint e) {
    synchronized (lifecycle) {
      if (!closed) {
        endpoint = e;
        return;
      }
    }
    e.close();
    throw new ConnectionLostException("peer closed while starting");
  }

  public String address() {
    Endpoint e = endpoint;
    return e != null ? e.address() : RemoteLink.withoutUserInfo(config.address());
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Starts a graceful shutdown (see {@link io.callosum.Peer#shutdown()}): new calls are refused
   * both ways, remotes that announced {@code shutdown} are told, and once nothing is left in flight
   * the peer closes itself. Returns at once; idempotent.
   */
  public void shutdown() {
    synchronized (lifecycle) {
      if (closed || !drain.start()) {
        return;
      }
    }
    LOG.debug("{}: shutting down; {} remotes are told", name, remotes.size());
    for (RemoteLink r : remotes.values()) {
      tellShuttingDown(r);
    }
    drain.check();
  }

  /** Tells {@code r} that this peer is shutting down, if it announced that it understands. */
  private void tellShuttingDown(RemoteLink r) {
    if (!r.capabilities.has(Capabilities.SHUTDOWN)) {
      return; // a Python peer sees error replies, then the connection end
    }
    try {
      r.link.send(Replies.shutdown());
    } catch (RuntimeException e) {
      LOG.debug("{}: SHUTDOWN to {} not sent: {}", name, r.id(), e.getMessage());
    }
  }

  /** A remote said it is shutting down (I/O thread): no new calls go to it; listeners hear it. */
  private void remoteShuttingDown(RemoteLink r) {
    if (r.shuttingDown) {
      return;
    }
    r.shuttingDown = true;
    LOG.debug("{}: {} is shutting down", name, r.id());
    for (PeerListener l : listeners) {
      events.execute(() -> l.shuttingDown(r));
    }
  }

  /** Whether {@link #shutdown()} or {@link #close()} was called. */
  public boolean isShutdown() {
    return closed || drain.isDraining();
  }

  /** Whether the peer has closed and released everything. */
  public boolean isTerminated() {
    return drain.isTerminated();
  }

  /** Waits up to {@code timeout} for the peer to terminate; true if it did. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return drain.await(timeout);
  }

  /**
   * Fails every pending call, cancels every served one, closes the lower (its threads end before
   * this returns), then stops the timer and the executors the peer made.
   */
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    drain.closing();
    firstRemote.completeExceptionally(new ConnectionLostException("peer closed"));
    for (RemoteLink r : new ArrayList<>(remotes.values())) {
      ConnectionLostException closed = new ConnectionLostException("peer closed");
      dropRemote(r, closed, closed, true);
    }
    Endpoint e;
    synchronized (lifecycle) {
      e = endpoint;
    }
    if (e != null) {
      try {
        e.close();
      } catch (RuntimeException ex) {
        LOG.warn("{}: closing the lower failed", name, ex);
      }
    }
    threads.close();
    drain.terminated();
  }

  // ---------------------------------------------------------------- handlers and remotes

  public void handle(String method, Handler handler) {
    incoming.handle(method, handler);
  }

  public void handleStream(String method, StreamHandler handler) {
    incoming.handleStream(method, handler);
  }

  public void unhandle(String method) {
    incoming.unhandle(method);
  }

  public List<RemotePeer> remotes() {
    return List.copyOf(remotes.values());
  }

  /** The remote of a connecting peer, or null if it is not connected. */
  public RemotePeer primary() {
    return primary;
  }

  /** A call of the primary remote: for a connecting peer only (a bound peer's type has no call). */
  public Invocation call(String method) {
    return new InvocationImpl(outgoing, primaryTarget, method, null);
  }

  /** How many calls this peer holds in any internal table: 0 when idle (tests read it). */
  public int internalEntries() {
    int n = outgoing.entries() + chunks.entries();
    for (RemoteLink r : remotes.values()) {
      n += r.pending.size() + r.serving.size() + r.chunksOut.size() + r.chunksIn.size();
    }
    return n + incoming.entries();
  }

  // ---------------------------------------------------------------- lower events (I/O thread)

  @Override
  public void connected(Link link) {
    if (closed) {
      link.close();
      return;
    }
    RemoteLink r =
        new RemoteLink(
            outgoing,
            link,
            incoming.join(RemoteLink.sourceOf(link, weightOf(link))),
            remoteAddress);
    remotes.put(link, r);
    if (!config.bind()) {
      primary = r;
      firstRemote.complete(r);
    }
    LOG.debug("{}: {} connected ({})", name, link.id(), r.capabilities);
    for (PeerListener l : listeners) {
      events.execute(() -> l.connected(r));
    }
    if (drain.isDraining()) {
      tellShuttingDown(r); // its calls are refused until this peer has closed
    }
  }

  /** The remote's share weight from the user's function (1 if it has none, or fails). */
  private int weightOf(Link link) {
    if (config.shareWeights() == null) {
      return 1;
    }
    Optional<String> identity = link.identity();
    try {
      int w = config.shareWeights().applyAsInt(identity);
      if (w >= 1) {
        return w;
      }
      LOG.warn("{}: share weight {} for {} is below 1; using 1", name, w, link.id());
    } catch (RuntimeException e) {
      LOG.warn("{}: the share weight of {} failed; using 1", name, link.id(), e);
    }
    return 1;
  }

  @Override
  public void disconnected(Link link, Throwable cause) {
    RemoteLink r = remotes.get(link);
    if (r != null) {
      String why =
          "connection to " + link.id() + " lost" + (cause != null ? ": " + cause.getMessage() : "");
      ConnectionLostException error = new ConnectionLostException(why, cause);
      dropRemote(r, error, cause == null ? null : error, false);
    }
    if (!config.bind()) {
      firstRemote.completeExceptionally(
          new ConnectionLostException("connection closed during connect", cause));
    }
  }

  /**
   * Ends everything in flight with {@code r}: transfers, the calls made to it, the calls it made
   * (they fail with {@code error}). Listeners hear {@code heard}: null when the remote closed the
   * connection in order.
   */
  private void dropRemote(
      RemoteLink r, ConnectionLostException error, Throwable heard, boolean closeLink) {
    if (!remotes.remove(r.link, r)) {
      return;
    }
    r.connected = false;
    chunks.disconnected(r);
    outgoing.disconnected(r, error);
    incoming.disconnected(r);
    if (closeLink) {
      r.link.close();
    }
    LOG.debug("{}: {} disconnected: {}", name, r.id(), error.getMessage());
    for (PeerListener l : listeners) {
      events.execute(() -> l.disconnected(r, heard));
    }
    drain.check();
  }

  @Override
  public void received(Link link, Envelope envelope) {
    try {
      RemoteLink r = remotes.get(link);
      if (r == null || closed) {
        LOG.debug("{}: dropped a message from {} (not connected)", name, link.id());
        return;
      }
      dispatcher.received(r, envelope);
    } catch (RuntimeException | Error e) {
      // Never let a remote's message end the lower's receive loop.
      LOG.error("{}: unexpected failure handling a message from {}", name, link.id(), e);
    }
    drain.check(); // after the whole message: a call it completed is then admitted or answered
  }

  @Override
  public String toString() {
    return "Peer("
        + name
        + ", "
        + (config.bind() ? "bound at " : "connected to ")
        + address()
        + ")";
  }
}
