package io.callosum.lower.tcp.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback that can be frozen: while frozen it accepts connections but moves no byte
 * in the frozen direction (the remote looks alive to the kernel but silent, like a hung process or
 * a half-open connection). Blocking sockets, two pump threads per connection; all closed by {@link
 * #close}.
 */
public final class FreezableProxy implements AutoCloseable {
  private final ServerSocket server;
  private volatile InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private boolean upFrozen;
  private boolean downFrozen;
  private volatile boolean closed;

  public FreezableProxy(String targetAddress) throws IOException {
    URI u = URI.create(targetAddress);
    this.target = new InetSocketAddress(u.getHost(), u.getPort());
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    start(this::acceptLoop, "proxy-accept");
  }

  /** Sends connections accepted from now on to {@code targetAddress}. */
  public void retarget(String targetAddress) {
    URI u = URI.create(targetAddress);
    target = new InetSocketAddress(u.getHost(), u.getPort());
  }

  public String address() {
    return "tcp://127.0.0.1:" + server.getLocalPort();
  }

  /** Stops (true) or resumes moving bytes client to server ("up") and server to client ("down"). */
  public void freeze(boolean up, boolean down) {
    synchronized (lock) {
      upFrozen = up;
      downFrozen = down;
      lock.notifyAll();
    }
  }

  private void start(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        sockets.add(client);
        sockets.add(upstream);
        try {
          upstream.connect(target);
        } catch (IOException e) {
          client.close();
          continue;
        }
        start(() -> pump(client, upstream, true), "proxy-up");
        start(() -> pump(upstream, client, false), "proxy-down");
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean up) {
    byte[] buf = new byte[16 << 10];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      while (true) {
        awaitThawed(up);
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        awaitThawed(up);
        out.write(buf, 0, n);
      }
    } catch (IOException | InterruptedException e) {
      // closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void awaitThawed(boolean up) throws InterruptedException {
    synchronized (lock) {
      while (!closed && (up ? upFrozen : downFrozen)) {
        lock.wait();
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws Exception {
    closed = true;
    synchronized (lock) {
      lock.notifyAll();
    }
    server.close();
    sockets.forEach(FreezableProxy::closeQuietly);
    for (Thread t : threads) {
      t.join(10_000);
    }
  }
}
