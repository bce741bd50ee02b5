package io.callosum.examples.soak;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One connection through a {@link FaultProxy}: the client's socket, the socket to the server, and a
 * {@link Pipe} each way. It ends cleanly when both directions have passed end of stream, and with a
 * reset (RST both ways) when either socket fails, when {@link #reset()} is called, or at the end of
 * a half-open period.
 *
 * <p>{@link #halfOpen} plays a peer that vanished without a word: the socket of one side is reset,
 * the other stays open and hears nothing (what it sends is read and dropped) until the period ends.
 * Only heartbeats can tell that side its connection is gone.
 *
 * <p>Every method may be called from any thread; the pipes call back on their own threads.
 */
final class ProxiedConnection implements Pipe.Owner {
  /** Which end of the connection a half-open period keeps open. */
  enum Side {
    CLIENT,
    SERVER
  }

  private final Socket client;
  private final Socket server;
  private final Pipe up;
  private final Pipe down;
  private final Consumer<ProxiedConnection> onClosed;
  private int ended; // guarded by this: pipes that passed end of stream
  private boolean closed; // guarded by this
  private boolean halfOpen; // guarded by this
  private Thread halfOpenTimer; // guarded by this

  ProxiedConnection(
      String name,
      Socket client,
      Socket server,
      LinkFaults faults,
      Consumer<ProxiedConnection> onClosed) {
    this.client = client;
    this.server = server;
    this.onClosed = onClosed;
    up = new Pipe(name + "-up", client, server, faults, this);
    down = new Pipe(name + "-down", server, client, faults, this);
  }

  void start() {
    up.start();
    down.start();
  }

  /** Resets both sockets now (the remotes see a connection reset). */
  void reset() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    up.close();
    down.close();
    abort(client);
    abort(server);
    onClosed.accept(this);
  }

  /**
   * Resets the socket of the side other than {@code keep} and leaves {@code keep}'s open and silent
   * for {@code silence}, then resets it too. False if the connection has ended or is half-open
   * already.
   */
  boolean halfOpen(Side keep, Duration silence) {
    synchronized (this) {
      if (closed || halfOpen) {
        return false;
      }
      halfOpen = true;
      up.discard();
      down.discard();
      abort(keep == Side.CLIENT ? server : client);
      halfOpenTimer =
          new Thread(
              () -> {
                try {
                  TimeUnit.NANOSECONDS.sleep(silence.toNanos());
                } catch (InterruptedException e) {
                  // the proxy is closing: reset at once
                }
                reset();
              },
              "soak-proxy-half-open");
      halfOpenTimer.setDaemon(true);
      halfOpenTimer.start();
    }
    return true;
  }

  /** Waits up to {@code millis} for the connection's threads to end (after it was closed). */
  void join(long millis) throws InterruptedException {
    Thread timer;
    synchronized (this) {
      timer = halfOpenTimer;
    }
    if (timer != null) {
      timer.interrupt();
      timer.join(millis);
    }
    up.join(millis);
    down.join(millis);
  }

  @Override
  public void ended(Pipe pipe) {
    synchronized (this) {
      if (++ended < 2 || closed) {
        return;
      }
      closed = true;
    }
    up.close();
    down.close();
    closeQuietly(client);
    closeQuietly(server);
    onClosed.accept(this);
  }

  @Override
  public void failed(Pipe pipe) {
    synchronized (this) {
      if (halfOpen) {
        return; // the reset side fails by design; the kept side is reset when the period ends
      }
    }
    reset();
  }

  /** Closes {@code s} with a reset (RST) rather than an orderly FIN. */
  static void abort(Socket s) {
    try {
      s.setSoLinger(true, 0); // close sends RST, not FIN
    } catch (IOException e) {
      // already closed
    }
    closeQuietly(s);
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
