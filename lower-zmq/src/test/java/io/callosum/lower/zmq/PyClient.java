package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.testing.Await;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A raw DEALER playing Python Callosum's client: it sends Python's frames and checks every message
 * it receives against what Python Callosum survives. A Python peer answers PING with PONG at any
 * time ({@code ZeroMQRPCConnection.recv_message}), so this one does too, and counts those PINGs
 * ({@link #probes()}); a PING must look exactly like Python's own ({@code [PING, "", ""]}).
 * Anything else (an unknown kind, a wrong frame count, a header with other keys than the five, a
 * type above 6, a body Python's decoder rejects) fails the test.
 */
final class PyClient implements AutoCloseable {
  /**
   * How long the first message may take before the raw DEALER is replaced. A fresh jeromq DEALER
   * sometimes never completes its ZMTP handshake until ZMQ_HANDSHAKE_IVL (30 s) passes (jeromq
   * #912, connect side only; Python's libzmq client does not have this problem), so the test's
   * stand-in for Python retries on a fresh socket, as the Java connector does.
   */
  static final long FIRST_CONTACT_MILLIS = 1000;

  private final String address;
  private RawZmq dealer;
  private final List<List<byte[]>> received = new ArrayList<>();
  private int probes;
  private int strayPongs;
  private int attempts;

  private PyClient(String address) {
    this.address = address;
  }

  /** A raw DEALER for a Callosum address ({@code zmq+tcp://...}); connects at the first contact. */
  static PyClient connect(String address) {
    return new PyClient(address);
  }

  /**
   * Sends {@code frames} on a fresh DEALER and returns the first message back, retrying on a fresh
   * DEALER while nothing comes back within {@link #FIRST_CONTACT_MILLIS}.
   */
  private List<byte[]> firstContact(byte[]... frames) {
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (dealer != null) {
        dealer.close();
      }
      attempts++;
      dealer = RawZmq.dealerTo(address);
      dealer.send(frames);
      List<byte[]> m = dealer.receive(FIRST_CONTACT_MILLIS);
      if (m != null) {
        return m;
      }
    }
    throw new AssertionError(
        "no answer to the first message within " + Await.LIMIT + " (" + attempts + " attempts)");
  }

  /**
   * Python's handshake: sends {@code [PING, "", ""]} and requires exactly {@code [PONG, "", ""]}
   * back.
   */
  PyClient handshake() {
    List<byte[]> m = firstContact(PyWire.PING, PyWire.EMPTY, PyWire.EMPTY);
    received.add(m);
    assertEquals(3, m.size(), "PONG frames " + PyWire.describe(m));
    assertArrayEquals(
        PyWire.PONG, m.get(0), "the answer to PING must be PONG: " + PyWire.describe(m));
    assertArrayEquals(PyWire.EMPTY, m.get(1), "PONG header must echo the empty PING header");
    assertArrayEquals(PyWire.EMPTY, m.get(2), "PONG body must echo the empty PING body");
    return this;
  }

  /** Without a handshake: sends one UPPER as the first message and returns the (checked) answer. */
  List<byte[]> firstUpper(byte[] header, byte[] body) {
    List<byte[]> m = firstContact(PyWire.UPPER, header, body);
    if (check(m)) {
      return m;
    }
    return nextUpper();
  }

  /** How many fresh DEALERs the first contact took (more than 1: the jeromq connect stall hit). */
  int attempts() {
    return attempts;
  }

  /** The DEALER after the first contact, for tests that leave Python's script. */
  RawZmq raw() {
    return dealer;
  }

  void sendUpper(byte[] header, byte[] body) {
    dealer.send(PyWire.UPPER, header, body);
  }

  /**
   * The next UPPER message ({@code [UPPER, header, body]}), checked; PINGs on the way are answered.
   */
  List<byte[]> nextUpper() {
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new AssertionError("no UPPER message within " + Await.LIMIT);
      }
      List<byte[]> m = dealer.receive(left);
      if (m == null) {
        continue;
      }
      if (check(m)) {
        return m;
      }
    }
  }

  /**
   * Reads messages for {@code millis} (a bounded wait for something that should not come), checking
   * and answering them; returns the UPPER ones.
   */
  List<List<byte[]>> drain(long millis) {
    List<List<byte[]>> uppers = new ArrayList<>();
    long deadline = System.nanoTime() + millis * 1_000_000;
    long left;
    while ((left = (deadline - System.nanoTime()) / 1_000_000) > 0) {
      List<byte[]> m = dealer.receive(left);
      if (m != null && check(m)) {
        uppers.add(m);
      }
    }
    return uppers;
  }

  /** Checks one received message; true for UPPER, false for a PING (answered) or a stray PONG. */
  private boolean check(List<byte[]> m) {
    received.add(m);
    assertEquals(
        3, m.size(), "a Python client only handles [kind, header, body]: " + PyWire.describe(m));
    byte[] kind = m.get(0);
    if (Arrays.equals(kind, PyWire.UPPER)) {
      PyWire.checkUpper(m.get(1), m.get(2));
      return true;
    }
    if (Arrays.equals(kind, PyWire.PING)) {
      // Python answers this ([*pre, PONG, header, body]); it must look like Python's own PING.
      assertArrayEquals(
          PyWire.EMPTY, m.get(1), "a PING to a Python client must have an empty header");
      assertArrayEquals(
          PyWire.EMPTY, m.get(2), "a PING to a Python client must have an empty body");
      probes++;
      dealer.send(PyWire.PONG, m.get(1), m.get(2));
      return false;
    }
    if (Arrays.equals(kind, PyWire.PONG)) {
      strayPongs++;
      return false;
    }
    throw new AssertionError(
        "a Python client got a frame kind other than PONG/UPPER/PING: " + PyWire.describe(m));
  }

  /** PINGs received (and answered) after the handshake. */
  int probes() {
    return probes;
  }

  /** PONGs received after the handshake (Python ignores them). */
  int strayPongs() {
    return strayPongs;
  }

  /** Every message received so far, in order. */
  List<List<byte[]>> received() {
    return received;
  }

  @Override
  public void close() {
    if (dealer != null) {
      dealer.close();
    }
  }
}
