package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.SecurityFailure.Kind.AUTHENTICATION;
import static io.callosum.lower.tcp.internal.SecurityFailure.Kind.PROTOCOL;
import static io.callosum.lower.tcp.internal.curve.Fixtures.bytes;
import static io.callosum.lower.tcp.internal.curve.Fixtures.only;
import static io.callosum.lower.tcp.internal.curve.Fixtures.refuses;
import static io.callosum.lower.tcp.internal.curve.JnaclPeers.concat;
import static io.callosum.lower.tcp.internal.curve.JnaclPeers.property;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.tcp.internal.SecurityFailure;
import io.callosum.lower.tcp.internal.curve.Fixtures.SeededRandom;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CurveSecurity} against the independent jnacl peers of {@link JnaclPeers}, both roles, and
 * their forgeries.
 */
class JnaclCrossCheckTest {
  private final CurveKeyPair serverKeys = Fixtures.keyPair(100);
  private final CurveKeyPair clientKeys = Fixtures.keyPair(101);

  private CurveSecurity ourServer() {
    return CurveSecurity.server(
        Fixtures.allowing(serverKeys, clientKeys.publicKey()),
        Map.of("Socket-Type", "ROUTER".getBytes(StandardCharsets.US_ASCII)),
        new SeededRandom(102));
  }

  private JnaclPeers.Client theirClient() {
    return new JnaclPeers.Client(clientKeys.secretKey(), serverKeys.publicKey().bytes(), 103);
  }

  @Test
  void ourServerAcceptsAJnaclClient() throws SecurityFailure {
    CurveSecurity server = ourServer();
    JnaclPeers.Client client = theirClient();
    client.welcome(only(server.receive(client.hello())));
    byte[] metadata =
        concat(
            property("Socket-Type", "DEALER".getBytes(StandardCharsets.US_ASCII)),
            property("Identity", new byte[0]));
    client.ready(only(server.receive(client.initiate(metadata))));
    assertTrue(server.established());
    assertEquals("alice", server.userId());
    assertArrayEquals(
        "DEALER".getBytes(StandardCharsets.US_ASCII), server.remoteMetadata().get("Socket-Type"));
    assertArrayEquals(
        property("Socket-Type", "ROUTER".getBytes(StandardCharsets.US_ASCII)),
        client.readyMetadata);
    for (int length : new int[] {0, 1, 32, 1000, 65536}) {
      assertArrayEquals(bytes(length, length), server.open(client.message(bytes(length, length))));
      assertArrayEquals(
          bytes(length + 1, length), client.open(server.seal(bytes(length + 1, length))));
    }
  }

  @Test
  void ourClientAcceptsAJnaclServer() throws SecurityFailure {
    JnaclPeers.Server server = new JnaclPeers.Server(serverKeys.secretKey(), 104);
    CurveSecurity client =
        CurveSecurity.client(
            Fixtures.client(serverKeys.publicKey(), clientKeys),
            Map.of("Socket-Type", "DEALER".getBytes(StandardCharsets.US_ASCII)),
            new SeededRandom(105));
    server.hello(only(client.start()));
    server.initiate(only(client.receive(server.welcome())));
    assertArrayEquals(clientKeys.publicKey().bytes(), server.clientKey);
    assertArrayEquals(
        property("Socket-Type", "DEALER".getBytes(StandardCharsets.US_ASCII)),
        server.initiateMetadata);
    assertEquals(
        List.of(), client.receive(server.ready(property("Socket-Type", new byte[] {'X'}))));
    assertTrue(client.established());
    assertArrayEquals(new byte[] {'X'}, client.remoteMetadata().get("Socket-Type"));
    for (int length : new int[] {0, 1, 32, 1000, 65536}) {
      assertArrayEquals(bytes(length, length), server.open(client.seal(bytes(length, length))));
      assertArrayEquals(
          bytes(length + 1, length), client.open(server.message(bytes(length + 1, length))));
    }
  }

  @Test
  void aHelloSignatureBoxOfAnythingButZerosIsRefused() {
    CurveSecurity server = ourServer();
    JnaclPeers.Client client = theirClient();
    client.helloSignature[63] = 1;
    SecurityFailure f = refuses(PROTOCOL, () -> server.receive(client.hello()));
    assertEquals("HELLO's signature box does not hold 64 zero bytes", f.getMessage());
  }

