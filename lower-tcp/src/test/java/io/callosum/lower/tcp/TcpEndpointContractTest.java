package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.LinkRecorder;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lower's side of the Transport/Link contract, against hand-written servers, below the peer
 * protocol.
 */
class TcpEndpointContractTest {
  private static final Duration HANDSHAKE = Duration.ofMillis(300);

  @RegisterExtension final Closer closer = new Closer();

  private static TransportConfig config() {
    return new TransportConfig(Capabilities.LEGACY, 4 << 20, Duration.ofSeconds(5));
  }

  private ServerSocket listener() throws IOException {
    return closer.later(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
  }

  private static String address(ServerSocket s) {
    return "tcp://127.0.0.1:" + s.getLocalPort();
  }

  @Test
  void aListenerThatNeverAnswersFailsTheConnectClearly() throws Exception {
    ExecutorService background = closer.executor("silent-server");
    ServerSocket silent = listener();
    CompletableFuture<Socket> accepted =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return closer.later(silent.accept());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            background);
    TcpTransport t = new TcpTransport(TcpOptions.builder().handshakeTimeout(HANDSHAKE).build());
    long t0 = System.nanoTime();
    ConnectionLostException e =
        assertThrows(
            ConnectionLostException.class,
            () -> t.connect(URI.create(address(silent)), config(), new LinkRecorder()));
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(
        e.getMessage().contains("sent no Callosum TCP preamble within 300 ms"), e.getMessage());
    assertTrue(millis < HANDSHAKE.toMillis() + 2_000, millis + " ms");
    Await.result(accepted);
    assertEquals(0, t.openEndpoints());
  }

  @Test
  void aServerOfAnotherVersionIsReportedClearly() throws Exception {
    ExecutorService background = closer.executor("future-server");
    ServerSocket future = listener();
    background.execute(
        () -> {
          try {
            Socket s = closer.later(future.accept());
            s.getOutputStream().write(RawTcp.preamble(3, "NULL"));
            s.getInputStream().readAllBytes(); // until the client closes
          } catch (IOException e) {
            // the test fails on the client side if this does not work
          }
        });
    TcpTransport t = new TcpTransport();
    ConnectionLostException e =
        assertThrows(
            ConnectionLostException.class,
            () -> t.connect(URI.create(address(future)), config(), new LinkRecorder()));
    assertTrue(
        e.getMessage().contains("unsupported protocol version 3 (this peer speaks 2)"),
        e.getMessage());
  }

  @Test
  void nothingIsReceivedOnALinkAfterItWasClosed() throws Exception {
    ExecutorService background = closer.executor("raw-server");
    ServerSocket raw = listener();
    CompletableFuture<Socket> server =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                Socket s = closer.later(raw.accept());
                s.setSoTimeout((int) Await.LIMIT.toMillis());
                s.getOutputStream().write(RawTcp.preamble(2, "NULL"));
                DataInputStream in = new DataInputStream(s.getInputStream());
                in.readFully(new byte[16]);
                byte[] open = new byte[in.readInt()];
                in.readFully(open);
                assertEquals(RawTcp.OPEN, open[0]);
                byte[] opened =
                    RawTcp.channelFrame(
                        RawTcp.OPENED, ByteBuffer.wrap(open, 1, 4).getInt(), new byte[0]);
                s.getOutputStream()
                    .write(
                        ByteBuffer.allocate(4 + opened.length)
                            .putInt(opened.length)
                            .put(opened)
                            .array());
                return s;
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            background);
    LinkRecorder recorder = new LinkRecorder();
    Endpoint client =
        closer.later(new TcpTransport().connect(URI.create(address(raw)), config(), recorder));
    Socket s = Await.result(server);
    Await.result(recorder.first).close();
    Await.until("the close is reported", () -> recorder.events.contains("disconnected"));
    DataInputStream in = new DataInputStream(s.getInputStream());
    byte[] close = new byte[in.readInt()];
    in.readFully(close);
    assertEquals(RawTcp.CLOSE, close[0], "the remote hears the channel close");
    byte[] data =
        RawTcp.data(ByteBuffer.wrap(close, 1, 4).getInt(), new byte[] {1}, new byte[] {2});
    byte[] ping = {RawTcp.PING};
    s.getOutputStream()
        .write(
            ByteBuffer.allocate(8 + data.length + 1)
                .putInt(data.length)
                .put(data)
                .putInt(1)
                .put(ping)
                .array());
    byte[] pong = new byte[in.readInt()];
    in.readFully(pong);
    assertEquals(RawTcp.PONG, pong[0], "the DATA was handled before the PING");
    assertEquals(List.of("connected", "disconnected"), recorder.events);
    client.close();
  }
}
