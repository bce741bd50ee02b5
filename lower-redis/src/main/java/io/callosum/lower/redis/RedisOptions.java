package io.callosum.lower.redis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link RedisTransport}: how to reach Redis (AUTH, TLS) and how the lower uses its
 * streams. Immutable; {@link #defaults()} and {@link #toBuilder()} make variants. See {@code
 * lower-redis/README.md} for what each bound means.
 */
public final class RedisOptions {
  private final String username;
  private final char[] password;
  private final boolean verifyPeer;
  private final Path trustedCertificates;
  private final long maxStreamLength;
  private final Duration heartbeatInterval;
  private final Duration peerTimeout;
  private final Duration claimIdle;
  private final Duration blockTimeout;
  private final int readCount;
  private final Duration helloTimeout;
  private final long maxSendBacklog;
  private final int ioThreads;
  private final Duration idleTimeout;

  private RedisOptions(Builder b) {
    this.username = b.username;
    this.password = b.password == null ? null : b.password.clone();
    this.verifyPeer = b.verifyPeer;
    this.trustedCertificates = b.trustedCertificates;
    this.maxStreamLength = b.maxStreamLength;
    this.heartbeatInterval = b.heartbeatInterval;
    this.peerTimeout = b.peerTimeout;
    this.claimIdle = b.claimIdle;
    this.blockTimeout = b.blockTimeout;
    this.readCount = b.readCount;
    this.helloTimeout = b.helloTimeout;
    this.maxSendBacklog = b.maxSendBacklog;
    this.ioThreads = b.ioThreads;
    this.idleTimeout = b.idleTimeout;
  }

  /** The defaults: no AUTH, TLS peers verified, the bounds listed on the builder's methods. */
  public static RedisOptions defaults() {
    return new Builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.username = username;
    b.password = password == null ? null : password.clone();
    b.verifyPeer = verifyPeer;
    b.trustedCertificates = trustedCertificates;
    b.maxStreamLength = maxStreamLength;
    b.heartbeatInterval = heartbeatInterval;
    b.peerTimeout = peerTimeout;
    b.claimIdle = claimIdle;
    b.blockTimeout = blockTimeout;
    b.readCount = readCount;
    b.helloTimeout = helloTimeout;
    b.maxSendBacklog = maxSendBacklog;
    b.ioThreads = ioThreads;
    b.idleTimeout = idleTimeout;
    return b;
  }

  /** The ACL user for AUTH, or null (the password alone, or no AUTH). */
  public String username() {
    return username;
  }

  /** A copy of the AUTH password, or null for no AUTH. */
  public char[] password() {
    return password == null ? null : password.clone();
  }

  /** Whether a {@code rediss://} connection checks the server's certificate and host name. */
  public boolean verifyPeer() {
    return verifyPeer;
  }

  /**
   * PEM file of the certificates to trust for {@code rediss://}, or null for the JDK's. Read as
   * each endpoint opens; one missing or without a certificate fails the open, naming the file.
   */
  public Path trustedCertificates() {
    return trustedCertificates;
  }

  /** The approximate length ({@code MAXLEN ~}) every stream this lower writes is trimmed to. */
  public long maxStreamLength() {
    return maxStreamLength;
  }

  /** How often a connecting peer tells its bound peer that it is alive. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** Silence after which a bound peer drops a connecting peer (its calls fail). */
  public Duration peerTimeout() {
    return peerTimeout;
  }

  /**
   * How long an entry stays read but unacknowledged by a consumer before a consumer of its group
   * claims it ({@code XPENDING ... IDLE}, {@code XCLAIM}, every half of this): another consumer
   * when its reader died, the same one when its {@code XACK} failed or the reply of its read was
   * lost. Zero claims nothing, not even a consumer's own entries: an entry whose {@code XACK}
   * failed then stays pending until a consumer of the same name starts again (it reads its own
   * pending entries first), and forever if none does.
   */
  public Duration claimIdle() {
    return claimIdle;
  }

  /** The {@code BLOCK} of each {@code XREADGROUP}. */
  public Duration blockTimeout() {
    return blockTimeout;
  }

  /** The most entries one {@code XREADGROUP} returns ({@code COUNT}). */
  public int readCount() {
    return readCount;
  }

  /**
   * How long a connecting peer waits for the welcome of a bound peer that reads its stream before
   * taking it for Python Callosum (which sends none).
   */
  public Duration helloTimeout() {
    return helloTimeout;
  }

  /** Bytes an endpoint may have sent to Redis without its reply; past it sends are refused. */
  public long maxSendBacklog() {
    return maxSendBacklog;
  }

  /**
   * Threads of the transport's Redis client: as many Netty I/O threads and executors, shared by all
   * its endpoints (each endpoint runs its work on one executor and its connections on one I/O
   * thread, the next of each in turn).
   */
  public int ioThreads() {
    return ioThreads;
  }

