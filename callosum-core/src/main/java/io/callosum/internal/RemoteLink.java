package io.callosum.internal;

import io.callosum.Invocation;
import io.callosum.RemotePeer;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Link;
import io.callosum.lower.MemoryBudget;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The core's state for one connected remote: its link, its calls in flight both ways, its big
 * messages in transfer. Its tables are concurrent: the I/O thread, callers, handlers and the timer
 * all reach them.
 */
final class RemoteLink implements RemotePeer {
  /** Makes the calls made through this remote. */
  final OutgoingCalls calls;

  final Link link;
  final Capabilities capabilities;

  /** {@link #address()}: fixed by the peer's role and address, so made once per peer. */
  private final Optional<String> address;

  /** Where what this peer holds for the remote counts ({@link Link#memory()}). */
  final MemoryBudget.Holder memory;

  /** Calls this peer made to the remote, by seq. */
  final ConcurrentHashMap<Long, ClientCall> pending = new ConcurrentHashMap<>();

  /** Calls the remote made to this peer that have not been answered yet. */
  final ConcurrentHashMap<ServeKey, ServerCall> serving = new ConcurrentHashMap<>();

  volatile boolean connected = true;

  /** The remote said it is shutting down (a SHUTDOWN message): no new calls go to it. */
  volatile boolean shuttingDown;

  /** Big messages this peer is sending in chunks, by {@link Chunks#key}. */
  final ConcurrentHashMap<Long, Chunks.Out> chunksOut = new ConcurrentHashMap<>();

  /** Big messages arriving in chunks, by {@link Chunks#key}. */
  final ConcurrentHashMap<Long, Chunks.In> chunksIn = new ConcurrentHashMap<>();

  /** The announced bytes of {@link #chunksIn}. */
  final AtomicLong chunkBytesIn = new AtomicLong();

  /** This remote as the target of its invocations (made once, not per call). */
  @SuppressWarnings("UnnecessaryLambda") // made once: a method reference would allocate per call
  private final Supplier<RemoteLink> itself = () -> this;

  /**
   * What this remote's calls hold in the callee scheduler: the fair share of its remote ({@link
   * #sourceOf}); null for a remote that serves no calls (in tests).
   */
  final FairShares.Share share;

  /** A remote that serves no calls (for tests of other parts). */
  RemoteLink(OutgoingCalls calls, Link link) {
    this(calls, link, null, Optional.empty());
  }

  RemoteLink(OutgoingCalls calls, Link link, FairShares.Share share, Optional<String> address) {
    this.calls = calls;
    this.link = link;
    this.address = address;
    this.capabilities = link.remoteCapabilities();
    this.share = share;
    this.memory = link.memory();
  }

  /**
   * Whom the calls of {@code link}'s remote count against in fair shares: its authenticated
   * identity if the lower reports one (all its links together), else its connection ({@link
   * Link#connection()}); neither is anything the remote sends.
   */
  static FairShares.Source sourceOf(Link link, int weight) {
    Optional<String> identity = link.identity();
    return identity.isPresent()
        ? new FairShares.Source(new Identity(identity.get()), weight, "identity " + identity.get())
        : new FairShares.Source(link.connection(), weight, "the connection of " + link.id());
  }

  /** The key of the remotes with one identity (never equal to a lower's connection object). */
  private record Identity(String name) {}

  /**
   * The {@link #address()} of the remotes of a peer that connected to {@code address}: the address
   * without its user info, which may hold a password (as {@code redis://user:password@host} does).
   */
  static String withoutUserInfo(URI address) {
    // The raw authority, so that this holds whether or not the URI parsed it as HOST[:PORT].
    String authority = address.getRawAuthority();
    int at = authority != null ? authority.lastIndexOf('@') : -1;
    if (at < 0) {
      return address.toString();
    }
    return address.getScheme()
        + "://"
        + authority.substring(at + 1)
        + Objects.toString(address.getRawPath(), "")
        + (address.getRawQuery() != null ? "?" + address.getRawQuery() : "")
        + (address.getRawFragment() != null ? "#" + address.getRawFragment() : "");
  }

  @Override
  public String id() {
    return link.id();
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  @Override
  public Optional<String> identity() {
    return link.identity();
  }

  @Override
  public Optional<String> address() {
    return address;
  }

  @Override
  public boolean isConnected() {
    return connected;
  }

  @Override
  public boolean isShuttingDown() {
    return shuttingDown;
  }

  @Override
  public Invocation call(String method) {
    return new InvocationImpl(calls, itself, method, null);
  }

  /**
   * A view of this remote whose calls are callbacks of {@code parent} (a handler's {@code
   * caller()}).
   */
  RemotePeer withParent(ServerCall parent) {
    RemoteLink self = this;
    return new RemotePeer() {
      @Override
      public String id() {
        return self.id();
      }

      @Override
      public Capabilities capabilities() {
        return self.capabilities();
      }

      @Override
      public Optional<String> identity() {
        return self.identity();
      }

      @Override
      public Optional<String> address() {
        return self.address();
      }

      @Override
      public boolean isConnected() {
        return self.isConnected();
      }

      @Override
      public boolean isShuttingDown() {
        return self.isShuttingDown();
      }

      @Override
      public Invocation call(String method) {
        return new InvocationImpl(calls, itself, method, parent);
      }

      @Override
      public String toString() {
        return self.toString();
      }
    };
  }

  @Override
  public String toString() {
    return "RemotePeer("
        + id()
        + (capabilities.isLegacy() ? ", legacy" : "")
        + (connected ? (shuttingDown ? ", shutting down" : "") : ", disconnected")
        + ")";
  }
}
