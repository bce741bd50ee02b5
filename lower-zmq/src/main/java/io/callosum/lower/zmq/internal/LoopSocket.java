package io.callosum.lower.zmq.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import zmq.ZError;

/**
 * The life of one ZeroMQ socket on an {@link IoLoop}: it holds a use of the context from
 * construction to close, opens its socket on the loop ({@link #open()}), is served when the
 * socket's notification channel fires ({@link #ready()}), and closes it on the loop, releasing the
 * context use last. Subclasses say what to open, how to serve and what to close.
 */
abstract class LoopSocket extends IoLoop.Handler {
  private static final Logger LOG = LoggerFactory.getLogger(LoopSocket.class);

  /** The longest an endpoint's close waits for jeromq to close its listening socket. */
  private static final long CLOSE_WAIT_MILLIS = 2_000;

  /** How soon a socket whose backlog still waits is served again ({@link #backlogWaits}). */
  static final long BACKLOG_RETRY_MILLIS = 10;

  protected final SharedContext shared;
  protected final ZMQ.Context context;
  protected final IoLoop loop;

  /** Completes when the socket is open (null) or failed to open (the exception). */
  protected final CompletableFuture<Void> opened = new CompletableFuture<>();

  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private SelectionKey key;

  /** The socket whose channel the loop watches (loop thread). */
  private ZMQ.Socket watched;

  /** Set by {@link #close()} from any thread; an open that has not run yet then fails. */
  private volatile boolean closeRequested;

  /** Loop thread: the socket was closed (or never opened). */
  private boolean done;

  /** The context use was given back (once, whichever way the socket ended). */
  private final AtomicBoolean released = new AtomicBoolean();

  /** Serves the socket again while its backlog waits (loop thread; null: none scheduled). */
  private IoLoop.Timer backlogRetry;

  /**
   * Takes a use of the context of {@code shared} and one of its loops, or {@code dedicated} if
   * given.
   */
  LoopSocket(SharedContext shared, IoLoop dedicated) throws IOException {
    this.shared = shared;
    this.context = shared.acquire(); // nothing after it can fail and leave it taken
    this.loop = dedicated != null ? dedicated : shared.loop();
  }

  /**
   * Creates the socket, binds or connects it (loop thread); returns the socket whose channel the
   * loop watches.
   */
  protected abstract ZMQ.Socket open() throws Exception;

  /** Closes the sockets (loop thread); the endpoint is ending. */
  protected abstract void closeSockets();

  /**
   * A new socket of {@code type} on the context, with an error that names the real limit when there
   * is none to have.
   */
  protected final ZMQ.Socket newSocket(SocketType type) throws IOException {
    try {
      return context.socket(type);
    } catch (ZMQException e) {
      if (e.getErrorCode() == ZError.EMFILE) {
        throw new IOException(
            "this ZeroMQ transport already holds "
                + shared.maxSockets()
                + " sockets, the most it may (ZmqOptions.maxSockets; each connected or bound peer"
                + " uses one)",
            e);
      }
      throw e;
    } catch (zmq.ZError.IOException e) {
      throw new IOException(
          "cannot create a ZeroMQ socket: "
              + e.getCause()
              + " (each socket takes four file descriptors: raise the process's limit, ulimit -n)",
          e);
    }
  }

  /** Starts opening on the loop; {@link #opened} tells how it went. */
  protected final void startOpen() {
    if (!closeRequested && !loop.post(this::openOnLoop)) {
      opened.completeExceptionally(new IllegalStateException("the ZeroMQ I/O loop has ended"));
      release();
      closed.complete(null);
    }
  }

  /** What jeromq's failure means: ZMQException's own message is only "Errno 48". */
  static String reason(Throwable failure) {
    String message = String.valueOf(failure.getMessage());
    if (failure instanceof ZMQException z && message.startsWith("Errno ")) {
      try {
        return ZMQ.Error.findByCode(z.getErrorCode()).getMessage();
      } catch (IllegalArgumentException unknown) {
        return message;
      }
    }
    return message;
  }

  private void release() {
    if (released.compareAndSet(false, true)) {
      shared.release();
    }
  }