  /**
   * How long the transport's client threads outlive its last endpoint (an endpoint opened within it
   * reuses them); zero ends them with the last endpoint.
   */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  @Override
  public String toString() {
    return "RedisOptions(username="
        + username
        + ", password="
        + (password == null ? "none" : "set")
        + ", verifyPeer="
        + verifyPeer
        + ", maxStreamLength="
        + maxStreamLength
        + ", heartbeatInterval="
        + heartbeatInterval
        + ", peerTimeout="
        + peerTimeout
        + ", claimIdle="
        + claimIdle
        + ")";
  }

  /** Builds {@link RedisOptions}; each setter names its default. Not thread-safe. */
  public static final class Builder {
    private String username;
    private char[] password;
    private boolean verifyPeer = true;
    private Path trustedCertificates;
    private long maxStreamLength = 10_000;
    private Duration heartbeatInterval = Duration.ofSeconds(5);
    private Duration peerTimeout = Duration.ofSeconds(30);
    private Duration claimIdle = Duration.ofSeconds(30);
    private Duration blockTimeout = Duration.ofSeconds(1);
    private int readCount = 64;
    private Duration helloTimeout = Duration.ofSeconds(1);
    private long maxSendBacklog = 64L << 20;
    private int ioThreads = 2;
    private Duration idleTimeout = Duration.ofSeconds(1);

    private Builder() {}

    /** AUTH with an ACL user (Redis 6 and later); default none. A password in the address wins. */
    public Builder credentials(String username, char[] password) {
      this.username = Objects.requireNonNull(username, "username");
      this.password = Objects.requireNonNull(password, "password").clone();
      return this;
    }

    /** AUTH with the password alone ({@code requirepass}); default none. */
    public Builder password(char[] password) {
      this.username = null;
      this.password = Objects.requireNonNull(password, "password").clone();
      return this;
    }

    /** Default true; false accepts any certificate (tests against a self-signed server only). */
    public Builder verifyPeer(boolean verifyPeer) {
      this.verifyPeer = verifyPeer;
      return this;
    }

    /**
     * Default null: the JDK's trusted certificates. Otherwise exactly the certificates of this PEM
     * file (a CA's, or a self-signed server's own), read as each {@code rediss://} endpoint opens.
     */
    public Builder trustedCertificates(Path pemFile) {
      this.trustedCertificates = pemFile;
      return this;
    }

    /** Default 10,000 entries per stream; at least 1. */
    public Builder maxStreamLength(long entries) {
      this.maxStreamLength = atLeast("maxStreamLength", entries, 1);
      return this;
    }

    /** Default 5 s. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = positive("heartbeatInterval", interval);
      return this;
    }

    /** Default 30 s; more than the heartbeat interval. */
    public Builder peerTimeout(Duration timeout) {
      this.peerTimeout = positive("peerTimeout", timeout);
      return this;
    }

    /** Default 30 s; zero claims nothing (see {@link RedisOptions#claimIdle()}). */
    public Builder claimIdle(Duration idle) {
      Objects.requireNonNull(idle, "claimIdle");
      if (idle.isNegative()) {
        throw new IllegalArgumentException("claimIdle must not be negative: " + idle);
      }
      this.claimIdle = idle;
      return this;
    }

    /** Default 1 s, as Python Callosum. */
    public Builder blockTimeout(Duration timeout) {
      this.blockTimeout = positive("blockTimeout", timeout);
      return this;
    }

    /** Default 64. */
    public Builder readCount(int count) {
      this.readCount = (int) atLeast("readCount", count, 1);
      return this;
    }

    /** Default 1 s. */
    public Builder helloTimeout(Duration timeout) {
      this.helloTimeout = positive("helloTimeout", timeout);
      return this;
    }

    /** Default 64 MiB; at least 64 KiB. */
    public Builder maxSendBacklog(long bytes) {
      this.maxSendBacklog = atLeast("maxSendBacklog", bytes, 64 << 10);
      return this;
    }

    /** Default 2. */
    public Builder ioThreads(int threads) {
      this.ioThreads = (int) atLeast("ioThreads", threads, 1);
      return this;
    }

    /** Default 1 s. */
    public Builder idleTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "idleTimeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("idleTimeout must not be negative: " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    public RedisOptions build() {
      if (peerTimeout.compareTo(heartbeatInterval) <= 0) {
        throw new IllegalArgumentException(
            "peerTimeout ("
                + peerTimeout
                + ") must be longer than heartbeatInterval ("
                + heartbeatInterval
                + ")");
      }
      return new RedisOptions(this);
    }

    private static long atLeast(String name, long value, long min) {
      if (value < min) {
        throw new IllegalArgumentException(name + " must be at least " + min + ": " + value);
      }
      return value;
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
