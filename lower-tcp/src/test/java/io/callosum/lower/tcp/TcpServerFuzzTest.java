package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.Capabilities;
import io.callosum.lower.tcp.internal.Wire;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.ErrorLog;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target of a bound TCP endpoint as a remote reaches it (docs/FUZZING.md): each input is one
 * connection on loopback, a preamble (good or from the input) and whole records — OPEN, DATA (calls
 * that decode, or bytes), CLOSE, or anything — after which the client shuts its output and reads
 * what the server answers until the server closes. Invariants: the server closes the connection (it
 * never hangs on it), sends only well-formed records, logs nothing at ERROR (the I/O loop's catch
 * of an unexpected failure), and a client connected all along is still served after every input.
 */
class TcpServerFuzzTest {
  private static final TcpOptions OPTIONS =
      TcpOptions.builder()
          .maxFrameSize(64 << 10)
          .maxChannelsPerConnection(4)
          .handshakeTimeout(Duration.ofSeconds(2))
          .build();
  private static final BoundPeer SERVER;
  private static final ConnectedPeer CLIENT;
  private static final byte[] CAPS =
      new Capabilities(Capabilities.VERSION, 5, Set.of(Capabilities.STREAM, Capabilities.CHUNK))
          .encode();

  /**
   * {@code {type: 1, meth: "echo", okey: b"", seq: 0, zip: false}}: a call's header (seq is its
   * 29th byte).
   */
  private static final byte[] ECHO =
      HexFormat.ofDelimiter(" ")
          .parseHex(
              "85 a4 74 79 70 65 01 a4 6d 65 74 68 a4 65 63 68 6f a4 6f 6b 65 79 c4 00 a3 73 65 71"
                  + " 00 a3 7a 69 70 c2");

  /** {@code {meta: b"", body: bin8 ...}}: a call's body frame up to the length of its bin. */
  private static final byte[] BODY_START =
      HexFormat.ofDelimiter(" ").parseHex("82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c4");

  static {
    ErrorLog.install();
    SERVER =
        Peer.builder()
            .transport(new TcpTransport(OPTIONS))
            .bind("tcp://127.0.0.1:0")
            .name("fuzzed")
            .build();
    SERVER.handle("echo", (ctx, body) -> body.value());
    SERVER.start();
    CLIENT =
        Peer.builder()
            .transport(new TcpTransport())
            .connect(SERVER.address())
            // Jazzer's instrumented JVM, with a fuzzer beside it, takes seconds to connect first.
            .connectTimeout(Await.LIMIT.multipliedBy(6))
            .defaultTimeout(Await.LIMIT)
            .build()
            .start();
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  @AfterAll
  static void stop() {
    CLIENT.close();
    SERVER.close();
  }

  @FuzzTest
  void connection(byte[] data) throws Exception {
    // Jazzer's network sanitizer (set up once a fuzz test runs) is told of this test's own
    // connections.
    try (SilentCloseable loopback =
        BugDetectors.allowNetworkConnections((host, port) -> isLoopback(host))) {
      connect(data);
    }
  }

  private static void connect(byte[] data) throws Exception {
    long errors = ErrorLog.count();
    FuzzInput in = new FuzzInput(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(in.bool() ? in.bytes(Wire.PREAMBLE_SIZE) : Wire.preamble("NULL"));
    while (in.more()) {
      byte[] frame = frame(in);
      out.writeBytes(ByteBuffer.allocate(4).putInt(frame.length).array());
      out.writeBytes(frame);
    }
    try (RawTcp r = RawTcp.connect(SERVER.address())) {
      r.socket.setSoLinger(true, 0); // a reset on close: no TIME_WAIT from thousands of inputs
      r.send(out.toByteArray());
      r.socket.shutdownOutput();
      byte[] preamble = r.readPreamble();
      assertEquals(Wire.PREAMBLE_SIZE, preamble.length);
      byte[] f;
      while ((f = r.readFrame()) != null) {
        wellFormed(f);
      }
    } catch (java.net.SocketTimeoutException e) {
      throw new AssertionError(
          "the server neither answered nor closed the connection within " + Await.LIMIT, e);
    } catch (java.io.EOFException | java.net.SocketException e) {
      // closed (or reset) before its preamble was read: a refusal
    }
    ErrorLog.assertNoneSince(errors);
    assertEquals(
        "still", CLIENT.invokeAndWait("echo", "still"), "a client connected all along is served");
  }

  /** A record's content: a channel frame built from fields, a call that decodes, or raw bytes. */
  private static byte[] frame(FuzzInput in) {
    int channel = in.bool() ? in.u32() : in.below(6);
    switch (in.below(5)) {
      case 0:
        return Wire.channelFrame(Wire.OPEN, channel, in.bool() ? CAPS : in.chunk());
      case 1:
        {
          byte[] header = ECHO.clone();
          header[28] = (byte) in.below(8); // seq
          if (in.bool()) {
            header[12] = 'x'; // "exho": no such method
          }
          byte[] app = in.bytes(in.u8()); // an application body: msgpack, or not
          byte[] body =
              ByteBuffer.allocate(BODY_START.length + 1 + app.length)
                  .put(BODY_START)
                  .put((byte) app.length)
                  .put(app)
                  .array();
          return Wire.dataFrame(channel, header, body);
        }
      case 2:
        return Wire.dataFrame(channel, in.chunk(), in.chunk());
      case 3:
        return Wire.close(channel, new String(in.chunk(), StandardCharsets.UTF_8));
      default:
        return in.chunk();
    }
  }

  /**
   * What a server may send a client: OPENED, CLOSE, DATA, PING, PONG or ABORT, each with its
   * fields.
   */
  private static void wellFormed(byte[] f) {
    assertTrue(f.length >= 1, "an empty record");
    int kind = f[0] & 0xff;
    assertTrue(
        kind == Wire.OPENED
            || kind == Wire.CLOSE
            || kind == Wire.DATA
            || kind == Wire.PING
            || kind == Wire.PONG
            || kind == Wire.ABORT,
        "kind " + kind + " from a server");
    if (kind == Wire.OPENED || kind == Wire.CLOSE) {
      assertTrue(f.length >= Wire.CHANNEL_FRAME_HEADER);
    }
    if (kind == Wire.DATA) {
      assertTrue(
          f.length >= Wire.DATA_FRAME_HEADER
              && Wire.getInt(f, 5) >= 0
              && Wire.getInt(f, 5) <= f.length - Wire.DATA_FRAME_HEADER);
    }
  }

  @Test
  void seeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    // OPEN channel 1 with capabilities, call echo on it, close it.
    seeds.put(
        "open-call-close",
        new FuzzInput.Writer()
            .u8(0)
            .u8(0)
            .u8(1)
            .u8(0)
            .u8(1)
            .u8(0)
            .u8(1)
            .u8(1)
            .u8(1)
            .u8(0)
            .u8(3)
            .bytes(new byte[] {(byte) 0xa2, 'h', 'i'})
            .u8(0)
            .u8(1)
            .u8(3)
            .chunk(new byte[0])
            .toByteArray());
    seeds.put(
        "abort",
        new FuzzInput.Writer()
            .u8(0)
            .u8(0)
            .u8(0)
            .u8(4)
            .chunk(Wire.abort(Wire.PROTOCOL, "bye"))
            .toByteArray());
    seeds.put(
        "bad-preamble",
        new FuzzInput.Writer().u8(1).bytes(RawTcp.preamble(1, "NULL")).toByteArray());
    FuzzSeeds.check(getClass(), Map.of("connection", seeds));
  }
}
