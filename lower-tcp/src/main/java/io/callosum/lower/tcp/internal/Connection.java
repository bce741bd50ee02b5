package io.callosum.lower.tcp.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.MessageTooLargeException;
import io.callosum.OverloadedException;
import io.callosum.lower.Envelope;
import io.callosum.lower.tcp.TcpOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection: preambles, the security handshake, then frames of any number of channels.
 * Everything here runs on the loop thread, except {@link #sendData} (any thread: it queues and asks
 * the loop to flush) and the server-side handshake: its steps run on the transport's handshake
 * threads and its admission decision on an authenticator thread ({@link HandshakeWork}), which
 * also admitted the connection to its handshake. Every use of the security layer but {@code open}
 * and {@code screen} holds {@link #securityLock}; the layer's secrets are wiped once the connection
 * has ended, by whoever holds that lock last. Reading fills the loop's shared direct buffer and copies each record out as it
 * arrives (a plain DATA record for an open channel straight into its envelope's two arrays, other
 * records into a record buffer that grows with them); writing copies queued frames into the shared direct buffer and writes as many as fit in
 * one call, keeping only an unwritten tail per connection. A sender finding nothing queued writes
 * a small plain frame itself ({@link #writeThrough}), so a lone request or reply needs no wake-up
 * of the loop.
 */
final class Connection implements IoLoop.Ready, IoLoop.Ticking {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
  /** How many bytes of a record are taken in at first; a record grows only as its bytes arrive. */
  private static final int FIRST_CHUNK = 64 << 10;
  /** Handshake frames a remote may have queued while one is checked (CURVE's screening lets through two in all). */
  private static final int MAX_QUEUED_HANDSHAKES = 4;
  /** The largest frame a sender writes itself when nothing is queued (larger ones go through the loop). */
  private static final int DIRECT_WRITE_MAX = 64 << 10;
  /** How long a connection must have written nothing for a sender to write itself (see {@link #writeThrough}). */
  private static final long IDLE_NANOS = 50_000;
  /** Bytes written per flush before other connections get their turn. */
  private static final int FLUSH_QUANTUM = 16 * IoLoop.BUFFER_SIZE;

  enum Phase {
    CONNECTING,
    PREAMBLE,
    HANDSHAKE,
    DATA,
    CLOSED
  }

  /** The endpoint side of a connection: a bound endpoint or a client bundle. Loop thread only. */
  interface Owner {
    /** The security handshake is done: channels may open. */
    void established(Connection c);

    /** An OPEN, OPENED or CLOSE frame ({@code frame[0]} is the kind). */
    void channelFrame(Connection c, int kind, int channel, byte[] frame);

    /** A channel of {@code c} was closed (locally or by the remote) or lost. */
    void channelClosed(Connection c, Channel channel);

    /** The connection ended; its channels have been reported lost. */
    void closed(Connection c, CallosumException cause);

    /** A well-formed DATA frame for a channel number that has no {@link Channel}; a gateway relays it. */
    default void data(Connection c, int channel, byte[] frame) {
      LOG.debug("{}: dropped DATA for channel {}, which is not open", c.remote, Integer.toUnsignedString(channel));
    }
  }

  /** A queued write: up to three byte arrays sent back to back; {@code done} (if any) runs on the loop once written. */
  private record Out(byte[] a, byte[] b, byte[] c, Runnable done) {
    Out(byte[] a, byte[] b, byte[] c) {
      this(a, b, c, null);
    }

    long size() {
      return (long) a.length + (b != null ? b.length : 0) + (c != null ? c.length : 0);
    }

    byte[] piece(int i) {
      return i == 0 ? a : i == 1 ? b : c;
    }
  }

  final IoLoop loop;
  final String remote;
  final boolean client;
  private final SocketChannel socket;
  private final Owner owner;
  private final ConnectionSecurity security;
  private final boolean plain;
  private final TcpOptions options;
  private final long startNanos;
  private SelectionKey key;
  private Phase phase;
  /** Open channels by number. Loop thread only. */
  final Map<Integer, Channel> channels = new HashMap<>();
  /** Channel opens refused for the limit (a bound endpoint cuts a flood). */
  int refusedOpens;
  private String userId;

  // reading
  private final byte[] preamble = new byte[Wire.PREAMBLE_SIZE];
  private int preambleFill;
  private final byte[] lengthBytes = new byte[4];
  private int lengthFill;
  private int recordLength = -1;
  private byte[] record;
  private int recordFill;
  private long lastRead;
  /**
   * A plain DATA record for an open channel is read straight into its envelope's two arrays (no
   * record buffer, no copies out of it): {@link #prefixing} while its first bytes (kind, channel,
   * header length) arrive, then {@link #direct}.
   */
  private final byte[] dataPrefix = new byte[Wire.DATA_FRAME_HEADER];
  private boolean prefixing;
  private boolean direct;
  private byte[] dataHeader;
  private int dataHeaderLength;
  private byte[] dataBody;
  private int dataChannel;

  // handshake (a bound endpoint checks frames on the handshake threads, one at a time)
  private final ArrayDeque<byte[]> handshakeQueue = new ArrayDeque<>();
  private boolean handshakeBusy;
  /** Server with security: the transport's handshake admission and pools (set before any other thread sees this). */
  private HandshakeWork work;
  /** Server: the remote address holding one of the transport's handshake places until DATA or the end; else null. */
  private InetAddress admittedFrom;
  /** Whether the security layer's secrets have been wiped (once the connection has ended). */
  private volatile boolean wiped;

  // writing
  private final ConcurrentLinkedQueue<Out> out = new ConcurrentLinkedQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean flushRequested = new AtomicBoolean();
  /** Held for every use of the security layer but {@code open} (loop only) and {@code screen}: steps, seals, wiping. */
  private final ReentrantLock securityLock = new ReentrantLock();
  private Out current;
  private int currentPiece;
  private int currentOffset;
  private ByteBuffer tail;
  /** Guards the write state ({@link #current}, {@link #tail}) and the socket's writes. */
  private final ReentrantLock writeLock = new ReentrantLock();
  private volatile long lastWrite;
  private volatile boolean closed;
  /** Bytes read and written on the socket (loop thread, and writers under the write lock). */
  private volatile long bytesIn;
  private volatile long bytesOut;

  private Connection(IoLoop loop, SocketChannel socket, String remote, boolean client, Owner owner, ConnectionSecurity security,
      TcpOptions options) {
    this.loop = loop;
    this.socket = socket;
    this.remote = remote;
    this.client = client;
    this.owner = owner;
    this.security = security;
    this.plain = security instanceof NullSecurity;
    this.options = options;
    this.startNanos = System.nanoTime();
    this.lastRead = startNanos;
    this.lastWrite = startNanos;
  }

  /**
   * Starts connecting to {@code address} (loop thread). Any failure, even an immediate one, is
   * reported to {@code owner.closed} later on the loop, never before this returns.
   */
  static Connection connect(IoLoop loop, InetSocketAddress address, String remote, Owner owner, ConnectionSecurity security,
      TcpOptions options) throws IOException {
    SocketChannel sc = SocketChannel.open();
    Connection c = new Connection(loop, sc, remote, true, owner, security, options);
    c.phase = Phase.CONNECTING;
    loop.addTicking(c);
    try {
      sc.configureBlocking(false);
      sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
      c.key = sc.register(loop.selector, SelectionKey.OP_CONNECT, c);
      if (sc.connect(address)) {
        c.connected();
      }
    } catch (IOException | RuntimeException e) {
      ConnectionLostException cause = unreachable(remote, e);
      loop.post(() -> c.fail(cause));
    }
    return c;
  }

  /**
   * Takes over an accepted socket (loop thread). A secured one must first be admitted to its
   * handshake ({@link HandshakeWork#admit}); if it is not, it is answered with the preamble and an
   * ABORT saying why and closed at once, read from never, and reported to {@code owner.closed}
   * later on the loop, never before this returns.
   */
  static Connection accepted(IoLoop loop, SocketChannel sc, String remote, Owner owner, ConnectionSecurity security, TcpOptions options)
      throws IOException {
    Connection c = new Connection(loop, sc, remote, false, owner, security, options);
    sc.configureBlocking(false);
    sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
    InetAddress source = ((InetSocketAddress) sc.getRemoteAddress()).getAddress();
    c.key = sc.register(loop.selector, SelectionKey.OP_READ, c);
    loop.addTicking(c);
    c.work = c.plain ? null : loop.handshakeWork();
    String refusal = c.plain ? null : c.work.admit(source, remote);
    if (refusal != null) {
      c.key.interestOps(0);
      c.begin();
      loop.post(() -> c.refuse(refusal));
      return c;
    }
    c.admittedFrom = c.plain ? null : source;
    c.begin();
    return c;
  }

  /** Not admitted to a handshake: the ABORT (after the preamble), then the end; logged by {@link HandshakeWork}. */
  private void refuse(String reason) {
    sendAbort(Wire.LIMIT, reason);
    fail(new ConnectionLostException("refused " + remote + ": " + reason));
  }

  private static ConnectionLostException unreachable(String remote, Exception e) {
    return new ConnectionLostException("cannot reach " + remote + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
  }

  private void connected() {
    key.interestOps(SelectionKey.OP_READ);
    begin();
  }

  /** Sends our preamble, and a client's first handshake frames right behind it. */
  private void begin() {
    phase = Phase.PREAMBLE;
    enqueue(new Out(Wire.preamble(security.mechanism()), null, null));
    List<byte[]> first;
    securityLock.lock();
    try {
      first = security.start();
    } finally {
      unlockSecurity();
    }
    for (byte[] f : first) {
      sendPlain(Wire.handshake(f));
    }
    flush();
  }

  String userId() {
    return userId;
  }

  // ------------------------------------------------------------------ reading

  @Override
  public void ready(SelectionKey k) {
    if (k.isConnectable()) {
      try {
        if (socket.finishConnect()) {
          connected();
        }
      } catch (IOException e) {
        fail(unreachable(remote, e));
        return;
      }
    }
    if (k.isValid() && k.isWritable()) {
      flush();
    }
    if (k.isValid() && k.isReadable()) {
      read();
    }
  }

  private void read() {
    ByteBuffer buf = loop.readBuffer;
    for (int i = 0; i < 16 && phase != Phase.CLOSED; i++) {
      buf.clear();
      int n;
      try {
        n = socket.read(buf);
      } catch (IOException e) {
        fail(closedByRemote(new ConnectionLostException("connection to " + remote + " lost: " + e.getMessage(), e)));
        return;
      }
      if (n < 0) {
        fail(closedByRemote(new ConnectionLostException("connection to " + remote + " closed by the remote")));
        return;
      }
      if (n == 0) {
        return;
      }
      lastRead = System.nanoTime();
      bytesIn += n;
      buf.flip();
      consume(buf);
      if (n < buf.capacity()) {
        return;
      }
    }
  }

  /**
   * {@code lost}, unless a client's security layer can tell what a close during its handshake means
   * (a CURVE server closes without a word on a HELLO for another server key): then that, as an
   * authentication failure.
   */
  private CallosumException closedByRemote(ConnectionLostException lost) {
    String meaning = client && phase == Phase.HANDSHAKE ? security.closedInHandshake() : null;
    if (meaning == null) {
      return lost;
    }
    LOG.info("{}: {}", remote, meaning);
    return new AuthenticationException("connection to " + remote + " closed during the " + security.mechanism() + " handshake: " + meaning);
  }

  private void consume(ByteBuffer buf) {
    while (buf.hasRemaining() && phase != Phase.CLOSED) {
      if (phase == Phase.PREAMBLE) {
        int n = Math.min(buf.remaining(), Wire.PREAMBLE_SIZE - preambleFill);
        buf.get(preamble, preambleFill, n);
        preambleFill += n;
        if (preambleFill == Wire.PREAMBLE_SIZE) {
          onPreamble();
        }
      } else if (recordLength < 0) {
        int n = Math.min(buf.remaining(), 4 - lengthFill);
        buf.get(lengthBytes, lengthFill, n);
        lengthFill += n;
        if (lengthFill == 4) {
          lengthFill = 0;
          int len = Wire.getInt(lengthBytes, 0);
          // Before the handshake completes (nobody is authenticated yet) records stay small.
          int max = phase != Phase.DATA ? Wire.MAX_HANDSHAKE_RECORD
              : (int) Math.min(Integer.MAX_VALUE, (long) options.maxFrameSize() + (plain ? 0 : Wire.SEAL_ALLOWANCE));
          if (len <= 0 || len > max) {
            abort(Wire.LIMIT, "frame length " + Integer.toUnsignedString(len) + " is outside 1.." + max
                + (phase == Phase.DATA ? "" : " (before the handshake completed)"));
            return;
          }
          recordLength = len;
          recordFill = 0;
          if (plain && phase == Phase.DATA && len >= Wire.DATA_FRAME_HEADER) {
            prefixing = true;
          } else {
            record = new byte[Math.min(len, FIRST_CHUNK)];
          }
        }
      } else if (prefixing) {
        int n = Math.min(buf.remaining(), Wire.DATA_FRAME_HEADER - recordFill);
        buf.get(dataPrefix, recordFill, n);
        recordFill += n;
        if (recordFill == Wire.DATA_FRAME_HEADER) {
          prefixing = false;
          startRecordBody();
        }
      } else if (direct) {
        int headerEnd = Wire.DATA_FRAME_HEADER + dataHeaderLength;
        int n;
        if (recordFill < headerEnd) {
          int at = recordFill - Wire.DATA_FRAME_HEADER;
          n = Math.min(buf.remaining(), headerEnd - recordFill);
          dataHeader = room(dataHeader, at, n, dataHeaderLength);
          buf.get(dataHeader, at, n);
        } else {
          int at = recordFill - headerEnd;
          n = Math.min(buf.remaining(), recordLength - recordFill);
          dataBody = room(dataBody, at, n, recordLength - headerEnd);
          buf.get(dataBody, at, n);
        }
        recordFill += n;
        if (recordFill == recordLength) {
          directDone();
        }
      } else {
        int n = Math.min(buf.remaining(), recordLength - recordFill);
        record = room(record, recordFill, n, recordLength);
        buf.get(record, recordFill, n);
        recordFill += n;
        if (recordFill == recordLength) {
          byte[] r = record;
          record = null;
          recordLength = -1;
          onRecord(r);
        }
      }
    }
  }

  /**
   * The first {@link Wire#DATA_FRAME_HEADER} bytes of a plain record are in: a well-formed DATA
   * frame for an open channel goes on {@link #direct}ly; anything else (another kind, a bad header
   * length, a channel the owner relays) goes through the record buffer as usual.
   */
  private void startRecordBody() {
    int number = Wire.getInt(dataPrefix, 1);
    int headerLength = Wire.getInt(dataPrefix, 5);
    if ((dataPrefix[0] & 0xff) == Wire.DATA && headerLength >= 0 && headerLength <= recordLength - Wire.DATA_FRAME_HEADER
        && channels.containsKey(number)) {
      direct = true;
      dataChannel = number;
      dataHeaderLength = headerLength;
      // As for any record, buffers grow as the bytes arrive: an announcement alone costs little.
      dataHeader = new byte[Math.min(headerLength, FIRST_CHUNK)];
      dataBody = new byte[Math.min(recordLength - Wire.DATA_FRAME_HEADER - headerLength, FIRST_CHUNK)];
      if (recordFill == recordLength) {
        directDone();
      }
      return;
    }
    record = new byte[Math.min(recordLength, Math.max(FIRST_CHUNK, Wire.DATA_FRAME_HEADER))];
    System.arraycopy(dataPrefix, 0, record, 0, Wire.DATA_FRAME_HEADER);
    if (recordFill == recordLength) {
      byte[] r = record;
      record = null;
      recordLength = -1;
      onRecord(r);
    }
  }

  /** {@code a}, or a copy of it grown (doubling, at most to {@code size}) to take {@code n} more bytes at {@code at}. */
  private static byte[] room(byte[] a, int at, int n, int size) {
    return at + n <= a.length ? a : Arrays.copyOf(a, (int) Math.min(size, Math.max(2L * a.length, (long) at + n)));
  }

  /** A {@link #direct} DATA record is complete: its envelope goes to its channel. */
  private void directDone() {
    byte[] header = dataHeader;
    byte[] body = dataBody;
    direct = false;
    dataHeader = null;
    dataBody = null;
    recordLength = -1;
    Channel ch = channels.get(dataChannel);
    if (ch != null) {
      ch.deliver(new Envelope(header, body));
    } else { // closed while its bytes arrived: as for any DATA on a channel that is not open
      byte[] f = new byte[Wire.DATA_FRAME_HEADER + header.length + body.length];
      System.arraycopy(dataPrefix, 0, f, 0, Wire.DATA_FRAME_HEADER);
      System.arraycopy(header, 0, f, Wire.DATA_FRAME_HEADER, header.length);
      System.arraycopy(body, 0, f, Wire.DATA_FRAME_HEADER + header.length, body.length);
      owner.data(this, dataChannel, f);
    }
  }

  private void onPreamble() {
    String problem = Wire.checkPreamble(preamble, security.mechanism());
    if (problem != null) {
      boolean mismatch = problem.startsWith("security mechanism");
      abort(mismatch ? Wire.AUTHENTICATION : Wire.PROTOCOL, problem);
      return;
    }
    if (security.established()) {
      enterData();
    } else {
      phase = Phase.HANDSHAKE;
    }
  }

  private void onRecord(byte[] r) {
    if (phase == Phase.HANDSHAKE) {
      int kind = r[0] & 0xff;
      if (kind == Wire.HANDSHAKE) {
        handshakeFrame(Arrays.copyOfRange(r, 1, r.length));
      } else if (kind == Wire.ABORT) {
        remoteAbort(r);
      } else {
        abort(Wire.PROTOCOL, "frame kind 0x" + Integer.toHexString(kind) + " before the security handshake completed");
      }
      return;
    }
    byte[] f;
    if (plain) {
      f = r;
    } else {
      try {
        // Only the loop opens; seal and open keep separate state once established (CURVE.md,
        // Threads), so a sender sealing a big frame never stalls the loop and its other connections.
        f = security.open(r);
      } catch (SecurityFailure e) {
        abort(e.kind() == SecurityFailure.Kind.AUTHENTICATION ? Wire.AUTHENTICATION : Wire.PROTOCOL, "refused frame: " + e.getMessage());
        return;
      }
    }
    if (f.length == 0) {
      abort(Wire.PROTOCOL, "empty frame");
      return;
    }
    int kind = f[0] & 0xff;
    switch (kind) {
      case Wire.DATA:
        onData(f);
        break;
      case Wire.PING:
        // Any record is life to the remote: with output pending a PONG adds nothing, and a remote
        // that floods PINGs without reading would otherwise queue one PONG per PING.
        if (queued.get() == 0) {
          sendFrame(new byte[] {(byte) Wire.PONG});
        }
        break;
      case Wire.PONG:
        break;
      case Wire.OPEN:
      case Wire.OPENED:
      case Wire.CLOSE:
      case Wire.OPEN_TO:
      case Wire.REGISTER:
      case Wire.REGISTERED:
      case Wire.UNREGISTER:
      case Wire.CREDIT:
        if (f.length < Wire.CHANNEL_FRAME_HEADER) {
          abort(Wire.PROTOCOL, "truncated channel frame of " + f.length + " bytes");
          return;
        }
        owner.channelFrame(this, kind, Wire.getInt(f, 1), f);
        break;
      case Wire.ABORT:
        remoteAbort(f);
        break;
      default:
        abort(Wire.PROTOCOL, "unknown frame kind 0x" + Integer.toHexString(kind));
    }
  }

  private void onData(byte[] f) {
    if (f.length < Wire.DATA_FRAME_HEADER) {
      abort(Wire.PROTOCOL, "truncated DATA frame of " + f.length + " bytes");
      return;
    }
    int number = Wire.getInt(f, 1);
    int headerLength = Wire.getInt(f, 5);
    if (headerLength < 0 || headerLength > f.length - Wire.DATA_FRAME_HEADER) {
      abort(Wire.PROTOCOL, "DATA frame with a header length of " + Integer.toUnsignedString(headerLength) + " in " + f.length + " bytes");
      return;
    }
    Channel ch = channels.get(number);
    if (ch == null) {
      owner.data(this, number, f);
      return;
    }
    int bodyStart = Wire.DATA_FRAME_HEADER + headerLength;
    ch.deliver(new Envelope(Arrays.copyOfRange(f, Wire.DATA_FRAME_HEADER, bodyStart), Arrays.copyOfRange(f, bodyStart, f.length)));
  }

  private void remoteAbort(byte[] f) {
    int code = f.length > 1 ? f[1] & 0xff : 0;
    String reason = Wire.reason(f, 2);
    String text = remote + " closed the connection (" + Wire.codeName(code) + "): " + reason;
    LOG.info("{}", text);
    fail(code == Wire.AUTHENTICATION ? new AuthenticationException(text) : new ConnectionLostException(text));
  }

  // ------------------------------------------------------------------ security handshake

  private void handshakeFrame(byte[] frame) {
    if (client) {
      List<byte[]> replies;
      try {
        replies = secured(() -> security.receive(frame));
      } catch (SecurityFailure e) {
        handshakeFailed(e);
        return;
      }
      afterHandshakeStep(replies);
      return;
    }
    try {
      security.screen(frame); // cheap checks on this thread: a malformed frame costs no key agreement
    } catch (SecurityFailure e) {
      handshakeFailed(e);
      return;
    }
    if (handshakeQueue.size() >= MAX_QUEUED_HANDSHAKES) {
      abort(Wire.PROTOCOL, "more than " + MAX_QUEUED_HANDSHAKES + " handshake frames queued");
      return;
    }
    handshakeQueue.add(frame);
    nextHandshake();
  }

  /** Server side: checks the next queued frame on a handshake thread; an admission decision then goes to an authenticator thread. */
  private void nextHandshake() {
    if (handshakeBusy || handshakeQueue.isEmpty() || phase == Phase.CLOSED) {
      return;
    }
    byte[] frame = handshakeQueue.poll();
    handshakeBusy = true;
    if (!work.step(() -> handshakeStep(frame))) {
      handshakeBusy = false;
      fail(new ConnectionLostException("refused " + remote + ": the transport's handshake queue is full, or it is closing"));
    }
  }

  /** A handshake thread: one step's cryptography; its replies go to the loop, or its decision to an authenticator thread. */
  private void handshakeStep(byte[] frame) {
    if (closed) {
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
    } else if (!work.decide(() -> decide(step))) {
      stepDone(null, new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "the transport's authenticator queue is full, or it is closing"));
    }
  }

  /** An authenticator thread: the user's authenticator (no lock held: it may block), then the step's end under the lock. */
  private void decide(ConnectionSecurity.Step step) {
    if (closed) {
      return; // ended while the decision waited for a thread: the authenticator is not asked
    }
    List<byte[]> replies = new ArrayList<>(step.replies());
    try {
      step.decision().ask();
      replies.addAll(secured(() -> step.decision().finish()));
    } catch (SecurityFailure e) {
      stepDone(null, e);
      return;
    } catch (RuntimeException e) { // a Decision never throws; should one, the connection ends and the thread goes on
      stepDone(null, new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "the admission check failed: " + e));
      return;
    }
    stepDone(replies, null);
  }

  /** A handshake call on the security layer. */
  private interface SecurityCall<T> {
    T call() throws SecurityFailure;
  }

  /** Runs {@code call} under the security lock; a runtime fault in it (a local bug, a destroyed key) fails the handshake. */
  private <T> T secured(SecurityCall<T> call) throws SecurityFailure {
    securityLock.lock();
    try {
      return call.call();
    } catch (RuntimeException e) {
      throw new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "handshake failed: " + e);
    } finally {
      unlockSecurity();
    }
  }

  /** Any thread: a server handshake step ended with {@code replies} or {@code failure}; the loop goes on with it. */
  private void stepDone(List<byte[]> replies, SecurityFailure failure) {
    loop.post(() -> {
      handshakeBusy = false;
      if (phase == Phase.CLOSED) {
        return;
      }
      if (failure != null) {
        handshakeFailed(failure);
      } else {
        afterHandshakeStep(replies);
        nextHandshake();
      }
    });
  }

  private void afterHandshakeStep(List<byte[]> replies) {
    for (byte[] r : replies) {
      sendPlain(Wire.handshake(r));
    }
    boolean done;
    securityLock.lock();
    try {
      done = security.established();
    } finally {
      unlockSecurity();
    }
    if (done && phase == Phase.HANDSHAKE) {
      enterData();
    }
    flushSoon();
  }

  /**
   * The security layer refused the handshake. As RFC 26 has it, the remote learns why only from a
   * refusal that carries a reply (a server's authenticator said no: CURVE's ERROR command); any
   * other failure, malformed or forged, closes the connection without a word, and is logged here.
   */
  private void handshakeFailed(SecurityFailure e) {
    boolean auth = e.kind() == SecurityFailure.Kind.AUTHENTICATION;
    LOG.info("{}: security handshake refused ({}): {}", remote, e.kind(), e.getMessage());
    byte[] reply = e.reply();
    if (reply != null) {
      sendPlain(Wire.handshake(reply));
      flush();
    }
    String text = client ? "connection to " + remote + " closed: " + e.getMessage() : "refused " + remote + ": " + e.getMessage();
    fail(auth ? new AuthenticationException(text) : new ConnectionLostException(text));
  }

  private void enterData() {
    phase = Phase.DATA;
    securityLock.lock();
    try {
      userId = security.userId();
    } finally {
      unlockSecurity();
    }
    leaveHandshake();
    lastRead = System.nanoTime();
    owner.established(this);
  }

  /** Gives back this connection's handshake place, if it holds one. Loop thread. */
  private void leaveHandshake() {
    if (admittedFrom != null) {
      work.release(admittedFrom);
      admittedFrom = null;
    }
  }

  /** Releases the security lock; if the connection has ended meanwhile, the holder wipes the secrets on its way out. */
  private void unlockSecurity() {
    securityLock.unlock();
    if (closed) {
      wipeSecurity();
    }
  }

  /**
   * Overwrites the security layer's secrets, once, unless another thread is using the layer: that
   * thread does it when it lets go ({@link #unlockSecurity}), so ending a connection never waits for
   * a seal or a handshake step. Any thread, after {@link #closed} is set.
   */
  private void wipeSecurity() {
    if (!wiped && securityLock.tryLock()) {
      try {
        if (!wiped) {
          wiped = true;
          security.destroy();
        }
      } finally {
        securityLock.unlock();
      }
    }
  }

  // ------------------------------------------------------------------ writing

  /** Queues one frame of the data phase (sealed unless plain). Any thread. */
  void sendFrame(byte[] frame) {
    sendFrame(frame, null);
  }

  /**
   * Queues one frame of the data phase; {@code done} runs on the loop thread once it has been
   * handed to the socket (never, if the connection ends first). Any thread.
   */
  void sendFrame(byte[] frame, Runnable done) {
    if (plain) {
      enqueueRecord(frame, done);
    } else {
      securityLock.lock();
      try {
        if (wiped) {
          return; // the connection has ended and its keys are gone: nothing more is written on it anyway
        }
        enqueueRecord(security.seal(frame), done); // sealed and queued in nonce order
      } finally {
        unlockSecurity();
      }
    }
    flushSoon();
  }

  /** Bytes queued and not yet handed to the socket. */
  long queuedBytes() {
    return queued.get();
  }

  /** Whether the socket has taken none of the queued bytes for a heartbeat interval (the remote does not read). */
  boolean stalled() {
    return queued.get() > 0 && System.nanoTime() - lastWrite > options.heartbeatInterval().toNanos();
  }

  long bytesIn() {
    return bytesIn;
  }

  long bytesOut() {
    return bytesOut;
  }

  /** The channel limit of this connection's options. */
  int maxChannels() {
    return options.maxChannelsPerConnection();
  }

  /** Queues one record outside the data phase: handshake frames and early ABORTs travel unsealed. */
  private void sendPlain(byte[] frame) {
    enqueueRecord(frame);
  }

  private void enqueueRecord(byte[] content) {
    enqueueRecord(content, null);
  }

  private void enqueueRecord(byte[] content, Runnable done) {
    byte[] length = new byte[4];
    Wire.putInt(length, 0, content.length);
    enqueue(new Out(length, content, null, done));
  }

  private long enqueue(Out o) {
    long size = o.size();
    out.add(o);
    return queued.addAndGet(size);
  }

  /**
   * Queues one envelope on {@code channel}. Any thread; never blocks. Plain connections queue the
   * caller's arrays as they are (no copy until the loop writes them).
   */
  void sendData(Channel channel, Envelope e) {
    long frameSize = (long) Wire.DATA_FRAME_HEADER + e.size();
    if (frameSize > options.maxFrameSize()) {
      throw new MessageTooLargeException("a message of " + e.size() + " bytes does not fit in the TCP lower's frame limit of "
          + options.maxFrameSize() + " bytes (TcpOptions.maxFrameSize)");
    }
    if (closed) {
      throw new ConnectionLostException("connection to " + remote + " is closed");
    }
    checkBacklog(frameSize);
    if (plain) {
      byte[] prefix = new byte[4 + Wire.DATA_FRAME_HEADER];
      Wire.putInt(prefix, 0, (int) frameSize);
      prefix[4] = (byte) Wire.DATA;
      Wire.putInt(prefix, 5, channel.number);
      Wire.putInt(prefix, 9, e.header().length);
      if (frameSize <= DIRECT_WRITE_MAX && writeThrough(prefix, e)) {
        return;
      }
      enqueue(new Out(prefix, e.header(), e.body()));
    } else {
      byte[] f = new byte[(int) frameSize];
      f[0] = (byte) Wire.DATA;
      Wire.putInt(f, 1, channel.number);
      Wire.putInt(f, 5, e.header().length);
      System.arraycopy(e.header(), 0, f, Wire.DATA_FRAME_HEADER, e.header().length);
      System.arraycopy(e.body(), 0, f, Wire.DATA_FRAME_HEADER + e.header().length, e.body().length);
      securityLock.lock();
      try {
        if (wiped) {
          throw new ConnectionLostException("connection to " + remote + " is closed");
        }
        byte[] sealed = security.seal(f);
        byte[] length = new byte[4];
        Wire.putInt(length, 0, sealed.length);
        enqueue(new Out(length, sealed, null));
      } finally {
        unlockSecurity();
      }
    }
    flushSoon();
  }

  /**
   * Refuses a frame that would overfill the send backlog. A remote that has taken nothing for a
   * heartbeat interval has stopped reading: its connection is cut (it alone). One that still reads,
   * only slower than we send, keeps its connection and this send fails with {@link
   * OverloadedException} (backpressure for the caller).
   */
  private void checkBacklog(long frameSize) {
    long backlog = queued.get();
    if (backlog + frameSize <= options.maxSendBacklog()) {
      return;
    }
    long idleNanos = System.nanoTime() - lastWrite;
    if (idleNanos > options.heartbeatInterval().toNanos()) {
      String why = "the send backlog to " + remote + " is full (" + backlog + " bytes, limit " + options.maxSendBacklog()
          + ") and it has taken nothing for " + idleNanos / 1_000_000 + " ms: the remote does not read";
      loop.post(() -> {
        if (phase != Phase.CLOSED) {
          LOG.warn("{}; cutting it off", why);
          fail(new ConnectionLostException(why));
        }
      });
      throw new ConnectionLostException(why);
    }
    throw new OverloadedException("the send backlog to " + remote + " is full (" + backlog + " bytes, limit "
        + options.maxSendBacklog() + "): the remote reads slower than this side sends");
  }

  /**
   * Writes a small frame on the caller's thread when nothing is queued and no one else is writing:
   * the common case of a request or reply then costs no wake-up of the loop. False if the frame must
   * be queued instead. What the socket does not take at once becomes the tail the loop writes.
   */
  private boolean writeThrough(byte[] prefix, Envelope e) {
    // Only a lone frame: under load (a write within the last IDLE_NANOS) frames queue, so the loop
    // batches many into one write instead of every sender making its own system call.
    if (loop.inLoop() || System.nanoTime() - lastWrite < IDLE_NANOS || !writeLock.tryLock()) {
      return false;
    }
    try {
      if (closed || current != null || tail != null || !out.isEmpty()) {
        return false;
      }
      ByteBuffer[] parts = {ByteBuffer.wrap(prefix), ByteBuffer.wrap(e.header()), ByteBuffer.wrap(e.body())};
      bytesOut += socket.write(parts);
      lastWrite = System.nanoTime();
      if (parts[2].hasRemaining()) {
        ByteBuffer rest = ByteBuffer.allocate(parts[0].remaining() + parts[1].remaining() + parts[2].remaining());
        rest.put(parts[0]).put(parts[1]).put(parts[2]).flip();
        tail = rest;
        flushSoon(); // the loop writes the rest when the socket drains
      }
      return true;
    } catch (IOException ex) {
      String why = "connection to " + remote + " lost while writing: " + ex.getMessage();
      loop.post(() -> fail(new ConnectionLostException(why, ex)));
      throw new ConnectionLostException(why, ex);
    } finally {
      writeLock.unlock();
    }
  }

  private void flushSoon() {
    if (flushRequested.compareAndSet(false, true)) {
      loop.flushSoon(this);
    }
  }

  /** Writes queued frames, batching as many as fit into the loop's direct buffer per write. Loop thread. */
  void flush() {
    flushRequested.set(false);
    if (phase == Phase.CLOSED || phase == Phase.CONNECTING) {
      return;
    }
    writeLock.lock();
    try {
      if (tail != null) {
        bytesOut += socket.write(tail);
        if (tail.hasRemaining()) {
          key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
          return;
        }
        tail = null;
        lastWrite = System.nanoTime();
      }
      ByteBuffer buf = loop.writeBuffer;
      int written = 0;
      while (written < FLUSH_QUANTUM) {
        buf.clear();
        fill(buf);
        if (buf.position() == 0) {
          break;
        }
        buf.flip();
        int w = socket.write(buf);
        written += w;
        bytesOut += w;
        lastWrite = System.nanoTime();
        if (buf.hasRemaining()) {
          tail = ByteBuffer.allocate(buf.remaining());
          tail.put(buf).flip();
          key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
          return;
        }
      }
      if (written >= FLUSH_QUANTUM && (current != null || !out.isEmpty())) {
        flushSoon(); // more to write: let other connections have a turn first
      }
      if ((key.interestOps() & SelectionKey.OP_WRITE) != 0) {
        key.interestOps(SelectionKey.OP_READ);
      }
    } catch (IOException e) {
      fail(new ConnectionLostException("connection to " + remote + " lost while writing: " + e.getMessage(), e));
    } finally {
      writeLock.unlock();
    }
  }

  /** Copies queued frames into {@code buf} until it is full or nothing is queued. */
  private void fill(ByteBuffer buf) {
    while (buf.hasRemaining()) {
      if (current == null) {
        current = out.poll();
        currentPiece = 0;
        currentOffset = 0;
        if (current == null) {
          return;
        }
      }
      byte[] piece = current.piece(currentPiece);
      if (piece == null || currentOffset == piece.length) {
        if (piece == null || ++currentPiece == 3) {
          queued.addAndGet(-current.size());
          Runnable done = current.done();
          current = null;
          if (done != null) {
            done.run();
          }
        }
        currentOffset = 0;
        continue;
      }
      int n = Math.min(buf.remaining(), piece.length - currentOffset);
      buf.put(piece, currentOffset, n);
      currentOffset += n;
    }
  }

  // ------------------------------------------------------------------ channels, deadlines, ending

  /** Closes {@code ch} from this side: tells the remote (if still connected) and reports it. Loop thread. */
  void closeChannel(Channel ch, String reason) {
    if (channels.remove(ch.number, ch)) {
      if (phase == Phase.DATA) {
        sendFrame(Wire.close(ch.number, reason));
      }
      ch.lost(null);
      owner.channelClosed(this, ch);
    }
  }

  /** The remote closed channel {@code number}. Loop thread. */
  void remoteClosedChannel(int number, String reason) {
    Channel ch = channels.remove(number);
    if (ch != null) {
      // An empty reason is an orderly close (the remote peer closed); a reason says what went wrong.
      ch.lost(reason.isEmpty() ? null : new ConnectionLostException("the remote closed channel " + ch.id() + ": " + reason));
      owner.channelClosed(this, ch);
    }
  }

  @Override
  public void tick(long now) {
    if (phase == Phase.CLOSED) {
      return;
    }
    if (phase != Phase.DATA) {
      if (now - startNanos > options.handshakeTimeout().toNanos()) {
        long ms = options.handshakeTimeout().toMillis();
        String why;
        if (phase == Phase.CONNECTING) {
          why = "no TCP connection within " + ms + " ms";
        } else if (phase == Phase.PREAMBLE) {
          why = client ? "accepted, but sent no Callosum TCP preamble within " + ms + " ms (not a Callosum TCP peer, or stalled)"
              : "no preamble within " + ms + " ms";
        } else {
          why = "the " + security.mechanism() + " security handshake did not complete within " + ms + " ms";
        }
        abort(Wire.PROTOCOL, why);
      }
      return;
    }
    boolean pending = current != null || tail != null || !out.isEmpty();
    if (pending && now - lastWrite > options.heartbeatTimeout().toNanos()) {
      String why = remote + " has taken none of our data for " + (now - lastWrite) / 1_000_000 + " ms (timeout "
          + options.heartbeatTimeout().toMillis() + " ms): it does not read";
      LOG.warn("{}; cutting it off", why);
      fail(new ConnectionLostException(why));
    } else if (now - lastRead > options.heartbeatTimeout().toNanos()) {
      String why = "no data or heartbeat from " + remote + " for " + (now - lastRead) / 1_000_000 + " ms (timeout "
          + options.heartbeatTimeout().toMillis() + " ms)";
      LOG.info("{}: connection lost", why);
      fail(new ConnectionLostException(why));
    } else if (now - lastWrite > options.heartbeatInterval().toNanos() && current == null && tail == null && out.isEmpty()) {
      sendFrame(new byte[] {(byte) Wire.PING});
      lastWrite = now; // a PING stuck behind a full socket buffer is not resent every tick
    }
  }

  /** Tells the remote why (best effort), then ends the connection. Loop thread. */
  void abort(int code, String reason) {
    if (phase == Phase.CLOSED) {
      return;
    }
    LOG.warn("{}: closing the connection ({}): {}", remote, Wire.codeName(code), reason);
    sendAbort(code, reason);
    String text = client ? "connection to " + remote + " closed: " + reason : "refused " + remote + ": " + reason;
    fail(code == Wire.AUTHENTICATION ? new AuthenticationException(text) : new ConnectionLostException(text));
  }

  /** Tells the remote this side is closing (best effort), then ends the connection with {@code cause}. Loop thread. */
  void abortForShutdown(String reason, CallosumException cause) {
    if (phase != Phase.CLOSED) {
      sendAbort(Wire.SHUTDOWN, reason);
      fail(cause);
    }
  }

  /**
   * Best effort: a security layer that has just refused a record (a forged or replayed one) seals
   * nothing more, and then the connection ends without an ABORT.
   */
  private void sendAbort(int code, String reason) {
    if (phase == Phase.CONNECTING) {
      return;
    }
    byte[] f = Wire.abort(code, reason);
    try {
      if (phase == Phase.DATA && !plain) {
        sendFrame(f);
      } else {
        sendPlain(f);
      }
      flush();
    } catch (RuntimeException e) {
      LOG.debug("{}: ABORT not sent: {}", remote, e.getMessage());
    }
  }

  /** Ends the connection now: every channel is reported lost with {@code cause}, then the owner. Loop thread. */
  void fail(CallosumException cause) {
    if (phase == Phase.CLOSED) {
      return;
    }
    phase = Phase.CLOSED;
    closed = true;
    loop.removeTicking(this);
    if (key != null) {
      key.cancel();
    }
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("closing {} failed", remote, e);
    }
    writeLock.lock();
    try {
      out.clear();
      current = null;
      tail = null;
    } finally {
      writeLock.unlock();
    }
    record = null;
    handshakeQueue.clear();
    leaveHandshake();
    wipeSecurity();
    List<Channel> open = new ArrayList<>(channels.values());
    channels.clear();
    for (Channel ch : open) {
      ch.lost(cause);
      owner.channelClosed(this, ch);
    }
    owner.closed(this, cause);
  }

  /** Writes what is queued (best effort, without waiting) and closes. Loop thread. */
  void shutdown(CallosumException cause) {
    flush();
    fail(cause);
  }

  @Override
  public String toString() {
    return "Connection(" + remote + ", " + phase + ")";
  }
}
