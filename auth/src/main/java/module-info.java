/**
 * Callosum authentication: Curve25519 key pairs and their Z85 text form, ZeroMQ certificate files,
 * and the {@link io.callosum.auth.ServerAuthenticator} / {@link
 * io.callosum.auth.ClientAuthenticator} roles that the ZeroMQ and TCP lowers use to secure
 * connections. Depends on no other Callosum module.
 */
module io.callosum.auth {
  requires org.bouncycastle.provider;
  requires org.slf4j;

  exports io.callosum.auth;
}
