package io.callosum.gateway.internal;

import io.callosum.lower.tcp.internal.RelayLoop;
import io.callosum.lower.tcp.internal.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded TCP connection at a gateway: the plain socket on one end, a channel of a link on
 * the other. Bytes read from the socket travel as DATA frames, at most the credit the far gateway
 * granted ({@link Wire#FORWARD_WINDOW} to begin with); the socket is not read while the credit is
 * used up, so a slow receiver slows the sender and the gateway holds at most one window per
 * direction. Bytes arriving from the link are written to the socket, and CREDIT frames give back
 * what was written. An empty DATA frame is end of stream (half-close). Loop thread only.
 */
final class ForwardSocket {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardSocket.class);
  private static final int READ_MAX = 64 << 10;

  /** What the gateway does for a forwarded connection. Loop thread. */
  interface Events {
    /** The outgoing connection is made (the far end may now be told OPENED). */
    void connected(ForwardSocket s);

    /**
     * Both directions ended in order ({@code reason} empty), or the socket failed; it is closed
     * already.
     */
    void ended(ForwardSocket s, String reason);

    /** The socket is closed, for whatever reason (once). */
    void closed(ForwardSocket s);
  }

  final Leg leg;
  private final SocketChannel socket;
  private final Events events;
  private final String name;
  private SelectionKey key;
  private long credit;
  private final ArrayDeque<ByteBuffer> writes = new ArrayDeque<>();
  private long pendingWrite;
  private int toGrant;
  private boolean started;
  private boolean inputDone;
  private boolean eofReceived;
  private boolean outputDone;
  private boolean closeWhenDrained;
  private boolean closed;

  /** Whether this socket connects out (to the target of a forward) rather than was accepted. */
  private boolean outbound;

  private final long since = System.nanoTime();

  private ForwardSocket(SocketChannel socket, Leg leg, Events events, String name) {
    this.socket = socket;
    this.leg = leg;
    this.events = events;
    this.name = name;
  }

  /** Takes over an accepted socket; it is read only after {@link #start}. */
  static ForwardSocket accepted(
      RelayLoop loop, SocketChannel sc, Leg leg, Events events, String name) throws IOException {
    ForwardSocket s = new ForwardSocket(sc, leg, events, name);
    s.key = loop.register(sc, 0, s::ready);
    return s;
  }

  /**
   * Connects to {@code target}; {@link Events#connected} or {@link Events#ended} follows on the
   * loop.
   */
  static ForwardSocket connect(RelayLoop loop, InetSocketAddress target, Leg leg, Events events)
      throws IOException {
    SocketChannel sc = SocketChannel.open();
    ForwardSocket s = new ForwardSocket(sc, leg, events, target.toString());
    s.outbound = true;
    try {
      sc.configureBlocking(false);
      s.key = loop.register(sc, SelectionKey.OP_CONNECT, s::ready);
      if (sc.connect(target)) {
        s.key.interestOps(0);
        loop.post(() -> events.connected(s));
      }
    } catch (IOException | RuntimeException e) {
      sc.close();
      throw e;
    }
    return s;
  }

  /**
   * Ends a socket that is not open both ways within its deadline: an outbound one not connected
   * within {@code connectNanos}, an accepted one whose channel the far gateway has not answered
   * within twice that (so that the far side's own connect deadline, with its reason, comes first).
   * True if it ended. Loop thread.
   */
  boolean expire(long now, long connectNanos) {
    if (started || closed || now - since <= (outbound ? connectNanos : 2 * connectNanos)) {
      return false;
    }
    long ms = (outbound ? connectNanos : 2 * connectNanos) / 1_000_000;
    fail(
        outbound
            ? "cannot connect to " + name + ": no connection within " + ms + " ms"
            : "the forwarded connection "
                + name
                + " was not answered by the far gateway within "
                + ms
                + " ms");
    return true;
  }

  /** The channel is open both ways: reading starts with a full window of credit. */
  void start() {
    started = true;
    credit = Wire.FORWARD_WINDOW;
    interest();
  }

  private void ready(SelectionKey k) {
    try {
      if (k.isConnectable()) {
        socket.finishConnect();
        k.interestOps(0);
        events.connected(this);
        return;
      }
      if (k.isValid() && k.isWritable()) {
        drain();
      }
      if (k.isValid() && k.isReadable()) {
        read();
      }
    } catch (IOException e) {
      fail("the forwarded connection " + name + " failed: " + e.getMessage());
    }
  }

  private void read() throws IOException {
    for (int i = 0; i < 4 && credit > 0 && !inputDone && !closed; i++) {
      int n = (int) Math.min(credit, READ_MAX);
      byte[] f = new byte[Wire.DATA_FRAME_HEADER + n];
      int r = socket.read(ByteBuffer.wrap(f, Wire.DATA_FRAME_HEADER, n));
      if (r == 0) {
        break;
      }
      f[0] = (byte) Wire.DATA;
      Wire.putInt(f, 1, leg.id);
      if (r < 0) {
        inputDone = true; // an empty DATA frame: end of stream
        leg.side.conn.send(Arrays.copyOf(f, Wire.DATA_FRAME_HEADER));
        finishIfDone();
        break;
      }
      credit -= r;
      leg.side.conn.send(r == n ? f : Arrays.copyOf(f, Wire.DATA_FRAME_HEADER + r));
    }
    interest();
  }

  /**
   * A DATA frame from the link: its body goes to the socket; an empty one ends the socket's output.
   */
  void fromLink(byte[] frame) {
    int headerLength = Wire.getInt(frame, 5);
    int start = Wire.DATA_FRAME_HEADER + headerLength;
    int n = frame.length - start;
    if (n == 0) {
      eofReceived = true;
    } else if (eofReceived || pendingWrite + n > Wire.FORWARD_WINDOW) {
      fail(
          eofReceived
              ? "DATA after end of stream on forward channel " + name
              : "the far gateway sent past its credit on forward channel "
                  + name
                  + " ("
                  + (pendingWrite + n)
                  + " bytes pending, window "
                  + Wire.FORWARD_WINDOW
                  + ")");
      return;
    } else {
      writes.add(ByteBuffer.wrap(frame, start, n));
      pendingWrite += n;
    }
    try {
      drain();
    } catch (IOException e) {
      fail("the forwarded connection " + name + " failed: " + e.getMessage());
    }
  }

  /**
   * More credit from the far gateway; false if it overflows the window (the far side is
   * misbehaving).
   */
  boolean credit(int bytes) {
    long c = credit + Integer.toUnsignedLong(bytes);
    if (c > Wire.FORWARD_WINDOW) {
      return false;
    }
    credit = c;
    interest();
    return true;
  }

  private void drain() throws IOException {
    while (!writes.isEmpty() && !closed) {
      ByteBuffer b = writes.peek();
      int w = socket.write(b);
      pendingWrite -= w;
      toGrant += w;
      if (b.hasRemaining()) {
        break;
      }
      writes.poll();
    }
    if (closed) {
      return;
    }
    if (toGrant >= Wire.FORWARD_WINDOW / 4 || (writes.isEmpty() && toGrant > 0)) {
      leg.side.conn.send(Wire.credit(leg.id, toGrant));
      toGrant = 0;
    }
    if (writes.isEmpty()) {
      if (closeWhenDrained) {
        close(); // the gateway forgets it (it counts against maxConnections until then)
        events.ended(this, "");
        return;
      }
      if (eofReceived && !outputDone) {
        outputDone = true;
        socket.shutdownOutput();
        finishIfDone();
      }
    }
    interest();
  }

  private void finishIfDone() {
    if (inputDone && outputDone && !closed) {
      close();
      events.ended(this, "");
    }
  }

  private void fail(String reason) {
    if (!closed) {
      LOG.info("{}", reason);
      close();
      events.ended(this, reason);
    }
  }

  private void interest() {
    if (closed || !key.isValid()) {
      return;
    }
    int ops = 0;
    if (started && credit > 0 && !inputDone) {
      ops |= SelectionKey.OP_READ;
    }
    if (!writes.isEmpty()) {
      ops |= SelectionKey.OP_WRITE;
    }
    key.interestOps(ops);
  }

  /** Bytes held for the socket (at most one window). */
  long pending() {
    return pendingWrite;
  }

  /** The far end closed the channel: in order (after writing what is held) or at once. */
  void closeAfterDrain(boolean orderly) {
    if (orderly && !writes.isEmpty() && !closed) {
      closeWhenDrained = true;
    } else {
      close();
    }
  }

  /** Closes the socket now. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    writes.clear();
    if (key != null) {
      key.cancel();
    }
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("closing {} failed", name, e);
    }
    events.closed(this);
  }

  @Override
  public String toString() {
    return "ForwardSocket(" + name + ")";
  }
}
