package io.callosum.lower.tcp.internal.curve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.AuthResult;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.Credential;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.tcp.internal.SecurityFailure;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.function.Executable;

/** Deterministic keys, randomness and authenticators for the CurveZMQ tests. */
final class Fixtures {
  private Fixtures() {}

  /**
   * A SecureRandom whose bytes come from a seeded SplittableRandom: the same seed, the same
   * handshake.
   */
  static final class SeededRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;

    private final SplittableRandom random;

    SeededRandom(long seed) {
      this.random = new SplittableRandom(seed);
    }

    @Override
    public void nextBytes(byte[] bytes) {
      random.nextBytes(bytes);
    }
  }

  static CurveKeyPair keyPair(long seed) {
    return CurveKeyPair.generate(new SeededRandom(seed));
  }

  static CurveKeyPair keyPairFromSecret(byte[] secret) {
    return CurveKeyPair.fromSecretKey(secret);
  }

  static byte[] bytes(long seed, int length) {
    byte[] b = new byte[length];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  static CurveSecurity clientSide(ClientAuthenticator authenticator, long seed) {
    return CurveSecurity.client(authenticator, Map.of(), new SeededRandom(seed));
  }

  static CurveSecurity serverSide(ServerAuthenticator authenticator, long seed) {
    return CurveSecurity.server(authenticator, Map.of(), new SeededRandom(seed));
  }

  /** A server authenticator in domain "test" that answers with {@code decision}. */
  static ServerAuthenticator server(
      CurveKeyPair serverKeys, Function<Credential, AuthResult> decision) {
    return new ServerAuthenticator() {
      @Override
      public String domain() {
        return "test";
      }

      @Override
      public CurveKeyPair serverKeyPair() {
        return serverKeys;
      }

      @Override
      public AuthResult checkClient(Credential credential) {
        return decision.apply(credential);
      }
    };
  }

  /** A server authenticator that lets in {@code allowed} only, as user "alice". */
  static ServerAuthenticator allowing(CurveKeyPair serverKeys, CurvePublicKey allowed) {
    return server(
        serverKeys,
        c ->
            c.publicKey().equals(allowed) && c.domain().equals("test")
                ? AuthResult.accept("alice")
                : AuthResult.reject());
  }

  static ClientAuthenticator client(CurvePublicKey serverKey, CurveKeyPair clientKeys) {
    return ClientAuthenticator.of(serverKey, clientKeys);
  }

  /** The frame of a one-frame answer. */
  static byte[] only(List<byte[]> frames) {
    assertEquals(1, frames.size(), "frames");
    return frames.get(0);
  }

  /**
   * Runs the four handshake steps between {@code client} and {@code server}; both are established
   * afterwards.
   */
  static void handshake(CurveSecurity client, CurveSecurity server) throws SecurityFailure {
    assertEquals(List.of(), server.start());
    byte[] hello = only(client.start());
    byte[] welcome = only(server.receive(hello));
    byte[] initiate = only(client.receive(welcome));
    byte[] ready = only(server.receive(initiate));
    assertTrue(server.established());
    assertEquals(List.of(), client.receive(ready));
    assertTrue(client.established());
  }

  /**
   * A pair of sides with fresh keys that completes the handshake; the client is let in as "alice".
   */
  static final class Pair {
    final CurveKeyPair serverKeys;
    final CurveKeyPair clientKeys;
    final CurveSecurity client;
    final CurveSecurity server;

    Pair(long seed) {
      this(seed, Map.of(), Map.of());
    }

    Pair(long seed, Map<String, byte[]> clientMetadata, Map<String, byte[]> serverMetadata) {
      this(seed, seed, clientMetadata, serverMetadata);
    }

    /** Keys from {@code keySeed}, connection randomness from {@code randomSeed}. */
    Pair(
        long keySeed,
        long randomSeed,
        Map<String, byte[]> clientMetadata,
        Map<String, byte[]> serverMetadata) {
      serverKeys = keyPair(keySeed);
      clientKeys = keyPair(keySeed + 1);
      client =
          CurveSecurity.client(
              client(serverKeys.publicKey(), clientKeys),
              clientMetadata,
              new SeededRandom(randomSeed + 2));
      server =
          CurveSecurity.server(
              allowing(serverKeys, clientKeys.publicKey()),
              serverMetadata,
              new SeededRandom(randomSeed + 3));
    }

    Pair established() throws SecurityFailure {
      handshake(client, server);
      return this;
    }
  }

  /** Asserts that {@code step} refuses with {@code kind}, and returns the failure. */
  static SecurityFailure refuses(SecurityFailure.Kind kind, Executable step) {
    SecurityFailure f = assertThrows(SecurityFailure.class, step);
    assertEquals(kind, f.kind(), () -> "kind of: " + f.getMessage());
    return f;
  }

  static byte[] flip(byte[] frame, int index, int bit) {
    byte[] copy = frame.clone();
    copy[index] ^= (byte) (1 << bit);
    return copy;
  }
}
