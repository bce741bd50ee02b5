package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.SecurityFailure.Kind.PROTOCOL;
import static io.callosum.lower.tcp.internal.curve.Fixtures.bytes;
import static io.callosum.lower.tcp.internal.curve.Fixtures.refuses;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.tcp.internal.ConnectionSecurity;
import io.callosum.lower.tcp.internal.SecurityFailure;
import io.callosum.lower.tcp.internal.Wire;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.util.Pack;
import org.junit.jupiter.api.Test;

/**
 * The MESSAGE command and the short nonces of a session alone: two sessions given the same box key,
 * without a handshake, checked against RFC 26's layout with {@link NaclBox} directly.
 */
class SessionTest {
  private final Session client = new Session(false);
  private final Session server = new Session(true);

  SessionTest() {
    byte[] key = bytes(7, NaclBox.KEY_LENGTH);
    System.arraycopy(key, 0, client.key(), 0, key.length);
    System.arraycopy(key, 0, server.key(), 0, key.length);
  }

  @Test
  void aMessageIsItsNameTheShortNonceAndTheBoxOfFlagsAndFrame() {
    byte[] frame = bytes(3, 100);
    byte[] m = client.seal(frame);
    assertEquals(Command.MESSAGE_MIN + frame.length, m.length);
    assertTrue(Command.is(m, Command.MESSAGE));
    assertEquals(1, Pack.bigEndianToLong(m, 8), "the first nonce of a fresh session");
    byte[] plain = new byte[1 + frame.length];
    byte[] nonce = Command.fullNonce(Command.CLIENT_MESSAGE_NONCE, m, 8);
    assertTrue(NaclBox.open(client.key(), nonce, m, 16, m.length - 16, plain, 0));
    assertEquals(0, plain[0], "flags");
    assertArrayEquals(frame, Arrays.copyOfRange(plain, 1, plain.length));
  }

  /** A second client session under the same key, its nonces counting from the start. */
  private Session clientTwin() {
    Session twin = new Session(false);
    System.arraycopy(client.key(), 0, twin.key(), 0, NaclBox.KEY_LENGTH);
    return twin;
  }

  @Test
  void aDataFrameSealedInPlaceIsTheMessageOfTheFrameBuiltFirst() throws SecurityFailure {
    byte[] header = bytes(4, 20);
    byte[] body = bytes(5, 70_000);
    byte[] frame = Wire.dataFrame(9, header, body);
    byte[] inPlace = client.sealData(9, header, body);
    assertArrayEquals(clientTwin().seal(frame), inPlace, "the same bytes under the same nonce");
    assertArrayEquals(frame, server.open(inPlace));
    assertArrayEquals(
        Wire.dataFrame(9, new byte[0], new byte[0]),
        server.open(client.sealData(9, new byte[0], new byte[0])),
        "an empty header and body");
  }

  @Test
  void aBodyInPiecesIsSealedAsTheBodyJoined() throws SecurityFailure {
    byte[] bodyHead = bytes(6, 7);
    byte[] frame = Wire.dataFrame(9, bytes(4, 20), bodyHead, bytes(5, 70_000));
    byte[] inPieces = client.sealData(9, bytes(4, 20), bodyHead, bytes(5, 70_000));
    assertArrayEquals(clientTwin().seal(frame), inPieces, "the same bytes under the same nonce");
    assertArrayEquals(frame, server.open(inPieces));
  }

