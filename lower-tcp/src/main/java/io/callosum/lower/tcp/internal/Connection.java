package io.callosum.lower.tcp.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.MessageTooLargeException;
import io.callosum.lower.Envelope;
import io.callosum.lower.tcp.TcpOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection: the glue between its socket, its {@link FrameReader} (bytes to records), its
 * {@link HandshakeDriver} (preamble deadline, security handshake, sealing), its {@link
 * OutboundBuffer} (what is to be written) and its channels. It checks the preamble, dispatches
 * records by kind, delivers DATA to open channels, and hands channel frames to its {@link Owner};
 * it sends heartbeats and ends the connection on a deadline, a bad record or a lost socket.
 *
 * <p>Everything here runs on the loop thread, except {@link #sendData} and {@link #sendFrame} (any
 * thread: they queue, or write a lone frame through, and ask the loop to flush) and the server-side
 * handshake steps ({@link HandshakeDriver}). Reading fills the loop's shared direct buffer and
 * hands it to the reader; writing copies queued records into the loop's other direct buffer.
 */
final class Connection implements IoLoop.Ready, IoLoop.Ticking {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

  /**
   * The largest frame a sender writes itself when nothing is queued (larger ones go through the
   * loop).
   */
  private static final int WRITE_THROUGH_MAX = 64 << 10;

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

    /**
     * A frame for a channel this connection holds no {@link Channel} for ({@code frame[0]} is the
     * kind): every channel frame but DATA, and a well-formed DATA frame for a channel number
     * without a {@link Channel}. The array is the owner's.
     */
    void channelFrame(Connection c, int kind, int channel, byte[] frame);

    /** A channel of {@code c} was closed (locally or by the remote) or lost. */
    void channelClosed(Connection c, Channel channel);

