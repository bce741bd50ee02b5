package io.callosum.lower.tcp.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A stand-in security mechanism ("TOY", not secure) that exercises the plumbing the CURVE layer
 * uses: a client HELLO carrying a name, a server WELCOME after an authenticator-like check (which
 * may block; a refusal answers ERROR, which the client reads), then every frame sealed with a
 * strictly increasing counter that {@link #open} checks, so replayed or reordered frames are
 * refused.
 */
final class ToySecurity implements ConnectionSecurity {
  static final String NAME = "TOY";
  private static final byte KEY = 0x5a;

  private final String clientName;
  private final Function<String, String> check;
  final AtomicInteger seals = new AtomicInteger();
  volatile String checkedOn;
  private boolean established;
  private boolean asked;
  private String userId;
  private long sent;
  private long received;

  private ToySecurity(String clientName, Function<String, String> check) {
    this.clientName = clientName;
    this.check = check;
  }

  static ToySecurity client(String name) {
    return new ToySecurity(name, null);
  }

  /** {@code check} maps a client name to its user id, or null to refuse it. */
  static ToySecurity server(Function<String, String> check) {
    return new ToySecurity(null, check);
  }

  static byte[] hello(String name) {
    return ("HELLO:" + name).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String mechanism() {
    return NAME;
  }

  @Override
  public List<byte[]> start() {
    return clientName != null ? List.of(hello(clientName)) : List.of();
  }

  @Override
  public List<byte[]> receive(byte[] frame) throws SecurityFailure {
    return handshakeStep(frame).complete();
  }

  /**
   * Server: a HELLO leaves the check to a decision, which answers WELCOME or refuses with an ERROR
   * the client reads.
   */
  @Override
  public Step handshakeStep(byte[] frame) throws SecurityFailure {
    String s = new String(frame, StandardCharsets.UTF_8);
    if (clientName != null) {
      if (s.startsWith("ERROR:")) {
        throw new SecurityFailure(
            SecurityFailure.Kind.AUTHENTICATION, "the server refused: " + s.substring(6));
      }
      if (!s.equals("WELCOME") || established) {
        throw new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "expected one WELCOME, got " + s);
      }
      established = true;
      return new Step(List.of(), null);
    }
    if (!s.startsWith("HELLO:") || established || asked) {
      throw new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "expected one HELLO, got " + s);
    }
    asked = true;
    String name = s.substring(6);
    return new Step(
        List.of(),
        new Decision() {
          private volatile String user;

          @Override
          public void ask() {
            checkedOn = Thread.currentThread().getName();
            user = check.apply(name);
          }

          @Override
          public List<byte[]> finish() throws SecurityFailure {
            if (user == null) {
              String why = "unknown client " + name;
              throw new SecurityFailure(
                  SecurityFailure.Kind.AUTHENTICATION,
                  why,
                  ("ERROR:" + why).getBytes(StandardCharsets.UTF_8));
            }
            userId = user;
            established = true;
            return List.of("WELCOME".getBytes(StandardCharsets.UTF_8));
          }
        });
  }

  @Override
  public boolean established() {
    return established;
  }

  @Override
  public String userId() {
    return userId;
  }

  @Override
  public byte[] seal(byte[] plaintext) {
    seals.incrementAndGet();
    return seal(sent++, plaintext);
  }

  static byte[] seal(long counter, byte[] plaintext) {
    ByteBuffer b = ByteBuffer.allocate(8 + plaintext.length).putLong(counter);
    for (byte x : plaintext) {
      b.put((byte) (x ^ KEY));
    }
    return b.array();
  }

  /** The plaintext of a sealed frame, whatever its counter (for tests reading the wire). */
  static byte[] unseal(byte[] frame) {
    byte[] p = new byte[frame.length - 8];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) (frame[8 + i] ^ KEY);
    }
    return p;
  }

  @Override
  public byte[] open(byte[] frame) throws SecurityFailure {
    if (frame.length < 8) {
      throw new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "short frame");
    }
    long counter = ByteBuffer.wrap(frame).getLong();
    if (counter != received) {
      throw new SecurityFailure(
          SecurityFailure.Kind.PROTOCOL,
          "frame " + counter + " replayed or reordered (expected " + received + ")");
    }
    received++;
    return unseal(frame);
  }
}
