package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.curve.Fixtures.only;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.tcp.internal.SecurityFailure;
import io.callosum.lower.tcp.internal.curve.Fixtures.SeededRandom;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The strongest cross-check: {@link CurveSecurity} speaks CURVE with real jeromq sockets over
 * loopback TCP, each role against the other's, through a minimal ZMTP 3.0 framing (greeting, then
 * flag + length frames) written here. The CurveZMQ commands themselves are exactly what {@code
 * CurveSecurity} produces and consumes.
 */
@Timeout(30)
class JeromqInteropTest {
  private final CurveKeyPair serverKeys = Fixtures.keyPair(200);
  private final CurveKeyPair clientKeys = Fixtures.keyPair(201);
  private final ZContext context = new ZContext();
  private final ExecutorService background = Executors.newSingleThreadExecutor();

  @AfterEach
  void close() throws InterruptedException {
    background.shutdownNow();
    background.awaitTermination(10, TimeUnit.SECONDS);
    context.close();
  }

  @Test
  void aJeromqDealerHandshakesWithOurServerAndTheyExchangeMessages() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CurveSecurity server =
          CurveSecurity.server(
              Fixtures.allowing(serverKeys, clientKeys.publicKey()),
              Map.of("Socket-Type", ascii("ROUTER")),
              new SeededRandom(202));
      CompletableFuture<String> served =
          CompletableFuture.supplyAsync(
              () -> {
                String step = "accept";
                try (Socket s = acceptGreeted(listener)) {
                  Zmtp zmtp = new Zmtp(s);
                  step = "hello";
                  byte[] welcome = only(server.receive(zmtp.readFrame()));
                  zmtp.writeCommand(welcome);
                  step = "initiate";
                  zmtp.writeCommand(only(server.receive(zmtp.readFrame())));
                  step = "message";
                  String got = new String(server.open(zmtp.readFrame()), StandardCharsets.UTF_8);
                  zmtp.writeMessage(server.seal(ascii("pong to " + got)));
                  zmtp.readFrame(); // wait for the dealer's last message so the reply is not cut
                  // off by our close
                  return got;
                } catch (IOException | SecurityFailure e) {
                  throw new RuntimeException("at " + step, e);
                }
              },
              background);

      ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
      dealer.setLinger(0);
      dealer.setReceiveTimeOut(10_000);
      dealer.setHandshakeIvl(1_000);
      dealer.setCurveServerKey(serverKeys.publicKey().bytes());
      dealer.setCurvePublicKey(clientKeys.publicKey().bytes());
      dealer.setCurveSecretKey(clientKeys.secretKey());
      dealer.connect("tcp://127.0.0.1:" + listener.getLocalPort());
      assertTrue(dealer.send("ping"));
      String reply = dealer.recvStr();
      if (reply == null) {
        served.get(1, TimeUnit.SECONDS); // shows the serving side's failure, if any
      }
      assertEquals("pong to ping", reply);
      dealer.send("bye");
      assertEquals("ping", served.get(20, TimeUnit.SECONDS));
      assertEquals("alice", server.userId());
      assertArrayEquals(ascii("DEALER"), server.remoteMetadata().get("Socket-Type"));
    }
  }

  @Test
  void ourClientHandshakesWithAJeromqRouterAndTheyExchangeMessages() throws Exception {
    ZMQ.Socket router = context.createSocket(SocketType.ROUTER);
    router.setLinger(0);
    router.setReceiveTimeOut(10_000);
    router.setCurveServer(true);
    router.setCurveSecretKey(serverKeys.secretKey());
    int port = router.bindToRandomPort("tcp://127.0.0.1");

    CurveSecurity client =
        CurveSecurity.client(
            Fixtures.client(serverKeys.publicKey(), clientKeys),
            Map.of("Socket-Type", ascii("DEALER"), "Identity", new byte[0]),
            new SeededRandom(203));
    try (Socket s = connectGreeted(port)) {
      Zmtp zmtp = new Zmtp(s);
      zmtp.writeCommand(only(client.start()));
      zmtp.writeCommand(only(client.receive(zmtp.readFrame())));
      client.receive(zmtp.readFrame());
      assertTrue(client.established());
      assertArrayEquals(ascii("ROUTER"), client.remoteMetadata().get("Socket-Type"));

      zmtp.writeMessage(client.seal(ascii("hello")));
      byte[] identity = router.recv();
      assertEquals("hello", router.recvStr());
      router.sendMore(identity);
      router.send("world");
      assertEquals("world", new String(client.open(zmtp.readFrame()), StandardCharsets.UTF_8));
    }
  }

  @Test
  void aJeromqRouterWhoseZapHandlerRefusesUsIsReportedAsAnAuthenticationFailure() throws Exception {
    // A ZAP handler (RFC 27) that refuses every client: jeromq then sends ERROR with the status
    // code.
    // The handler's socket lives on its own thread, from bind to close; it binds before the router
    // does.
    CountDownLatch bound = new CountDownLatch(1);
    CompletableFuture<String> asked =
        CompletableFuture.supplyAsync(
            () -> {
              ZMQ.Socket zap = context.createSocket(SocketType.REP);
              try {
                zap.setLinger(0);
                zap.setReceiveTimeOut(10_000);
                zap.bind("inproc://zeromq.zap.01");
                bound.countDown();
                List<byte[]> request = new ArrayList<>();
                do {
                  request.add(zap.recv());
                } while (zap.hasReceiveMore());
                zap.sendMore("1.0");
                zap.sendMore(request.get(1));
                zap.sendMore("400");
                zap.sendMore("not on the list");
                zap.sendMore("");
                zap.send("");
                return new String(request.get(5), StandardCharsets.US_ASCII); // the mechanism
              } finally {
                zap.close();
              }
            },
            background);
    assertTrue(bound.await(10, TimeUnit.SECONDS));
    ZMQ.Socket router = context.createSocket(SocketType.ROUTER);
    router.setLinger(0);
    router.setCurveServer(true);
    router.setCurveSecretKey(serverKeys.secretKey());
    int port = router.bindToRandomPort("tcp://127.0.0.1");

    CurveSecurity client =
        CurveSecurity.client(
            Fixtures.client(serverKeys.publicKey(), clientKeys),
            Map.of("Socket-Type", ascii("DEALER")),
            new SeededRandom(204));
    try (Socket s = connectGreeted(port)) {
      Zmtp zmtp = new Zmtp(s);
      zmtp.writeCommand(only(client.start()));
      zmtp.writeCommand(only(client.receive(zmtp.readFrame())));
      SecurityFailure f =
          Fixtures.refuses(
              SecurityFailure.Kind.AUTHENTICATION, () -> client.receive(zmtp.readFrame()));
      assertEquals("authentication rejected by the server: 400", f.getMessage());
    }
    assertEquals("CURVE", asked.get(10, TimeUnit.SECONDS));
  }

  /**
   * The next connection whose ZMTP greeting completes. jeromq 0.6.0 sometimes never finishes a
   * fresh connection's greeting (about one connect in 15 here, before any CURVE byte; see
   * DEPENDENCIES.md, like jeromq #912) and then notices nothing until its handshake timer fires:
   * the DEALER's short handshake interval drops such a connection, and it reconnects with its
   * queued message.
   */
  private static Socket acceptGreeted(ServerSocket listener) throws IOException {
    for (int attempt = 1; ; attempt++) {
      Socket s = listener.accept();
      try {
        s.setSoTimeout(10_000);
        Zmtp.greet(s, true);
        return s;
      } catch (IOException stalled) {
        s.close();
        if (attempt == 5) {
          throw stalled;
        }
      }
    }
  }

  /**
   * A connection to {@code port} whose ZMTP greeting completed; a stalled one (see above) is
   * replaced.
   */
  private static Socket connectGreeted(int port) throws IOException {
    for (int attempt = 1; ; attempt++) {
      Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
      try {
        s.setSoTimeout(attempt < 5 ? 2_000 : 10_000);
        Zmtp.greet(s, false);
        s.setSoTimeout(10_000);
        return s;
      } catch (IOException stalled) {
        s.close();
        if (attempt == 5) {
          throw stalled;
        }
      }
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * ZMTP 3.0 framing on a blocking socket: the greeting, then frames of one flags byte, a length
   * and a body.
   */
  private static final class Zmtp {
    private final DataInputStream in;
    private final OutputStream out;

    /** Framing on a socket whose greeting is done. */
    Zmtp(Socket socket) throws IOException {
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    /** Exchanges ZMTP 3.0 greetings for the CURVE mechanism. */
    static void greet(Socket socket, boolean asServer) throws IOException {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      byte[] greeting = new byte[64];
      greeting[0] = (byte) 0xff;
      greeting[8] = 1;
      greeting[9] = 0x7f;
      greeting[10] = 3;
      greeting[11] = 0;
      System.arraycopy(ascii("CURVE"), 0, greeting, 12, 5);
      greeting[32] = (byte) (asServer ? 1 : 0);
      // In the stages libzmq uses (signature, major version, the rest): jeromq 0.6.0's greeting
      // sometimes stalls
      // when the whole greeting arrives before it has sent its own signature.
      byte[] theirs = new byte[64];
      out.write(greeting, 0, 10);
      out.flush();
      in.readFully(theirs, 0, 10);
      out.write(greeting, 10, 1);
      out.flush();
      in.readFully(theirs, 10, 1);
      out.write(greeting, 11, 53);
      out.flush();
      in.readFully(theirs, 11, 53);
      assertEquals((byte) 0xff, theirs[0]);
      assertEquals(0x7f, theirs[9]);
      assertEquals(3, theirs[10], "ZMTP 3");
      assertEquals("CURVE", new String(theirs, 12, 5, StandardCharsets.US_ASCII));
    }

    byte[] readFrame() throws IOException {
      int flags = in.readUnsignedByte();
      long size = (flags & 0x02) != 0 ? in.readLong() : in.readUnsignedByte();
      assertTrue(size < 1 << 20, "frame size " + size);
      byte[] body = new byte[(int) size];
      in.readFully(body);
      return body;
    }

    void writeCommand(byte[] body) throws IOException {
      write(0x04, body);
    }

    void writeMessage(byte[] body) throws IOException {
      write(0x00, body);
    }

    private void write(int flags, byte[] body) throws IOException {
      if (body.length > 255) {
        out.write(flags | 0x02);
        out.write(ByteBuffer.allocate(8).putLong(body.length).array());
      } else {
        out.write(flags);
        out.write(body.length);
      }
      out.write(body);
      out.flush();
    }
  }
}
