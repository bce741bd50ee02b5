package io.callosum.auth;

/**
 * The authentication of a bound (server) endpoint: its identity — a domain and a key pair — and the
 * decision which clients may connect. The same role as Python Callosum's {@code
 * AbstractServerAuthenticator} ({@code server_identity()}, {@code check_client(creds)}). A lower
 * given a server authenticator encrypts every connection with the server's key pair and asks {@link
 * #checkClient} about each client that completes the handshake; without one, connections are plain.
 *
 * <p>Ready-made: {@link AllowListAuthenticator} (public keys held in memory) and {@link
 * CertificateDirectoryAuthenticator} (a directory of {@code *.key} certificate files).
 *
 * <p><b>Threads.</b> {@link #domain()} and {@link #serverKeyPair()} are read when the lower binds.
 * {@link #checkClient} is called on the lower's authentication threads (for ZeroMQ, the ZAP
 * handler; for TCP, a few authenticator threads per transport, apart from the key agreement) while
 * its connection waits: it must be thread-safe, as it may be called from several threads at once
 * and several lowers may share one authenticator. It should be fast and not block on the network: a
 * slow check holds up its own client's handshake, and others' once every such thread waits.
 */
public interface ServerAuthenticator {
  /**
   * The ZAP domain of the endpoint: it reaches {@link #checkClient} in every {@link Credential}.
   */
  String domain();

  /** The server's key pair; clients must know its public key. */
  CurveKeyPair serverKeyPair();

  /**
   * Whether the client that presented {@code credential} may connect, and as whom. An exception
   * counts as a rejection.
   */
  AuthResult checkClient(Credential credential);
}
