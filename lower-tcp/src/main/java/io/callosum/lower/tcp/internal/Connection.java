package io.callosum.lower.tcp.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.lower.Envelope;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.tcp.TcpOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection: the glue between its socket, its receiving side ({@link Inbound}: bytes to
 * records, and what each record means), its {@link HandshakeDriver} (preamble deadline, security
 * handshake, sealing), its sending side ({@link Outbound} over an {@link OutboundBuffer}: what is
 * to be written, and how), its {@link Heartbeat} and its channels. It owns the phase, registers the
 * socket with the loop, hands channel frames to its {@link Owner}, and ends the connection on a
 * deadline, a bad record, a lost socket or a silent remote, telling the remote why (ABORT) where it
 * can.
 *
 * <p>Everything here runs on the loop thread, except {@link #sendData} and {@link #sendFrame} (any
 * thread: they queue, or write a lone frame through, and ask the loop to flush) and the server-side
 * handshake steps ({@link HandshakeDriver}). Reading fills the loop's shared direct buffer and
 * hands it to the reader; writing copies queued records into the loop's other direct buffer.
 */
final class Connection implements IoLoop.Ready, IoLoop.Ticking {
  private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

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
  private final Inbound in;
  private final HandshakeDriver handshake;
  private final OutboundBuffer out;
  private final Outbound outbound;
  private final Sending sending = new Sending();
  private final Heartbeat heartbeat;
  private final MemoryGate gate;
  private SelectionKey key;
  private Phase phase;

  /** Open channels by number. Loop thread only. */
  final ChannelTable<Channel> channels = new ChannelTable<>();

  /** Channel opens refused for the limit (a bound endpoint cuts a flood). */
  int refusedOpens;

  /** The end this connection has once its queued output is written, or null. Loop thread. */
  private CallosumException endOnceWritten;

  private String userId;

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
    this.handshake =
        new HandshakeDriver(
            security,
            client,
            new Handshaking(),
            System.nanoTime(),
            options.handshakeTimeout().toNanos());
    this.plain = handshake.plain();
    this.gate =
        new MemoryGate(
            loop.memory.holder(remote),
            options.heartbeatTimeout().toNanos(),
            () -> loop.post(this::resumeReading),
            System.nanoTime());
    this.in =
        new Inbound(remote, handshake.mechanism(), new Received(), System::nanoTime, gate.memory());
    this.out =
        new OutboundBuffer(
            remote,
            options.maxSendBacklog(),
            options.heartbeatInterval().toNanos(),
            FLUSH_QUANTUM,
            System::nanoTime,
            gate.memory());
    this.outbound =
        new Outbound(
            remote, socket, out, plain ? null : handshake, options.maxFrameSize(), sending);
    this.heartbeat = new Heartbeat(remote, options.heartbeatInterval(), options.heartbeatTimeout());
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
    outbound.start();
    out.add(Wire.preamble(handshake.mechanism()), null, null, null);
    for (byte[] f : handshake.start()) {
      outbound.plain(Wire.handshake(f));
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
    long readable = gate.readable(System.nanoTime());
    if (readable == 0) {
      // Not read until the memory budget has room (gate.readable asked to be woken then).
      key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
      return;
    }
    ConnectionLostException lost = in.read(socket, loop.readBuffer, readable);
    if (lost != null) {
      fail(closedByRemote(lost));
    }
  }

  /** Reads again if reading paused for the memory budget and there is room now. Loop thread. */
  private void resumeReading() {
    if (phase != Phase.CLOSED && gate.paused() && key.isValid() && gate.resume(System.nanoTime())) {
      key.interestOps(key.interestOps() | SelectionKey.OP_READ);
    }
  }

  /** What this connection's remote makes the transport hold counts here. */
  MemoryBudget.Holder memory() {
    return gate.memory();
  }

  /** {@code lost}, or what it means during the security handshake. */
  private CallosumException closedByRemote(ConnectionLostException lost) {
    return phase == Phase.HANDSHAKE ? handshake.closedInHandshake(lost, remote) : lost;
  }

  /** What a received record does to this connection ({@link Inbound}). Loop thread. */
  private final class Received implements Inbound.Target {
    @Override
    public void preambleAccepted() {
      if (handshake.established()) {
        enterData();
      } else {
        phase = Phase.HANDSHAKE;
      }
    }

