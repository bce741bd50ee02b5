package io.callosum.lower.tcp.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one connection's security layer ({@link ConnectionSecurity}): the handshake, then every
 * other use of the layer under one lock, until its secrets are wiped once the connection has ended.
 * A client takes each handshake frame on the I/O thread. A server screens each frame on the I/O
 * thread (cheap checks: a malformed frame costs no key agreement), queues at most {@link
 * #MAX_QUEUED} of them, and runs them one at a time: the step's cryptography on a handshake thread,
 * an admission decision (the user's authenticator, which may block) on an authenticator thread
 * ({@link Pools}), and the outcome back on the I/O thread ({@link Steps}). The handshake deadline
 * (preamble and security handshake together) is checked here too.
 *
 * <p>Threads: {@link #frame}, {@link #open}, {@link #end}, {@link #expired} and the server's
 * admission place on the I/O thread; {@link #sealed} from any thread; steps and decisions on the
 * pools' threads, which hand their outcome to the I/O thread with {@link Steps#post}.
 */
final class HandshakeDriver implements Outbound.Sealer {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeDriver.class);

  /**
   * Handshake frames a remote may have queued while one is checked (CURVE's screening lets through
   * two in all).
   */
  static final int MAX_QUEUED = 4;

  /**
   * Where a server's handshake work runs: the transport's bounded pools ({@link HandshakeWork}).
   */
  interface Pools {
    /**
     * Runs one step's cryptography soon; false if the queue is full (it will not run). Any thread.
     */
    boolean step(Runnable task);

    /** Runs one admission decision soon; false if the queue is full. Any thread. */
    boolean decide(Runnable task);

    /** A connection admitted from {@code source} completed or left its handshake. I/O thread. */
    void release(InetAddress source);
  }

  /** What the handshake does to its connection. I/O thread, except {@link #post}. */
  interface Steps {
    /** Runs {@code task} on the I/O thread (any thread). */
    void post(Runnable task);

    /**
     * A step is done: {@code replies} are to be sent (handshake frames), and the layer is {@code
     * established} or not.
     */
    void stepped(List<byte[]> replies, boolean established);

    /** The layer refused the handshake (with a reply for the remote, or none). */
    void refused(SecurityFailure failure);

    /** The remote queued more frames than {@link #MAX_QUEUED}: a protocol error. */
    void overrun(String reason);

    /** The transport's pools took no more work (full, or closing): the connection ends. */
    void dropped(String reason);
  }

  /** A call on the security layer that may refuse. */
  private interface SecurityCall<T> {
    T call() throws SecurityFailure;
  }

  private final ConnectionSecurity security;
  private final boolean client;
  private final Steps steps;
  private final long startNanos;
  private final long timeoutNanos;

  /**
   * Held for every use of the layer but {@code open} (I/O thread only) and {@code screen}: steps,
   * seals, wiping.
   */
  private final ReentrantLock lock = new ReentrantLock();

  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private boolean busy;
  private Pools pools;

  /**
   * Server: the remote address holding one of the transport's handshake places until it is given
   * back; else null.
   */
  private InetAddress admittedFrom;

  /**
   * Whether the connection has ended: waiting steps and decisions do nothing, and the secrets go.
   */
  private volatile boolean ended;

  /** Whether the layer's secrets have been wiped. */
  private volatile boolean wiped;

  HandshakeDriver(
      ConnectionSecurity security,
      boolean client,
      Steps steps,
      long startNanos,
      long timeoutNanos) {
    this.security = security;
    this.client = client;
    this.steps = steps;
    this.startNanos = startNanos;
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * Server with security: its handshake runs on {@code pools}, and holds the place admitted from
   * {@code source} until {@link #leave}.
   */
  void serve(Pools pools, InetAddress source) {
    this.pools = pools;
    this.admittedFrom = source;
  }

  String mechanism() {
    return security.mechanism();
  }

  /** Whether the layer is the NULL mechanism (frames travel as they are). */
  boolean plain() {
    return security instanceof NullSecurity;
  }

  /** The handshake frames to send at once (a client's HELLO). */
  List<byte[]> start() {
    return locked(security::start);
  }

  boolean established() {
    return locked(security::established);
  }

  /** Server side, once established: the authenticated user id. */
  String userId() {
    return locked(security::userId);
  }

  private <T> T locked(Supplier<T> call) {
    lock.lock();
    try {
      return call.get();
    } finally {
      unlock();
    }
  }

  /**
   * What the remote closing the connection during the handshake means: {@code lost}, unless a
   * client's security layer can tell more (a CURVE server closes without a word on a HELLO for
   * another server key; see {@link ConnectionSecurity#closedInHandshake}): then that, as an
   * authentication failure of {@code remote}.
   */
  CallosumException closedInHandshake(ConnectionLostException lost, String remote) {
    String meaning = client ? security.closedInHandshake() : null;
    if (meaning == null) {
      return lost;
    }
    LOG.info("{}: {}", remote, meaning);
    return new AuthenticationException(
        "connection to "
            + remote
            + " closed during the "
            + security.mechanism()
            + " handshake: "
            + meaning);
  }

  /**
   * Why the handshake is over its deadline at {@code now}, or null: no preamble and handshake
   * within the timeout, described for {@code phase}. I/O thread.
   */
  String expired(long now, Connection.Phase phase) {
    if (now - startNanos <= timeoutNanos) {
      return null;
    }
    long ms = timeoutNanos / 1_000_000;
    if (phase == Connection.Phase.CONNECTING) {
      return "no TCP connection within " + ms + " ms";
    }
    if (phase == Connection.Phase.PREAMBLE) {
      return client
          ? "accepted, but sent no Callosum TCP preamble within "
              + ms
              + " ms (not a Callosum TCP peer, or stalled)"
          : "no preamble within " + ms + " ms";
    }
    return "the "
        + security.mechanism()
        + " security handshake did not complete within "
        + ms
        + " ms";
  }

  /** One handshake frame from the remote. I/O thread. */
  void frame(byte[] frame) {
    if (client) {
      List<byte[]> replies;
      try {
        replies = secured(() -> security.receive(frame));
      } catch (SecurityFailure e) {
        steps.refused(e);
        return;
      }
      steps.stepped(replies, established());
      return;
    }
    try {
      security.screen(
          frame); // cheap checks on this thread: a malformed frame costs no key agreement
    } catch (SecurityFailure e) {
      steps.refused(e);
      return;
    }
    if (queue.size() >= MAX_QUEUED) {
      steps.overrun("more than " + MAX_QUEUED + " handshake frames queued");
      return;
    }
    queue.add(frame);
    next();
  }

  /**
   * Server side: checks the next queued frame on a handshake thread; an admission decision then
   * goes to an authenticator thread.
   */
  private void next() {
    if (busy || queue.isEmpty() || ended) {
      return;
    }
    byte[] frame = queue.poll();
    busy = true;
    if (!pools.step(() -> step(frame))) {
      busy = false;
      steps.dropped("the transport's handshake queue is full, or it is closing");
    }
  }

  /**
   * A handshake thread: one step's cryptography; its replies go to the I/O thread, or its decision
   * to an authenticator thread.
   */
  private void step(byte[] frame) {
    if (ended) {
      return; // ended while the step waited for a thread: no key agreement for it
    }
    ConnectionSecurity.Step step;
    try {
      step = secured(() -> security.handshakeStep(frame));
    } catch (SecurityFailure e) {
      stepDone(null, e);
      return;
    }
    if (step.decision() == null) {
      stepDone(step.replies(), null);
    } else if (!pools.decide(() -> decide(step))) {
      stepDone(
          null,
          new SecurityFailure(
              SecurityFailure.Kind.PROTOCOL,
              "the transport's authenticator queue is full, or it is closing"));
    }
  }

  /**
   * An authenticator thread: the user's authenticator (no lock held: it may block), then the step's
   * end under the lock.
   */
  private void decide(ConnectionSecurity.Step step) {
    if (ended) {
      return; // ended while the decision waited for a thread: the authenticator is not asked
    }
    List<byte[]> replies = new ArrayList<>(step.replies());
    try {
      step.decision().ask();
      replies.addAll(secured(() -> step.decision().finish()));
    } catch (SecurityFailure e) {
      stepDone(null, e);
      return;
    } catch (
        RuntimeException
            e) { // a Decision never throws; should one, the connection ends and the thread goes on
      stepDone(
          null,
          new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "the admission check failed: " + e));
      return;
    }
    stepDone(replies, null);
  }

  /**
   * Any thread: a server step ended with {@code replies} or {@code failure}; the I/O thread goes on
   * with it.
   */
  private void stepDone(List<byte[]> replies, SecurityFailure failure) {
    steps.post(
        () -> {
          busy = false;
          if (ended) {
            return;
          }
          if (failure != null) {
            steps.refused(failure);
          } else {
            steps.stepped(replies, established());
            next();
          }
        });
  }

  /**
   * Runs {@code call} under the lock; a runtime fault in it (a local bug, a destroyed key) fails
   * the handshake.
   */
  private <T> T secured(SecurityCall<T> call) throws SecurityFailure {
    lock.lock();
    try {
      return call.call();
    } catch (RuntimeException e) {
      throw new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "handshake failed: " + e);
    } finally {
      unlock();
    }
  }

  /**
   * Seals {@code frame} and hands the result to {@code queue} under the lock, so that records are
   * queued in nonce order; false (nothing queued) once the secrets are gone. Any thread.
   */
  @Override
  public boolean sealed(byte[] frame, Consumer<byte[]> queue) {
    return sealedUnderLock(() -> security.seal(frame), queue);
  }

  /**
   * {@link #sealed} for the DATA frame of {@code channel} with {@code header} and a body of {@code
   * bodyHead} then {@code body}, which the security layer builds in place ({@link
   * ConnectionSecurity#sealData}). Any thread.
   */
  @Override
  public boolean sealedData(
      int channel, byte[] header, byte[] bodyHead, byte[] body, Consumer<byte[]> queue) {
    return sealedUnderLock(() -> security.sealData(channel, header, bodyHead, body), queue);
  }

  private boolean sealedUnderLock(Supplier<byte[]> seal, Consumer<byte[]> queue) {
    lock.lock();
    try {
      if (wiped) {
        return false;
      }
      queue.accept(seal.get());
      return true;
    } finally {
      unlock();
    }
  }

  /**
   * The plaintext of one received record, or null for a DATA frame opened straight into the arrays
   * {@code into} gave ({@link ConnectionSecurity#open(byte[], ConnectionSecurity.DataTarget)}).
   * Only the I/O thread opens, without the lock: seal and open keep separate state once established
   * (CURVE.md, Threads), so a sender sealing a big frame never stalls the I/O thread and its other
   * connections.
   */
  byte[] open(byte[] record, ConnectionSecurity.DataTarget into) throws SecurityFailure {
    return security.open(record, into);
  }

  /** Gives back the handshake place, if this connection holds one. I/O thread. */
  void leave() {
    if (admittedFrom != null) {
      pools.release(admittedFrom);
      admittedFrom = null;
    }
  }

  /**
   * The connection has ended: queued frames are dropped, waiting work does nothing, the place is
   * given back, the secrets are wiped. I/O thread.
   */
  void end() {
    ended = true;
    queue.clear();
    leave();
    wipe();
  }

  /**
   * Lets go of the lock; if the connection has ended meanwhile, the holder wipes the secrets on its
   * way out.
   */
  private void unlock() {
    lock.unlock();
    if (ended) {
      wipe();
    }
  }

  /**
   * Overwrites the layer's secrets, once, unless another thread is using the layer: that thread
   * does it when it lets go ({@link #unlock}), so ending a connection never waits for a seal or a
   * handshake step. Any thread, once {@link #ended}.
   */
  private void wipe() {
    if (!wiped && lock.tryLock()) {
      try {
        if (!wiped) {
          wiped = true;
          security.destroy();
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