  /**
   * Starts opening and waits for the socket to be open; closes and throws if it does not open. The
   * exception says why in words ("Address already in use"), not which address: the core, which
   * reports the failure, names the address and what it was doing.
   */
  protected final void openAndWait(long timeoutMillis, String what) throws IOException {
    startOpen();
    try {
      opened.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      close();
      throw new IOException(reason(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      close();
      throw new IOException("could not " + what + " within " + timeoutMillis + " ms", e);
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while trying to " + what, e);
    }
  }

  private void openOnLoop() {
    if (done) {
      return;
    }
    if (closeRequested) {
      opened.completeExceptionally(new IllegalStateException("closed while opening"));
      finish();
      return;
    }
    try {
      ZMQ.Socket s = open();
      key = loop.register(s.getFD(), this);
      watched = s;
      opened.complete(null);
      afterOpen();
    } catch (Throwable t) {
      opened.completeExceptionally(t);
      finish();
      if (t instanceof Error error) {
        throw error;
      }
    }
  }

  /**
   * Loop thread (or one that entered the loop): messages wait in the subclass's backlog (one was
   * just kept there, or some are left after a look that found nothing to read), so the socket is
   * served again in {@value #BACKLOG_RETRY_MILLIS} ms, which tries the backlog again and, while it
   * still waits, calls this again. A pipe that gets room again tells its socket with a command on
   * the socket's notification channel, and any jeromq call on the socket processes commands and
   * takes that signal: one made after the backlog's last send failed (the look for messages that
   * came meanwhile, a send to another remote, the look of a thread that leaves the loop) leaves the
   * pipe writable, the backlog waiting and the channel silent. Nothing but another message or the
   * heartbeat tick would serve the socket then.
   */
  protected final void backlogWaits() {
    if (backlogRetry == null && !done) {
      backlogRetry =
          loop.schedule(
              BACKLOG_RETRY_MILLIS,
              () -> {
                backlogRetry = null;
                if (!done) {
                  loop.again(this);
                }
              });
    }
  }

  /**
   * Watches {@code s} instead of the socket watched so far (a socket replaced on the loop thread).
   */
  protected final void watch(ZMQ.Socket s) throws ClosedChannelException {
    if (key != null) {
      key.cancel();
    }
    key = loop.register(s.getFD(), this);
    watched = s;
  }

  /** Whether messages wait on the watched socket (a thread that entered the loop sent on it). */
  @Override
  boolean hasInput() {
    return isOpen() && watched != null && Sockets.hasIn(watched);
  }

  /**
   * Closes {@code s}, a bound socket, and waits (at most {@link #CLOSE_WAIT_MILLIS}) until jeromq
   * has closed its listening socket. Closing a jeromq socket only asks its reaper to, and with the
   * context outliving its endpoints ({@link SharedContext}) the port would otherwise take
   * connections for a moment after the endpoint's close returned. What the socket queued for its
   * connections still goes out within its linger period while the reaper ends them; an unbind would
   * end the accepted connections at once (they are the listener's children in jeromq), losing a
   * server's last replies. Replaces the socket's event hook.
   */
  protected static void closeAndWait(ZMQ.Socket s) {
    String endpoint = s.getLastEndpoint();
    s.base().setEventHook(null, 0); // jeromq takes a new hook only in place of none
    if (endpoint == null || endpoint.startsWith("inproc://")) {
      s.close(); // no listening socket
      return;
    }
    CountDownLatch closed = new CountDownLatch(1);
    s.base()
        .setEventHook(
            event -> closed.countDown(),
            ZMQ.EVENT_CLOSED | ZMQ.EVENT_CLOSE_FAILED | ZMQ.EVENT_MONITOR_STOPPED);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
    s.close();
    try {
      if (!closed.await(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        LOG.debug("{} was not closed within {} ms of the close", endpoint, CLOSE_WAIT_MILLIS);
        return;
      }
      if (endpoint.startsWith("tcp://")) {
        awaitRefused(URI.create(endpoint), deadline);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until {@code address} refuses connections. jeromq reports its listening socket closed
   * when it has asked for that, but a channel registered with a selector is closed only at the
   * selector's next round (JDK 17), a moment later on jeromq's I/O thread.
   */
  private static void awaitRefused(URI address, long deadline) throws InterruptedException {
    InetSocketAddress target = new InetSocketAddress(address.getHost(), address.getPort());
    while (System.nanoTime() - deadline < 0) {
      try (Socket probe = new Socket()) {
        probe.connect(target, (int) CLOSE_WAIT_MILLIS);
      } catch (ConnectException refused) {
        return;
      } catch (IOException e) {
        LOG.debug("probing {} failed", address, e);
        return;
      }
      TimeUnit.MICROSECONDS.sleep(100);
    }
    LOG.debug("{} still took connections {} ms after its close", address, CLOSE_WAIT_MILLIS);
  }

  /** Called on the loop once the socket is open and watched. */
  protected void afterOpen() {}

  /**
   * If the socket is open, runs {@code batch} (reading it; true if it read anything) with the sends
   * of {@code outgoing} held to its end; returns what the batch returned.
   */
  protected final boolean readHolding(SendQueue outgoing, BooleanSupplier batch) {
    return isOpen() && outgoing.holding(batch);
  }

  /** Whether the socket is open and not closing (loop thread). */
  protected final boolean isOpen() {
    return key != null && !done;
  }

  /** Whether {@link #close()} was called (any thread). */
  protected final boolean closeRequested() {
    return closeRequested;
  }

  /**
   * Closes the socket and releases the context use; waits for it unless called on the loop thread.
   */
  public void close() {
    closeRequested = true;
    if (loop.inLoop()) {
      finish();
      return;
    }
    if (!loop.post(this::finish)) {
      loop.awaitStopped(); // the loop ended: it closed every socket it had
      release(); // and one that never reached it gives its use back here
      closed.complete(null);
    }
    closed.join();
  }

  @Override
  void closeOnLoopEnd() {
    finish();
  }

  private void finish() {
    if (done) {
      return;
    }
    done = true;
    watched = null;
    if (key != null) {
      key.cancel();
    }
    if (backlogRetry != null) {
      backlogRetry.cancel();
      backlogRetry = null;
    }
    try {
      closeSockets();
    } catch (RuntimeException e) {
      LOG.warn("closing a ZeroMQ socket on {} failed", loop.name(), e);
    } finally {
      opened.completeExceptionally(
          new IllegalStateException(key == null ? "closed while opening" : "closed"));
      release();
      closed.complete(null);
    }
  }
}