    /** The connection ended; its channels have been reported lost. */
    void closed(Connection c, CallosumException cause);
  }

  final IoLoop loop;
  final String remote;
  final boolean client;
  private final SocketChannel socket;
  private final Owner owner;
  private final TcpOptions options;
  private final boolean plain;
  private final FrameReader reader;
  private final HandshakeDriver handshake;
  private final OutboundBuffer out;
  private final AtomicBoolean flushRequested = new AtomicBoolean();
  private SelectionKey key;
  private Phase phase;

  /** Open channels by number. Loop thread only. */
  final Map<Integer, Channel> channels = new HashMap<>();

  /** Channel opens refused for the limit (a bound endpoint cuts a flood). */
  int refusedOpens;

  private String userId;
  private long lastRead;
  private volatile boolean closed;

  /** Bytes read on the socket (loop thread). */
  private volatile long bytesIn;

  private Connection(
      IoLoop loop,
      SocketChannel socket,
      String remote,
      boolean client,
      Owner owner,
      ConnectionSecurity security,
      TcpOptions options) {
    this.loop = loop;
    this.socket = socket;
    this.remote = remote;
    this.client = client;
    this.owner = owner;
    this.options = options;
    long now = System.nanoTime();
    this.lastRead = now;
    this.reader = new FrameReader(new Reading());
    this.handshake =
        new HandshakeDriver(
            security, client, new Handshaking(), now, options.handshakeTimeout().toNanos());
    this.plain = handshake.plain();
    this.out =
        new OutboundBuffer(
            remote,
            options.maxSendBacklog(),
            options.heartbeatInterval().toNanos(),
            FLUSH_QUANTUM,
            System::nanoTime);
  }

  /**
   * Starts connecting to {@code address} (loop thread). Any failure, even an immediate one, is
   * reported to {@code owner.closed} later on the loop, never before this returns.
   */
  static Connection connect(
      IoLoop loop,
      InetSocketAddress address,
      String remote,
      Owner owner,
      ConnectionSecurity security,
      TcpOptions options)
      throws IOException {
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
  static Connection accepted(
      IoLoop loop,
      SocketChannel sc,
      String remote,
      Owner owner,
      ConnectionSecurity security,
      TcpOptions options)
      throws IOException {
    Connection c = new Connection(loop, sc, remote, false, owner, security, options);
    sc.configureBlocking(false);
    sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
    InetAddress source = ((InetSocketAddress) sc.getRemoteAddress()).getAddress();
    c.key = sc.register(loop.selector, SelectionKey.OP_READ, c);
    loop.addTicking(c);
    if (!c.plain) {
      HandshakeWork work = loop.handshakeWork();
      String refusal = work.admit(source, remote);
      if (refusal != null) {
        c.key.interestOps(0);
        c.begin();
        loop.post(() -> c.refuse(refusal));
        return c;
      }
      c.handshake.serve(work, source);
    }
    c.begin();
    return c;
  }

  /**
   * Not admitted to a handshake: the ABORT (after the preamble), then the end; logged by {@link
   * HandshakeWork}.
   */
  private void refuse(String reason) {
    sendAbort(Wire.LIMIT, reason);
    fail(new ConnectionLostException("refused " + remote + ": " + reason));
  }

  private static ConnectionLostException unreachable(String remote, Exception e) {
    return new ConnectionLostException(
        "cannot reach " + remote + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()),
        e);
  }

  private void connected() {
    key.interestOps(SelectionKey.OP_READ);
    begin();
  }

  /** Sends our preamble, and a client's first handshake frames right behind it. */
  private void begin() {
    phase = Phase.PREAMBLE;
    out.add(Wire.preamble(handshake.mechanism()), null, null, null);
    for (byte[] f : handshake.start()) {
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

  @SuppressWarnings("NonAtomicVolatileUpdate") // bytesIn: the loop thread is the only writer
  private void read() {
    ByteBuffer buf = loop.readBuffer;
    for (int i = 0; i < 16 && phase != Phase.CLOSED; i++) {
      buf.clear();
      int n;
      try {
        n = socket.read(buf);
      } catch (IOException e) {
        fail(
            closedByRemote(
                new ConnectionLostException(
                    "connection to " + remote + " lost: " + e.getMessage(), e)));
        return;
      }
      if (n < 0) {
        fail(
            closedByRemote(
                new ConnectionLostException("connection to " + remote + " closed by the remote")));
        return;
      }
      if (n == 0) {
        return;
      }
      lastRead = System.nanoTime();
      bytesIn += n;
      buf.flip();
      reader.consume(buf);
      if (n < buf.capacity()) {
        return;
      }
    }
  }

  /** {@code lost}, or what it means during the security handshake. */
  private CallosumException closedByRemote(ConnectionLostException lost) {
    return phase == Phase.HANDSHAKE ? handshake.closedInHandshake(lost, remote) : lost;
  }

  /** What the reader finds on this connection's stream. Loop thread. */
  private final class Reading implements FrameReader.Records {
    @Override
    public void preamble(byte[] preamble) {
      String problem = Wire.checkPreamble(preamble, handshake.mechanism());
      if (problem != null) {
        boolean mismatch = problem.startsWith("security mechanism");
        abort(mismatch ? Wire.AUTHENTICATION : Wire.PROTOCOL, problem);
        return;
      }
      if (handshake.established()) {
        enterData();
      } else {
        phase = Phase.HANDSHAKE;
      }
    }

    @Override
    public void record(byte[] record) {
      onRecord(record);
    }

    @Override
    public boolean direct(int channel) {
      return channels.containsKey(channel);
    }

    @Override
    public void data(int number, byte[] header, byte[] body) {
      Channel ch = channels.get(number);
      if (ch != null) {
        ch.deliver(new Envelope(header, body));
        return;
      }
      // closed while its bytes arrived: as for any DATA on a channel that is not open
      owner.channelFrame(Connection.this, Wire.DATA, number, Wire.dataFrame(number, header, body));
    }

    @Override
    public void malformed(String problem) {
      abort(Wire.LIMIT, problem);
    }
  }

  private void onRecord(byte[] r) {
    if (phase == Phase.HANDSHAKE) {
      int kind = r[0] & 0xff;
      if (kind == Wire.HANDSHAKE) {
        handshake.frame(Arrays.copyOfRange(r, 1, r.length));
      } else if (kind == Wire.ABORT) {
        remoteAbort(r);
      } else {
        abort(
            Wire.PROTOCOL,
            "frame kind 0x"
                + Integer.toHexString(kind)
                + " before the security handshake completed");
      }
      return;
    }
    byte[] f;
    try {
      f = handshake.open(r);
    } catch (SecurityFailure e) {
      abort(
          e.kind() == SecurityFailure.Kind.AUTHENTICATION ? Wire.AUTHENTICATION : Wire.PROTOCOL,
          "refused frame: " + e.getMessage());
      return;
    }
    if (f.length == 0) {
      abort(Wire.PROTOCOL, "empty frame");
      return;
    }
    int kind = f[0] & 0xff;
    switch (kind) {
      case Wire.DATA -> onData(f);
      case Wire.PING -> {
        // Any record is life to the remote: with output pending a PONG adds nothing, and a remote
        // that floods PINGs without reading would otherwise queue one PONG per PING.
        if (out.queuedBytes() == 0) {
          sendFrame(new byte[] {(byte) Wire.PONG});
        }
      }
      case Wire.PONG -> {}
      case Wire.ABORT -> remoteAbort(f);
      default -> {
        if (!Wire.channelKind(kind)) {
          abort(Wire.PROTOCOL, "unknown frame kind 0x" + Integer.toHexString(kind));
        } else if (f.length < Wire.CHANNEL_FRAME_HEADER) {
          abort(Wire.PROTOCOL, "truncated channel frame of " + f.length + " bytes");
        } else {
          owner.channelFrame(this, kind, Wire.getInt(f, 1), f);
        }
      }
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
      abort(
          Wire.PROTOCOL,
          "DATA frame with a header length of "
              + Integer.toUnsignedString(headerLength)
              + " in "
              + f.length
              + " bytes");
      return;
    }
    Channel ch = channels.get(number);
    if (ch == null) {
      owner.channelFrame(this, Wire.DATA, number, f);
      return;
    }
    int bodyStart = Wire.DATA_FRAME_HEADER + headerLength;
    ch.deliver(
        new Envelope(
            Arrays.copyOfRange(f, Wire.DATA_FRAME_HEADER, bodyStart),
            Arrays.copyOfRange(f, bodyStart, f.length)));
  }

  private void remoteAbort(byte[] f) {
    int code = f.length > 1 ? f[1] & 0xff : 0;
    String reason = Wire.reason(f, 2);
    String text = remote + " closed the connection (" + Wire.codeName(code) + "): " + reason;
    LOG.info("{}", text);
    fail(
        code == Wire.AUTHENTICATION
            ? new AuthenticationException(text)
            : new ConnectionLostException(text));
  }

  // ------------------------------------------------------------------ security handshake

  /** What the handshake does to this connection. Loop thread, except {@code post}. */
  private final class Handshaking implements HandshakeDriver.Steps {
    @Override
    public void post(Runnable task) {
      loop.post(task);
    }

    @Override
    public void stepped(List<byte[]> replies, boolean established) {
      for (byte[] r : replies) {
        sendPlain(Wire.handshake(r));
      }
      if (established && phase == Phase.HANDSHAKE) {
        enterData();
      }
      flushSoon();
    }

    /**
     * As RFC 26 has it, the remote learns why only from a refusal that carries a reply (a server's
     * authenticator said no: CURVE's ERROR command); any other failure, malformed or forged, closes
     * the connection without a word, and is logged here.
     */
    @Override
    public void refused(SecurityFailure e) {
      boolean auth = e.kind() == SecurityFailure.Kind.AUTHENTICATION;
      LOG.info("{}: security handshake refused ({}): {}", remote, e.kind(), e.getMessage());
      byte[] reply = e.reply();
      if (reply != null) {
        sendPlain(Wire.handshake(reply));
        flush();
      }
      String text =
          client
              ? "connection to " + remote + " closed: " + e.getMessage()
              : "refused " + remote + ": " + e.getMessage();
      fail(auth ? new AuthenticationException(text) : new ConnectionLostException(text));
    }

    @Override
    public void overrun(String reason) {
      abort(Wire.PROTOCOL, reason);
    }

    @Override
    public void dropped(String reason) {
      fail(new ConnectionLostException("refused " + remote + ": " + reason));
    }
  }

  private void enterData() {
    phase = Phase.DATA;
    userId = handshake.userId();
    handshake.leave();
    // Once the handshake is done, records may be as large as a frame (sealed ones a little larger);
    // plain DATA for an open channel is read straight into its envelope.
    reader.limit(
        (int)
            Math.min(
                Integer.MAX_VALUE,
                (long) options.maxFrameSize() + (plain ? 0 : Wire.SEAL_ALLOWANCE)),
        "",
        plain);
    lastRead = System.nanoTime();
    owner.established(this);
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
      out.addRecord(frame, done);
    } else if (!handshake.sealed(frame, box -> out.addRecord(box, done))) {
      return; // the connection has ended and its keys are gone: nothing more is written on it
      // anyway
    }
    flushSoon();
  }

  /** What is queued and not yet handed to the socket. */
  Backlog backlog() {
    return out;
  }

  long bytesIn() {
    return bytesIn;
  }

  long bytesOut() {
    return out.bytesOut();
  }

  /** The channel limit of this connection's options. */
  int maxChannels() {
    return options.maxChannelsPerConnection();
  }

  /**
   * Queues one record outside the data phase: handshake frames and early ABORTs travel unsealed.
   */
  private void sendPlain(byte[] frame) {
    out.addRecord(frame, null);
  }

  /**
   * Queues one envelope on {@code channel}. Any thread; never blocks. Plain connections queue the
   * caller's arrays as they are (no copy until the loop writes them), or write a lone small frame
   * through on the caller's thread when nothing is queued.
   */
  void sendData(Channel channel, Envelope e) {
    long frameSize = (long) Wire.DATA_FRAME_HEADER + e.size();
    if (frameSize > options.maxFrameSize()) {
      throw new MessageTooLargeException(
          "a message of "
              + e.size()
              + " bytes does not fit in the TCP lower's frame limit of "
              + options.maxFrameSize()
              + " bytes (TcpOptions.maxFrameSize)");
    }
    if (closed) {
      throw new ConnectionLostException("connection to " + remote + " is closed");
    }
    try {
      out.admit(frameSize);
    } catch (ConnectionLostException notReading) {
      throw failSoon(notReading, true);
    }
    if (plain) {
      byte[] prefix = new byte[4 + Wire.DATA_FRAME_HEADER];
      Wire.putInt(prefix, 0, (int) frameSize);
      Wire.putDataPrefix(prefix, 4, channel.number, e.header().length);
      if (frameSize <= WRITE_THROUGH_MAX && !loop.inLoop() && writeThrough(prefix, e)) {
        return;
      }
      out.add(prefix, e.header(), e.body(), null);
    } else {
      byte[] f = Wire.dataFrame(channel.number, e.header(), e.body());
      if (!handshake.sealed(f, box -> out.addRecord(box, null))) {
        throw new ConnectionLostException("connection to " + remote + " is closed");
      }
    }
    flushSoon();
  }

  /**
   * A lone frame written on the caller's thread ({@link OutboundBuffer#writeThrough}); false if it
   * must be queued.
   */
  private boolean writeThrough(byte[] prefix, Envelope e) {
    OutboundBuffer.Through t;
    try {
      t = out.writeThrough(socket, prefix, e.header(), e.body());
    } catch (IOException ex) {
      throw failSoon(
          new ConnectionLostException(
              "connection to " + remote + " lost while writing: " + ex.getMessage(), ex),
          false);
    }
    if (t == OutboundBuffer.Through.PARTIAL) {
      flushSoon(); // the loop writes the rest when the socket drains
    }
    return t != OutboundBuffer.Through.NOT_TAKEN;
  }

  /**
   * Any thread: ends the connection on the loop with {@code cause} (logged as a cut if {@code
   * cut}); returns it for the caller to throw.
   */
  private ConnectionLostException failSoon(ConnectionLostException cause, boolean cut) {
    loop.post(
        () -> {
          if (cut && phase != Phase.CLOSED) {
            LOG.warn("{}; cutting it off", cause.getMessage());
          }
          fail(new ConnectionLostException(cause.getMessage(), cause.getCause()));
        });
    return cause;
  }

  private void flushSoon() {
    if (flushRequested.compareAndSet(false, true)) {
      loop.flushSoon(this);
    }
  }

  /**
   * Writes queued frames, batching as many as fit into the loop's direct buffer per write. Loop
   * thread.
   */
  void flush() {
    flushRequested.set(false);
    if (phase == Phase.CLOSED || phase == Phase.CONNECTING) {
      return;
    }
    OutboundBuffer.Flush result;
    try {
      result = out.flush(socket, loop.writeBuffer);
    } catch (IOException e) {
      fail(
          new ConnectionLostException(
              "connection to " + remote + " lost while writing: " + e.getMessage(), e));
      return;
    }
    if (result == OutboundBuffer.Flush.BLOCKED) {
      key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
      return;
    }
    if (result == OutboundBuffer.Flush.YIELDED) {
      flushSoon(); // more to write: let other connections have a turn first
    }
    if ((key.interestOps() & SelectionKey.OP_WRITE) != 0) {
      key.interestOps(SelectionKey.OP_READ);
    }
  }

  // ------------------------------------------------------------------ channels, deadlines, ending

  /**
   * Closes {@code ch} from this side: tells the remote (if still connected) and reports it. Loop
   * thread.
   */
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
      // An empty reason is an orderly close (the remote peer closed); a reason says what went
      // wrong.
      ch.lost(
          reason.isEmpty()
              ? null
              : new ConnectionLostException(
                  "the remote closed channel " + ch.id() + ": " + reason));
      owner.channelClosed(this, ch);
    }
  }

  @Override
  public void tick(long now) {
    if (phase == Phase.CLOSED) {
      return;
    }
    if (phase != Phase.DATA) {
      String why = handshake.expired(now, phase);
      if (why != null) {
        abort(Wire.PROTOCOL, why);
      }
      return;
    }
    long idle = out.idleNanos();
    if (out.pending() && idle > options.heartbeatTimeout().toNanos()) {
      String why =
          remote
              + " has taken none of our data for "
              + idle / 1_000_000
              + " ms (timeout "
              + options.heartbeatTimeout().toMillis()
              + " ms): it does not read";
      LOG.warn("{}; cutting it off", why);
      fail(new ConnectionLostException(why));
    } else if (now - lastRead > options.heartbeatTimeout().toNanos()) {
      String why =
          "no data or heartbeat from "
              + remote
              + " for "
              + (now - lastRead) / 1_000_000
              + " ms (timeout "
              + options.heartbeatTimeout().toMillis()
              + " ms)";
      LOG.info("{}: connection lost", why);
      fail(new ConnectionLostException(why));
    } else if (idle > options.heartbeatInterval().toNanos() && !out.pending()) {
      sendFrame(new byte[] {(byte) Wire.PING});
      out.markActive(now); // a PING stuck behind a full socket buffer is not resent every tick
    }
  }

  /** Tells the remote why (best effort), then ends the connection. Loop thread. */
  void abort(int code, String reason) {
    if (phase == Phase.CLOSED) {
      return;
    }
    LOG.warn("{}: closing the connection ({}): {}", remote, Wire.codeName(code), reason);
    sendAbort(code, reason);
    String text =
        client
            ? "connection to " + remote + " closed: " + reason
            : "refused " + remote + ": " + reason;
    fail(
        code == Wire.AUTHENTICATION
            ? new AuthenticationException(text)
            : new ConnectionLostException(text));
  }

  /**
   * Tells the remote this side is closing (best effort), then ends the connection with {@code
   * cause}. Loop thread.
   */
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

  /**
   * Ends the connection now: every channel is reported lost with {@code cause}, then the owner.
   * Loop thread.
   */
  void fail(CallosumException cause) {
    if (phase == Phase.CLOSED) {
      return;
    }
    phase = Phase.CLOSED;
    closed = true;
    out.discard();
    loop.removeTicking(this);
    if (key != null) {
      key.cancel();
    }
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("closing {} failed", remote, e);
    }
    reader.stop();
    handshake.end();
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