    @Override
    public void handshakeFrame(byte[] frame) {
      handshake.frame(frame);
    }

    @Override
    public byte[] open(byte[] record, ConnectionSecurity.DataTarget into) throws SecurityFailure {
      return handshake.open(record, into);
    }

    @Override
    public boolean isOpen(int number) {
      return channels.contains(number);
    }

    @Override
    public boolean deliver(int number, Envelope e) {
      Channel ch = channels.get(number);
      if (ch == null) {
        return false;
      }
      ch.deliver(e);
      loop.flushEarly(); // what direct executors answered so far goes out while the rest is read
      return true;
    }

    @Override
    public void channelFrame(int kind, int number, byte[] frame) {
      owner.channelFrame(Connection.this, kind, number, frame);
      loop.flushEarly(); // what a relay passed on so far goes out while the rest is read
    }

    @Override
    public void pinged() {
      // Any record is life to the remote: with output pending a PONG adds nothing, and a remote
      // that floods PINGs without reading would otherwise queue one PONG per PING.
      if (out.queuedBytes() == 0) {
        sendFrame(new byte[] {(byte) Wire.PONG});
      }
    }

    @Override
    public void abort(int code, String reason) {
      Connection.this.abort(code, reason);
    }

    @Override
    public void fail(CallosumException cause) {
      Connection.this.fail(cause);
    }
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
        outbound.plain(Wire.handshake(r));
      }
      if (established && phase == Phase.HANDSHAKE) {
        enterData();
      }
      outbound.requestFlush();
    }

    /**
     * As RFC 26 has it, the remote learns why only from a refusal that carries a reply (a server's
     * authenticator said no: CURVE's ERROR command); any other failure, malformed or forged, closes
     * the connection without a word, and is logged here.
     */
    @Override
    public void refused(SecurityFailure e) {
      LOG.info("{}: security handshake refused ({}): {}", remote, e.kind(), e.getMessage());
      byte[] reply = e.reply();
      if (reply != null) {
        outbound.plain(Wire.handshake(reply));
        flush();
      }
      fail(ended(e.kind() == SecurityFailure.Kind.AUTHENTICATION, e.getMessage()));
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
    in.enterData(options.maxFrameSize(), plain);
    owner.established(this);
  }

  // ------------------------------------------------------------------ writing

  /** Queues one frame of the data phase (sealed unless plain). Any thread. */
  void sendFrame(byte[] frame) {
    outbound.frame(frame, null);
  }

  /**
   * Queues one frame of the data phase; {@code done} runs on the loop thread once it has been
   * handed to the socket (never, if the connection ends first). Any thread.
   */
  void sendFrame(byte[] frame, Runnable done) {
    outbound.frame(frame, done);
  }

  /** Queues one envelope on {@code channel} ({@link Outbound#data}). Any thread; never blocks. */
  void sendData(Channel channel, Envelope e) {
    outbound.data(channel.number, e);
  }

  /** What is queued and not yet handed to the socket. */
  Backlog backlog() {
    return out;
  }

  /**
   * Whether a fan-out sender should hold back a frame of {@code frameSize} bytes ({@link
   * OutboundBuffer#halfFull}). Any thread.
   */
  boolean backlogFull(long frameSize) {
    return out.halfFull(frameSize);
  }

  long bytesIn() {
    return in.bytesIn();
  }

  long bytesOut() {
    return out.bytesOut();
  }

  /** The channel limit of this connection's options. */
  int maxChannels() {
    return options.maxChannelsPerConnection();
  }

  /** What the sending side needs of this connection. Any thread. */
  private final class Sending implements Outbound.Target {
    @Override
    public boolean inLoop() {
      return loop.inLoop();
    }

    @Override
    public void flushSoon() {
      loop.flushSoon(Connection.this);
    }

    @Override
    public void flushEarly() {
      loop.earlyFlushWanted(Connection.this);
    }

    @Override
    public ConnectionLostException failSoon(ConnectionLostException cause, boolean cut) {
      loop.post(
          () -> {
            if (cut && phase != Phase.CLOSED) {
              LOG.warn("{}; cutting it off", cause.getMessage());
            }
            fail(new ConnectionLostException(cause.getMessage(), cause.getCause()));
          });
      return cause;
    }
  }

  /**
   * Writes queued frames, batching as many as fit into the loop's direct buffer per write. Loop
   * thread.
   */
  void flush() {
    write(false);
  }

  /**
   * Writes what is queued in the middle of a read round ({@link IoLoop#flushEarly}). A failed write
   * ends the connection after the round, not inside the handling of the frame being read (which may
   * be another connection's); the round's own flush finishes the rest. Loop thread.
   */
  void flushEarly() {
    write(true);
  }

  /** {@link #flush}, or ({@code midRead}) {@link #flushEarly}. */
  private void write(boolean midRead) {
    OutboundBuffer.Flush result;
    try {
      result = outbound.flush(loop.writeBuffer);
    } catch (IOException e) {
      if (midRead) {
        sending.failSoon(outbound.lostWriting(e), false);
      } else {
        fail(outbound.lostWriting(e));
      }
      return;
    }
    if (result == null) {
      return; // not connected yet, or ended
    }
    if (result == OutboundBuffer.Flush.BLOCKED) {
      key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
      return;
    }
    if (midRead) {
      return; // the round's own flush clears OP_WRITE and ends a connection that waited for it
    }
    if ((key.interestOps() & SelectionKey.OP_WRITE) != 0) {
      key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
    }
    if (endOnceWritten != null && !out.pending()) {
      fail(endOnceWritten);
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
    resumeReading(); // in case room came without a wake-up (reserves grow as connections leave)
    String hoarding = gate.check(now);
    if (hoarding != null) {
      abort(Wire.LIMIT, hoarding);
      return;
    }
    if (phase != Phase.DATA) {
      String why = handshake.expired(now, phase);
      if (why != null) {
        abort(Wire.PROTOCOL, why);
      }
      return;
    }
    Heartbeat.Verdict v =
        heartbeat.check(
            now,
            Math.max(in.lastRead(), gate.readingSince(now)), // not silent while this side waits
            out.idleNanos(),
            out.pending());
    switch (v.kind()) {
      case NOT_READING -> {
        LOG.warn("{}; cutting it off", v.why());
        fail(new ConnectionLostException(v.why()));
      }
      case LOST -> {
        LOG.info("{}: connection lost", v.why());
        fail(new ConnectionLostException(v.why()));
      }
      case PING -> {
        sendFrame(new byte[] {(byte) Wire.PING});
        out.markActive(now); // a PING stuck behind a full socket buffer is not resent every tick
      }
      case NONE -> {}
    }
  }

  /** Tells the remote why (best effort), then ends the connection. Loop thread. */
  void abort(int code, String reason) {
    if (phase == Phase.CLOSED) {
      return;
    }
    LOG.warn("{}: closing the connection ({}): {}", remote, Wire.codeName(code), reason);
    sendAbort(code, reason);
    fail(ended(code == Wire.AUTHENTICATION, reason));
  }

  /** The end of this connection for {@code reason}, as this side reports it. */
  private CallosumException ended(boolean authentication, String reason) {
    String text =
        client
            ? "connection to " + remote + " closed: " + reason
            : "refused " + remote + ": " + reason;
    return authentication ? new AuthenticationException(text) : new ConnectionLostException(text);
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
   * As {@link #abortForShutdown}, but ends the connection once what is queued, then the ABORT, is
   * written (a remote that takes nothing is cut by the heartbeat). Loop thread.
   */
  void abortOnceWritten(String reason, CallosumException cause) {
    if (phase != Phase.DATA) {
      abortForShutdown(reason, cause);
      return;
    }
    sendAbort(Wire.SHUTDOWN, reason); // queued behind the rest, and flushed as far as it goes
    if (phase == Phase.CLOSED) {
      return;
    }
    if (!out.pending()) {
      fail(cause);
      return;
    }
    endOnceWritten = cause;
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
        outbound.plain(f);
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
    outbound.close();
    loop.removeTicking(this);
    if (key != null) {
      key.cancel();
    }
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("closing {} failed", remote, e);
    }
    in.stop();
    gate.close();
    handshake.end();
    List<Channel> open = channels.removeAll();
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
