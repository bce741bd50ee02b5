package io.callosum.examples.soak;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback that stands between clients and one server and injects faults: latency,
 * bandwidth caps and stalls ({@link #faults()}, applied to every connection), resets ({@link
 * #reset()}) and half-open connections ({@link #halfOpen}). {@link #retarget} points it at another
 * port, so a server restarted on a new ephemeral port is reached at the same proxy address.
 * Connections accepted while the target does not answer are reset at once (a server that is down).
 *
 * <p>One thread accepts; each connection has four (a reader and a writer each way, see {@link
 * Pipe}). Every method is thread-safe. {@link #close()} resets every connection and ends every
 * thread before it returns.
 */
public final class FaultProxy implements AutoCloseable {
  private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
  private static final long JOIN_MILLIS = 5_000;

  private final String name;
  private final ServerSocket listener;
  private final LinkFaults faults = new LinkFaults();
  private final Set<ProxiedConnection> connections = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile int targetPort;
  private volatile boolean closed;
  private long accepted; // acceptor thread only

  /** Starts a proxy on an ephemeral loopback port that forwards to {@code targetPort}. */
  public FaultProxy(String name, int targetPort) throws IOException {
    this.name = name;
    this.targetPort = targetPort;
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "soak-proxy-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  int target() {
    return targetPort;
  }

  /** The proxy's name, as in its threads' names and the fault schedule. */
  public String name() {
    return name;
  }

  /** Connections accepted from now on go to {@code port}; open ones stay where they are. */
  public void retarget(int port) {
    targetPort = port;
  }

  /** The latency, bandwidth and stall faults of every connection through this proxy. */
  public LinkFaults faults() {
    return faults;
  }

  /** How many connections are open now. */
  public int connections() {
    return connections.size();
  }

  /** Resets every open connection; returns how many there were. */
  public int reset() {
    List<ProxiedConnection> open = List.copyOf(connections);
    open.forEach(ProxiedConnection::reset);
    return open.size();
  }

  /**
   * Makes every open connection half-open: the side other than {@code keep} is reset, {@code keep}
   * hears nothing for {@code silence} and is then reset too. Returns how many connections it hit.
   */
  public int halfOpen(ProxiedConnection.Side keep, Duration silence) {
    int n = 0;
    for (ProxiedConnection c : List.copyOf(connections)) {
      if (c.halfOpen(keep, silence)) {
        n++;
      }
    }
    return n;
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket server = new Socket();
      try {
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        server.connect(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort),
            CONNECT_TIMEOUT_MILLIS);
      } catch (IOException e) {
        ProxiedConnection.abort(client);
        ProxiedConnection.closeQuietly(server);
        continue;
      }
      ProxiedConnection c =
          new ProxiedConnection(
              "soak-proxy-" + name + "-" + accepted++, client, server, faults, connections::remove);
      connections.add(c);
      if (closed) {
        c.reset();
        return;
      }
      c.start();
    }
  }

  /**
   * Stops accepting, resets every connection and waits (up to 5 s each) for the threads to end; an
   * interrupt ends the wait, with the thread's interrupt status set again.
   */
  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      // The acceptor first: a connection it accepted as the listener closed is in the list after.
      acceptor.join(JOIN_MILLIS);
      List<ProxiedConnection> open = List.copyOf(connections);
      open.forEach(ProxiedConnection::reset);
      for (ProxiedConnection c : open) {
        c.join(JOIN_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      List.copyOf(connections).forEach(ProxiedConnection::reset);
    }
  }

  @Override
  public String toString() {
    return "proxy " + name + " :" + port() + " -> :" + targetPort;
  }
}