  @Test
  void aVouchMadeWithAnotherKeyThanTheClaimedOneIsRefused() throws SecurityFailure {
    // Mallory claims Alice's (allowed) public key but can only vouch with her own secret key.
    CurveSecurity server = ourServer();
    JnaclPeers.Client mallory =
        new JnaclPeers.Client(
            Fixtures.keyPair(106).secretKey(), serverKeys.publicKey().bytes(), 107);
    mallory.claimedKey = clientKeys.publicKey().bytes();
    mallory.welcome(only(server.receive(mallory.hello())));
    SecurityFailure f =
        refuses(AUTHENTICATION, () -> server.receive(mallory.initiate(new byte[0])));
    assertEquals(ServerHandshake.UNPROVEN_CLIENT_KEY, f.getMessage());
  }

  @Test
  void aVouchForAnotherConnectionIsRefused() throws SecurityFailure {
    CurveSecurity server = ourServer();
    JnaclPeers.Client client = theirClient();
    client.vouchShort = bytes(108, 32);
    client.welcome(only(server.receive(client.hello())));
    SecurityFailure f = refuses(AUTHENTICATION, () -> server.receive(client.initiate(new byte[0])));
    assertTrue(f.getMessage().contains("another connection or server"), f.getMessage());
  }

  @Test
  void aVouchForAnotherServerIsRefused() throws SecurityFailure {
    CurveSecurity server = ourServer();
    JnaclPeers.Client client = theirClient();
    client.vouchServer = Fixtures.keyPair(109).publicKey().bytes();
    client.welcome(only(server.receive(client.hello())));
    refuses(AUTHENTICATION, () -> server.receive(client.initiate(new byte[0])));
  }

  @Test
  void aLowOrderClaimedKeyIsRefused() throws SecurityFailure {
    CurveSecurity server = ourServer();
    JnaclPeers.Client client = theirClient();
    client.claimedKey = new byte[32];
    client.welcome(only(server.receive(client.hello())));
    refuses(AUTHENTICATION, () -> server.receive(client.initiate(new byte[0])));
  }

  @Test
  void anInitiateNonceNotAboveHellosIsRefused() throws SecurityFailure {
    CurveSecurity server = ourServer();
    JnaclPeers.Client client = theirClient();
    client.initiateNonce = 1L;
    client.welcome(only(server.receive(client.hello())));
    SecurityFailure f = refuses(PROTOCOL, () -> server.receive(client.initiate(new byte[0])));
    assertTrue(f.getMessage().contains("not above HELLO's"), f.getMessage());
  }

  @Test
  void malformedMetadataIsRefused() throws SecurityFailure {
    List<byte[]> bad =
        List.of(
            new byte[] {5, 'A', 'B'}, // name longer than what is left
            new byte[] {0, 0, 0, 0, 0}, // empty name
            new byte[] {1, ' ', 0, 0, 0, 0}, // a space is no name character
            new byte[] {1, 'A', 0, 0}, // no value length
            new byte[] {1, 'A', 0, 0, 0, 9, 1}, // value longer than what is left
            new byte[] {1, 'A', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, // 4 GiB value
            concat(
                property("Name", new byte[0]),
                property("NAME", new byte[0]))); // twice, case-insensitively
    for (byte[] metadata : bad) {
      CurveSecurity server = ourServer();
      JnaclPeers.Client client = theirClient();
      client.welcome(only(server.receive(client.hello())));
      SecurityFailure f = refuses(PROTOCOL, () -> server.receive(client.initiate(metadata)));
      assertTrue(f.getMessage().startsWith("malformed metadata in INITIATE"), f.getMessage());
    }
  }

  @Test
  void ourClientRefusesAJnaclServerThatWelcomesWithAnotherKey() throws SecurityFailure {
    CurveKeyPair impostor = Fixtures.keyPair(110);
    JnaclPeers.Server server = new JnaclPeers.Server(impostor.secretKey(), 111);
    CurveSecurity client =
        Fixtures.clientSide(Fixtures.client(serverKeys.publicKey(), clientKeys), 112);
    byte[] hello = only(client.start());
    server.clientShort =
        Arrays.copyOfRange(hello, 80, 112); // the impostor cannot open HELLO; it answers
    SecurityFailure f = refuses(AUTHENTICATION, () -> client.receive(server.welcome()));
    assertEquals(
        "the server does not hold the secret key of " + serverKeys.publicKey(), f.getMessage());
  }
}