  @Test
  void aDataFrameOpensStraightIntoTheArraysItsTargetGives() throws SecurityFailure {
    byte[] header = bytes(4, 20);
    byte[] body = bytes(5, 70_000);
    List<String> asked = new ArrayList<>();
    byte[][] given = new byte[2][];
    ConnectionSecurity.DataTarget into =
        (channel, headerLength, bodyLength) -> {
          asked.add(channel + " " + headerLength + " " + bodyLength);
          given[0] = new byte[headerLength];
          given[1] = new byte[bodyLength];
          return given;
        };
    assertNull(server.open(client.sealData(9, header, body), into));
    assertEquals(List.of("9 20 70000"), asked);
    assertArrayEquals(header, given[0]);
    assertArrayEquals(body, given[1]);
    assertNull(server.open(client.sealData(3, new byte[0], new byte[0]), into));
    assertEquals("3 0 0", asked.get(1), "an empty header and body");

    ConnectionSecurity.DataTarget declines = (channel, headerLength, bodyLength) -> null;
    assertArrayEquals(
        Wire.dataFrame(9, header, body),
        server.open(client.sealData(9, header, body), declines),
        "declined: the whole frame");
    byte[] notData = bytes(6, 40);
    notData[0] = (byte) Wire.OPENED;
    assertArrayEquals(notData, server.open(client.seal(notData), into), "another kind: whole");
    byte[] tooLong = Wire.dataFrame(9, header, body);
    Wire.putInt(tooLong, 5, header.length + body.length + 1);
    assertArrayEquals(
        tooLong, server.open(client.seal(tooLong), into), "a header longer than the frame: whole");
    byte[] ping = {(byte) Wire.PING};
    assertArrayEquals(ping, server.open(client.seal(ping), into), "shorter than a DATA prefix");
    assertEquals(2, asked.size(), "asked for DATA frames that can hold their header only");
  }

  @Test
  void eachDirectionOpensTheOthersMessagesOnly() throws SecurityFailure {
    byte[] up = bytes(1, 33);
    byte[] down = bytes(2, 0);
    assertArrayEquals(up, server.open(client.seal(up)));
    assertArrayEquals(down, client.open(server.seal(down)));
    byte[] own = client.seal(up);
    SecurityFailure f = refuses(PROTOCOL, () -> client.open(own));
    assertTrue(f.getMessage().contains("does not open"), f.getMessage());
  }

  @Test
  void commandsAndMessagesShareOneCounterPerSide() throws SecurityFailure {
    assertEquals(1, client.takeNonce());
    assertEquals(2, client.takeNonce());
    byte[] m = client.seal(new byte[0]);
    assertEquals(3, Pack.bigEndianToLong(m, 8));
    server.open(m);
    assertEquals(3, server.remoteNonce());
  }

  @Test
  void replayedAndReorderedMessagesAreRefusedAndGapsAreNot() throws SecurityFailure {
    byte[] first = client.seal(bytes(1, 5));
    byte[] second = client.seal(bytes(2, 5));
    client.takeNonce(); // a gap: nonce 3 never sent
    byte[] fourth = client.seal(bytes(4, 5));
    server.open(second);
    refuses(PROTOCOL, () -> server.open(second));
    refuses(PROTOCOL, () -> server.open(first));
    assertArrayEquals(bytes(4, 5), server.open(fourth));
  }

  @Test
  void aMessageAtOrBelowTheLastAcceptedCommandIsRefused() {
    server.accepted(2);
    byte[] one = client.seal(new byte[1]);
    byte[] two = client.seal(new byte[1]);
    refuses(PROTOCOL, () -> server.open(one));
    SecurityFailure f = refuses(PROTOCOL, () -> server.open(two));
    assertTrue(f.getMessage().contains("nonce 2 is not above the last accepted 2"), f.getMessage());
  }

  @Test
  void tamperedShortAndFlaggedMessagesAreRefused() throws SecurityFailure {
    byte[] m = client.seal(bytes(9, 20));
    for (int i = 8; i < m.length; i++) {
      byte[] bad = m.clone();
      bad[i] ^= 0x40;
      refuses(PROTOCOL, () -> server.open(bad));
    }
    refuses(PROTOCOL, () -> server.open(Arrays.copyOf(m, Command.MESSAGE_MIN - 1)));
    byte[] flagged = client.seal(new byte[0]);
    byte[] nonce = Command.fullNonce(Command.CLIENT_MESSAGE_NONCE, flagged, 8);
    NaclBox.seal(client.key(), nonce, new byte[] {1}, 0, 1, flagged, 16);
    SecurityFailure f = refuses(PROTOCOL, () -> server.open(flagged));
    assertTrue(f.getMessage().contains("flags 0x1"), f.getMessage());
    assertArrayEquals(bytes(9, 20), server.open(m), "refusals accept no nonce");
  }

  @Test
  void wipeOverwritesTheKey() {
    server.wipe();
    assertArrayEquals(new byte[NaclBox.KEY_LENGTH], server.key());
  }
}
